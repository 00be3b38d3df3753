"""Serving a record's bytes to the in-browser viewers: which files have a viewer, HTTP byte
ranges (RFC 9110 §14), and when a viewing is audited.

A viewer fetches a file with many requests (pdf.js asks for ranges of a large PDF, a DICOM
series is one request per slice, a reload asks again), so auditing every request would bury
the one fact the log is for: this person looked at this file. A viewing is audited once per
file per browser session and `VIEW_AUDIT_SECONDS`: the first request of any kind (the viewer
page, or a byte range of the file) leaves a `record.view` event, later ones within the window
do not. No request is ever served without such an event having been written for its session.
"""

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

import pydicom
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    JPEGLSLossless,
    JPEGLSNearLossless,
)

# One viewing: a specialist reading a series for half an hour is one read, the next morning
# another one.
VIEW_AUDIT_SECONDS = 30 * 60
SESSION_KEY = "records_viewed"
CHUNK_BYTES = 256 * 1024

# Types the viewers show, by the type sniffed from the bytes at upload (never from the name).
VIEWER_KINDS = {
    "application/pdf": "pdf",
    "image/jpeg": "image",
    "image/png": "image",
    "application/dicom": "dicom",
}


def viewer_kind(record) -> str:
    """The viewer a record opens in ("pdf", "image", "dicom"), or "" when none shows it (a
    DICOM structured report or waveform is not an image: it is downloaded instead)."""
    kind = VIEWER_KINDS.get(record.content_type, "")
    if kind == "dicom" and record.dicom_kind != "image":
        return ""
    return kind


# Encodings the DICOM viewer (dwv 0.36) has no decoder for. The server reads them (pylibjpeg's
# libjpeg plugin; zlib for Deflate), so it serves such a file to the viewer decoded to explicit
# VR little endian; a download is still the file as it was uploaded.
DECODED_ON_THE_SERVER = frozenset(
    {JPEGLSLossless, JPEGLSNearLossless, DeflatedExplicitVRLittleEndian}
)


class NotDecodable(Exception):
    """A DICOM file in an encoding the browser cannot read, which the server could not decode."""


@dataclass
class Payload:
    """What the viewer is sent for a record: its bytes, their size and their entity tag."""

    handle: IO[bytes]
    size: int
    etag: str


def payload_for(record, handle: IO[bytes]) -> Payload:
    """The record's bytes as a viewer can read them: the stored file, or for a DICOM file in an
    encoding the viewer cannot decode, the same data set decoded (held in memory: one slice)."""
    if record.is_dicom:
        try:
            syntax = pydicom.dcmread(handle, stop_before_pixels=True).file_meta.get(
                "TransferSyntaxUID"
            )
        except Exception:  # an unreadable header is the viewer's to report
            syntax = None
        handle.seek(0)
        if syntax in DECODED_ON_THE_SERVER:
            try:
                buffer = _decoded(handle)
            except Exception as error:  # any decoder failure
                raise NotDecodable(str(syntax.name)) from error
            finally:
                handle.close()
            return Payload(buffer, buffer.getbuffer().nbytes, f'"{record.sha256}-decoded"')
    return Payload(handle, record.size, f'"{record.sha256}"')


def _decoded(handle: IO[bytes]) -> io.BytesIO:
    """The DICOM file in `handle` written again in explicit VR little endian."""
    dataset = pydicom.dcmread(handle)
    if dataset.file_meta.TransferSyntaxUID.is_compressed:
        dataset.decompress()
    else:  # deflated: pydicom inflated the data set as it read it
        dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    buffer.seek(0)
    return buffer


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class RangeNotSatisfiable(Exception):
    """The Range header names no byte of the file (answered 416)."""


def parse_range(header: str, size: int) -> ByteRange | None:
    """The one byte range a `Range` header asks for, or None to send the whole file (no header,
    a unit other than bytes, several ranges, or a header we cannot parse: RFC 9110 lets a
    server ignore Range). Raises RangeNotSatisfiable when the range starts past the end."""
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or not spec or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    if not (first.isdigit() or first == "") or not (last.isdigit() or last == ""):
        return None
    if first == "":
        if last == "":
            return None
        # A suffix: the last N bytes.
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # invalid syntax: ignored, the whole file is sent
    if start >= size:
        raise RangeNotSatisfiable
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end)


def stream_bytes(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    """`length` bytes of `handle` from `start`, in chunks; the handle is closed at the end (or
    when the client goes away and the server closes the generator)."""
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def record_ids_to_audit(session, record_ids: Iterable[int], now: float) -> list[int]:
    """Which of these files this browser session has not viewed within the window; they are
    marked as viewed now, so the caller must audit exactly these."""
    stored: dict[str, float] = session.get(SESSION_KEY, {})
    viewed = {
        key: seen
        for key, seen in stored.items()
        if now - seen < VIEW_AUDIT_SECONDS  # forgotten once the window is over
    }
    due = [pk for pk in record_ids if str(pk) not in viewed]
    for pk in due:
        viewed[str(pk)] = now
    # Saved only when it changed: the 40 requests of a series already audited write nothing.
    if viewed != stored:
        session[SESSION_KEY] = viewed
    return due
