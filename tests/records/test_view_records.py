"""Viewing records in the browser: the bytes served inline with byte ranges, 404 to anyone who
may not read the case, only clean (or "not scanned") files, and one audit event per viewing of
a file rather than one per range request."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pydicom
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian

from cases.models import Status
from records import services
from records.models import RecordFile
from secondopinion.audit.models import AuditEvent
from specialists import offers
from tests.factories import MINIMAL_PDF

from .files import dicom_study

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SIZE = len(MINIMAL_PDF)


def inline_url(record) -> str:
    return reverse("records:record-inline", args=[record.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def views_of(record) -> int:
    return AuditEvent.objects.filter(action="record.view", object_id=str(record.pk)).count()


@pytest.fixture
def in_review(actors):
    """A case in review with its one PDF, and dr_smith (assigned) signed in."""
    case = actors.case(Status.IN_REVIEW)
    client = Client()
    client.force_login(actors.dr_smith.user)
    return case.records.get(), client


def test_the_assigned_specialist_gets_the_whole_file_inline_with_ranges_offered(in_review, actors):
    record, client = in_review

    response = client.get(inline_url(record))

    assert response.status_code == 200
    assert body(response) == MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")
    event = AuditEvent.objects.get(action="record.view")
    assert (event.actor, event.case_id, event.object_id) == (
        actors.dr_smith.user,
        record.case_id,
        str(record.pk),
    )


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, SIZE - 1),
        ("bytes=-5", SIZE - 5, SIZE - 1),
        ("bytes=-100000", 0, SIZE - 1),  # a suffix longer than the file is the whole file
        ("bytes=5-100000", 5, SIZE - 1),  # an end past the file stops at its last byte
        (f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE - 1),
        ("BYTES = 3-4", 3, 4),
    ],
)
def test_a_byte_range_is_answered_206_with_exactly_those_bytes(in_review, header, start, end):
    record, client = in_review

    response = client.get(inline_url(record), headers={"Range": header})

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == MINIMAL_PDF[start : end + 1]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_a_range_past_the_end_is_416_with_the_files_size(in_review, header):
    record, client = in_review

    response = client.get(inline_url(record), headers={"Range": header})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert views_of(record) == 0


@pytest.mark.parametrize(
    "header", ["bytes=0-1,5-6", "bytes=9-2", "bytes=abc", "items=0-5", "bytes=-", "bytes=1"]
)
def test_several_ranges_or_a_range_we_cannot_read_get_the_whole_file(in_review, header):
    record, client = in_review

    response = client.get(inline_url(record), headers={"Range": header})

    assert response.status_code == 200
    assert body(response) == MINIMAL_PDF


def test_a_range_of_another_version_of_the_file_gets_the_whole_file(in_review):
    record, client = in_review
    url = inline_url(record)

    stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"an-old-etag"'})
    fresh = client.get(url, headers={"Range": "bytes=0-9", "If-Range": f'"{record.sha256}"'})

    assert (stale.status_code, len(body(stale))) == (200, SIZE)
    assert (fresh.status_code, len(body(fresh))) == (206, 10)


def test_a_viewing_is_audited_once_however_many_ranges_it_asks_for(in_review, actors):
    record, client = in_review
    with time_machine.travel(NOON, tick=False) as clock:
        for start in range(0, SIZE, 50):
            client.get(inline_url(record), headers={"Range": f"bytes={start}-{start + 49}"})
        client.get(inline_url(record))
        assert views_of(record) == 1

        # Another browser is another viewing.
        other = Client()
        other.force_login(actors.dr_smith.user)
        other.get(inline_url(record), headers={"Range": "bytes=0-9"})
        assert views_of(record) == 2
        # Reading on (a request every 10 minutes keeps the staff session alive) is the same
        # viewing until half an hour after it was audited, then a new one.
        for minutes in (10, 10, 11):
            clock.shift(timedelta(minutes=minutes))
            response = client.get(inline_url(record), headers={"Range": "bytes=0-9"})
            assert response.status_code == 206
        assert views_of(record) == 3


def not_visible(actors, who: str):
    """A record of a case that `who` may not read, and a client signed in as them."""
    if who == "offered_not_accepted":
        case, user = actors.case(Status.OFFERED), actors.dr_smith.user
    elif who == "declined_specialist":
        case, user = actors.case(Status.OFFERED), actors.dr_smith.user
        offers.decline_offer(case=case, by=user, reason="Away next week")
    elif who == "other_specialist":
        case, user = actors.case(Status.IN_REVIEW), actors.dr_jones.user
    else:
        case, user = actors.case(Status.IN_REVIEW), actors.bob
    client = Client()
    client.force_login(user)
    return case.records.get(), client


@pytest.mark.parametrize(
    "who", ["offered_not_accepted", "declined_specialist", "other_specialist", "other_patient"]
)
@pytest.mark.parametrize("url_name", ["records:record-inline", "records:record-view"])
def test_who_may_not_read_the_case_gets_404_and_leaves_no_view(actors, who, url_name):
    record, client = not_visible(actors, who)

    response = client.get(reverse(url_name, args=[record.pk]), headers={"Range": "bytes=0-9"})

    assert response.status_code == 404
    assert views_of(record) == 0


@pytest.mark.parametrize("who", ["alice", "cora"])
def test_the_patient_and_a_coordinator_may_view(actors, who):
    record = actors.case(Status.IN_REVIEW).records.get()
    client = Client()
    client.force_login(getattr(actors, who))

    assert client.get(inline_url(record)).status_code == 200
    assert client.get(reverse("records:record-view", args=[record.pk])).status_code == 200
    assert views_of(record) == 1


def test_nobody_signed_in_is_sent_to_sign_in(in_review):
    record, _ = in_review

    response = Client().get(inline_url(record))

    assert response.status_code == 302
    assert views_of(record) == 0


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (RecordFile.ScanStatus.INFECTED, "quarantined"),
        (RecordFile.ScanStatus.PENDING, "waiting for its virus scan"),
    ],
)
def test_a_quarantined_or_unscanned_file_is_never_served(in_review, status, message):
    record, client = in_review
    RecordFile.objects.filter(pk=record.pk).update(scan_status=status)

    response = client.get(inline_url(record))
    page = client.get(reverse("records:record-view", args=[record.pk]))

    assert response.status_code == 409
    assert message in response.text
    assert MINIMAL_PDF[:20] not in response.content
    assert message in page.text
    assert reverse("records:record-inline", args=[record.pk]) not in page.text
    assert views_of(record) == 0


def test_a_file_with_no_scanner_is_viewed_and_said_to_be_not_scanned(in_review):
    record, client = in_review
    RecordFile.objects.filter(pk=record.pk).update(scan_status=RecordFile.ScanStatus.NOT_SCANNED)

    assert client.get(inline_url(record)).status_code == 200
    page = client.get(reverse("records:record-view", args=[record.pk]))
    assert "Not scanned (no virus scanner configured)" in page.text


def test_a_file_no_viewer_shows_is_not_served_inline(in_review, actors):
    record, client = in_review
    text = services.add_record(
        case=record.case,
        by=actors.alice,
        upload=SimpleUploadedFile("notes.txt", b"plain words\n", "text/plain"),
    )
    RecordFile.objects.filter(pk=text.pk).update(scan_status=RecordFile.ScanStatus.CLEAN)

    response = client.get(inline_url(text))

    assert response.status_code == 409
    assert "Download it" in response.text


def test_the_view_page_holds_a_dicom_series_in_order_and_audits_each_slice_once(actors):
    case = actors.case(Status.IN_REVIEW)
    slices = [
        services.read_record(
            record_id=services.add_record(
                case=case,
                by=actors.alice,
                upload=SimpleUploadedFile(f"IM{n}.dcm", content, "application/octet-stream"),
            ).pk
        )
        for n, content in enumerate(dicom_study(4), start=1)
    ]
    client = Client()
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("records:record-view", args=[slices[2].pk])).text
    for record in slices:
        client.get(inline_url(record))

    urls = " ".join(inline_url(record) for record in slices)
    assert f'data-viewer-series="{urls}"' in page
    assert 'data-viewer-kind="dicom"' in page
    assert "Test^Patient" not in page
    assert [views_of(record) for record in slices] == [1, 1, 1, 1]


@pytest.mark.parametrize("name", ["MR_small_jpeg_ls_lossless.dcm", "image_dfl.dcm"])
def test_an_encoding_dwv_cannot_read_is_sent_to_the_viewer_decoded_and_downloaded_as_it_was(
    in_review, actors, name
):
    """dwv has no JPEG-LS decoder and does not inflate Deflate: the server decodes the slice for
    the viewer (a download is still the uploaded file)."""
    record, client = in_review
    original = Path(get_testdata_file(name)).read_bytes()
    slice_ = services.read_record(
        record_id=services.add_record(
            case=record.case,
            by=actors.alice,
            upload=SimpleUploadedFile(name, original, "application/octet-stream"),
        ).pk
    )

    viewed = client.get(inline_url(slice_))
    part = client.get(inline_url(slice_), headers={"Range": "bytes=0-131"})
    downloaded = client.get(reverse("records:record-download", args=[slice_.pk]))

    served = body(viewed)
    decoded = pydicom.dcmread(io.BytesIO(served))
    assert decoded.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    reference = pydicom.dcmread(io.BytesIO(original))
    assert (decoded.pixel_array == reference.pixel_array).all()
    assert viewed["ETag"] != f'"{slice_.sha256}"'
    assert (part.status_code, body(part)) == (206, served[:132])
    assert b"".join(downloaded.streaming_content) == original
