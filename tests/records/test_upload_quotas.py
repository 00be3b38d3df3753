"""Quotas on unfinished resumable uploads (per uploader, per case, per provider link), and a
provider's file the case already has, accepted without saying so."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Status
from records import services, upload_quotas, uploads
from records.models import RecordFile, Upload
from secondopinion.audit.models import AuditEvent

from .conftest import TusClient
from .files import distinct_pdf
from .test_records_requests import ask, emailed_link, provider_files

MiB = 1024 * 1024


def tus_for(client, case) -> TusClient:
    return TusClient(client, reverse("records:tus-create", args=[case.reference]))


@pytest.fixture
def draft(actors):
    return actors.case(Status.DRAFT)


@pytest.fixture
def alice_tus(client, actors, draft) -> TusClient:
    client.force_login(actors.alice)
    return tus_for(client, draft)


def provider_tus(actors, case) -> TusClient:
    ask(case, actors.alice)
    provider = Client()
    provider.get(emailed_link())
    return TusClient(provider, reverse("records:provider-tus-create"))


def test_a_patient_cannot_open_more_unfinished_uploads_than_the_limit(alice_tus, settings):
    settings.RECORD_OPEN_UPLOADS_PER_UPLOADER = 3
    for number in range(3):
        assert alice_tus.create(f"part{number}.pdf", 1000).status_code == 201

    refused = alice_tus.create("one-more.pdf", 1000)

    assert refused.status_code == 413
    assert refused.text == (
        "“one-more.pdf” did not start: You have 3 uploads that have not finished yet. Let them "
        "finish (or cancel some), then add this file again."
    )
    assert Upload.objects.count() == 3


def test_finished_and_expired_uploads_do_not_count(alice_tus, settings, draft):
    settings.RECORD_OPEN_UPLOADS_PER_UPLOADER = 1
    assert alice_tus.upload("done.pdf", distinct_pdf("done")).status_code == 204
    assert alice_tus.create("open.pdf", 1000).status_code == 201
    assert alice_tus.create("third.pdf", 1000).status_code == 413

    Upload.objects.filter(name="open.pdf").update(expires_at=draft.created_at)

    assert alice_tus.create("third.pdf", 1000).status_code == 201


def test_the_declared_bytes_of_unfinished_uploads_are_capped(alice_tus, settings):
    settings.RECORD_OPEN_UPLOAD_BYTES_PER_UPLOADER = 100 * MiB
    assert alice_tus.create("big.dcm", 60 * MiB).status_code == 201

    refused = alice_tus.create("bigger.dcm", 50 * MiB)

    assert refused.status_code == 413
    assert "“bigger.dcm” did not start" in refused.text
    assert "(60.0\xa0MB)" in refused.text and "limit of 100.0\xa0MB" in refused.text
    assert alice_tus.create("small.pdf", 40 * MiB).status_code == 201


def test_the_case_has_its_own_cap_across_everyone_uploading_to_it(
    alice_tus, actors, draft, settings
):
    settings.RECORD_OPEN_UPLOADS_PER_CASE = 2
    assert alice_tus.create("a.pdf", 1000).status_code == 201
    assert alice_tus.create("b.pdf", 1000).status_code == 201

    with pytest.raises(upload_quotas.UploadQuotaExceeded, match="This case has 2 uploads"):
        uploads.create_upload(case=draft, by=actors.alice, length=10, name="c.pdf")


def test_a_provider_link_has_its_own_cap(actors, settings):
    case = actors.case(Status.SUBMITTED)
    settings.RECORD_OPEN_UPLOADS_PER_UPLOADER = 2
    tus = provider_tus(actors, case)
    assert tus.create("mri-1.dcm", 1000).status_code == 201
    assert tus.create("mri-2.dcm", 1000).status_code == 201

    refused = tus.create("mri-3.dcm", 1000)

    assert refused.status_code == 413
    assert "You have 2 uploads that have not finished yet" in refused.text


def test_a_provider_link_cannot_declare_more_bytes_than_its_cap(actors, settings):
    case = actors.case(Status.SUBMITTED)
    settings.RECORD_OPEN_UPLOAD_BYTES_PER_UPLOADER = 10 * MiB
    tus = provider_tus(actors, case)

    assert tus.create("huge.dcm", 11 * MiB).status_code == 413
    assert not Upload.objects.exists()


def test_a_provider_sending_a_file_the_case_has_is_accepted_silently_and_stored_once(actors):
    case = actors.case(Status.SUBMITTED)
    content = distinct_pdf("already there")
    mine = services.add_record(
        case=case, by=actors.alice, upload=provider_files(("a.pdf", content))[0]
    )
    tus = provider_tus(actors, case)
    before = set(case.records.all())

    response = tus.upload("scan-from-hospital.pdf", content)

    assert response.status_code == 204
    assert response["Upload-Offset"] == str(len(content))
    assert set(case.records.all()) == before
    assert Upload.objects.get().record == mine
    page = tus.client.get(reverse("records:provider-upload"))
    assert "scan-from-hospital.pdf" in page.text
    assert "already" not in page.text
    finish = tus.client.post(reverse("records:provider-finish"))
    assert "We received 1 file" in finish.text
    assert RecordFile.objects.filter(sha256=mine.sha256).count() == 1
    assert AuditEvent.objects.filter(action="record.upload_duplicate").count() == 1


def test_a_provider_form_upload_of_a_file_the_case_has_is_accepted_silently(actors):
    case = actors.case(Status.SUBMITTED)
    content = distinct_pdf("form duplicate")
    services.add_record(case=case, by=actors.alice, upload=provider_files(("a.pdf", content))[0])
    ask(case, actors.alice)
    provider = Client()
    provider.get(emailed_link())
    before = case.records.count()

    response = provider.post(
        reverse("records:provider-upload"), {"file": provider_files(("copy.pdf", content))}
    )

    assert "Thank you: the records are sent" in response.text
    assert "already" not in response.text
    assert case.records.count() == before


def test_a_patient_still_hears_that_a_file_is_already_on_their_case(alice_tus, draft):
    content = distinct_pdf("patient twice")
    assert alice_tus.upload("first.pdf", content).status_code == 204
    before = draft.records.count()

    assert alice_tus.upload("again.pdf", content).status_code == 204  # checked after the answer
    assert alice_tus.outcome(alice_tus.location) == {
        "outcome": "refused",
        "message": "“again.pdf” is already attached to this case.",
    }
    assert draft.records.count() == before
