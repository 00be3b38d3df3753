"""Resumable uploads (tus 1.0: core, creation, termination, expiration), with no node-local
state: each piece goes to the configured storage (S3 multipart parts, or a shared folder), the
offset and the running hash live in the database, and finishing is a server-side completion that
hands the stored file to `services.add_record`. records/tus.py speaks the protocol; this module
does the work."""

import contextlib
import enum
import functools
import io
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.files.checks import SNIFF_BYTES, check_name, check_size

from . import reading, resumable_hash, services, upload_lock, upload_parts, upload_quotas
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

    message = gettext_lazy(
        "The upload is paused: file storage cannot be reached right now. Nothing you sent is "
        "lost; it will resume on its own."
    )


def partial_path(upload: Upload) -> Path:
    """The folder of an upload's data file (local storage; with object storage, unused)."""
    return upload_parts.SharedFolder().folder(upload)


def upload_offset(upload: Upload) -> int:
    if upload.status == Upload.Status.DONE:
        return upload.length
    return upload.offset


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
    upload_quotas.check(
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


def _read_body(
    stream: io.RawIOBase, remaining: int, head: bytearray | None = None
) -> Iterator[memoryview]:
    """Up to `remaining` bytes of a request body, in pieces of up to 1 MiB read into one buffer
    in this thread: each piece is valid until the next is asked for. A dropped connection ends
    it early: what arrived is kept. The first SNIFF_BYTES are also kept in `head`, if given."""
    buffer = memoryview(bytearray(min(reading.CHUNK, remaining)))
    try:
        while remaining > 0:
            count = stream.readinto(buffer[: min(len(buffer), remaining)])
            if not count:
                return
            remaining -= count
            if head is not None and len(head) < SNIFF_BYTES:
                head += buffer[: min(count, SNIFF_BYTES - len(head))]
            yield buffer[:count]
    except OSError:
        logger.info("An upload was interrupted; it resumes from the bytes stored")


def _check_can_append(upload: Upload) -> None:
    if upload.status in (Upload.Status.DONE, Upload.Status.FINISHING):
        raise ApplicationError(_("This upload is already complete."))
    if upload.status != Upload.Status.RECEIVING or upload.is_expired:
        raise ApplicationError(upload.message or _("This upload has expired. Start it again."))
    services.check_case_takes_records(
        case=upload.case, by=upload.created_by, records_request=upload.records_request
    )


def append_to_upload(
    *, upload: Upload, offset: int, stream: io.RawIOBase, content_length: int | None
) -> Upload:
    """Store a PATCH body at `offset` in the configured storage and move the row's offset past
    it, only if no other request moved it meanwhile. The request that stores the last byte
    claims the finish (FINISHING) and answers like any other: its node makes the record once
    the client has the answer (`after_chunk`), so the last PATCH takes no longer than the
    others, and the uploader asks what became of the file (`upload_outcome`). The chunk that
    starts the file shows its type: a type we do not accept is refused then, not after the
    last byte.

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
        raise ApplicationError(_("The upload sent more bytes than it announced."))
    head = bytearray() if offset == 0 else None
    storage = upload_parts.store()
    try:
        if storage.writes_in_place:
            upload = _write_in_place(upload, storage, offset, stream, head)
        else:
            upload = _store_in_parts(upload, storage, offset, stream, head)
    except upload_parts.StorageUnavailable as error:
        logger.warning("File storage did not take an upload chunk; the upload is paused")
        raise UploadPaused from error
    if head is not None:
        _check_first_bytes(upload, head)
    return upload


def _check_first_bytes(upload: Upload, head: bytearray) -> None:
    """Refuse an upload whose first bytes are not of a type we accept, and drop what it stored
    (a first chunk too short to tell leaves it to the finish, which checks every file)."""
    if len(head) < min(SNIFF_BYTES, upload.length):
        return
    try:
        services.accepted_type(upload.name, io.BytesIO(head))
    except ApplicationError as error:
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.REFUSED, message=error.message[:400]
        )
        with contextlib.suppress(upload_parts.StorageUnavailable):
            upload_parts.store().abort(upload)
        raise


def _write_in_place(
    upload: Upload, folder, offset: int, stream: io.RawIOBase, head: bytearray | None
) -> Upload:
    """Local storage: write the body straight to its offset in the upload's data file while
    holding the upload's lock, then move the row's offset past what was written (a dropped
    connection keeps what arrived). The bytes are hashed once the client has its answer
    (`hash_stored_bytes`)."""
    data = folder.open_data(upload)
    try:
        with upload_lock.hold(upload.pk, data) as lock:
            current = lock.row
            if current is None:
                raise ApplicationError(_("This upload was cancelled. Start it again."))
            if (
                not lock.held
                or current.status != Upload.Status.RECEIVING
                or current.offset != offset
            ):
                # Another request is writing these bytes, or stored them first.
                raise UploadOffsetMismatch(upload_offset(current))
            if not folder.holds(data, offset):
                # The bytes before this chunk are gone (the shared folder was lost or replaced):
                # writing after them would make a file with a hole. Paused, never corrupted.
                logger.error("An upload's data file is shorter than its recorded offset")
                raise upload_parts.StorageUnavailable
            stored = written = offset
            for piece in _read_body(stream, upload.length - offset, head):
                if written - stored >= CHECKPOINT_BYTES:
                    # More is coming: what came so far is recorded first, so a long chunk cut
                    # off keeps it.
                    upload = _checkpoint(upload, lock, stored, written)
                    stored = written
                    if not lock.held:  # taken meanwhile: the client continues from here
                        return upload
                folder.write_at(data, piece, written)
                written += len(piece)
            if written < upload.length:
                # The bytes stored before this chunk go to disk now, in the background, rather
                # than pile up for the kernel to write all at once: near the end of a large
                # upload that pile held up every wait for the disk, the record's commit in the
                # last PATCH among them. This chunk's own bytes wait for the next PATCH, and the
                # last PATCH starts nothing its commit would queue behind. Not the bytes still
                # to be hashed: they are read again soon, from the page cache.
                folder.start_writeback(data, 0, min(offset, current.hashed_offset))
            if written > stored:
                changes = _moved_offset(upload, written, None)
                if not lock.move_offset(from_offset=stored, changes=changes):
                    _raise_offset_moved(upload)
                upload = _with_changes(upload, changes)
    finally:
        os.close(data)
    return upload


# A long PATCH (a browser's 50 MiB chunk on a slow line) moves the row's offset every so many
# bytes, so the client sees its progress and loses no more than this if the node dies.
CHECKPOINT_BYTES = 8 * reading.CHUNK


def _checkpoint(upload: Upload, lock, stored: int, written: int) -> Upload:
    changes = _moved_offset(upload, written, None)
    if not lock.move_offset(from_offset=stored, changes=changes, keep=True):
        _raise_offset_moved(upload)
    return _with_changes(upload, changes)


def _moved_offset(upload: Upload, new_offset: int, digest):
    """The row's changes for bytes stored up to `new_offset`, with the running hash when it
    covers them too; when they complete the file, FINISHING, claimed by this request."""
    now = timezone.now()
    final = new_offset == upload.length
    changes = {
        "offset": new_offset,
        "expires_at": now + timedelta(hours=settings.RECORD_UPLOAD_EXPIRY_HOURS),
        "status": Upload.Status.FINISHING if final else Upload.Status.RECEIVING,
        "finishing_since": now if final else None,
    }
    if digest is not None:
        changes.update(hash_state=digest.state(), hashed_offset=new_offset)
    return changes


def _raise_offset_moved(upload: Upload):
    """Another request stored these bytes first (a replayed chunk, two nodes at one offset): the
    client is told where the upload is."""
    current = Upload.objects.filter(pk=upload.pk).first()
    if current is None:
        raise ApplicationError(_("This upload was cancelled. Start it again."))
    raise UploadOffsetMismatch(upload_offset(current))


def _with_changes(upload: Upload, changes: dict) -> Upload:
    """The row is what this request just wrote (the compare and set held): no reload."""
    for name, value in changes.items():
        setattr(upload, name, value)
    return upload


# Object storage: a PATCH body is stored in pieces of this size as it arrives (each a part of the
# multipart upload, or added to the carry), and the offset moves after each: a request cut off,
# or a node killed, loses at most the piece in flight, and memory per request stays at one piece.
UPLOAD_PIECE_BYTES = 8 * reading.CHUNK


def _store_in_parts(
    upload: Upload, parts_store, offset: int, stream: io.RawIOBase, head: bytearray | None
) -> Upload:
    """Object storage: store the body as multipart parts, piece by piece, moving the row's
    offset and the running hash (continued from the row, whichever node stored the chunks
    before) after each."""
    digest = resumable_hash.restore(upload.hash_state, offset=offset)
    while True:
        wanted = min(UPLOAD_PIECE_BYTES, upload.length - upload.offset)
        with tempfile.SpooledTemporaryFile(max_size=UPLOAD_PIECE_BYTES + reading.CHUNK) as spool:
            if upload.carry:  # bytes waiting to make a part (under 5 MiB) go first
                with contextlib.closing(parts_store.open_carry(upload, upload.carry)) as carry:
                    shutil.copyfileobj(carry, spool, reading.CHUNK)
            received = 0
            for piece in _read_body(stream, wanted, head):
                spool.write(piece)
                if digest is not None:
                    digest.update(piece)
                received += len(piece)
            spool.seek(0)
            if received == 0:
                return upload
            upload = _store_piece(upload, parts_store, spool, received, digest)
        if upload.status == Upload.Status.FINISHING or received < wanted:  # complete, or cut
            return upload


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


def _store_piece(upload: Upload, parts_store, spool: IO[bytes], received: int, digest):
    """Store `received` new bytes (after the carry, in `spool`) as a part or as the new carry,
    then move the row's offset. Returns the updated upload."""
    offset = upload.offset
    final = offset + received == upload.length
    size = upload.carry_size + received
    number = _new_part_number(upload)
    if final or size >= parts_store.min_part:
        etag = parts_store.put_part(upload, number, spool, size)
        parts, new_carry, new_carry_size = [*upload.parts, [number, etag, size]], "", 0
    else:
        new_carry = parts_store.put_carry(upload, number, spool, size)
        parts, new_carry_size = upload.parts, size
    old_carry = upload.carry
    changes = _moved_offset(upload, offset + received, digest)
    changes.update(parts=parts, carry=new_carry, carry_size=new_carry_size)
    moved = Upload.objects.filter(
        pk=upload.pk, status=Upload.Status.RECEIVING, offset=offset
    ).update(**changes)
    if not moved:
        # This copy is dropped (a part that lost is left out of CompleteMultipartUpload).
        if new_carry:
            with contextlib.suppress(upload_parts.StorageUnavailable):
                parts_store.discard(upload, new_carry)
        _raise_offset_moved(upload)
    if old_carry and old_carry != new_carry:
        with contextlib.suppress(upload_parts.StorageUnavailable):
            parts_store.discard(upload, old_carry)
    return _with_changes(upload, changes)


class _StoredUpload(File):
    """A finished upload already in storage, as add_record sees it: its name, size and first
    bytes (for the type); never read in full here."""

    def __init__(self, head: bytes, name: str, size: int):
        super().__init__(io.BytesIO(head), name=name)
        self.size = size


FINISH_RETRY_AFTER = timedelta(minutes=5)


def finish_upload(*, upload_id: str) -> Upload:
    """Make a completely stored upload a record, when the request that stored its last byte did
    not (it died, or storage did not answer): the last chunk sent again, or the hourly clean-up.

    Done once: a finish claimed in the last FINISH_RETRY_AFTER is left to its request
    (UploadBusy); an older claim is taken over. A finished upload is returned as it is.
    """
    upload = Upload.objects.select_related("case", "records_request", "created_by").get(
        pk=upload_id
    )
    if upload.status == Upload.Status.DONE:
        return upload
    if upload.status != Upload.Status.FINISHING:
        raise ApplicationError(upload.message or _("This upload is not complete."))
    now = timezone.now()
    if upload.finishing_since and upload.finishing_since > now - FINISH_RETRY_AFTER:
        raise UploadBusy
    took = Upload.objects.filter(
        pk=upload.pk, status=Upload.Status.FINISHING, finishing_since=upload.finishing_since
    ).update(finishing_since=now)
    if not took:
        raise UploadBusy
    upload.finishing_since = now
    return _make_record(upload)


def _make_record(upload: Upload) -> Upload:
    """The finish itself, by the request holding the claim: the storage joins the parts (S3
    CompleteMultipartUpload) or gives the data file the record's name (a hard link), and the
    file is checked by add_record and stays where it is. The record and the upload's DONE are
    one transaction, so a finish cut off after it is never done twice; the upload's own copy
    goes only then."""
    parts_store = upload_parts.store()
    try:
        key = parts_store.complete(upload)
        sha256 = _finished_hash(upload) or upload_parts.sha256(key)
        head = upload_parts.head(key)
    except upload_parts.StorageUnavailable as error:
        # Left FINISHING with its claim released: the client's next PATCH finishes it.
        Upload.objects.filter(pk=upload.pk).update(
            finishing_since=timezone.now() - FINISH_RETRY_AFTER
        )
        raise UploadPaused from error
    if key != upload.key:
        Upload.objects.filter(pk=upload.pk).update(key=key)
    try:
        with transaction.atomic():
            record = services.add_record(
                case=upload.case,
                by=upload.created_by,
                upload=_StoredUpload(head, upload.name, upload.length),
                records_request=upload.records_request,
                sha256=sha256,
                stored_name=key,
            )
            upload.status, upload.record = Upload.Status.DONE, record
            upload.save(update_fields=["status", "record"])
    except ApplicationError as error:
        default_storage.delete(key)
        parts_store.forget(upload)
        upload.status, upload.message = Upload.Status.REFUSED, error.message[:400]
        upload.save(update_fields=["status", "message"])
        raise
    if record.file.name != key:  # a provider's copy of a file the case has: one copy kept
        default_storage.delete(key)
    parts_store.forget(upload)
    return upload


def _finished_hash(upload: Upload) -> str | None:
    """The SHA-256 of a completely stored upload from the running hash on its row (a finish
    taken over after a crash reads again at most what was not hashed yet), or None when the
    row has none."""
    digest = hash_stored_bytes(upload.pk)
    return digest.hexdigest() if digest is not None and upload.offset else None


def hash_stored_bytes(upload_id: str) -> resumable_hash.ResumableSha256 | None:
    """Bring an upload's running hash up to its offset and record it. Returns the hash, or None
    where it cannot be continued (no saved state, a machine of another kind, the data file not
    readable): the finish then hashes the whole file once.

    With local storage a PATCH stores its bytes without hashing them, and the node that stored
    them hashes them once the client has its answer (`after_chunk`), while the client sends the
    next chunk: the hash follows a chunk behind at no cost to the upload's time (an 8 MiB piece
    took ~5 ms of a ~20 ms PATCH to hash). The finish brings it up to the end, reading back at
    most the chunks not hashed yet, from the page cache. Bytes below the offset never change,
    so two requests continuing the hash at once reach the same state; the first to record it
    wins. With object storage the hash moves with the offset instead
    (reading the parts back would cost more than hashing them as they pass)."""
    upload = (
        Upload.objects.filter(pk=upload_id).only("offset", "hashed_offset", "hash_state").first()
    )
    if upload is None:
        return None
    hashed, offset = upload.hashed_offset, upload.offset
    digest = resumable_hash.restore(upload.hash_state, offset=hashed)
    if digest is None or hashed == offset:
        return digest
    folder = upload_parts.store()
    if not folder.writes_in_place:
        return None
    try:
        for piece in folder.pieces(upload, hashed, offset):
            digest.update(piece)
    except upload_parts.StorageUnavailable:
        logger.warning("An upload's stored bytes could not be read to hash them")
        return None
    Upload.objects.filter(pk=upload_id, hashed_offset=hashed).update(
        hash_state=digest.state(), hashed_offset=offset
    )
    return digest


def after_chunk(upload: Upload) -> Callable[[], object] | None:
    """What the node does once the client has its answer to a chunk: make the record when the
    chunk completed the file (`finish_claimed_upload`); else, with local storage, hash the bytes
    it stored (`hash_stored_bytes`)."""
    if upload.status == Upload.Status.FINISHING:
        return functools.partial(finish_claimed_upload, upload.pk)
    if upload.status == Upload.Status.RECEIVING and upload_parts.store().writes_in_place:
        return functools.partial(hash_stored_bytes, upload.pk)
    return None


def finish_claimed_upload(upload_id: str) -> None:
    """Make the record of an upload whose last byte this node stored, claiming the finish, once
    the client has its answer: the hash is brought up to the end and the file goes through
    `add_record`. A refusal stays on the row for the uploader to read (`upload_outcome`);
    storage not answering releases the claim for the next to ask."""
    upload = (
        Upload.objects.select_related("case", "records_request", "created_by")
        .filter(pk=upload_id, status=Upload.Status.FINISHING)
        .first()
    )
    if upload is not None:
        with contextlib.suppress(ApplicationError, UploadPaused):
            _make_record(upload)


class Outcome(enum.StrEnum):
    """What became of an upload, for its uploader once every byte is sent."""

    RECEIVING = "receiving"
    ADDING = "adding"
    ADDED = "added"
    REFUSED = "refused"


def upload_outcome(upload: Upload) -> tuple[Outcome, str]:
    """What became of an upload, and the message of a refusal. A finish left undone (its node
    stopped after answering, or storage did not answer) is taken over here once its claim is
    old (`finish_upload`), so the uploader asking is enough to see the record made."""
    if upload.status == Upload.Status.FINISHING:
        try:
            upload = finish_upload(upload_id=upload.pk)
        except (UploadBusy, UploadPaused):
            return Outcome.ADDING, ""
        except ApplicationError as error:
            return Outcome.REFUSED, str(error.message)
    if upload.status == Upload.Status.DONE:
        return Outcome.ADDED, ""
    if upload.status == Upload.Status.REFUSED:
        return Outcome.REFUSED, upload.message
    return Outcome.RECEIVING, ""


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
