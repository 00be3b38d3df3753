"""Referrals: a source's revocable link, a coordinator's entry, the patient's invitation and
claim, status emails to the referrer only with consent, and the referrer's single-use report
link."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from backoffice import metrics
from cases import intake, services
from cases.models import Case, Status
from referrals import services as referrals
from referrals.models import Referral, ReferralSource
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import OutboundEmail
from tests.factories import MINIMAL_PDF, REFERRAL

PHI = ("Eve Referred", "ductal carcinoma", "Hillside Clinic", "surgery")


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def source(actors) -> ReferralSource:
    return referrals.create_referral_source(
        by=actors.cora, name="Hillside Clinic", contact_email="Referrals@Hillside.example"
    )


@pytest.fixture
def link(source) -> str:
    return referrals.source_path(source)


def _send_all(kind: str) -> None:
    for email in OutboundEmail.objects.filter(kind=kind, sent_at=None):
        notification_services.send_outbound_email(email_id=email.pk)


def _invitation_link(mailoutbox) -> str:
    match = re.search(r"https?://\S+(/referrals/invitation/\S+/)", mailoutbox[-1].body)
    assert match, mailoutbox[-1].body
    return match.group(1)


# Sources and their links -------------------------------------------------------------------------


def test_a_source_link_names_no_one_and_only_its_hash_is_stored(actors, source, link):
    token = _token(link)
    assert "hillside" not in link.lower()
    assert source.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [getattr(source, field.attname) for field in type(source)._meta.concrete_fields]
    assert token not in [str(value) for value in stored]
    assert source.contact_email == "referrals@hillside.example"
    assert AuditEvent.objects.filter(action="referral_source.create", actor=actors.cora).exists()


def test_only_a_coordinator_creates_or_revokes_a_source(actors, source):
    with pytest.raises(referrals.ApplicationError):
        referrals.create_referral_source(by=actors.alice, name="X", contact_email="x@x.example")
    with pytest.raises(referrals.ApplicationError):
        referrals.revoke_referral_source(source=source, by=actors.dr_smith.user)


def test_the_coordinator_page_lists_sources_with_a_link_to_copy_and_revokes(actors, source, link):
    cora = _client(actors.cora)
    page = cora.get(reverse("referrals:source-list"))
    assert page.status_code == 200
    assert "Hillside Clinic" in page.text
    assert f'value="http://testserver{link}"' in page.text

    response = cora.post(reverse("referrals:source-revoke", args=[source.pk]), follow=True)
    assert "no longer works" in response.text
    source.refresh_from_db()
    assert source.revoked_at is not None
    assert AuditEvent.objects.filter(action="referral_source.revoke").count() == 1


def test_referral_pages_are_a_404_for_anyone_but_coordinators(actors, source):
    for user in (actors.alice, actors.dr_smith.user):
        client = _client(user)
        assert client.get(reverse("referrals:source-list")).status_code == 404
        assert client.get(reverse("referrals:referral-enter")).status_code == 404
        revoke = client.post(reverse("referrals:source-revoke", args=[source.pk]))
        assert revoke.status_code == 404
    source.refresh_from_db()
    assert source.is_active


# The referrer's form -------------------------------------------------------------------------------


def test_a_referral_through_the_link_is_stored_and_the_patient_is_invited(actors, link, mailoutbox):
    page = _client().get(link)
    assert page.status_code == 200
    assert "On behalf of Hillside Clinic" in page.text

    response = _client().post(link, REFERRAL)

    assert response.status_code == 200
    referral = Referral.objects.get()
    assert referral.reference in response.text
    assert (referral.source.name, referral.patient_email, referral.case) == (
        "Hillside Clinic",
        "eve@example.org",
        None,
    )
    assert AuditEvent.objects.filter(action="referral.submit", object_id=str(referral.pk)).exists()
    _send_all(referrals.INVITATION_EMAIL)
    (email,) = mailoutbox
    assert email.to == ["eve@example.org"]
    assert "invited to Second Opinion" in email.subject
    invitation = _invitation_link(mailoutbox)
    assert referrals.invitation_for_token(_token(invitation)) == referral
    for phi in PHI:
        assert phi.lower() not in f"{email.subject}\n{email.body}".lower()
        assert phi.lower() not in invitation.lower()


def test_invalid_referral_input_keeps_everything_typed(actors, link):
    response = _client().post(link, {**REFERRAL, "diagnosis": "", "patient_email": "not-an-email"})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'value="Eve Referred"' in response.text
    assert "Is surgery needed before chemotherapy?" in response.text
    assert 'value="not-an-email"' in response.text
    assert not Referral.objects.exists()


def test_a_revoked_link_stops_working_with_a_clear_message_and_stores_nothing(actors, source, link):
    referrer = _client()
    referrer.get(link)  # the form was open when the coordinator withdrew the link
    referrals.revoke_referral_source(source=source, by=actors.cora)

    page = referrer.get(link)
    assert page.status_code == 410
    assert "no longer works" in page.text

    response = referrer.post(link, REFERRAL)
    assert response.status_code == 410
    assert "no longer works" in response.text
    # Nothing typed is lost: the page shows it to copy, and nothing is stored or sent.
    assert 'value="Eve Referred"' in response.text
    assert "Is surgery needed before chemotherapy?" in response.text
    assert not Referral.objects.exists()
    assert not OutboundEmail.objects.filter(kind__startswith="referrals.").exists()


def test_too_many_referrals_from_one_address_are_refused_keeping_the_input(
    actors, link, monkeypatch
):
    monkeypatch.setattr("referrals.views.REFERRALS_PER_HOUR", 1)
    referrer = _client()
    referrer.post(link, REFERRAL)

    response = referrer.post(link, {**REFERRAL, "patient_email": "zoe@example.org"})

    assert "Too many referrals" in response.text
    assert 'value="zoe@example.org"' in response.text
    assert Referral.objects.count() == 1


def test_an_unknown_link_is_a_404_that_says_the_link_does_not_work(db):
    response = _client().get(reverse("referrals:refer", args=["0" * 64]))
    assert response.status_code == 404
    assert "does not work" in response.text


# A coordinator's referral ------------------------------------------------------------------------


def test_a_coordinator_enters_a_referral_and_the_patient_is_invited(actors, source, mailoutbox):
    cora = _client(actors.cora)
    invalid = cora.post(reverse("referrals:referral-enter"), {**REFERRAL, "diagnosis": ""})
    assert invalid.status_code == 200
    assert 'value="Eve Referred"' in invalid.text

    response = cora.post(reverse("referrals:referral-enter"), {**REFERRAL, "source": source.pk})

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.entered_by, referral.source) == (actors.cora, source)
    assert AuditEvent.objects.filter(action="referral.enter", actor=actors.cora).exists()
    _send_all(referrals.INVITATION_EMAIL)
    assert mailoutbox[0].to == ["eve@example.org"]


# The invited patient -----------------------------------------------------------------------------


@pytest.fixture
def invitation(actors, link, mailoutbox) -> str:
    """An invitation sent to alice's address (Eve's referral, as her doctor wrote it)."""
    _client().post(link, REFERRAL | {"patient_email": "Alice@Example.org"})
    _send_all(referrals.INVITATION_EMAIL)
    return _invitation_link(mailoutbox)


def test_the_invitation_asks_to_sign_up_and_comes_back_after(db, invitation):
    page = _client().get(invitation)

    assert page.status_code == 200
    assert f"/accounts/signup/?next={invitation.replace('/', '%2F')}" in page.text
    assert f"/accounts/login/?next={invitation.replace('/', '%2F')}" in page.text
    assert "Eve" not in page.text and "carcinoma" not in page.text


def test_the_patient_claims_a_draft_pre_filled_from_the_referral(actors, invitation):
    response = _client(actors.alice).post(invitation)

    case = Case.objects.get(owner=actors.alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:intake-resume", args=[case.reference])
    assert case.status == Status.DRAFT
    assert (case.patient_name, case.diagnosis, case.treating_doctor) == (
        "Eve Referred",
        "Stage II ductal carcinoma",
        "Dr Ada Brown",
    )
    assert (case.treating_institution, case.question) == (
        "Hillside Clinic",
        "Is surgery needed before chemotherapy?",
    )
    referral = Referral.objects.get()
    assert (referral.case, referral.claimed_by) == (case, actors.alice)
    # Copied to the case, the health details are not kept twice.
    assert (referral.patient_name, referral.diagnosis, referral.question) == ("", "", "")
    assert AuditEvent.objects.filter(action="referral.claim", case_id=case.pk).exists()


def test_an_invitation_is_claimed_once(actors, invitation):
    alice = _client(actors.alice)
    alice.post(invitation)
    case = Case.objects.get(owner=actors.alice)

    again = alice.post(invitation)
    assert again["Location"] == reverse("cases:intake-resume", args=[case.reference])
    bob = _client(actors.bob).post(invitation)
    assert bob.status_code == 410
    assert "already been used" in bob.text
    assert not Case.objects.filter(owner=actors.bob).exists()
    assert Case.objects.count() == 1


def test_another_patient_can_neither_claim_nor_read_the_invitation(actors, invitation):
    bob = _client(actors.bob)

    page = bob.get(invitation)
    claim = bob.post(invitation)

    for response in (page, claim):
        assert response.status_code == 403
        assert "This invitation was sent to another email address" in response.text
        assert "Accept and start my request" not in response.text
        for phi in (*PHI, "Dr Ada Brown", "alice@example.org"):
            assert phi.lower() not in response.text.lower()
    assert not Case.objects.exists()
    referral = Referral.objects.get()
    assert referral.claimed_at is None and referral.diagnosis == REFERRAL["diagnosis"]
    # The invitation still works for alice, to whom it was sent.
    assert _client(actors.alice).post(invitation).status_code == 302
    assert Case.objects.get().owner == actors.alice


def test_the_invited_address_not_yet_confirmed_cannot_claim(actors, invitation):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=actors.alice).update(verified=False)
    alice = _client(actors.alice)

    assert "Confirm your email address first" in alice.get(invitation).text
    refused = alice.post(invitation)
    assert refused.status_code == 403
    assert "Confirm your email address first" in refused.text
    assert "carcinoma" not in refused.text
    assert not Case.objects.exists()
    assert Referral.objects.get().claimed_at is None

    EmailAddress.objects.filter(user=actors.alice).update(verified=True)
    assert alice.post(invitation).status_code == 302
    assert Case.objects.get().diagnosis == REFERRAL["diagnosis"]


def test_the_claim_service_refuses_someone_else_whatever_the_view(actors, invitation):
    with pytest.raises(referrals.InvitationForSomeoneElse):
        referrals.claim_referral(token=_token(invitation), by=actors.bob)
    assert Referral.objects.get().claimed_at is None


def test_the_invited_patient_sees_the_accept_button(actors, invitation):
    page = _client(actors.alice).get(invitation)

    assert page.status_code == 200
    assert "Accept and start my request" in page.text


def test_staff_cannot_claim_an_invitation(actors, invitation):
    assert _client(actors.cora).post(invitation).status_code == 404
    assert not Case.objects.exists()


# The referrer hears only with consent --------------------------------------------------------------


def test_an_invitation_that_expired_unclaimed_forgets_the_patients_details(actors, invitation):
    from datetime import timedelta

    from django.utils import timezone

    Referral.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    assert referrals.forget_expired_referrals() == 1

    referral = Referral.objects.get()
    assert (referral.patient_name, referral.patient_email, referral.diagnosis) == ("", "", "")
    assert (referral.treating_institution, referral.question) == ("", "")
    assert referral.referrer_email  # the referrer's own details stay, for the metrics
    assert referrals.forget_expired_referrals() == 0


@pytest.fixture
def referred_case(actors, invitation) -> Case:
    """alice's complete case, opened from the invitation and submitted."""
    from tests.factories import complete_draft

    _client(actors.alice).post(invitation)
    claimed = Case.objects.get(owner=actors.alice)
    complete = complete_draft(actors.alice)  # a complete case, whose answers are copied over
    services.update_case(
        case=claimed,
        by=actors.alice,
        **{name: getattr(complete, name) for name in intake.INTAKE_ANSWERS},
    )
    for record in complete.records.all():
        record.case = claimed
        record.save(update_fields=["case"])
    services.sign_consent(case=claimed, by=actors.alice, signed_name="Alice Patient")
    return services.submit_case(case=claimed, by=actors.alice)


def test_the_referrer_gets_status_emails_only_while_the_patient_consents(
    actors, referred_case, mailoutbox
):
    services.start_triage(case=referred_case, by=actors.cora)
    assert not OutboundEmail.objects.filter(kind=referrals.STATUS_EMAIL).exists()

    page = _client(actors.alice).post(
        reverse("referrals:case-referral", args=[referred_case.reference]),
        {"referrer_updates": "yes"},
        follow=True,
    )
    assert "We will email your doctor" in page.text
    assert AuditEvent.objects.filter(action="referral.updates_consent").exists()
    services.send_to_matching(case=referred_case, by=actors.cora)

    (update,) = OutboundEmail.objects.filter(kind=referrals.STATUS_EMAIL)
    assert update.params["status"] == Status.MATCHING
    mailoutbox.clear()
    _send_all(referrals.STATUS_EMAIL)
    (email,) = mailoutbox
    assert email.to == ["ada.brown@hillside.example"]
    assert "Finding a specialist" in email.body
    assert Referral.objects.get().reference in email.body
    for phi in (*PHI, referred_case.reference, "Alice"):
        assert phi.lower() not in f"{email.subject}\n{email.body}".lower()

    referrals.set_referrer_updates(case=referred_case, by=actors.alice, consent=False)
    services.cancel_case(case=referred_case, by=actors.cora, reason="Duplicate")
    assert OutboundEmail.objects.filter(kind=referrals.STATUS_EMAIL).count() == 1


def test_following_the_invitation_again_after_submitting_opens_the_case(
    actors, invitation, referred_case
):
    response = _client(actors.alice).get(invitation)
    assert response["Location"] == reverse("cases:case-detail", args=[referred_case.reference])


def test_only_the_patient_chooses_what_the_referrer_hears(actors, referred_case):
    with pytest.raises(referrals.ApplicationError):
        referrals.set_referrer_updates(case=referred_case, by=actors.cora, consent=True)
    url = reverse("referrals:case-referral", args=[referred_case.reference])
    assert _client(actors.bob).get(url).status_code == 404
    assert _client(actors.cora).get(url).status_code == 404
    detail = _client(actors.alice).get(reverse("cases:case-detail", args=[referred_case.reference]))
    assert url in detail.text


def test_the_referrer_gets_a_single_use_link_to_the_report(actors, mailoutbox):
    from tests.factories import case_in_state

    case = case_in_state(
        Status.DELIVERED, owner=actors.alice, specialist=actors.dr_smith, coordinator=actors.cora
    )
    referral = referrals.enter_referral(by=actors.cora, **REFERRAL)
    Referral.objects.filter(pk=referral.pk).update(case=case, claimed_by=actors.alice)
    page = _client(actors.alice).get(reverse("referrals:case-referral", args=[case.reference]))
    assert "Share with the doctor who referred you" in page.text

    response = _client(actors.alice).post(
        reverse("referrals:report-share", args=[case.reference]), follow=True
    )

    assert "We have emailed your doctor" in response.text
    assert AuditEvent.objects.filter(action="report.share", case_id=case.pk).exists()
    mailoutbox.clear()
    _send_all(referrals.REPORT_EMAIL)
    (email,) = mailoutbox
    assert email.to == ["ada.brown@hillside.example"]
    match = re.search(r"https?://\S+(/cases/shared/\S+/)", email.body)
    assert match, email.body
    for phi in PHI:
        assert phi.lower() not in f"{email.subject}\n{email.body}".lower()
    doctor = _client()
    download = doctor.post(match.group(1))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    assert doctor.post(match.group(1)).status_code == 410


def test_the_report_cannot_be_shared_before_delivery(actors, referred_case):
    response = _client(actors.alice).post(
        reverse("referrals:report-share", args=[referred_case.reference]), follow=True
    )
    assert "once the opinion is delivered" in response.text
    assert not OutboundEmail.objects.filter(kind=referrals.REPORT_EMAIL).exists()


def test_an_emails_second_run_sends_nothing(actors, link, mailoutbox):
    _client().post(link, REFERRAL)
    email = OutboundEmail.objects.get(kind__startswith="referrals.")
    assert notification_services.send_outbound_email(email_id=email.pk) is True
    assert notification_services.send_outbound_email(email_id=email.pk) is False
    assert len(mailoutbox) == 1


# Metrics -----------------------------------------------------------------------------------------


def test_metrics_count_cases_by_referral_source(actors, referred_case):
    actors.case(Status.SUBMITTED, owner=actors.bob)
    metrics.refresh_snapshot()  # what the beat task does every few minutes

    page = _client(actors.cora).get(reverse("coordinator:metrics"))

    rows = {row["source"]: row for row in page.context["metrics"]["referral_sources"]}
    assert rows["Hillside Clinic"] == {"source": "Hillside Clinic", "cases": 1, "open": 1}
    assert rows["Not referred (the patient came on their own)"]["cases"] == 1
    assert "Cases by referral source" in page.text
