"""Virus scanning with clamd (through clamav-client), configured by CLAMD_SOCKET or CLAMD_HOST."""

from dataclasses import dataclass
from typing import IO, BinaryIO, cast

from clamav_client.clamd import (
    BufferTooLongError,
    ClamdError,
    ClamdNetworkSocket,
    ClamdUnixSocket,
)
from django.conf import settings


class ScannerUnavailable(Exception):
    """clamd is configured but could not be reached or answered with an error: try again later."""


class TooLargeToScan(Exception):
    """clamd refused the stream as longer than its StreamMaxLength."""


@dataclass(frozen=True)
class ScanOutcome:
    infected: bool
    signature: str = ""


def scanner_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _client() -> ClamdUnixSocket | ClamdNetworkSocket:
    timeout = settings.CLAMD_TIMEOUT
    if settings.CLAMD_SOCKET:
        return ClamdUnixSocket(path=settings.CLAMD_SOCKET, timeout=timeout)
    return ClamdNetworkSocket(host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=timeout)


def scan_stream(stream: IO[bytes]) -> ScanOutcome:
    """Stream `stream` to clamd (INSTREAM) and say whether it found a virus."""
    try:
        report = _client().instream(cast(BinaryIO, stream))
    except BufferTooLongError as error:
        raise TooLargeToScan(str(error)) from error
    except (ClamdError, OSError) as error:
        raise ScannerUnavailable(str(error)) from error
    status, signature = report.get("stream", (None, None))
    if status == "FOUND":
        return ScanOutcome(infected=True, signature=signature or "unknown")
    if status == "OK":
        return ScanOutcome(infected=False)
    raise ScannerUnavailable(f"clamd answered {status!r}: {signature!r}")


def ping() -> bool:
    try:
        return _client().ping() == "PONG"
    except (ClamdError, OSError):
        return False
