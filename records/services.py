"""Everything that changes records: adding files (one form upload or a resumable tus upload, both
through `add_record`), scanning and reading them, opening them for download, and records requests
sent to providers."""

import contextlib
import hashlib
import io
import logging
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from cases import permissions as case_permissions
from secondopinion import links
from secondopinion.audit.services import record_event, record_events
from secondopinion.errors import ApplicationError
from secondopinion.files.checks import (
    check_name,
    check_size,
    detect_type,
    display_name,
    initial_scan_status,
    scan_stored_file,
)
from secondopinion.notifications.emails import RenderedEmail, render_email
from secondopinion.notifications.services import enqueue_email, notify

from . import reading, resumable_hash, selectors, upload_parts, viewing
from .models import ACCEPTED_TYPES, RecordFile, RecordsRequest, Upload

logger = logging.getLogger(__name__)

SUPPORTED_TYPES_TEXT = "PDF, JPEG, PNG, TIFF, DICOM, plain text, Word, Excel or OpenDocument"
_CHUNK = 1024 * 1024


# Checking a file ---------------------------------------------------------------------------------


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks(chunk_size=_CHUNK):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _check_case_takes_records(*, case, by, records_request: RecordsRequest | None) -> None:
    if records_request is not None:
        # A provider adds records for the patient: the request must be open and the case too.
        if not records_request.is_open or records_request.case_id != case.pk:
            raise ApplicationError("This link to send records is no longer open.")
        allowed = case_permissions.can_add_records(case.owner, case)
    else:
        allowed = by is not None and case_permissions.can_add_records(by, case)
    if not allowed:
        raise ApplicationError("This case is not accepting new records.")


# Adding files ----------------------------------------------------------------------------------


def add_record(
    *,
    case,
    by,
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
    _check_case_takes_records(case=case, by=by, records_request=records_request)
    name = display_name(upload.name or "")
    check_size(name, upload.size)
    content_type = detect_type(upload)
    if content_type not in ACCEPTED_TYPES:
        raise ApplicationError(
            f"“{name}” is not a file type we accept. Upload {SUPPORTED_TYPES_TEXT} files."
        )
    sha256 = sha256 or _sha256(upload)
    if existing := case.records.filter(sha256=sha256).first():
        if records_request is not None:
            return _accept_provider_duplicate(records_request, existing, name, upload.size)
        raise ApplicationError(f"“{name}” is already attached to this case.")
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
        raise ApplicationError(f"“{name}” is already attached to this case.") from exc
    return record


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


def add_records(*, case, by, uploads: Iterable[File], records_request=None):
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
            refused.append(error.message)
    return added, refused


def _enqueue_next_step(record: RecordFile) -> None:
    from . import tasks

    record_id = record.pk
    if record.scan_status == RecordFile.ScanStatus.PENDING:
        transaction.on_commit(lambda: tasks.scan_record.delay(record_id), robust=True)
    elif record.read_status == RecordFile.ReadStatus.PENDING:
        transaction.on_commit(lambda: tasks.read_record.delay(record_id), robust=True)


@transaction.atomic
def describe_record(*, record: RecordFile, by, label: str, note: str) -> RecordFile:
    if not case_permissions.is_owner(by, record.case):
        raise ApplicationError("Only the patient can describe their records.")
    record.label = label
    record.note = note
    record.save(update_fields=["label", "note"])
    record_event(actor=by, action="record.describe", obj=record, case_id=record.case_id)
    return record


# Reading files back ----------------------------------------------------------------------------


def view_case_records(*, case, by) -> None:
    """Audit a read of a case's list of records outside the case page (the uploader's refresh)."""
    record_event(actor=by, action="record.list", obj=case, case_id=case.pk)


def open_record(*, record: RecordFile, by) -> IO[bytes]:
    if record.scan_status == RecordFile.ScanStatus.INFECTED:
        raise ApplicationError("This file was quarantined because a virus was found in it.")
    if not record.is_downloadable:
        raise ApplicationError("This file is waiting for its virus scan. Try again in a minute.")
    record_event(actor=by, action="record.download", obj=record, case_id=record.case_id)
    return record.file.open("rb")


def check_viewable(record: RecordFile) -> None:
    """A file is shown in a viewer on the same terms as a download: scanned clean, or "not
    scanned" (and shown as such), never quarantined, and only when a viewer can show it."""
    if record.scan_status == RecordFile.ScanStatus.INFECTED:
        raise ApplicationError("This file was quarantined because a virus was found in it.")
    if not record.is_downloadable:
        raise ApplicationError("This file is waiting for its virus scan. Try again in a minute.")
    if not viewing.viewer_kind(record):
        raise ApplicationError("This file cannot be shown here. Download it to open it.")


def record_viewings(*, records: list[RecordFile], by) -> None:
    """Audit that `by` viewed these files (one event each, one INSERT)."""
    if records:
        record_events(
            actor=by, action="record.view", objects=[(record, record.case_id) for record in records]
        )


def open_in_viewer(*, record: RecordFile, by, session) -> list[RecordFile]:
    """The files a viewer shows for `record`: the DICOM series it belongs to (every slice, in
    order), or the record alone; each file's viewing audited once per VIEW_AUDIT_SECONDS in this
    browser `session`. ApplicationError (saying why) when it cannot be shown."""
    check_viewable(record)
    files = [item for item in selectors.series_files_for(record) if item.is_downloadable]
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
            f"This image ({error}) could not be decoded for viewing. Download it to open it."
        ) from error


def open_preview(*, record: RecordFile, by) -> IO[bytes] | None:
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
        message=(
            f"“{record.original_name}” on case {case.reference} was quarantined: our virus "
            "scanner found a virus in it, so no one can open it. Send a clean copy if you can."
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
        for chunk in source.chunks(chunk_size=_CHUNK):
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
        result, why = None, str(error)
    with transaction.atomic():
        record = RecordFile.objects.select_for_update().get(pk=record_id)
        if record.read_status != RecordFile.ReadStatus.PENDING:
            return record
        if result is None:
            record.read_status = RecordFile.ReadStatus.UNREADABLE
            record.metadata = {"unreadable": why}
        else:
            record.read_status = RecordFile.ReadStatus.READ
            record.page_count = result.page_count
            record.metadata = result.metadata
            if result.preview_png:
                record.preview.save("preview.png", ContentFile(result.preview_png), save=False)
        record.save(update_fields=["read_status", "page_count", "metadata", "preview"])
    return record


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


# Resumable uploads (tus 1.0: core, creation, termination, expiration) -----------------------------


class UploadOffsetMismatch(Exception):
    def __init__(self, offset: int):
        super().__init__(f"The upload is at byte {offset}.")
        self.offset = offset


class UploadBusy(Exception):
    """Another request is finishing the same upload right now."""


class UploadPaused(Exception):
    """File storage did not answer: nothing of this chunk was kept, the client sends it again."""

    message = (
        "The upload is paused: file storage cannot be reached right now. Nothing you sent is "
        "lost; it will resume on its own."
    )


def partial_path(upload: Upload) -> Path:
    """The folder of an upload's part files (local storage; with object storage, unused)."""
    return upload_parts.FolderParts().folder(upload)


def upload_offset(upload: Upload) -> int:
    if upload.status == Upload.Status.DONE:
        return upload.length
    return upload.offset


class UploadQuotaExceeded(ApplicationError):
    """Too many unfinished uploads, or too many bytes declared by them (answered with 413)."""

    http_status = 413


def _open_uploads():
    return Upload.objects.filter(status=Upload.Status.RECEIVING, expires_at__gt=timezone.now())


def _check_upload_quota(*, case, by, records_request, name: str, length: int) -> None:
    """Refuse a new upload that would pass the open-upload quotas of its uploader (the signed-in
    user, or the records request's link) or of the case."""
    if by is not None:
        mine = _open_uploads().filter(created_by=by)
    else:
        mine = _open_uploads().filter(created_by__isnull=True, records_request=records_request)
    on_case = _open_uploads().filter(case=case)
    for uploads, count_limit, bytes_limit, whose in (
        (
            mine,
            settings.RECORD_OPEN_UPLOADS_PER_UPLOADER,
            settings.RECORD_OPEN_UPLOAD_BYTES_PER_UPLOADER,
            "You have",
        ),
        (
            on_case,
            settings.RECORD_OPEN_UPLOADS_PER_CASE,
            settings.RECORD_OPEN_UPLOAD_BYTES_PER_CASE,
            "This case has",
        ),
    ):
        totals = uploads.aggregate(count=Count("pk"), declared=Sum("length"))
        if totals["count"] >= count_limit:
            raise UploadQuotaExceeded(
                f"“{name}” did not start: {whose} {totals['count']} uploads that have not "
                "finished yet. Let them finish (or cancel some), then add this file again."
            )
        declared = totals["declared"] or 0
        if declared + length > bytes_limit:
            raise UploadQuotaExceeded(
                f"“{name}” did not start: with the files still uploading "
                f"({filesizeformat(declared)}) it would pass the limit of "
                f"{filesizeformat(bytes_limit)} uploading at once. Let those finish, then add "
                "this file again."
            )


@transaction.atomic
def create_upload(
    *, case, by, length: int, name: str, records_request: RecordsRequest | None = None
) -> Upload:
    """Start a resumable upload: checked for who, size, name and the open-upload quotas before
    a single byte is sent. Raises UploadPaused when file storage cannot be reached."""
    _check_case_takes_records(case=case, by=by, records_request=records_request)
    shown = check_name(name)
    check_size(shown, length)
    # One upload starts at a time per case, so two at once cannot both pass the quota.
    type(case).objects.select_for_update().filter(pk=case.pk).first()
    _check_upload_quota(
        case=case, by=by, records_request=records_request, name=shown, length=length
    )
    upload = Upload(
        case=case,
        created_by=by,
        records_request=records_request,
        name=shown,
        length=length,
        expires_at=timezone.now() + timedelta(hours=settings.RECORD_UPLOAD_EXPIRY_HOURS),
    )
    try:
        upload_parts.store().start(upload)
    except upload_parts.StorageUnavailable as error:
        raise UploadPaused from error
    upload.save(force_insert=True)
    record_event(actor=by, action="upload.create", obj=upload, case_id=case.pk)
    return upload


def _receive(stream: IO[bytes], spool: IO[bytes], remaining: int, digest) -> int:
    """Read up to `remaining` bytes of a request body into `spool`, 1 MiB at a time, in this
    thread. A dropped connection keeps what arrived. Returns the number of bytes read."""
    received = 0
    try:
        while received < remaining:
            piece = stream.read(min(_CHUNK, remaining - received))
            if not piece:
                break
            spool.write(piece)
            if digest is not None:
                digest.update(piece)
            received += len(piece)
    except OSError:
        logger.info("An upload was interrupted; it resumes from the bytes stored")
    spool.seek(0)
    return received


def _new_part_number(upload: Upload) -> int:
    """A part number no other request uses: two requests at the same offset never overwrite
    each other's part."""
    Upload.objects.filter(pk=upload.pk).update(last_part_number=F("last_part_number") + 1)
    return Upload.objects.values_list("last_part_number", flat=True).get(pk=upload.pk)


def _check_can_append(upload: Upload) -> None:
    if upload.status in (Upload.Status.DONE, Upload.Status.FINISHING):
        raise ApplicationError("This upload is already complete.")
    if upload.status != Upload.Status.RECEIVING or upload.is_expired:
        raise ApplicationError(upload.message or "This upload has expired. Start it again.")
    _check_case_takes_records(
        case=upload.case, by=upload.created_by, records_request=upload.records_request
    )


# A PATCH body is stored in pieces of this size as it arrives (each a part, or added to the
# carry), and the offset moves after each: a request cut off, or a node killed, loses at most
# the piece in flight, and memory per request stays at one piece.
UPLOAD_PIECE_BYTES = 8 * _CHUNK


def append_to_upload(
    *, upload: Upload, offset: int, stream: IO[bytes], content_length: int | None
) -> Upload:
    """Store a PATCH body at `offset` in the configured storage, piece by piece, recording each
    new offset on the row only if no other request moved it meanwhile (compare and set). When
    the last byte is stored, the file is finished (`finish_upload`) and goes through
    `add_record`.

    Work per request is bounded by the chunk (plus, on object storage, a carry under 5 MiB).
    Raises UploadOffsetMismatch (409), UploadBusy (423), UploadPaused (503, nothing stored is
    lost), or ApplicationError for a refused upload.
    """
    if upload.status == Upload.Status.FINISHING:
        return finish_upload(upload_id=upload.pk)
    _check_can_append(upload)
    if offset != upload.offset:
        raise UploadOffsetMismatch(upload.offset)
    if content_length is not None and content_length > upload.length - offset:
        raise ApplicationError("The upload sent more bytes than it announced.")
    parts_store = upload_parts.store()
    # The running hash continues from the row, whichever node stored the chunks before.
    digest = resumable_hash.restore(upload.hash_state, offset=offset)
    while True:
        wanted = min(UPLOAD_PIECE_BYTES, upload.length - upload.offset)
        with tempfile.SpooledTemporaryFile(max_size=UPLOAD_PIECE_BYTES + _CHUNK) as spool:
            try:
                if upload.carry:  # bytes waiting to make a part (under 5 MiB) go first
                    with contextlib.closing(parts_store.open_carry(upload, upload.carry)) as carry:
                        shutil.copyfileobj(carry, spool, _CHUNK)
            except upload_parts.StorageUnavailable as error:
                logger.warning("File storage did not answer for an upload; the upload is paused")
                raise UploadPaused from error
            received = _receive(stream, spool, wanted, digest)
            if received == 0:
                return upload
            upload, claimed_at = _store_piece(upload, parts_store, spool, received, digest)
        if claimed_at is not None:
            return finish_upload(
                upload_id=upload.pk,
                sha256=digest.hexdigest() if digest else None,
                claimed_at=claimed_at,
            )
        if received < wanted:  # the body ended (or the connection dropped)
            return upload


def _store_piece(upload: Upload, parts_store, spool: IO[bytes], received: int, digest):
    """Store `received` new bytes (after the carry, in `spool`) as a part or as the new carry,
    then move the row's offset by compare and set. Returns the updated upload and, when this
    piece completed the file, the moment this request claimed its finish."""
    offset = upload.offset
    new_offset = offset + received
    final = new_offset == upload.length
    size = upload.carry_size + received
    number = _new_part_number(upload)
    try:
        if final or size >= parts_store.min_part:
            etag = parts_store.put_part(upload, number, spool, size)
            parts, new_carry, new_carry_size = [*upload.parts, [number, etag, size]], "", 0
        else:
            new_carry = parts_store.put_carry(upload, number, spool, size)
            parts, new_carry_size = upload.parts, size
    except upload_parts.StorageUnavailable as error:
        logger.warning("File storage did not take an upload chunk; the upload is paused")
        raise UploadPaused from error
    now = timezone.now()
    stored = Upload.objects.filter(
        pk=upload.pk, status=Upload.Status.RECEIVING, offset=offset
    ).update(
        offset=new_offset,
        parts=parts,
        carry=new_carry,
        carry_size=new_carry_size,
        expires_at=now + timedelta(hours=settings.RECORD_UPLOAD_EXPIRY_HOURS),
        status=Upload.Status.FINISHING if final else Upload.Status.RECEIVING,
        finishing_since=now if final else None,
        hash_state=digest.state() if digest is not None else None,
    )
    if not stored:
        # Another request stored these bytes first (a replayed chunk, two nodes at one offset):
        # this copy is dropped, the client is told where the upload is.
        _discard(parts_store, upload, new_carry, parts if parts is not upload.parts else None)
        upload.refresh_from_db()
        raise UploadOffsetMismatch(upload_offset(upload))
    if upload.carry and upload.carry != new_carry:
        with contextlib.suppress(upload_parts.StorageUnavailable):
            parts_store.discard(upload, upload.carry)
    if isinstance(parts_store, upload_parts.FolderParts) and parts is not upload.parts:
        # Into the data file now (finishing redoes it if this node dies before it is done).
        with contextlib.suppress(upload_parts.StorageUnavailable):
            parts_store.settle(upload, parts[-1][1], offset)
    upload.refresh_from_db()
    return upload, (now if final else None)


def _discard(parts_store, upload: Upload, carry: str, parts) -> None:
    with contextlib.suppress(upload_parts.StorageUnavailable):
        if carry:
            parts_store.discard(upload, carry)
        elif parts and isinstance(parts_store, upload_parts.FolderParts):
            parts_store.discard(upload, parts[-1][1])
        # An S3 part that lost is left out of CompleteMultipartUpload, which drops it.


class _StoredUpload(File):
    """A finished upload already in storage, as add_record sees it: its name, size and first
    bytes (for the type); never read in full here."""

    def __init__(self, head: bytes, name: str, size: int):
        super().__init__(io.BytesIO(head), name=name)
        self.size = size


FINISH_RETRY_AFTER = timedelta(minutes=5)


def finish_upload(*, upload_id: str, sha256: str | None = None, claimed_at=None) -> Upload:
    """Make a completely stored upload a record: the storage joins the parts itself (S3
    CompleteMultipartUpload), the file is checked by add_record and stays where it is.

    Done once: the request that stored the last byte holds the claim (`claimed_at`); any other
    call (the last chunk sent again, another node) finds it done, or being done (UploadBusy). A
    finish cut off by a crash or a storage outage is taken over by the next call.
    """
    upload = Upload.objects.select_related("case", "records_request", "created_by").get(
        pk=upload_id
    )
    if upload.status == Upload.Status.DONE:
        return upload
    if upload.status != Upload.Status.FINISHING:
        raise ApplicationError(upload.message or "This upload is not complete.")
    if claimed_at is None or upload.finishing_since != claimed_at:
        now = timezone.now()
        if upload.finishing_since and upload.finishing_since > now - FINISH_RETRY_AFTER:
            raise UploadBusy
        took = Upload.objects.filter(
            pk=upload.pk, status=Upload.Status.FINISHING, finishing_since=upload.finishing_since
        ).update(finishing_since=now)
        if not took:
            raise UploadBusy
        upload.finishing_since = now
    parts_store = upload_parts.store()
    try:
        key = parts_store.complete(upload)
        if sha256 is None:
            sha256 = upload_parts.sha256(key)
        head = upload_parts.head(key)
    except upload_parts.StorageUnavailable as error:
        # Left FINISHING with its claim released: the client's next PATCH finishes it.
        Upload.objects.filter(pk=upload.pk).update(
            finishing_since=timezone.now() - FINISH_RETRY_AFTER
        )
        raise UploadPaused from error
    Upload.objects.filter(pk=upload.pk).update(key=key)
    try:
        record = add_record(
            case=upload.case,
            by=upload.created_by,
            upload=_StoredUpload(head, upload.name, upload.length),
            records_request=upload.records_request,
            sha256=sha256,
            stored_name=key,
        )
    except ApplicationError as error:
        default_storage.delete(key)
        upload.status, upload.message = Upload.Status.REFUSED, error.message[:400]
        upload.save(update_fields=["status", "message"])
        raise
    if record.file.name != key:  # a provider's copy of a file the case has: one copy kept
        default_storage.delete(key)
    upload.status, upload.record = Upload.Status.DONE, record
    upload.save(update_fields=["status", "record"])
    return upload


def terminate_upload(*, upload: Upload, by) -> None:
    upload_parts.store().abort(upload)
    record_event(actor=by, action="upload.terminate", obj=upload, case_id=upload.case_id)
    Upload.objects.filter(pk=upload.pk, status=Upload.Status.RECEIVING).delete()


def remove_expired_uploads() -> int:
    """Delete the bytes of uploads that expired unfinished, and finished uploads' rows after a day."""
    now = timezone.now()
    expired = Upload.objects.filter(status=Upload.Status.RECEIVING, expires_at__lte=now)
    parts_store = upload_parts.store()
    count = 0
    for upload in expired:
        parts_store.abort(upload)
        count += 1
    expired.delete()
    Upload.objects.exclude(status__in=[Upload.Status.RECEIVING, Upload.Status.FINISHING]).filter(
        expires_at__lte=now - timedelta(days=1)
    ).delete()
    # Every byte stored, but the node finishing it died and the client never came back: finish.
    stuck = Upload.objects.filter(
        status=Upload.Status.FINISHING, finishing_since__lte=now - FINISH_RETRY_AFTER
    ).values_list("pk", flat=True)
    for upload_id in list(stuck[:100]):
        # Refused (the row says why), taken by a request meanwhile, or storage down: next hour.
        with contextlib.suppress(ApplicationError, UploadBusy, UploadPaused):
            finish_upload(upload_id=upload_id)
    return count


# Records requests to providers ------------------------------------------------------------------


class LinkNotValid(ApplicationError):
    def __init__(self):
        super().__init__(
            "This link is not valid. Check that you copied the whole link from the email."
        )


class LinkExpired(ApplicationError):
    def __init__(self):
        super().__init__(
            "This link has expired. Ask the patient to send you a new one from Second Opinion."
        )


class LinkUsed(ApplicationError):
    def __init__(self):
        super().__init__(
            "This link has already been used to send records, so it no longer works. "
            "If you have more to send, ask the patient for a new link."
        )


# Salt and token format unchanged since the first links were sent, so those links still work.
PROVIDER_LINK = links.LinkKind(
    salt="records.RecordsRequest.link",
    not_found=LinkNotValid,
    used_field="received_at",
    expires_field="expires_at",
    errors={"used": LinkUsed, "expired": LinkExpired},
)


def _new_link(records_request: RecordsRequest) -> None:
    records_request.nonce, records_request.token_hash = PROVIDER_LINK.new()
    records_request.expires_at = timezone.now() + timedelta(days=settings.RECORDS_REQUEST_LINK_DAYS)


def provider_link(records_request: RecordsRequest) -> str:
    """The link emailed to the provider (never stored; rebuilt from the nonce for each email)."""
    token = PROVIDER_LINK.token(records_request.nonce)
    return settings.SITE_URL + reverse("records:provider-link", args=[token])


REQUEST_EMAIL = "records.request"
REMINDER_EMAIL = "records.reminder"


def _queue_provider_email(records_request: RecordsRequest, kind: str) -> None:
    # One email per link (a resend makes a new link) and per reminder of that link.
    link_id = records_request.token_hash[:16]
    key = f"{kind}:{records_request.pk}:{link_id}"
    if kind == REMINDER_EMAIL:
        key += f":{records_request.reminders_sent}"
    enqueue_email(
        kind=kind, key=key, to_address=records_request.provider_email, object_id=records_request.pk
    )


@transaction.atomic
def create_records_request(
    *,
    case,
    by,
    provider_name: str,
    provider_organisation: str,
    provider_email: str,
    records_wanted: str,
) -> RecordsRequest:
    if not case_permissions.can_add_records(by, case):
        raise ApplicationError("This case is not accepting new records.")
    patient = selectors.patient_identity_for(case=case, asker=by)
    if not (patient.name and patient.date_of_birth):
        # The provider finds the records by the patient's name and date of birth.
        raise ApplicationError(
            "First give the patient's full name and date of birth in the request: the provider "
            "needs both to find the right records."
        )
    records_request = RecordsRequest(
        case=case,
        requested_by=by,
        provider_name=provider_name,
        provider_organisation=provider_organisation,
        provider_email=provider_email,
        records_wanted=records_wanted,
    )
    _new_link(records_request)
    records_request.save()
    record_event(actor=by, action="records_request.create", obj=records_request, case_id=case.pk)
    _queue_provider_email(records_request, REQUEST_EMAIL)
    return records_request


@transaction.atomic
def resend_records_request(*, records_request: RecordsRequest, by) -> RecordsRequest:
    """Send the provider a new link (the old one stops working) with a new expiry date."""
    records_request = RecordsRequest.objects.select_for_update().get(pk=records_request.pk)
    case = records_request.case
    if not case_permissions.can_add_records(by, case):
        raise ApplicationError("This case is not accepting new records.")
    if records_request.received_at:
        raise ApplicationError("The provider has already sent these records.")
    _new_link(records_request)
    records_request.opened_at = None
    records_request.reminders_sent = 0
    records_request.save()
    record_event(actor=by, action="records_request.resend", obj=records_request, case_id=case.pk)
    _queue_provider_email(records_request, REQUEST_EMAIL)
    return records_request


def records_request_for_token(token: str) -> RecordsRequest:
    """The open request a link's token names, or LinkNotValid / LinkExpired / LinkUsed."""
    records_request = PROVIDER_LINK.find(
        RecordsRequest.objects.select_related("case__owner"), token
    )
    return check_records_request_open(records_request)


def check_records_request_open(records_request: RecordsRequest) -> RecordsRequest:
    PROVIDER_LINK.check(records_request)
    if not case_permissions.can_take_provider_records(records_request.case):
        raise ApplicationError(
            "This patient's case is no longer accepting records, so this link no longer works."
        )
    return records_request


@transaction.atomic
def open_records_request(*, token: str) -> RecordsRequest:
    """A provider followed the emailed link: check it and note the first time it was opened."""
    records_request = records_request_for_token(token)
    if records_request.opened_at is None:
        records_request.opened_at = timezone.now()
        records_request.save(update_fields=["opened_at"])
    record_event(
        actor=None,
        action="records_request.open",
        obj=records_request,
        case_id=records_request.case_id,
    )
    return records_request


@transaction.atomic
def finish_records_request(*, records_request: RecordsRequest) -> RecordsRequest:
    """The provider has sent what they have: the link is used up and the patient is told."""
    records_request = (
        RecordsRequest.objects.select_for_update()
        .select_related("case__owner")
        .get(pk=records_request.pk)
    )
    check_records_request_open(records_request)
    received = records_request.records.count() + len(records_request.duplicates_received)
    if received == 0:
        raise ApplicationError("Add at least one file before you finish.")
    records_request.received_at = timezone.now()
    records_request.save(update_fields=["received_at"])
    case = records_request.case
    record_event(
        actor=None,
        action="records_request.receive",
        obj=records_request,
        case_id=case.pk,
        detail={"files": received},
    )
    notify(
        user=case.owner,
        message=(
            f"{records_request.provider_name} sent {received} "
            f"file{'s' if received != 1 else ''} to your case {case.reference}."
        ),
        link=reverse("cases:case-detail", args=[case.reference]),
    )
    return records_request


def compose_provider_email(email) -> RenderedEmail | None:
    """The outbox's request or reminder to a provider, or None once the request is closed."""
    records_request = RecordsRequest.objects.filter(pk=email.object_id).first()
    if records_request is None or not records_request.is_open:
        return None
    # The provider must know whose records: the patient's name and date of birth (and who asked
    # for them), never anything about their health.
    return render_email(
        "records/email/provider_request",
        {
            "patient": selectors.patient_identity(records_request),
            "link": provider_link(records_request),
            "expires_at": records_request.expires_at,
            "reminder": email.kind == REMINDER_EMAIL,
        },
    )


def provider_email_sent(email) -> None:
    """Note when the provider was last emailed (reminders count from it) and first sent to."""
    RecordsRequest.objects.filter(pk=email.object_id).update(last_emailed_at=email.sent_at)
    RecordsRequest.objects.filter(pk=email.object_id, sent_at__isnull=True).update(
        sent_at=email.sent_at
    )


@transaction.atomic
def remind_records_requests() -> int:
    """Queue a reminder for each open request not answered within the reminder interval."""
    now = timezone.now()
    due = RecordsRequest.objects.select_for_update().filter(
        received_at__isnull=True,
        expires_at__gt=now,
        last_emailed_at__lte=now - timedelta(days=settings.RECORDS_REQUEST_REMINDER_DAYS),
        reminders_sent__lt=settings.RECORDS_REQUEST_MAX_REMINDERS,
    )
    count = 0
    for records_request in due:
        records_request.reminders_sent += 1
        records_request.last_emailed_at = now  # not again before the next interval
        records_request.save(update_fields=["reminders_sent", "last_emailed_at"])
        _queue_provider_email(records_request, REMINDER_EMAIL)
        count += 1
    return count
