"""The last chunk's hash, worked out on a thread beside the request that writes it.

With local storage the running hash of an upload follows a chunk behind (`uploads.
hash_stored_bytes`): each node hashes what it stored once the client has its answer. The
request that stores the last byte makes the record, which needs the whole file's hash, so it
cannot leave its bytes for later: hashing them after writing them made the last PATCH of an
8 MiB-chunked upload about twice the others. This thread hashes from the data file, on the other
core, while the request is still receiving: first what is not hashed yet before this chunk (read
back from the page cache), then this chunk's bytes, following the write as it goes. The request
waits for it only at the end.

The thread reads the data file and touches no database connection; the OpenSSL hash and the
file reads let Python's lock go, so it runs beside the request's socket reads and writes.
"""

import threading
from collections.abc import Callable, Iterator

from . import resumable_hash
from .upload_parts import StorageUnavailable


class HashAlongside:
    """Hashes the data file from `start` (where `digest` stands) up to what is stored
    (`stored`, then what the writer reports), until the writer says it is done. `read(start,
    end)` gives the file's bytes in pieces (upload_parts.SharedFolder.pieces)."""

    def __init__(
        self,
        read: Callable[[int, int], Iterator[memoryview]],
        digest: resumable_hash.ResumableSha256,
        *,
        start: int,
        stored: int,
    ):
        self.read, self.digest, self.hashed, self.stored = read, digest, start, stored
        self.done = False
        self.failed = False
        self.progress = threading.Condition()
        self.thread = threading.Thread(target=self._run, name="upload-hash", daemon=True)
        self.thread.start()

    def stored_up_to(self, offset: int) -> None:
        """The writer has stored the file's bytes up to `offset`."""
        with self.progress:
            self.stored = offset
            self.progress.notify()

    def result(self) -> resumable_hash.ResumableSha256 | None:
        """Once the writer is done: the hash of everything it stored, or None when the file
        could not be read."""
        with self.progress:
            self.done = True
            self.progress.notify()
        self.thread.join()
        return None if self.failed else self.digest

    def _next_stretch(self) -> int | None:
        """The offset to hash up to next, waiting for the writer; None once all is hashed."""
        with self.progress:
            while self.hashed >= self.stored and not self.done:
                self.progress.wait()
            return self.stored if self.hashed < self.stored else None

    def _run(self) -> None:
        try:
            while (end := self._next_stretch()) is not None:
                for piece in self.read(self.hashed, end):
                    self.digest.update(piece)
                    self.hashed += len(piece)
        except StorageUnavailable:
            self.failed = True
