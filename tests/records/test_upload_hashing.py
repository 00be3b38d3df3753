"""Work a node does once the client has its answer to a chunk: with local storage each chunk is
hashed by the node that stored it (so the client's next chunk does not wait for it), the last
chunk is answered before its file is made a record (so it takes no longer than the others), and
a hash left behind (a node killed between its answer and the hash) is caught up by whoever comes
next, reading back only the bytes it lacks."""

import contextlib
import hashlib
import logging
import os

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from records import resumable_hash, tus, uploads
from records.models import Upload

from .conftest import upload_id
from .files import distinct_pdf


@contextlib.contextmanager
def _test_database_kept_open():
    """As Django's test client does: a request does not close the test's database connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _sent_through_wsgi(client, location: str, data: bytes, offset: int):
    """PATCH as a WSGI server sends it (gunicorn): the response as the handler returns it, for
    the server to write and then close. The status line and the response."""
    environ = (
        RequestFactory()
        .generic(
            "PATCH",
            location,
            data,
            content_type=tus.CONTENT_TYPE,
            headers={"Tus-Resumable": tus.VERSION, "Upload-Offset": str(offset)},
        )
        .environ
    )
    token = "t" * 32  # a CSRF secret of our own, in the cookie and the header as the page sends it
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    environ["HTTP_COOKIE"] = "; ".join(
        f"{name}={morsel.value}" for name, morsel in client.cookies.items()
    )
    environ["HTTP_X_CSRFTOKEN"] = token
    started = []
    response = WSGIHandler()(environ, lambda status, headers: started.append(status))
    return started[0], response


def _hash_of_row(upload: Upload) -> str:
    digest = resumable_hash.restore(upload.hash_state, offset=upload.hashed_offset)
    assert digest is not None
    return digest.hexdigest()


def test_a_chunk_is_answered_first_and_hashed_once_the_answer_is_sent(alice_tus, client):
    content = distinct_pdf("answered first") + b"%" + os.urandom(300_000)
    location = alice_tus.create("answered.pdf", len(content))["Location"]
    assert alice_tus.patch(location, content[:100_000], 0).status_code == 204

    with _test_database_kept_open():
        status, response = _sent_through_wsgi(client, location, content[100_000:200_000], 100_000)
        upload = Upload.objects.get(pk=upload_id(location))
        assert status.startswith("204")
        assert response["Upload-Offset"] == "200000"
        assert (upload.offset, upload.hashed_offset) == (200_000, 100_000)  # not hashed yet
        response.close()  # the server has written the answer
    upload.refresh_from_db()
    assert upload.hashed_offset == 200_000
    assert _hash_of_row(upload) == hashlib.sha256(content[:200_000]).hexdigest()


def test_the_last_chunk_is_answered_before_its_file_is_made_a_record(alice_tus, client, draft):
    content = distinct_pdf("last chunk") + b"%" + os.urandom(300_000)
    location = alice_tus.create("last.pdf", len(content))["Location"]
    assert alice_tus.patch(location, content[:100_000], 0).status_code == 204

    with _test_database_kept_open():
        status, response = _sent_through_wsgi(client, location, content[100_000:], 100_000)
        upload = Upload.objects.get(pk=upload_id(location))
        assert status.startswith("204")
        assert response["Upload-Offset"] == str(len(content))
        assert upload.status == Upload.Status.FINISHING  # the finish claimed, not done yet
        assert not draft.records.filter(original_name="last.pdf").exists()
        assert uploads.upload_outcome(upload) == ("adding", "")
        response.close()  # the server has written the answer

    record = draft.records.get(original_name="last.pdf")
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.file.read() == content
    assert alice_tus.outcome(location) == {"outcome": "added", "message": ""}


def test_a_hash_left_behind_by_a_node_that_died_is_caught_up_by_the_next_chunks(
    alice_tus, draft, monkeypatch, forbid_rereading
):
    """The node that stored the first two chunks died before hashing them: the third chunk's
    node hashes them after its answer, and the last chunk's node hashes what is left before it
    makes the record; the whole file is never read again."""
    content = distinct_pdf("left behind") + b"%" + os.urandom(400_000)
    location = alice_tus.create("behind.pdf", len(content))["Location"]
    with monkeypatch.context() as died:
        died.setattr(uploads, "after_chunk", lambda upload: None)
        alice_tus.patch(location, content[:100_000], 0)
        alice_tus.patch(location, content[100_000:200_000], 100_000)
    assert Upload.objects.get(pk=upload_id(location)).hashed_offset == 0

    alice_tus.patch(location, content[200_000:300_000], 200_000)
    upload = Upload.objects.get(pk=upload_id(location))
    assert upload.hashed_offset == 300_000
    assert _hash_of_row(upload) == hashlib.sha256(content[:300_000]).hexdigest()

    with monkeypatch.context() as died:
        died.setattr(uploads, "after_chunk", lambda upload: None)
        alice_tus.patch(location, content[300_000:350_000], 300_000)

    forbid_rereading()
    assert alice_tus.patch(location, content[350_000:], 350_000).status_code == 204
    record = draft.records.get(original_name="behind.pdf")
    assert record.sha256 == hashlib.sha256(content).hexdigest()


def test_work_after_an_answer_that_fails_is_logged_and_the_answer_stands(caplog, db):
    def fails():
        raise OSError("the disk went away")

    response = tus.response(204, then=fails)
    with caplog.at_level(logging.WARNING, logger="records.tus"):
        response.close()

    assert response.closed
    assert "Work after a tus answer failed (OSError)" in caplog.text
    assert "disk went away" not in caplog.text


@pytest.mark.parametrize("status", [Upload.Status.DONE, Upload.Status.REFUSED])
def test_nothing_is_left_to_do_after_answering_for_a_finished_upload(status):
    assert uploads.after_chunk(Upload(status=status)) is None
