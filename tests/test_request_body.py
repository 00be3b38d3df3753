"""Reading a large request body (secondopinion/request_body.py): under gunicorn straight from the
client's socket after the bytes gunicorn read ahead, with gunicorn left in step for the next
request on the connection; anywhere else through Django's request."""

import os
import socket
import threading

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from gunicorn.config import Config
from gunicorn.http import wsgi as gunicorn_wsgi
from gunicorn.http.parser import RequestParser

from secondopinion import request_body


def _read_all(stream, piece: int) -> bytes:
    buffer = memoryview(bytearray(piece))
    out = bytearray()
    while count := stream.readinto(buffer):
        out += buffer[:count]
    return bytes(out)


def _patch(body: bytes) -> bytes:
    return (
        b"PATCH /records/uploads/u1 HTTP/1.1\r\nHost: example.org\r\n"
        b"Content-Type: application/offset+octet-stream\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


@pytest.fixture
def gunicorn_connection():
    """A gunicorn request parser on one end of a socket pair; the other end is the client."""
    server, client = socket.socketpair()
    server.settimeout(10)  # a read past the body's end fails instead of waiting for ever
    yield RequestParser(Config(), server, ("127.0.0.1", 40000)), server, client
    server.close()
    client.close()


def _django_request(parser, server) -> WSGIRequest:
    request = next(parser)
    _response, environ = gunicorn_wsgi.create(
        request, server, ("127.0.0.1", 40000), ("127.0.0.1", 8000), parser.cfg
    )
    return WSGIRequest(environ)


@pytest.mark.parametrize("piece", [1000, 64 * 1024, 1024 * 1024])
def test_under_gunicorn_the_body_comes_from_the_socket_whole_and_the_next_request_parses(
    gunicorn_connection, piece
):
    parser, server, client = gunicorn_connection
    body = os.urandom(3 * 1024 * 1024 + 17)
    follow_up = b"HEAD /healthz HTTP/1.1\r\nHost: example.org\r\n\r\n"
    # The client writes while the server reads (the body is larger than the socket's buffer).
    sender = threading.Thread(target=client.sendall, args=(_patch(body) + follow_up,))
    sender.start()
    request = _django_request(parser, server)

    stream = request_body.open_body(request)

    # gunicorn's insides are the ones request_body expects (else it reads through Django, slower)
    assert isinstance(stream, request_body.GunicornSocketBody)
    assert _read_all(stream, piece) == body
    sender.join()
    following = next(parser)  # gunicorn knows where this body ended
    assert (following.method, following.path) == ("HEAD", "/healthz")


def test_a_body_cut_short_by_the_client_ends_with_what_arrived(gunicorn_connection):
    parser, server, client = gunicorn_connection
    whole = _patch(b"x" * 100_000)
    client.sendall(whole[:-40_000])
    client.shutdown(socket.SHUT_WR)  # the connection drops mid-body
    request = _django_request(parser, server)

    assert _read_all(request_body.open_body(request), 8192) == b"x" * 60_000


def test_elsewhere_the_body_is_read_through_the_request():
    body = os.urandom(300_000)
    request = RequestFactory().generic(
        "PATCH", "/records/uploads/u1", body, content_type="application/offset+octet-stream"
    )

    stream = request_body.open_body(request)

    assert isinstance(stream, request_body.DjangoRequestBody)
    assert _read_all(stream, 65536) == body
