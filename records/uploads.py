"""Resumable uploads (tus 1.0: core, creation, termination, expiration), with no node-local
state: each piece goes to the configured storage (S3 multipart parts, or a shared folder), the
offset and the running hash live in the database, and finishing is a server-side completion that
hands the stored file to `services.add_record`. records/tus.py speaks the protocol; this module
does the work."""

import contextlib
import io
import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.files.checks import check_name, check_size

from . import resumable_hash, services, upload_parts
from .models import RecordsRequest, Upload

logger = logging.getLogger(__name__)


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
    services.check_case_takes_records(case=case, by=by, records_request=records_request)
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
            piece = stream.read(min(services.CHUNK, remaining - received))
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
    each other's part. One statement (UPDATE ... RETURNING; PostgreSQL, and SQLite since 3.35):
    a round trip per stored piece counts at 8 MiB chunks."""
    table = connection.ops.quote_name(Upload._meta.db_table)
    column = connection.ops.quote_name("last_part_number")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1 WHERE id = %s RETURNING {column}",  # noqa: S608  (names from the model)
            [upload.pk],
        )
        return cursor.fetchone()[0]


def _check_can_append(upload: Upload) -> None:
    if upload.status in (Upload.Status.DONE, Upload.Status.FINISHING):
        raise ApplicationError("This upload is already complete.")
    if upload.status != Upload.Status.RECEIVING or upload.is_expired:
        raise ApplicationError(upload.message or "This upload has expired. Start it again.")
    services.check_case_takes_records(
        case=upload.case, by=upload.created_by, records_request=upload.records_request
    )


# A PATCH body is stored in pieces of this size as it arrives (each a part, or added to the
# carry), and the offset moves after each: a request cut off, or a node killed, loses at most
# the piece in flight, and memory per request stays at one piece.
UPLOAD_PIECE_BYTES = 8 * services.CHUNK


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
        with tempfile.SpooledTemporaryFile(max_size=UPLOAD_PIECE_BYTES + services.CHUNK) as spool:
            try:
                if upload.carry:  # bytes waiting to make a part (under 5 MiB) go first
                    with contextlib.closing(parts_store.open_carry(upload, upload.carry)) as carry:
                        shutil.copyfileobj(carry, spool, services.CHUNK)
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
    number = _new_part_number(upload) if parts_store.numbered_parts else 0
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
    changes = {
        "offset": new_offset,
        "parts": parts,
        "carry": new_carry,
        "carry_size": new_carry_size,
        "expires_at": now + timedelta(hours=settings.RECORD_UPLOAD_EXPIRY_HOURS),
        "status": Upload.Status.FINISHING if final else Upload.Status.RECEIVING,
        "finishing_since": now if final else None,
        "hash_state": digest.state() if digest is not None else None,
    }
    stored = Upload.objects.filter(
        pk=upload.pk, status=Upload.Status.RECEIVING, offset=offset
    ).update(**changes)
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
    # The row is what this request just wrote (the compare and set held): no reload.
    for name, value in changes.items():
        setattr(upload, name, value)
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
        record = services.add_record(
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
