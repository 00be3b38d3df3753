"""One request at a time writes an upload's bytes: with local storage a PATCH writes straight into
the upload's data file, so a replayed chunk, or two nodes sent the same offset, must not both
write. The lock is never waited for: whoever finds it held answers 409 with the stored offset.
Holding it, a request reads the row (what the last holder recorded), writes, then moves the
offset by compare and set.

PostgreSQL: a transaction-scoped advisory lock keyed on the upload, in a transaction of the
request's own from taking the lock to recording the bytes. It holds across web nodes, the
database drops it when a node dies (its connection closes), and the commit that moves the offset
is what lets it go, so no request can take it and still read the row from before. Taking it and
reading the row is one round trip; moving the offset and committing is another. That commit does
not wait for the disk (synchronous_commit off for that transaction alone): were the database to
crash just after, the row would be back at an earlier offset with its matching hash, the bytes
past it still in the data file (a finish leaves that file in place until the record is kept),
and the client would send them again (tus resumes from the offset the server reports). The
record is made by a commit that waits, and puts every commit before it on disk too. Under load
each round trip and each wait for the disk cost milliseconds, much of what an 8 MiB PATCH took
beyond its bytes (bench/tus_bench.py: a wait for the disk took up to 60 ms).

Other databases (SQLite, the embedded run, one host by nature): an exclusive `flock` on the open
data file, released by the kernel when the process dies, and the ORM.
"""

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator
from typing import Any, cast

from django.db import DatabaseError, connection, models
from django.db.backends.postgresql.base import Cursor as ClientBindingCursor

from .models import Upload

# What a writer reads of the row once it holds the lock, in the model's order (as from_db takes).
_FIELDS = tuple(
    field.attname
    for field in Upload._meta.concrete_fields
    if field.attname in {"id", "status", "length", "offset", "hash_state", "hashed_offset"}
)


def _client_binding_cursor():
    """A cursor that binds parameters in the client, whatever the connection does otherwise
    (the settings bind them in the server, so that repeated queries are prepared): only such a
    cursor sends several statements in one round trip. Wrapped as Django wraps its own (errors,
    the query log)."""
    connection.ensure_connection()
    # (django-stubs describe the psycopg 2 backend's cursor; this is psycopg 3's ClientCursor.)
    raw: Any = ClientBindingCursor(connection.connection)  # type: ignore[call-arg]
    return (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )


def _advisory_key(upload_id: str) -> int:
    """A signed 64-bit key for pg_try_advisory_lock, from the upload's random id."""
    digest = hashlib.blake2b(f"records.upload:{upload_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _field(name: str) -> models.Field:
    return cast(models.Field, Upload._meta.get_field(name))


def _columns(names) -> list[str]:
    return [connection.ops.quote_name(str(_field(name).column)) for name in names]


class _Lock:
    held = False
    row: Upload | None = None  # as read once the lock was tried (None: the upload is gone)

    def acquire(self) -> Upload | None:
        raise NotImplementedError

    def move_offset(self, *, from_offset: int, changes: dict, keep: bool = False) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


class _PostgresLock(_Lock):
    """A transaction-scoped advisory lock, in a transaction of our own from taking the lock to
    recording the bytes, so the lock is let go by the commit that moves the offset (no request
    can read the row between the two) and holds behind PgBouncer in transaction mode too."""

    def __init__(self, upload_id: str):
        self.upload_id, self.key = upload_id, _advisory_key(upload_id)
        # Our own transaction: not when a caller's is open (tests), which then commits for us.
        self.own_transaction = not connection.in_atomic_block
        self.open = False

    def _run(self, statements: list[str], params: list) -> list[tuple[int, tuple | None]]:
        """Run several statements in one round trip: each one's row count and first row."""
        results = []
        try:
            with _client_binding_cursor() as cursor:
                cursor.execute("; ".join(statements), params)
                while True:
                    row = cursor.fetchone() if cursor.description else None
                    results.append((cursor.rowcount, row))
                    if not cursor.nextset():
                        break
        except DatabaseError:
            self.open = self.held = False
            connection.close()  # the transaction and the lock go with the session
            raise
        return results

    def acquire(self) -> Upload | None:
        table = connection.ops.quote_name(Upload._meta.db_table)
        read = (
            f"SELECT {', '.join(_columns(_FIELDS))} FROM {table} "  # noqa: S608  (names from the model)
            f"WHERE {_columns(['id'])[0]} = %s"
        )
        statements = ["SELECT pg_try_advisory_xact_lock(%s)", read]
        if self.own_transaction:
            statements.insert(0, "BEGIN")
            self.open = True
        results = self._run(statements, [self.key, self.upload_id])
        (_count, locked), (_count, row) = results[-2:]
        self.held = bool(locked and locked[0])
        return Upload.from_db(connection.alias, _FIELDS, row) if row else None

    def move_offset(self, *, from_offset: int, changes: dict, keep: bool = False) -> bool:
        """Compare and set the row from `from_offset` and commit, in one round trip; the commit
        lets the lock go, and with `keep` it is taken again in the same round trip (`held` says
        whether it was: another request may have taken it in between)."""
        table = connection.ops.quote_name(Upload._meta.db_table)
        fields = [_field(name) for name in changes]
        assignments = ", ".join(f"{column} = %s" for column in _columns(changes))
        id_column, status_column, offset_column = _columns(["id", "status", "offset"])
        update = (
            f"UPDATE {table} SET {assignments} WHERE {id_column} = %s "  # noqa: S608  (names from the model)
            f"AND {status_column} = %s AND {offset_column} = %s"
        )
        params = [field.get_db_prep_save(changes[field.name], connection) for field in fields]
        params += [self.upload_id, Upload.Status.RECEIVING, from_offset]
        if not self.own_transaction:  # the caller's transaction holds the lock till it ends
            return self._run([update], params)[0][0] == 1
        statements = ["SET LOCAL synchronous_commit TO OFF", update, "COMMIT"]
        if keep:
            statements += ["BEGIN", "SELECT pg_try_advisory_xact_lock(%s)"]
            params.append(self.key)
        results = self._run(statements, params)
        locked = results[-1][1] if keep else None
        self.open, self.held = keep, bool(locked and locked[0])
        return results[statements.index(update)][0] == 1

    def release(self) -> None:
        self.held = False
        if self.open:
            self._run(["ROLLBACK"], [])
            self.open = False


class _FileLock(_Lock):
    def __init__(self, upload_id: str, data_fd: int):
        self.upload_id, self.fd = upload_id, data_fd

    def acquire(self) -> Upload | None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.held = True
        except BlockingIOError:
            pass
        return Upload.objects.filter(pk=self.upload_id).only(*_FIELDS).first()

    def move_offset(self, *, from_offset: int, changes: dict, keep: bool = False) -> bool:
        return bool(
            Upload.objects.filter(
                pk=self.upload_id, status=Upload.Status.RECEIVING, offset=from_offset
            ).update(**changes)
        )

    def release(self) -> None:
        if self.held:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def hold(upload_id: str, data_fd: int) -> Iterator[_Lock]:
    """Try upload `upload_id`'s write lock for the block (`data_fd`: its data file, open for
    writing). Yields the lock with `held` and `row` (the row as read once the lock was tried:
    None when the upload is gone); `move_offset` records the bytes written and lets go, or, with
    `keep`, holds on for more."""
    lock: _Lock
    if connection.vendor == "postgresql":
        lock = _PostgresLock(upload_id)
    else:
        lock = _FileLock(upload_id, data_fd)
    try:
        lock.row = lock.acquire()
        yield lock
    finally:
        lock.release()
