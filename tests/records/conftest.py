"""Records fixtures: a real clamd that knows the EICAR test signature, and a tus client.

clamd ships no virus database offline, so `start_clamd` writes signature databases for EICAR
(an .hdb line `md5:size:name`, and an .ndb pattern for the string inside another file) into a
folder of its own, starts `clamd` in the foreground
with a generated config (a Unix socket under a temporary folder) and stops it at the end of the
run. Tests that use it are skipped, saying why, only when clamd is not installed, and fail then in CI
(`make test` and CI install it: Debian's clamav-daemon).
"""

import base64
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from records import upload_parts
from tests.support import require_service, wait_for
from tests.workers import stop_process

# The EICAR anti-virus test file, put together at run time so that no scanner flags this file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!" + b"$H+H*"
EICAR_SIGNATURE = "Eicar-Test-Signature"
CLAMD = shutil.which("clamd") or ("/usr/sbin/clamd" if Path("/usr/sbin/clamd").exists() else None)


def start_clamd(folder: Path) -> subprocess.Popen:
    """Start clamd in the foreground on `folder`/clamd.sock, with the EICAR test signatures (the
    whole file, and the string inside another file) as its only virus database."""
    database = folder / "db"
    database.mkdir(exist_ok=True)
    (database / "eicar.hdb").write_text(
        f"{hashlib.md5(EICAR).hexdigest()}:{len(EICAR)}:{EICAR_SIGNATURE}\n"  # noqa: S324
    )
    (database / "eicar.ndb").write_text(f"{EICAR_SIGNATURE}-Inside:0:*:{EICAR.hex()}\n")
    (folder / "clamd.conf").write_text(
        "\n".join(
            [
                f"LocalSocket {folder / 'clamd.sock'}",
                f"DatabaseDirectory {database}",
                f"TemporaryDirectory {folder}",
                "Foreground yes",
                "LogTime no",
                "StreamMaxLength 100M",
                "",
            ]
        )
    )
    with (folder / "clamd.log").open("ab") as log:  # the child keeps its own handle
        return subprocess.Popen(
            [CLAMD, "-c", str(folder / "clamd.conf")], stdout=log, stderr=subprocess.STDOUT
        )


def clamd_answers(socket: str) -> bool:
    """Whether the clamd on `socket` is up and answers a PING."""
    from clamav_client.clamd import ClamdError, ClamdUnixSocket

    try:
        return ClamdUnixSocket(path=socket, timeout=5).ping() == "PONG"
    except (ClamdError, OSError):
        return False


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory) -> str:
    """The path of a running clamd's socket; without clamd installed the test is skipped (and
    fails in CI: tests.support.require_service)."""
    require_service(
        "clamd", CLAMD is not None, "apt-get install clamav-daemon; `make test` does it as root"
    )
    folder = tmp_path_factory.mktemp("clamd")
    socket = folder / "clamd.sock"
    process = start_clamd(folder)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"clamd exited: {(folder / 'clamd.log').read_text()}")
        return clamd_answers(str(socket))

    try:
        wait_for(answers, timeout=60, what="the test clamd to answer")
        yield str(socket)
    finally:
        stop_process(process)


class TusClient:
    """Speaks tus 1.0 to our endpoints through Django's test client."""

    def __init__(self, client, endpoint: str):
        self.client = client
        self.endpoint = endpoint

    @staticmethod
    def metadata(**values: str) -> str:
        return ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
        )

    def create(self, name: str, length: int, **extra: str):
        return self.client.post(
            self.endpoint,
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(length),
                "Upload-Metadata": self.metadata(filename=name, **extra),
            },
        )

    def patch(self, location: str, data: bytes, offset: int):
        return self.client.patch(
            location,
            data=data,
            content_type="application/offset+octet-stream",
            headers={"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset)},
        )

    def head(self, location: str):
        return self.client.head(location, headers={"Tus-Resumable": "1.0.0"})

    def outcome(self, location: str) -> dict:
        """What became of a file whose bytes are all sent, asked as our uploader asks."""
        return self.client.get(location, headers={"Accept": "application/json"}).json()

    def upload(self, name: str, data: bytes, *, parts: int = 1):
        """Create and send a whole file in `parts` PATCH requests; the last response (its
        upload's address in `self.location`)."""
        created = self.create(name, len(data))
        if created.status_code != 201:
            return created
        location = self.location = created["Location"]
        step = max(1, -(-len(data) // parts))
        response = created
        for offset in range(0, len(data), step):
            response = self.patch(location, data[offset : offset + step], offset)
            if response.status_code != 204:
                return response
        return response


def upload_id(location: str) -> str:
    """The upload's id, from the address its creation answered with."""
    return location.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def forbid_rereading(monkeypatch):
    """Call it, and the test fails if a finished upload is read from storage again to hash it:
    the running hash on the row must already cover it."""

    def reread(key):
        raise AssertionError("the finished file was read again to hash it")

    return lambda: monkeypatch.setattr(upload_parts, "sha256", reread)


def tus_for(client, case) -> TusClient:
    return TusClient(client, reverse("records:tus-create", args=[case.reference]))


@pytest.fixture
def draft(actors):
    return actors.case("draft")


@pytest.fixture
def alice_tus(client, actors, draft) -> TusClient:
    """Alice's tus client for her draft case, signed in."""
    client.force_login(actors.alice)
    return tus_for(client, draft)
