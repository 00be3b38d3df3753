"""/readyz tells the load balancer whether to send this node requests: database, broker, storage
(the folder or the bucket itself), clamd when configured, and not being drained. It names only
the checks, never a detail."""

import pytest
from django.urls import reverse

from tests.records.conftest import CLAMD, clamd_socket  # noqa: F401  (a fixture: the test clamd)
from tests.support import needs_service

pytestmark = pytest.mark.django_db

ALL_OK = {
    "status": "ok",
    "serving": "ok",
    "database": "ok",
    "broker": "ok",
    "storage": "ok",
    "clamd": "ok",
}


def test_a_node_with_everything_reachable_is_ready(client):
    response = client.get(reverse("readyz"))

    assert response.status_code == 200
    assert response.json() == ALL_OK
    assert "no-cache" in response["Cache-Control"]


def test_a_node_being_drained_is_not_ready_but_still_healthy(client, settings, tmp_path):
    drain = tmp_path / "drain"
    settings.READINESS_DRAIN_FILE = str(drain)
    assert client.get(reverse("readyz")).status_code == 200

    drain.touch()

    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["serving"] == "draining"
    assert client.get(reverse("healthz")).status_code == 200
    drain.unlink()
    assert client.get(reverse("readyz")).status_code == 200


def test_a_media_folder_that_cannot_be_written_makes_the_node_unready(client, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "a-file" / "media"},
        },
    }

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"


def test_a_configured_clamd_that_does_not_answer_makes_the_node_unready(client, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd.sock")

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["clamd"] == "unavailable"


@needs_service("clamd", CLAMD is not None, "apt-get install clamav-daemon")
def test_a_configured_clamd_that_answers_is_ready(client, settings, clamd_socket):  # noqa: F811
    settings.CLAMD_SOCKET = clamd_socket

    assert client.get(reverse("readyz")).json()["clamd"] == "ok"


def test_a_failure_is_named_without_its_detail(client, monkeypatch):
    from secondopinion import health

    def broken():
        raise ConnectionError("redis://:secret-password@10.0.0.5:6379/0 refused")

    monkeypatch.setitem(health.READY_CHECKS, "broker", broken)

    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert "secret" not in response.text and "10.0.0.5" not in response.text


def test_a_clamd_that_accepts_but_never_answers_fails_the_check_in_seconds(client, settings):
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        settings.CLAMD_SOCKET = ""
        settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", silent.getsockname()[1]
        started = time.monotonic()

        response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["clamd"] == "unavailable"
    assert time.monotonic() - started < 10
