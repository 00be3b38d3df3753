"""Reading a large request body (a resumable upload's chunk) with as little work per byte as the
web server allows: `open_body(request)` is a raw stream whose `readinto` fills the caller's
buffer.

gunicorn's `wsgi.input` hands a body out through a chain of in-memory buffers, copying each byte
four or five times and making a new buffer of up to 1 MiB for every read; reading a tus chunk that
way cost more CPU than hashing and writing it (bench/tus_bench.py). So under gunicorn, for a body
of known length, the bytes gunicorn has already read past the headers come first, then the rest
straight from the client's socket into the caller's buffer, and gunicorn is told how much is left
as its own reader would be, so the connection stays in step. Any other server (Django's test
client, runserver), a chunked body, a body something has begun to read, or a gunicorn whose
insides are not the ones this expects: read through the request as usual.
"""

import io
from typing import Any

from django.http import HttpRequest

try:
    from gunicorn.http.body import Body, LengthReader
    from gunicorn.http.unreader import SocketUnreader
except ImportError:  # not served by gunicorn here
    Body = LengthReader = SocketUnreader = None


class DjangoRequestBody(io.RawIOBase):
    """The body through Django's request (one copy into the caller's buffer)."""

    def __init__(self, request: HttpRequest):
        self._request = request

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._request.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class GunicornSocketBody(io.RawIOBase):
    """The rest of a gunicorn request body: what gunicorn holds already, then the socket."""

    def __init__(self, held: bytes, sock, reader):
        self._held = memoryview(held)
        self._sock = sock
        # gunicorn's LengthReader: its `length` is what is left of the body on the socket.
        self._reader = reader

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._held:
            count = min(len(buffer), len(self._held))
            buffer[:count] = self._held[:count]
            self._held = self._held[count:]
            return count
        wanted = min(len(buffer), self._reader.length)
        if wanted <= 0:
            return 0
        count = self._sock.recv_into(buffer, wanted)
        self._reader.length -= count
        return count


def _gunicorn_body(request: HttpRequest) -> GunicornSocketBody | None:
    body, sock = request.META.get("wsgi.input"), request.META.get("gunicorn.socket")
    if Body is None or sock is None or getattr(request, "_read_started", True):
        return None
    if not isinstance(body, Body) or not isinstance(body.reader, LengthReader):
        return None
    reader = body.reader
    unreader = reader.unreader
    if not isinstance(unreader, SocketUnreader) or unreader.sock is not sock:
        return None
    # Body's own read-ahead was counted out of `length` already; the unreader's was not.
    ahead = unreader.buf.getvalue()
    taken, beyond = ahead[: reader.length], ahead[reader.length :]
    held = body.buf.getvalue() + taken
    reader.length -= len(taken)
    body.buf, unreader.buf = io.BytesIO(), io.BytesIO()
    unreader.buf.write(beyond)
    request._read_started = True  # type: ignore[attr-defined]  # Django must not read it again
    return GunicornSocketBody(held, sock, reader)


def open_body(request: HttpRequest) -> io.RawIOBase:
    """The request's body as a raw stream (`readinto`); read it through this alone."""
    return _gunicorn_body(request) or DjangoRequestBody(request)
