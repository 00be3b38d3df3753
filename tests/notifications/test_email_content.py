"""Every email the service sends, rendered for real: each has a plain-text part and an HTML part
that say the same thing, a subject that says what it is, the service's name (never a host name
such as 127.0.0.1:8000), no invitation to reply unless SUPPORT_EMAIL is a real Reply-To, and no
health information: every text field of the case, the referral and the opinion is checked."""

import html
import re
from datetime import date
from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.core import mail
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import dateformat, timezone

from cases.models import Case, Status
from outcomes import services as outcome_services
from records import provider_requests
from records.models import RecordsRequest
from referrals import services as referrals
from referrals.models import Referral
from review.models import ReportShare
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import OutboundEmail
from tests.factories import OPINION

SITE_URL = "https://second-opinion.example"
SERVICE = "Second Opinion"
HOSTS = ("127.0.0.1", "localhost", "testserver", "example.com", ":8000")

# Free-text answers, each a word that appears nowhere else, so any leak is found.
MARKED_CASE = {
    "title": "Qwfprtitle",
    "diagnosis": "Qwfprdiagnosis carcinoma",
    "treating_doctor": "Dr Qwfprdoctor",
    "treating_institution": "Qwfprinstitution Hospital",
    "treatment": "Qwfprtreatment chemotherapy",
    "question": "Qwfprquestion about surgery",
    "medical_history": "Qwfprhistory of asthma",
    "medications": "Qwfprmedicine 20 mg",
    "allergies": "Qwfprallergy",
    "excluded_doctors": "Dr Qwfprexcluded",
    "insurance_payer": "Qwfprpayer Insurance",
    "insurance_plan": "Qwfprplan Gold",
    "insurance_member_id": "QWFPR123456",
    "patient_name": "Ŵilma Qwfprpatient",
    "patient_date_of_birth": date(1961, 3, 27),
    "diagnosis_date": date(2026, 9, 3),
}
MARKED_REFERRAL = {
    "referrer_name": "Dr Qwfprreferrer",
    "referrer_email": "referrer@qwfpr-clinic.example",
    "patient_name": "Eve Qwfprreferred",
    "patient_email": "eve@example.org",
    "diagnosis": "Qwfprreferral diagnosis",
    "treating_doctor": "Dr Qwfprreferraldoctor",
    "treating_institution": "Qwfprreferral Clinic",
    "question": "Qwfprreferral question",
}


def _text_values(obj) -> list[str]:
    """Every text and date value stored on `obj` (a case or a referral), as it could be shown."""
    values = []
    for field in type(obj)._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if not value or field.name in ("nonce", "token_hash"):
            continue
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            values += [value.isoformat(), dateformat.format(value, "j F Y")]
        elif isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            values += [str(value)] if len(str(value)) >= 4 else []
    return values


def _health_information(*objects) -> set[str]:
    phi = {value for obj in objects for value in _text_values(obj)}
    phi |= {value for key, value in OPINION.items() if isinstance(value, str) and len(value) > 8}
    return phi


def _parts(message) -> tuple[str, str]:
    (alternative,) = message.alternatives
    assert alternative.mimetype == "text/html"
    return message.body, alternative.content


def _visible_text(markup: str) -> str:
    body = markup[markup.index("<body") :]
    body = re.sub(r"<title>.*?</title>", "", body, flags=re.S)
    body = re.sub(r"<br>|</p>", " ", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


def _check_email(message, *, forbidden=(), allowed=()) -> None:
    text, markup = _parts(message)
    everything = f"{message.subject}\n{text}\n{markup}"
    assert message.subject.startswith(f"[{SERVICE}] ")
    assert len(message.subject) > len(f"[{SERVICE}] ") + 10
    # One template: the HTML part says exactly what the text says (plus the service's name).
    assert _visible_text(markup) == " ".join(f"{SERVICE} {text}".split())
    assert SERVICE in text
    assert "Hello from" not in everything
    for host in HOSTS:
        assert host not in everything, f"{host!r} in {message.subject!r}"
    # No-reply sender and no SUPPORT_EMAIL: no Reply-To, and no sentence asking for a reply.
    assert message.reply_to == []
    assert "reply" not in everything.lower()
    for value in forbidden:
        if value not in allowed:
            assert value not in everything, f"{value!r} in {message.subject!r}"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL
    settings.SUPPORT_EMAIL = ""


def _mark(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(**MARKED_CASE)
    case.refresh_from_db()
    return case


def test_case_notifications_carry_no_health_information(actors):
    delivered = _mark(actors.case(Status.DELIVERED))
    # The 30-day check-in's email too (the beat task opens it once 30 days have passed).
    outcome_services.open_due_check_ins(now=timezone.now() + timezone.timedelta(days=31))
    mail.outbox.clear()

    for email in OutboundEmail.objects.filter(sent_at=None):
        notification_services.send_outbound_email(email_id=email.pk)

    kinds = set(OutboundEmail.objects.values_list("kind", flat=True))
    assert kinds == set(notification_services.EMAIL_TEMPLATES)
    assert len(mail.outbox) >= 3
    phi = _health_information(delivered) | {actors.alice.full_name, "Dr Sarah Smith"}
    for message in mail.outbox:
        _check_email(message, forbidden=phi)
        assert "Sign in to" in message.body
    to_alice = [m for m in mail.outbox if m.to == [actors.alice.email]]
    assert {m.subject for m in to_alice} >= {
        f"[{SERVICE}] There is an update on your second opinion request",
        f"[{SERVICE}] A short check-in is waiting for you",
    }
    to_smith = [m for m in mail.outbox if m.to == [actors.dr_smith.user.email]]
    assert {m.subject for m in to_smith} >= {f"[{SERVICE}] A case needs your attention"}


def test_the_provider_email_names_the_patient_and_nothing_else(actors):
    case = _mark(actors.case(Status.SUBMITTED))
    provider_requests.create_records_request(
        case=case,
        by=actors.alice,
        provider_name="Dr Qwfprprovider",
        provider_organisation="Qwfprradiology",
        provider_email="records@qwfpr-hospital.example",
        records_wanted="Qwfprwanted scans",
    )
    request = RecordsRequest.objects.get(case=case)
    provider_requests.remind_records_requests()  # not due yet: no reminder
    notification_services.enqueue_email(
        kind=provider_requests.REMINDER_EMAIL,
        key="a reminder",
        to_address=request.provider_email,
        object_id=request.pk,
    )
    mail.outbox.clear()

    for email in OutboundEmail.objects.filter(kind__startswith="records."):
        notification_services.send_outbound_email(email_id=email.pk)

    first, reminder = mail.outbox
    identifiers = {MARKED_CASE["patient_name"], "27 March 1961"}
    phi = _health_information(case, request) | {"Qwfprwanted", "Qwfprradiology", "Qwfprprovider"}
    for message in (first, reminder):
        _check_email(message, forbidden=phi, allowed=identifiers)
        for part in _parts(message):
            assert "Patient: Ŵilma Qwfprpatient" in html.unescape(part)
            assert "Date of birth: 27 March 1961" in part
        assert "Qwfprpatient" not in message.subject
    assert first.subject == f"[{SERVICE}] A patient has asked you to send records"
    assert reminder.subject == f"[{SERVICE}] Reminder: a patient has asked you to send records"


def test_referral_emails_carry_no_health_information(actors):
    referral = referrals.enter_referral(by=actors.cora, **MARKED_REFERRAL)
    share = ReportShare.objects.create(
        case=actors.case(Status.DELIVERED),
        created_by=actors.alice,
        nonce="n" * 64,
        token_hash="h" * 64,
        expires_at=timezone.now(),
    )
    to_referrer = {"to_address": referral.referrer_email, "object_id": referral.pk}
    notification_services.enqueue_email(
        kind=referrals.STATUS_EMAIL, key="status", params={"status": "triage"}, **to_referrer
    )
    notification_services.enqueue_email(
        kind=referrals.REPORT_EMAIL, key="report", params={"share": share.pk}, **to_referrer
    )
    mail.outbox.clear()

    for email in OutboundEmail.objects.filter(kind__startswith="referrals."):
        notification_services.send_outbound_email(email_id=email.pk)

    assert {m.to[0] for m in mail.outbox} == {"eve@example.org", "referrer@qwfpr-clinic.example"}
    assert len(mail.outbox) == 3
    referral = Referral.objects.get()
    phi = _health_information(referral) - {referral.reference, "referrer@qwfpr-clinic.example"}
    phi |= {"eve@example.org"}
    for message in mail.outbox:
        _check_email(message, forbidden=phi)
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == sorted(
        [
            f"[{SERVICE}] You have been invited to {SERVICE} by your doctor",
            f"[{SERVICE}] Referral {referral.reference}: the status has changed",
            f"[{SERVICE}] Referral {referral.reference}: a report has been shared with you",
        ]
    )


ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
# Every email of the allauth apps we use (account, mfa); "base" is a layout, not an email.
ALLAUTH_EMAILS = sorted(
    f"{app}/email/{path.name.removesuffix('_message.txt')}"
    for app in ("account", "mfa")
    for path in (ALLAUTH_TEMPLATES / app / "email").glob("*_message.txt")
    if path.name != "base_message.txt"
)


@pytest.mark.parametrize("template_prefix", ALLAUTH_EMAILS)
def test_every_allauth_email_names_the_service_and_has_both_parts(actors, template_prefix):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    request.user = actors.alice
    context = {
        "user": actors.alice,
        "email": actors.alice.email,
        "activate_url": f"{SITE_URL}/accounts/confirm-email/KEY/",
        "key": "KEY",
        "code": "QX7-KP2",
        "password_reset_url": f"{SITE_URL}/accounts/password/reset/key/1-key/",
        "signup_url": f"{SITE_URL}/accounts/signup/",
        "from_email": "old@example.org",
        "to_email": actors.alice.email,
        "deleted_email": "old@example.org",
        "ip": "192.0.2.1",
        "user_agent": "Firefox",
        "timestamp": timezone.now(),
    }

    with request_context(request):
        get_adapter(request).send_mail(template_prefix, actors.alice.email, context)

    (message,) = mail.outbox
    _check_email(message)
    assert message.from_email == "Second Opinion <no-reply@localhost>"


def test_signing_up_sends_a_verification_email_people_recognise(client, db):
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Dana Ŵatts",
            "role": "patient",
            "email": "dana@example.org",
            "password1": "a-long-new-password",
            "password2": "a-long-new-password",
        },
    )

    (message,) = mail.outbox
    assert message.subject == f"[{SERVICE}] Confirm your email address"
    assert "Please confirm that this is your email address" in message.body
    assert re.search(r"http://testserver/accounts/confirm-email/\S+/", message.body)
    text, markup = _parts(message)
    assert "/accounts/confirm-email/" in markup
    assert "Hello from" not in text + markup
    assert "reply" not in (text + markup).lower()


def test_a_password_reset_and_a_password_change_are_emailed(client, actors):
    client.post(reverse("account_reset_password"), {"email": actors.alice.email})
    client.force_login(actors.alice)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "a-long-test-password",
            "password1": "another-long-password",
            "password2": "another-long-password",
        },
    )

    reset, changed = mail.outbox
    assert reset.subject == f"[{SERVICE}] Reset your password"
    assert "/accounts/password/reset/key/" in reset.body
    assert changed.subject == f"[{SERVICE}] Your password was changed"
    assert "If you did not, reset your password now" in changed.body


def test_with_a_support_address_emails_carry_it_as_reply_to_and_say_so(actors, settings):
    settings.SUPPORT_EMAIL = "help@second-opinion.example"
    notification_services.notify(user=actors.alice, message="Update")
    email = OutboundEmail.objects.get()

    notification_services.send_outbound_email(email_id=email.pk)

    (message,) = mail.outbox
    assert message.reply_to == ["help@second-opinion.example"]
    text, markup = _parts(message)
    assert "Reply to this email or write to help@second-opinion.example" in text
    assert "help@second-opinion.example" in markup
