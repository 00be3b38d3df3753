"""Everything that changes records: adding files (one form upload or a resumable tus upload, both
through `add_record`), scanning and reading them, opening them for download, and records requests
sent to providers."""

import contextlib
import hashlib
import logging
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import permissions as case_permissions
from secondopinion.accounts.models import User
from secondopinion.audit.services import record_event, record_events
from secondopinion.errors import ApplicationError
from secondopinion.files.checks import (
    check_size,
    detect_type,
    display_name,
    initial_scan_status,
    scan_stored_file,
)
from secondopinion.notifications.services import lazy_text, notify

from . import reading, selectors, tasks, viewing
from .models import ACCEPTED_TYPES, RecordFile, RecordsRequest
from .words import said

logger = logging.getLogger(__name__)

SUPPORTED_TYPES_TEXT = gettext_lazy(
    "PDF, JPEG, PNG, TIFF, DICOM, plain text, Word, Excel or OpenDocument"
)


# Checking a file ---------------------------------------------------------------------------------


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks(chunk_size=reading.CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_case_takes_records(
    *, case, by: User | None, records_request: RecordsRequest | None
) -> None:
    if records_request is not None:
        # A provider adds records for the patient: the request must be open and the case too.
        if not records_request.is_open or records_request.case_id != case.pk:
            raise ApplicationError(_("This link to send records is no longer open."))
        allowed = case_permissions.can_add_records(case.owner, case)
    else:
        allowed = by is not None and case_permissions.can_add_records(by, case)
    if not allowed:
        raise ApplicationError(_("This case is not accepting new records."))


# Adding files ----------------------------------------------------------------------------------


def add_record(
    *,
    case,
    by: User | None,
    upload: File,
    records_request: RecordsRequest | None = None,
    sha256: str | None = None,
    stored_name: str | None = None,
) -> RecordFile:
    """Check one file and store it on the case: the one way a record file is added.

    `upload` is a form upload, or a completed resumable upload already in storage as
    `stored_name` (kept there, not copied), with its SHA-256. Checked: who may add, size, type from the bytes against the allowlist,
    and a duplicate by SHA-256. A provider's file comes with `records_request` and no `by`.
    """
    check_case_takes_records(case=case, by=by, records_request=records_request)
    name = display_name(upload.name or "")
    check_size(name, upload.size)
    content_type = accepted_type(name, upload)
    sha256 = sha256 or _sha256(upload)
    if existing := case.records.filter(sha256=sha256).first():
        if records_request is not None:
            return _accept_provider_duplicate(records_request, existing, name, upload.size)
        raise ApplicationError(_("“%(name)s” is already attached to this case.") % {"name": name})
    on_behalf_of = case.owner if by is None or by.pk != case.owner_id else None
    record = RecordFile(
        case=case,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=by,
        on_behalf_of=on_behalf_of,
        records_request=records_request,
        scan_status=initial_scan_status(),
        read_status=RecordFile.ReadStatus.PENDING
        if reading.can_read(content_type)
        else RecordFile.ReadStatus.SKIPPED,
    )
    try:
        with transaction.atomic():
            if stored_name:
                record.file.name = stored_name
            else:
                record.file.save("upload", upload, save=False)
            record.save()
            record_event(
                actor=by,
                on_behalf_of=on_behalf_of,
                action="record.upload",
                obj=record,
                case_id=case.pk,
                detail={"records_request": records_request.pk} if records_request else {},
            )
            _enqueue_next_step(record)
    except IntegrityError as exc:
        if not stored_name:  # a resumable upload's file is removed by finish_upload
            record.file.delete(save=False)
        existing = case.records.filter(sha256=sha256).first()
        if records_request is not None and existing is not None:
            return _accept_provider_duplicate(records_request, existing, name, upload.size)
        raise ApplicationError(
            _("“%(name)s” is already attached to this case.") % {"name": name}
        ) from exc
    return record


def accepted_type(name: str, stream: IO[bytes]) -> str:
    """The type of the file `name` from its first bytes; ApplicationError when we do not accept
    it."""
    content_type = detect_type(stream)
    if content_type not in ACCEPTED_TYPES:
        raise ApplicationError(
            _("“%(name)s” is not a file type we accept. Upload %(types)s files.")
            % {"name": name, "types": SUPPORTED_TYPES_TEXT}
        )
    return content_type


@transaction.atomic
def _accept_provider_duplicate(
    records_request: RecordsRequest, existing: RecordFile, name: str, size: int
) -> RecordFile:
    """A provider sent a file the case already has: keep the one copy and say nothing that would
    tell the provider what the case holds; the request lists it as received."""
    locked = RecordsRequest.objects.select_for_update().get(pk=records_request.pk)
    locked.duplicates_received = [*locked.duplicates_received, {"name": name, "size": size}]
    locked.save(update_fields=["duplicates_received"])
    records_request.duplicates_received = locked.duplicates_received
    record_event(
        actor=None,
        action="record.upload_duplicate",
        obj=existing,
        case_id=existing.case_id,
        detail={"records_request": records_request.pk},
    )
    return existing


def files_received(records_request: RecordsRequest) -> list:
    """What a provider sent through their link, as they see it: each file's name and size,
    duplicates of files the case had included."""
    return [
        *(
            {"original_name": r.original_name, "size": r.size}
            for r in records_request.records.all()
        ),
        *(
            {"original_name": d["name"], "size": d["size"]}
            for d in records_request.duplicates_received
        ),
    ]


def add_records(*, case, by: User | None, uploads: Iterable[File], records_request=None):
    """Add each file on its own: one refused file never stops the others.

    Returns the records added and the messages for the files refused.
    """
    added: list[RecordFile] = []
    refused: list[str] = []
    for upload in uploads:
        try:
            added.append(
                add_record(case=case, by=by, upload=upload, records_request=records_request)
            )
        except ApplicationError as error:
            refused.append(str(error.message))
    return added, refused


def _enqueue_next_step(record: RecordFile) -> None:
    record_id = record.pk
    if record.scan_status == RecordFile.ScanStatus.PENDING:
        transaction.on_commit(lambda: tasks.scan_record.delay(record_id), robust=True)
    elif record.read_status == RecordFile.ReadStatus.PENDING:
        transaction.on_commit(lambda: tasks.read_record.delay(record_id), robust=True)


@transaction.atomic
def describe_record(*, record: RecordFile, by: User, label: str, note: str) -> RecordFile:
    if not case_permissions.is_owner(by, record.case):
        raise ApplicationError(_("Only the patient can describe their records."))
    record.label = label
    record.note = note
    record.save(update_fields=["label", "note"])
    record_event(actor=by, action="record.describe", obj=record, case_id=record.case_id)
    return record


# Reading files back ----------------------------------------------------------------------------


def view_case_records(*, case, by: User) -> None:
    """Audit a read of a case's list of records outside the case page (the uploader's refresh)."""
    record_event(actor=by, action="record.list", obj=case, case_id=case.pk)


def open_record(*, record: RecordFile, by: User) -> IO[bytes]:
    if record.scan_status == RecordFile.ScanStatus.INFECTED:
        raise ApplicationError(_("This file was quarantined because a virus was found in it."))
    if not record.is_downloadable:
        raise ApplicationError(_("This file is waiting for its virus scan. Try again in a minute."))
    record_event(actor=by, action="record.download", obj=record, case_id=record.case_id)
    return record.file.open("rb")


def check_viewable(record: RecordFile) -> None:
    """A file is shown in a viewer on the same terms as a download: scanned clean, or "not
    scanned" (and shown as such), never quarantined, and only when a viewer can show it."""
    if record.scan_status == RecordFile.ScanStatus.INFECTED:
        raise ApplicationError(_("This file was quarantined because a virus was found in it."))
    if not record.is_downloadable:
        raise ApplicationError(_("This file is waiting for its virus scan. Try again in a minute."))
    if record.metadata.get("too_large"):  # a picture too large to decode safely, here too
        raise ApplicationError(said(record.metadata, "unreadable"))
    if not viewing.viewer_kind(record):
        raise ApplicationError(_("This file cannot be shown here. Download it to open it."))


def record_viewings(*, records: list[RecordFile], by: User) -> None:
    """Audit that `by` viewed these files (one event each, one INSERT)."""
    if records:
        record_events(
            actor=by, action="record.view", objects=[(record, record.case_id) for record in records]
        )


def open_in_viewer(
    *, record: RecordFile, by, session, studies: list[selectors.Study] | None = None
) -> list[RecordFile]:
    """The files a viewer shows for `record`: the DICOM series it belongs to (every slice, in
    order), or the record alone; each file's viewing audited once per VIEW_AUDIT_SECONDS in this
    browser `session`. ApplicationError (saying why) when it cannot be shown. `studies`: the
    case's files grouped already, when the caller has them (no query for the series)."""
    check_viewable(record)
    series = selectors.series_files_for(record, studies)
    files = [item for item in series if item.is_downloadable]
    due = set(viewing.record_ids_to_audit(session, [item.pk for item in files], time.time()))
    record_viewings(records=[item for item in files if item.pk in due], by=by)
    return files


def open_record_for_viewing(*, record: RecordFile) -> viewing.Payload:
    """The file's bytes as a viewer reads them (records.viewing.payload_for). Not audited here:
    the caller audits the viewing once it knows it will send bytes (`record_viewings`)."""
    check_viewable(record)
    try:
        return viewing.payload_for(record, record.file.open("rb"))
    except viewing.NotDecodable as error:
        raise ApplicationError(
            _("This image (%(error)s) could not be decoded for viewing. Download it to open it.")
            % {"error": error}
        ) from error


def open_reduced_for_viewing(*, record: RecordFile) -> viewing.Payload | None:
    """The reduced copy the viewer shows of a huge image (records.images), on the same terms as
    the file itself; None when the record has none. Not audited here (`record_viewings`)."""
    check_viewable(record)
    if not record.reduced:
        return None
    size = record.reduced.size
    return viewing.Payload(record.reduced.open("rb"), size, f'"{record.sha256}-reduced"')


def open_preview(*, record: RecordFile, by: User) -> IO[bytes] | None:
    """The record's preview image, audited; None when it has none to show."""
    if not record.preview or not record.is_downloadable:
        return None
    record_event(actor=by, action="record.preview", obj=record, case_id=record.case_id)
    return record.preview.open("rb")


# Scanning and reading (Celery tasks call these) -------------------------------------------------


def scan_record(*, record_id: int) -> RecordFile | None:
    """Scan a pending file with clamd. Idempotent: a file scanned already is left alone.

    Raises scanning.ScannerUnavailable when clamd cannot answer (the task retries).
    """
    record = RecordFile.objects.filter(pk=record_id).select_related("case").first()
    if record is None or record.scan_status != RecordFile.ScanStatus.PENDING:
        return record
    status, detail = scan_stored_file(record.file)
    with transaction.atomic():
        record = RecordFile.objects.select_for_update().select_related("case").get(pk=record_id)
        if record.scan_status != RecordFile.ScanStatus.PENDING:
            return record
        record.scan_status, record.scan_detail = status, detail
        record.scanned_at = timezone.now()
        if status == RecordFile.ScanStatus.INFECTED:
            record.read_status = RecordFile.ReadStatus.SKIPPED
        record.save(update_fields=["scan_status", "scan_detail", "scanned_at", "read_status"])
        record_event(
            actor=None,
            action="record.scan",
            obj=record,
            case_id=record.case_id,
            detail={"result": status},
        )
        if status == RecordFile.ScanStatus.INFECTED:
            _quarantine(record)
        else:
            _enqueue_next_step(record)
    return record


def _quarantine(record: RecordFile) -> None:
    """Tell whoever uploaded the file (the patient, for a provider's file) that it is quarantined."""
    case = record.case
    notify(
        user=record.uploaded_by or case.owner,
        message=lazy_text(
            gettext_lazy(
                "“%(name)s” on case %(reference)s was quarantined: our virus scanner found a "
                "virus in it, so no one can open it. Send a clean copy if you can."
            ),
            name=record.original_name,
            reference=case.reference,
        ),
        link=reverse("cases:case-detail", args=[case.reference]),
    )


@contextlib.contextmanager
def _local_path(field) -> Iterator[Path]:
    """A local path to a stored file: the storage's own when it has one (local folder), else a
    temporary copy (object storage)."""
    try:
        yield Path(field.storage.path(field.name))
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=".record") as copy, field.open("rb") as source:
        for chunk in source.chunks(chunk_size=reading.CHUNK):
            copy.write(chunk)
        copy.flush()
        yield Path(copy.name)


def read_record(*, record_id: int) -> RecordFile | None:
    """Read page count, DICOM study and series and a preview. Idempotent; a file whose content
    cannot be read is kept and flagged, never an error."""
    record = RecordFile.objects.filter(pk=record_id).first()
    if (
        record is None
        or record.read_status != RecordFile.ReadStatus.PENDING
        or not record.is_downloadable
    ):
        return record
    try:
        with _local_path(record.file) as path:
            result = reading.read_file(path, record.content_type)
    except reading.Unreadable as error:
        logger.info("Record %s could not be read: %s", record_id, type(error).__name__)
        why = {"unreadable": str(error), "unreadable_words": error.words.stored()}
        result, why = None, why | error.metadata
    with transaction.atomic():
        record = RecordFile.objects.select_for_update().get(pk=record_id)
        if record.read_status != RecordFile.ReadStatus.PENDING:
            return record
        if result is None:
            record.read_status = RecordFile.ReadStatus.UNREADABLE
            record.metadata = why
        else:
            _keep_reading(record, result)
        record.save(update_fields=["read_status", "page_count", "metadata", "preview", "reduced"])
    return record


def _keep_reading(record: RecordFile, result: reading.Reading) -> None:
    """Put what reading found on the record, its preview and reduced copy in storage."""
    record.read_status = RecordFile.ReadStatus.READ
    record.page_count = result.page_count
    record.metadata = result.metadata
    if result.preview_png:
        record.preview.save("preview.png", ContentFile(result.preview_png), save=False)
    if result.reduced:
        name = f"reduced.{result.reduced.extension}"
        record.reduced.save(name, ContentFile(result.reduced.content), save=False)


def records_needing_work(*, older_than_seconds: int = 300) -> tuple[list[int], list[int]]:
    """Files whose scan or reading task never reached a worker: (to scan, to read)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    old = RecordFile.objects.filter(uploaded_at__lt=cutoff)
    to_scan = old.filter(scan_status=RecordFile.ScanStatus.PENDING)
    to_read = old.filter(
        read_status=RecordFile.ReadStatus.PENDING,
        scan_status__in=[RecordFile.ScanStatus.CLEAN, RecordFile.ScanStatus.NOT_SCANNED],
    )
    return (
        list(to_scan.values_list("pk", flat=True)[:500]),
        list(to_read.values_list("pk", flat=True)[:500]),
    )
