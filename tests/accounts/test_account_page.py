"""The Account page (linked from the header): the person's name, which they can change, and the
way to their password, two-factor authentication, email addresses and email settings. allauth's
own screens use the service's layout and wording."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from secondopinion.audit.models import AuditEvent
from tests.factories import UserFactory

ACCOUNT = reverse("accounts:account")


def _h1(page: str) -> str:
    return " ".join(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1).split())


def _title(page: str) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", page, re.S).group(1).split())


def test_the_header_links_to_the_account_page_which_offers_every_setting(client, actors):
    client.force_login(actors.alice)

    home = client.get(reverse("cases:dashboard")).text
    page = client.get(ACCOUNT).text

    assert f'href="{ACCOUNT}"><span>Account</span>' in home
    assert _h1(page) == "Account"
    assert "alice@example.org" in page
    assert 'value="Alice Patient"' in page
    for name in (
        "account_change_password",
        "mfa_index",
        "account_email",
        "notifications:preferences",
    ):
        assert f'href="{reverse(name)}"' in page
    assert "Two-factor authentication</a>: off" in page


def test_a_person_changes_their_full_name(client, actors):
    client.force_login(actors.alice)

    response = client.post(ACCOUNT, {"full_name": "  Alice   Marie Patient "}, follow=True)

    assert "Your name is saved." in response.text
    actors.alice.refresh_from_db()
    assert actors.alice.full_name == "Alice Marie Patient"
    event = AuditEvent.objects.get(action="account.name_change")
    assert event.actor == actors.alice
    assert "Marie" not in str(event.detail)


def test_a_name_outside_latin_1_is_kept_as_typed(client, actors):
    client.force_login(actors.alice)

    client.post(ACCOUNT, {"full_name": "Đorđe Ōtani 王芳"})

    actors.alice.refresh_from_db()
    assert actors.alice.full_name == "Đorđe Ōtani 王芳"
    assert "Đorđe Ōtani 王芳" in client.get(ACCOUNT).text


@pytest.mark.parametrize("typed", ["", "    ", "x" * 201])
def test_a_bad_name_is_refused_with_a_message_and_the_old_one_stays(client, actors, typed):
    client.force_login(actors.alice)

    response = client.post(ACCOUNT, {"full_name": typed})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    actors.alice.refresh_from_db()
    assert actors.alice.full_name == "Alice Patient"
    assert not AuditEvent.objects.filter(action="account.name_change").exists()
    if typed.strip():
        assert typed in response.text  # what was typed is not lost


def test_one_person_changes_only_their_own_name(actors):
    bob = Client()
    bob.force_login(actors.bob)

    bob.post(ACCOUNT, {"full_name": "Robert Patient", "user": actors.alice.pk})

    actors.alice.refresh_from_db()
    actors.bob.refresh_from_db()
    assert (actors.alice.full_name, actors.bob.full_name) == ("Alice Patient", "Robert Patient")


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_without_two_factor_authentication_can_still_reach_their_account(client, actors):
    coordinator = UserFactory(email="new-coordinator@example.org", role="coordinator")
    Authenticator.objects.filter(user=coordinator).delete()
    client.force_login(coordinator)

    page = client.get(ACCOUNT)

    assert page.status_code == 200
    assert "your role needs it before you can open a case" in page.text


SIGNED_OUT_SCREENS = {
    "account_login": "Sign in",
    "account_signup": "Create an account",
    "account_reset_password": "Reset your password",
}
SIGNED_IN_SCREENS = {
    "account_email": "Email addresses",
    "account_change_password": "Change your password",
    "mfa_index": "Two-factor authentication",
    "account_logout": "Sign out",
}


@pytest.mark.parametrize(("name", "heading"), SIGNED_OUT_SCREENS.items())
def test_allauth_entrance_screens_use_the_service_layout_and_wording(client, db, name, heading):
    page = client.get(reverse(name)).text

    assert _h1(page) == heading
    assert _title(page) == f"{heading} · Second Opinion"
    assert 'class="usa-header' in page  # base.html's header and navigation
    assert "Sign In" not in page and "Sign Up" not in page


@pytest.mark.parametrize(("name", "heading"), SIGNED_IN_SCREENS.items())
def test_allauth_account_screens_use_the_service_layout_and_lead_back(
    client, actors, name, heading
):
    client.force_login(actors.alice)

    page = client.get(reverse(name)).text

    assert _h1(page) == heading
    assert _title(page) == f"{heading} · Second Opinion"
    assert 'class="usa-header' in page
    assert f'href="{ACCOUNT}"><span>Account</span>' in page
