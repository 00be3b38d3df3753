"""Adding record files to a case and opening them for download."""

import hashlib
from typing import IO

import magic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat

from cases import permissions as case_permissions
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError

from .models import ACCEPTED_TYPES, RecordFile

SUPPORTED_TYPES_TEXT = "PDF, JPEG, PNG, TIFF, DICOM, plain text, Word, Excel or OpenDocument"
_SNIFF_BYTES = 8192


def detect_type(stream: IO[bytes]) -> str:
    stream.seek(0)
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    return magic.from_buffer(head, mime=True)


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def display_name(name: str) -> str:
    """The uploaded name as safe display text: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return cleaned[:255] or "unnamed file"


def add_record(*, case, by, upload: UploadedFile) -> RecordFile:
    if not case_permissions.can_add_records(by, case):
        raise ApplicationError("This case is not accepting new records.")
    name = display_name(upload.name or "")
    if upload.size == 0:
        raise ApplicationError(f"“{name}” is empty (0 bytes). Choose the file again.")
    if upload.size > settings.RECORD_MAX_UPLOAD_BYTES:
        limit = filesizeformat(settings.RECORD_MAX_UPLOAD_BYTES)
        raise ApplicationError(f"“{name}” is larger than the {limit} limit.")
    content_type = detect_type(upload)
    if content_type not in ACCEPTED_TYPES:
        raise ApplicationError(
            f"“{name}” is not a file type we accept. Upload {SUPPORTED_TYPES_TEXT} files."
        )
    sha256 = _sha256(upload)
    if case.records.filter(sha256=sha256).exists():
        raise ApplicationError(f"“{name}” is already attached to this case.")
    record = RecordFile(
        case=case,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=by,
    )
    try:
        with transaction.atomic():
            record.file.save("upload", upload, save=False)
            record.save()
            record_event(actor=by, action="record.upload", obj=record, case_id=case.pk)
    except IntegrityError as exc:
        record.file.delete(save=False)
        raise ApplicationError(f"“{name}” is already attached to this case.") from exc
    return record


def open_record(*, record: RecordFile, by) -> IO[bytes]:
    if not record.is_downloadable:
        raise ApplicationError("This file was quarantined because a virus was found in it.")
    record_event(actor=by, action="record.download", obj=record, case_id=record.case_id)
    return record.file.open("rb")
