"""What every uploaded file goes through, whichever app takes it (records, authority documents,
message attachments): a safe display name, the size limit, its type sniffed from its bytes, and
the virus scan with its outcome."""

from typing import IO

import magic
from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat

from secondopinion.errors import ApplicationError

from . import scanning


class ScanStatus(models.TextChoices):
    PENDING = "pending", "Waiting for virus scan"
    CLEAN = "clean", "Scanned: clean"
    INFECTED = "infected", "Quarantined: a virus was found"
    NOT_SCANNED = "not_scanned", "Not scanned (no virus scanner configured)"


SNIFF_BYTES = 8192


_DICOM_MAGIC_OFFSET = 128


def detect_type(stream: IO[bytes]) -> str:
    """The file's type from its first bytes: DICOM by its "DICM" preamble, the rest by libmagic."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head[_DICOM_MAGIC_OFFSET : _DICOM_MAGIC_OFFSET + 4] == b"DICM":
        return "application/dicom"
    return magic.from_buffer(head, mime=True)


def display_name(name: str) -> str:
    """The uploaded name as safe display text: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:255] or "unnamed file"


def check_name(name: str) -> str:
    """A name sent by a client (tus metadata), refused when it tries to climb out of a folder."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or any(ord(ch) < 32 for ch in name):
        shown = display_name(name)
        raise ApplicationError(
            f"“{shown}” was sent with a folder path we can't accept. Rename the file and try again."
        )
    return display_name(name)


def check_size(name: str, size: int, *, field: str | None = None) -> None:
    """Refuse an empty file or one over RECORD_MAX_UPLOAD_BYTES, naming it (`field`: the form
    field to show the message at)."""
    if size == 0:
        raise ApplicationError(f"“{name}” is empty (0 bytes). Choose the file again.", field=field)
    if size > settings.RECORD_MAX_UPLOAD_BYTES:
        limit = filesizeformat(settings.RECORD_MAX_UPLOAD_BYTES)
        raise ApplicationError(f"“{name}” is larger than the {limit} limit.", field=field)


def initial_scan_status() -> str:
    """A new file waits for the scanner when one is configured; otherwise it is not scanned."""
    if scanning.scanner_configured():
        return ScanStatus.PENDING
    return ScanStatus.NOT_SCANNED


def scan_stored_file(field_file) -> tuple[str, str]:
    """Scan a stored file with clamd: (a ScanStatus, a detail without PHI). Any app's
    uploads use this. Raises scanning.ScannerUnavailable when clamd cannot answer."""
    if not scanning.scanner_configured():
        return ScanStatus.NOT_SCANNED, "No virus scanner is configured."
    try:
        with field_file.open("rb") as stream:
            outcome = scanning.scan_stream(stream)
    except scanning.TooLargeToScan:
        return ScanStatus.NOT_SCANNED, "Too large for the virus scanner."
    if outcome.infected:
        return ScanStatus.INFECTED, outcome.signature[:200]
    return ScanStatus.CLEAN, ""
