"""Consent: versioned texts, signed by typing a full name, stored with version, time, IP and
browser; a newer version is signed again before submitting; withdrawing it withdraws the case."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, Consent, ConsentText, Status
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from tests.factories import complete_draft


def publish_version_3() -> ConsentText:
    return ConsentText.objects.create(
        version=3, body="Version 3: we also keep anonymous statistics.", published_at=timezone.now()
    )


def test_the_first_version_is_published_and_covers_review_sharing_and_retention(db):
    text = ConsentText.objects.get(version=1)

    assert text.published_at is not None
    for subject in ("outside specialist", "matched specialist", "Storage and retention"):
        assert subject in text.body


def test_version_2_says_how_follow_up_answers_are_used_and_that_follow_up_can_be_declined(db):
    text = ConsentText.objects.get(version=2)

    assert text.published_at is not None
    assert "aggregate" in text.body
    assert "never shared with the specialist by" in text.body
    assert "decline follow-up at any time" in text.body
    assert "without affecting your opinion" in text.body


def test_signing_stores_the_version_the_typed_name_the_time_ip_and_browser(client, actors):
    case = complete_draft(actors.alice, consent=False)
    client.force_login(actors.alice)
    url = reverse("cases:case-consent", args=[case.reference])

    page = client.get(url)
    response = client.post(
        url,
        {"agree": "on", "signed_name": "Alice Patient"},
        REMOTE_ADDR="198.51.100.7",
        HTTP_USER_AGENT="TestBrowser/1.0",
    )

    assert "Consent, version 2" in page.text
    assert "outside specialist" in page.text
    assert response["Location"] == reverse("cases:intake-check", args=[case.reference])
    consent = Consent.objects.get(case=case)
    assert consent.text.version == 2
    assert (consent.signed_by, consent.signed_name) == (actors.alice, "Alice Patient")
    assert (consent.ip, consent.user_agent) == ("198.51.100.7", "TestBrowser/1.0")
    assert consent.signed_at is not None
    assert AuditEvent.objects.filter(action="consent.sign", case_id=case.pk).exists()


def test_consent_needs_the_box_ticked_and_a_name(client, actors):
    case = complete_draft(actors.alice, consent=False)
    client.force_login(actors.alice)

    response = client.post(
        reverse("cases:case-consent", args=[case.reference]), {"signed_name": "Alice Patient"}
    )

    assert '<a href="#id_agree">Tick the box to say you agree.</a>' in response.text
    assert 'value="Alice Patient"' in response.text
    assert not Consent.objects.filter(case=case).exists()


def test_a_new_consent_version_blocks_the_next_submission_until_signed(client, actors):
    case = complete_draft(actors.alice)
    publish_version_3()

    with pytest.raises(ApplicationError, match="Your signed consent"):
        services.submit_case(case=case, by=actors.alice)

    client.force_login(actors.alice)
    dashboard = client.get(reverse("cases:dashboard"))
    page = client.get(reverse("cases:case-consent", args=[case.reference]))
    assert "The consent has changed since you signed version 2" in page.text
    assert "Version 3: we also keep anonymous statistics." in page.text
    services.sign_consent(case=case, by=actors.alice, signed_name="Alice Patient")
    services.submit_case(case=case, by=actors.alice)
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED
    assert "Finish your request" in dashboard.text


def test_an_open_case_asks_for_a_newer_version_on_the_dashboard(client, actors):
    case = actors.case(Status.TRIAGE)
    publish_version_3()
    client.force_login(actors.alice)

    dashboard = client.get(reverse("cases:dashboard"))

    consent_url = reverse("cases:case-consent", args=[case.reference])
    assert f'href="{consent_url}">Read and sign the updated consent' in dashboard.text


def test_an_unpublished_version_is_not_asked_for(actors):
    case = complete_draft(actors.alice)
    ConsentText.objects.create(version=3, body="Draft wording", published_at=None)

    services.submit_case(case=case, by=actors.alice)

    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_withdrawing_consent_before_review_withdraws_the_case(client, actors):
    case = actors.case(Status.MATCHING)
    client.force_login(actors.alice)

    client.post(
        reverse("cases:consent-withdraw", args=[case.reference]),
        {"reason": "I no longer want my records shared"},
    )

    case.refresh_from_db()
    assert case.status == Status.WITHDRAWN
    assert case.consents.get().withdrawn_by == actors.alice
    event = case.events.last()
    assert event.note == "I no longer want my records shared"  # as the patient typed it
    assert event.note_words == {"message": "Consent withdrawn", "params": {}}


def test_consent_cannot_be_withdrawn_here_once_the_review_has_started(actors):
    case = actors.case(Status.IN_REVIEW)

    with pytest.raises(ApplicationError, match="already started reviewing"):
        services.withdraw_consent(case=case, by=actors.alice, reason="Too late")
    assert case.consents.get().withdrawn_at is None


def test_a_signed_version_is_read_only_in_the_admin(actors):
    complete_draft(actors.alice)
    text = ConsentText.objects.get(version=2)
    admin = site._registry[ConsentText]
    request = RequestFactory().get("/")

    assert admin.get_readonly_fields(request, text) == ["version", "body", "published_at"]
    assert not admin.has_delete_permission(request, text)
    unsigned = ConsentText.objects.create(version=4, body="Not yet published")
    assert admin.get_readonly_fields(request, unsigned) == []
