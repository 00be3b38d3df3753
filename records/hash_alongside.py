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
from pathlib import Path

from . import resumable_hash

_PIECE = 1024 * 1024


class HashAlongside:
    """Hashes `path` from `start` (where `digest` stands) up to what is stored (`stored`, then
    what the writer reports), until the writer says it is done; `result()` then gives the hash
    of the whole stretch."""

    def __init__(
        self, path: Path, digest: resumable_hash.ResumableSha256, *, start: int, stored: int
    ):
        self.path, self.digest, self.hashed, self.stored = path, digest, start, stored
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

    def result(self) -> tuple[resumable_hash.ResumableSha256, int] | None:
        """Once the writer is done: the hash and the offset it reaches (everything stored), or
        None when the file could not be read."""
        with self.progress:
            self.done = True
            self.progress.notify()
        self.thread.join()
        if self.failed or self.hashed != self.stored:
            return None
        return self.digest, self.hashed

    def _next_stretch(self) -> int | None:
        """The offset to hash up to next, waiting for the writer; None once all is hashed."""
        with self.progress:
            while self.hashed >= self.stored and not self.done:
                self.progress.wait()
            return self.stored if self.hashed < self.stored else None

    def _run(self) -> None:
        buffer = memoryview(bytearray(_PIECE))
        try:
            with open(self.path, "rb", buffering=0) as data:
                data.seek(self.hashed)
                while (end := self._next_stretch()) is not None:
                    while self.hashed < end:
                        got = data.readinto(buffer[: min(_PIECE, end - self.hashed)])
                        if not got:
                            raise OSError("the data file is shorter than what was stored")
                        self.digest.update(buffer[:got])
                        self.hashed += got
        except OSError:
            self.failed = True
