"""Where a resumable upload's bytes wait until the file is complete: in the configured storage,
never on the web node that received them, so any node can take the next chunk.

Object storage (S3_BUCKET set): an S3 multipart upload on the record's final key. Each stored
chunk is one part; finishing is CompleteMultipartUpload, done by the object store itself (no copy
through the app). S3 takes parts of 5 MiB or more (but the last), so bytes that do not make a
part yet wait in a small "carry" object (under 5 MiB) and go out with the next chunk.

Local storage: one data file in RECORD_UPLOAD_DIR/<upload id>/ (a folder shared by every node, as
MEDIA_ROOT must be). A PATCH writes its bytes straight to their offset in it while it holds the
upload's lock (records/upload_lock.py), and the row's offset moves once they are written; bytes
past the row's offset (a request cut off) are written over by the next PATCH. Finishing moves
the data file a second name in MEDIA_ROOT (a hard link) under the name chosen when the upload
started; the upload's folder goes once the record is kept.

Every name here is random or the upload's random id: no PHI in a key or a path. Whatever goes
wrong talking to the storage raises StorageUnavailable: the upload is paused, not lost.
"""

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage

S3_MIN_PART = 5 * 1024 * 1024
_CHUNK = 1024 * 1024


class StorageUnavailable(Exception):
    """The storage did not answer: nothing was recorded, the client sends the chunk again."""


def record_key(case_id: int) -> str:
    """A new record file's name (as records.models.record_upload_to makes them)."""
    return f"records/{case_id}/{secrets.token_hex(16)}"


class SharedFolder:
    """An upload's data file in a folder shared by every web node, written in place."""

    # Each PATCH writes its bytes straight to their offset in the data file, holding the
    # upload's lock (records/upload_lock.py): no part files, no second copy.
    writes_in_place = True

    def folder(self, upload) -> Path:
        return Path(settings.RECORD_UPLOAD_DIR) / upload.pk

    def start(self, upload) -> None:
        # The record's name is chosen now, so a finish cut off after moving the file finds it.
        upload.key = record_key(upload.case_id)
        try:
            self.folder(upload).mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise StorageUnavailable from error

    def data_path(self, upload) -> Path:
        return self.folder(upload) / "data"

    def open_data(self, upload) -> int:
        """The data file, open for writing (a file descriptor the caller closes)."""
        try:
            return os.open(self.data_path(upload), os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as error:
            raise StorageUnavailable from error

    def holds(self, fd: int, offset: int) -> bool:
        """Whether the data file holds at least the first `offset` bytes (it was not lost)."""
        try:
            return os.fstat(fd).st_size >= offset
        except OSError as error:
            raise StorageUnavailable from error

    def write_at(self, fd: int, data: bytes | memoryview, offset: int) -> None:
        view = memoryview(data)
        try:
            while view:
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
        except OSError as error:
            raise StorageUnavailable from error

    def pieces(self, upload, start: int, end: int) -> Iterator[memoryview]:
        """The data file's bytes from `start` to `end`, a piece at a time (one buffer, reused:
        each piece is good until the next is asked for)."""
        buffer = memoryview(bytearray(_CHUNK))
        try:
            with open(self.data_path(upload), "rb", buffering=0) as data:
                data.seek(start)
                while start < end:
                    got = data.readinto(buffer[: min(_CHUNK, end - start)])
                    if not got:  # shorter than its recorded offset: the folder was lost
                        raise StorageUnavailable
                    yield buffer[:got]
                    start += got
        except OSError as error:
            raise StorageUnavailable from error

    def start_writeback(self, fd: int, offset: int, length: int) -> None:
        """Have the kernel start writing these bytes to disk now, without waiting for it, and
        drop them from the page cache once written (Linux: POSIX_FADV_DONTNEED starts the
        writeback of dirty pages and evicts the clean ones). Where the call does not exist, the
        kernel writes them back in its own time."""
        if length > 0 and hasattr(os, "posix_fadvise"):
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)

    def complete(self, upload) -> str:
        """Give the data file the record's name in the media folder: a hard link, the same bytes
        under a second name (no copy). The upload's folder stays until the record is kept
        (`forget`), so a finish cut off anywhere, or an offset whose commit the database lost,
        finds the data file where it was. The stored name."""
        key = upload.key or record_key(upload.case_id)
        data = self.data_path(upload)
        target = Path(default_storage.path(key))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(data, target)
            except FileExistsError:
                if not os.path.samefile(data, target):  # never another file's name
                    raise
            mode = getattr(default_storage, "file_permissions_mode", None)
            if mode is not None:
                os.chmod(target, mode)
        except OSError as error:
            raise StorageUnavailable from error
        return key

    def forget(self, upload) -> None:
        """The upload's folder, once its record is kept (or it was refused)."""
        shutil.rmtree(self.folder(upload), ignore_errors=True)

    def abort(self, upload) -> None:
        """An upload that will never be a record: its folder, and the name a finish cut off
        may have given its file."""
        self.forget(upload)
        if upload.key:
            default_storage.delete(upload.key)


class S3Parts:
    """An S3 multipart upload on the record's final key."""

    writes_in_place = False
    min_part = S3_MIN_PART

    def __init__(self, storage):
        self.client = storage.bucket.meta.client
        self.bucket = storage.bucket.name

    def _call(self, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except (BotoCoreError, ClientError) as error:
            raise StorageUnavailable from error

    def start(self, upload) -> None:
        upload.key = record_key(upload.case_id)
        started = self._call("create_multipart_upload", Key=upload.key, ACL="private")
        upload.multipart_id = started["UploadId"]

    def put_part(self, upload, number: int, source: IO[bytes], size: int) -> str:
        answer = self._call(
            "upload_part",
            Key=upload.key,
            UploadId=upload.multipart_id,
            PartNumber=number,
            Body=source,
            ContentLength=size,
        )
        return answer["ETag"]

    def _carry_key(self, upload, number: int) -> str:
        return f"uploads/{upload.pk}/carry-{number:05d}"

    def put_carry(self, upload, number: int, source: IO[bytes], size: int) -> str:
        key = self._carry_key(upload, number)
        self._call("put_object", Key=key, Body=source, ContentLength=size, ACL="private")
        return key

    def open_carry(self, upload, name: str) -> IO[bytes]:
        return self._call("get_object", Key=name)["Body"]

    def discard(self, upload, name: str) -> None:
        if name.startswith("uploads/"):
            self._call("delete_object", Key=name)

    def complete(self, upload) -> str:
        parts = [{"PartNumber": number, "ETag": etag} for number, etag, _size in upload.parts]
        from botocore.exceptions import ClientError

        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=upload.key,
                UploadId=upload.multipart_id,
                MultipartUpload={"Parts": parts},
            )
        except ClientError as error:
            # Completed already (a finish that was cut off, done again): the object is there.
            if error.response.get("Error", {}).get("Code") != "NoSuchUpload" or not self.exists(
                upload.key
            ):
                raise StorageUnavailable from error
        except Exception as error:
            raise StorageUnavailable from error
        return upload.key

    def forget(self, upload) -> None:
        """Nothing of a completed multipart upload is left to remove."""

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return False
        return True

    def abort(self, upload) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if upload.multipart_id:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload.key, UploadId=upload.multipart_id
                )
            if upload.carry:
                self.client.delete_object(Bucket=self.bucket, Key=upload.carry)
        except (BotoCoreError, ClientError):
            pass  # gone already, or the store is down: expiry tries again later


def store():
    """The parts store for the configured default storage."""
    if getattr(default_storage, "bucket", None) is not None:
        return S3Parts(default_storage)
    return SharedFolder()


def head(key: str, size: int = 8192) -> bytes:
    """The first bytes of a stored file (to tell its type), without reading the rest."""
    try:
        bucket = getattr(default_storage, "bucket", None)
        if bucket is not None:
            answer = bucket.meta.client.get_object(
                Bucket=bucket.name, Key=key, Range=f"bytes=0-{size - 1}"
            )
            return answer["Body"].read()
        with default_storage.open(key, "rb") as stored:
            return stored.read(size)
    except Exception as error:
        raise StorageUnavailable from error


def sha256(key: str) -> str:
    """The SHA-256 of a stored file, read from the storage in 1 MiB pieces."""
    digest = hashlib.sha256()
    try:
        bucket = getattr(default_storage, "bucket", None)
        if bucket is not None:
            body = bucket.meta.client.get_object(Bucket=bucket.name, Key=key)["Body"]
            for piece in body.iter_chunks(_CHUNK):
                digest.update(piece)
        else:
            with default_storage.open(key, "rb") as stored:
                for piece in stored.chunks(_CHUNK):
                    digest.update(piece)
    except Exception as error:
        raise StorageUnavailable from error
    return digest.hexdigest()
