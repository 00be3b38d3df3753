"""The official tus client (tuspy, tus.io's Python client) against our endpoint served over HTTP
by Django's live server: creation, chunks, a resume from the offset the server reports (HEAD)
after the first client is gone, then what became of the file (asked as our uploader asks, once
the last chunk is answered), and the record, whose SHA-256 hashlib agrees with."""

import hashlib
import io
import os
import uuid

import requests
from django.conf import settings
from django.urls import reverse
from tusclient.client import TusClient

from cases.models import Status
from tests.support import wait_for

from .files import distinct_pdf

CHUNK = 200_000


def _signed_in_headers(client, user) -> dict[str, str]:
    """The headers a signed-in browser sends: its session cookie and the CSRF token."""
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = uuid.uuid4().hex
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
    }


def test_the_official_tus_client_uploads_resumes_elsewhere_and_the_record_is_hashed_right(
    live_server, client, actors
):
    case = actors.case(Status.DRAFT)
    content = distinct_pdf("tuspy") + b"%" + os.urandom(3 * CHUNK + 12_345)
    endpoint = live_server.url + reverse("records:tus-create", args=[case.reference])
    headers = _signed_in_headers(client, actors.alice)

    first = TusClient(endpoint, headers=headers).uploader(
        file_stream=io.BytesIO(content),
        chunk_size=CHUNK,
        metadata={"filename": "tuspy.pdf"},
        retries=0,
    )
    first.upload(stop_at=2 * CHUNK)  # two chunks, then this client is gone
    resumed = TusClient(endpoint, headers=headers).uploader(
        file_stream=io.BytesIO(content), chunk_size=CHUNK, url=first.url, retries=0
    )
    assert resumed.offset == 2 * CHUNK  # as the server reported it
    resumed.upload()

    def outcome():
        answer = requests.get(first.url, headers=headers, timeout=10).json()
        return answer if answer["outcome"] != "adding" else None

    assert wait_for(outcome, what="the record") == {"outcome": "added", "message": ""}
    record = case.records.get(original_name="tuspy.pdf")
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.file.read() == content
