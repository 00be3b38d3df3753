"""A web node being stopped finishes the requests it is serving: gunicorn, started with the
project's gunicorn.conf.py, gets SIGTERM while a request's body is still arriving; the request is
answered in full, the node takes no new connection, and then it exits."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.support import wait_for
from tests.workers import stop_process

from .conftest import free_port, wait_for_http

CSRF_SECRET = "a" * 32  # a well-formed CSRF cookie, so the middleware reads the whole body


def _accepted(port: int, client_port: int) -> bool:
    """Whether the server (a gunicorn worker: the master never accepts) has accept()ed the
    connection from `client_port`. The kernel lists a connection still waiting in the listen
    queue with inode 0 in /proc/net/tcp, and gives it an inode once a process holds it."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)) == (
            port,
            client_port,
        ):
            return inode != "0"
    return False


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def test_sigterm_lets_the_request_in_flight_finish(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "secondopinion.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", server, what="gunicorn")
        form = b"email=someone%40example.org&password=" + b"x" * 20_000
        head = (
            f"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Cookie: csrftoken={CSRF_SECRET}\r\nContent-Length: {len(form)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(head + form[:100])
            client_port = conn.getsockname()[1]
            wait_for(
                lambda: _accepted(port, client_port),
                interval=0.05,
                what="a gunicorn worker to take the request and wait for the rest of its body",
            )
            server.send_signal(signal.SIGTERM)
            # Stopping: no new connection is taken...
            wait_for(
                lambda: not _accepts(port),
                interval=0.05,
                what="gunicorn to refuse new connections after SIGTERM",
            )
            # ... but the request in flight gets the rest of its body and its answer.
            conn.sendall(form[100:])
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 403"), answer[:200]  # CSRF: a real, whole answer
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            stop_process(server)
        log.close()
