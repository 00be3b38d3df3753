"""Records requests: the patient names a provider; the provider gets a single-use, expiring link
(the email and the upload page name the patient by full name and date of birth, and the caregiver
who asked for them, and nothing else) to an upload page for that request alone;
the request shows sent / opened / received / expired; reminders and resends."""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Status
from cases.state import seeding_case_states
from records import provider_requests
from records.models import RecordsRequest
from records.tasks import remind_records_requests
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import Notification, OutboundEmail
from tests.factories import complete_draft, proxy_authority

from .conftest import TusClient
from .files import WINDOWS_PROGRAM, distinct_pdf

PROVIDER = {
    "provider_name": "Dr Ada Brown",
    "provider_organisation": "City Hospital Radiology",
    "provider_email": "records@city-hospital.example",
    "records_wanted": "MRI of the left knee, June 2026, with the radiologist's report",
}


def ask(case, by) -> RecordsRequest:
    return provider_requests.create_records_request(case=case, by=by, **PROVIDER)


def send_queued_emails() -> list:
    for email in OutboundEmail.objects.filter(kind__startswith="records.", sent_at__isnull=True):
        notification_services.send_outbound_email(email_id=email.pk)
    return [m for m in mail.outbox if m.to == [PROVIDER["provider_email"]]]


def emailed_link() -> str:
    body = send_queued_emails()[-1].body
    return urlsplit(re.search(r"https?://\S+/records/from-provider/\S+/", body).group(0)).path


def provider_files(*names_and_contents):
    return [SimpleUploadedFile(name, content) for name, content in names_and_contents]


@pytest.fixture
def case(actors):
    return actors.case(Status.SUBMITTED)


def test_the_patient_asks_a_provider_from_the_case_page(client, actors, case):
    client.force_login(actors.alice)
    url = reverse("records:request-create", args=[case.reference])
    assert client.get(url).status_code == 200

    response = client.post(url, PROVIDER, follow=True)

    assert "We emailed Dr Ada Brown a link to send your records." in response.text
    records_request = RecordsRequest.objects.get(case=case)
    assert records_request.status == RecordsRequest.Status.SENT
    assert "City Hospital Radiology" in response.text
    assert AuditEvent.objects.filter(action="records_request.create").exists()


def test_the_email_names_the_patient_by_name_and_birth_date_and_carries_an_unguessable_link(
    actors, case
):
    records_request = ask(case, actors.alice)

    [email] = send_queued_emails()

    assert email.subject.endswith("A patient has asked you to send records")
    html = email.alternatives[0].content
    for part in (email.body, html):
        assert "Alice Patient" in part
        assert "17 May 1970" in part
        assert "Asked by" not in part
    # The two identifiers and nothing else: not the case, its reference, or what is asked for.
    for phi in (case.reference, case.title, case.diagnosis, "knee", "MRI", "Brown", "carcinoma"):
        assert phi not in email.subject + email.body + html
    assert "Alice Patient" not in email.subject
    token = re.search(r"/records/from-provider/([^/\s]+)/", email.body).group(1)
    assert len(token) == 64
    assert token not in (records_request.token_hash, records_request.nonce)
    records_request.refresh_from_db()
    assert records_request.sent_at is not None


@pytest.fixture
def caregivers_case(actors):
    """Carol asks for Dan Carolson (born 27 March 1961), under her recorded authority."""
    authority = proxy_authority(actors.carol, "dan@example.org")
    draft = complete_draft(
        actors.carol,
        authority=authority,
        patient_name="Dan Carolson",
        patient_date_of_birth=date(1961, 3, 27),
    )
    return case_services.submit_case(case=draft, by=actors.carol)


def test_a_caregivers_request_names_the_patient_and_says_who_asked(actors, caregivers_case):
    ask(caregivers_case, actors.carol)

    [email] = send_queued_emails()

    html = email.alternatives[0].content
    for part in (email.body, html):
        assert "Carol Caregiver has asked you, on behalf of the patient named below" in part
        assert "Dan Carolson" in part
        assert "27 March 1961" in part
        assert "send their records" not in part
    page = Client().get(emailed_link(), follow=True)
    identity = page.text[page.text.index('id="provider-patient"') :]
    assert "Dan Carolson" in identity
    assert "27 March 1961" in identity
    assert "Carol Caregiver" in identity
    assert "Carol Caregiver has asked you to send their records" not in page.text


def test_a_patient_name_outside_latin_1_reaches_the_provider_in_both_parts(actors):
    draft = complete_draft(actors.alice, patient_name="Đorđe Ōtani 王芳")
    case = case_services.submit_case(case=draft, by=actors.alice)
    ask(case, actors.alice)

    [email] = send_queued_emails()

    assert "Đorđe Ōtani 王芳" in email.body
    assert "Đorđe Ōtani 王芳" in email.alternatives[0].content
    raw = email.message().as_bytes()  # what the mail server receives encodes without error
    assert raw
    page = Client().get(emailed_link(), follow=True)
    assert "Đorđe Ōtani 王芳" in page.text


def test_the_provider_opens_the_link_uploads_and_the_link_is_used_up(actors, case):
    records_request = ask(case, actors.alice)
    link = emailed_link()
    provider = Client()

    opened = provider.get(link)

    assert opened.status_code == 302
    assert opened["Location"] == reverse("records:provider-upload")
    page = provider.get(opened["Location"])
    assert "MRI of the left knee" in page.text
    records_request.refresh_from_db()
    assert records_request.status == RecordsRequest.Status.OPENED

    done = provider.post(
        reverse("records:provider-upload"),
        {"file": provider_files(("knee-mri-report.pdf", distinct_pdf("mri")))},
    )

    assert "Thank you: the records are sent" in done.text
    record = case.records.get(original_name="knee-mri-report.pdf")
    assert (record.uploaded_by, record.on_behalf_of, record.records_request) == (
        None,
        actors.alice,
        records_request,
    )
    records_request.refresh_from_db()
    assert records_request.status == RecordsRequest.Status.RECEIVED
    assert Notification.objects.filter(user=actors.alice, message__contains="Dr Ada Brown").exists()

    again = Client().get(link)
    assert again.status_code == 410
    assert "This link has already been used to send records" in again.text
    same_browser = provider.post(
        reverse("records:provider-upload"),
        {"file": provider_files(("more.pdf", distinct_pdf("more")))},
    )
    assert same_browser.status_code == 410
    assert not case.records.filter(original_name="more.pdf").exists()


def test_a_refused_file_is_explained_and_the_providers_good_files_still_land(actors, case):
    ask(case, actors.alice)
    provider = Client()
    provider.get(emailed_link())

    response = provider.post(
        reverse("records:provider-upload"),
        {"file": provider_files(("ok.pdf", distinct_pdf("ok")), ("setup.pdf", WINDOWS_PROGRAM))},
    )

    assert "“setup.pdf” is not a file type we accept" in response.text
    assert case.records.filter(original_name="ok.pdf").exists()
    finish = provider.post(reverse("records:provider-finish"))
    assert "Thank you: the records are sent" in finish.text


def test_the_provider_can_upload_large_files_with_tus_then_finish(actors, case):
    ask(case, actors.alice)
    provider = Client()
    provider.get(emailed_link())
    tus = TusClient(provider, reverse("records:provider-tus-create"))

    assert tus.upload("ct-report.pdf", distinct_pdf("ct"), parts=2).status_code == 204
    assert provider.post(reverse("records:provider-finish")).status_code == 200

    assert case.records.filter(original_name="ct-report.pdf", uploaded_by=None).exists()
    assert tus.create("late.pdf", 100).status_code == 410


def test_a_provider_sees_nothing_of_another_request_or_uploads_without_the_link(actors, case):
    ask(case, actors.alice)
    assert Client().get(reverse("records:provider-upload")).status_code == 404
    assert (
        TusClient(Client(), reverse("records:provider-tus-create")).create("x.pdf", 9).status_code
        == 404
    )
    # The patient's own uploads are not the provider's to continue.
    patient = Client()
    patient.force_login(actors.alice)
    location = TusClient(patient, reverse("records:tus-create", args=[case.reference])).create(
        "mine.pdf", 100
    )["Location"]
    provider = Client()
    provider.get(emailed_link())
    assert TusClient(provider, "").head(location).status_code == 404


def test_an_expired_link_says_so_clearly(actors, case):
    records_request = ask(case, actors.alice)
    link = emailed_link()
    RecordsRequest.objects.filter(pk=records_request.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = Client().get(link)

    assert response.status_code == 410
    assert "This link has expired. Ask the patient to send you a new one" in response.text
    records_request.refresh_from_db()
    assert records_request.status == RecordsRequest.Status.EXPIRED


def test_a_tampered_or_made_up_token_is_not_valid(actors, case):
    ask(case, actors.alice)
    link = emailed_link()
    tampered = link[:-3] + ("0" if link[-3] != "0" else "1") + link[-2:]

    for url in (tampered, "/records/from-provider/not-a-token/"):
        response = Client().get(url)
        assert response.status_code == 404
        assert "This link is not valid" in response.text


def test_a_link_for_a_case_that_closed_meanwhile_no_longer_works(actors, case):
    ask(case, actors.alice)
    link = emailed_link()
    with seeding_case_states():
        type(case).objects.filter(pk=case.pk).update(status=Status.CANCELLED)

    response = Client().get(link)

    assert response.status_code == 410
    assert "no longer accepting records" in response.text


def test_resending_gives_a_new_link_and_the_old_one_stops_working(client, actors, case):
    records_request = ask(case, actors.alice)
    old = emailed_link()
    client.force_login(actors.alice)

    response = client.post(
        reverse("records:request-resend", args=[records_request.pk]), follow=True
    )

    assert "We emailed Dr Ada Brown a new link." in response.text
    new = emailed_link()
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 302


@pytest.mark.any_day
def test_reminders_go_to_providers_who_have_not_answered(actors, case, settings):
    settings.RECORDS_REQUEST_REMINDER_DAYS = 3
    records_request = ask(case, actors.alice)
    first_link = emailed_link()
    RecordsRequest.objects.filter(pk=records_request.pk).update(
        last_emailed_at=timezone.now() - timedelta(days=4)
    )

    assert remind_records_requests.apply().get() == 1
    assert provider_requests.remind_records_requests() == 0  # not twice in one interval

    reminder = send_queued_emails()[-1]
    assert reminder.subject.endswith("Reminder: a patient has asked you to send records")
    assert first_link in reminder.body
    records_request.refresh_from_db()
    assert records_request.reminders_sent == 1


def test_sending_a_queued_email_twice_sends_it_once(actors, case):
    ask(case, actors.alice)
    email = OutboundEmail.objects.get(kind="records.request")

    assert notification_services.send_outbound_email(email_id=email.pk) is True
    assert notification_services.send_outbound_email(email_id=email.pk) is False
    assert len(mail.outbox) == 1


def test_coordinators_see_every_open_request(client, actors, case):
    ask(case, actors.alice)
    received = ask(actors.case(Status.SUBMITTED), actors.alice)
    RecordsRequest.objects.filter(pk=received.pk).update(received_at=timezone.now())
    client.force_login(actors.cora)

    page = client.get(reverse("records:request-list")).text

    assert page.count("Dr Ada Brown") == 1
    assert case.reference in page


def test_only_the_patient_asks_and_only_while_the_case_takes_records(client, actors):
    case = actors.case(Status.DELIVERED)
    client.force_login(actors.alice)

    response = client.post(reverse("records:request-create", args=[case.reference]), PROVIDER)

    assert "This case is not accepting new records." in response.text
    assert not RecordsRequest.objects.exists()


def test_a_request_needs_the_patients_name_and_birth_date_and_keeps_what_was_typed(client, actors):
    draft = actors.case(Status.DRAFT)
    Case.objects.filter(pk=draft.pk).update(patient_date_of_birth=None)
    client.force_login(actors.alice)

    response = client.post(reverse("records:request-create", args=[draft.reference]), PROVIDER)

    assert "First give the patient&#x27;s full name and date of birth" in response.text
    assert 'value="Dr Ada Brown"' in response.text
    assert "MRI of the left knee" in response.text
    assert not RecordsRequest.objects.exists()
    assert not mail.outbox
