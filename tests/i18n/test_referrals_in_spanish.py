"""Referrals in Spanish: the referrer's form and its thanks (no account: the visitor's
language), the patient's invitation and their choices about the doctor who referred them, and
the coordinator's sources and referral form. Names and what people typed stay as written."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from referrals import services as referrals
from referrals.models import Referral
from tests.factories import REFERRAL
from tests.i18n.pages import english_left, sentences
from tests.referrals import test_referrals as referral_tests

from .test_specialist_pages_in_spanish import SHARED

# The referrals tests' fixtures: a source and its link, an invitation to alice, her referred case.
source, link = referral_tests.source, referral_tests.link
invitation, referred_case = referral_tests.invitation, referral_tests.referred_case

TYPED = {
    "Hillside Clinic",
    "referrals@hillside.example",
    "Dr Ada Brown",
    "Dr Ada Brown (Hillside Clinic)",
}


def _left(client, user, url: str, *, same=frozenset()) -> list[str]:
    return english_left(client, user, url, same={*same, *SHARED, *TYPED})


def _visitor_page(language: str, url: str, data=None) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(url, data) if data is not None else client.get(url)
    return response.text


@pytest.mark.django_db
def test_the_referrers_form_and_its_thanks_are_in_spanish(client, link):
    assert _left(client, None, link) == []
    english = sentences(_visitor_page("en-gb", link, REFERRAL))
    Referral.objects.all().delete()
    spanish = sentences(_visitor_page("es", link, REFERRAL))
    reference = Referral.objects.get().reference
    assert sorted(english & spanish - TYPED - {reference}) == []


@pytest.mark.django_db
def test_bad_input_on_the_referrers_form_is_refused_in_spanish(link):
    page = _visitor_page("es", link, {**REFERRAL, "patient_email": REFERRAL["referrer_email"]})

    assert "Esta es la dirección de correo de quien deriva." in page
    assert "This is the referrer's own email address." not in page


@pytest.mark.django_db
def test_the_invitation_is_in_spanish_signed_out_and_in(client, actors, invitation):
    assert _left(client, None, invitation) == []
    assert _left(client, actors.alice, invitation) == []


@pytest.mark.django_db
def test_the_patients_referral_page_is_in_spanish(client, actors, referred_case):
    url = reverse("referrals:case-referral", args=[referred_case.reference])
    assert _left(client, actors.alice, url) == []


@pytest.mark.django_db
def test_the_coordinators_referral_pages_are_in_spanish(client, actors, source):
    assert _left(client, actors.cora, reverse("referrals:source-list")) == []
    assert _left(client, actors.cora, reverse("referrals:referral-enter")) == []
    referrals.revoke_referral_source(by=actors.cora, source=source)
    assert _left(client, actors.cora, reverse("referrals:source-list")) == []


@pytest.mark.django_db
def test_the_english_referrers_form_is_unchanged(link):
    page = _visitor_page("en-gb", link)

    assert "On behalf of Hillside Clinic. We email the patient an invitation" in page
    assert "Send the referral" in page
