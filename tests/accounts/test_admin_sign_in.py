"""The Django admin opens only after allauth's sign-in with two-factor authentication.

Its own password form is gone: `/admin/login/` sends everyone to the account sign-in (with its
attempt limits and its TOTP step), and `/admin/` needs a session that proved a second factor.
"""

import secrets
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client, override_settings
from django.urls import reverse

from secondopinion.accounts.models import Role
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory

ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"
# A Sunday evening on the last day of the year: nothing here depends on the day.
NOW = datetime(2028, 12, 31, 23, 30, 5, tzinfo=UTC)


def _superuser(*, mfa: bool = True):
    return UserFactory(
        # allauth remembers used TOTP codes in the cache by user id; on SQLite a rolled-back
        # test's id comes back, and with it that test's used code (same pinned clock).
        id=10**6 + secrets.randbelow(10**9),
        email=f"root-{secrets.token_hex(4)}@example.org",
        role=Role.COORDINATOR,
        is_staff=True,
        is_superuser=True,
        verified=None if mfa else False,  # the factory sets up TOTP unless told False
    )


def _totp_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(NOW.timestamp()) // 30))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_password_posted_to_the_admin_login_signs_no_one_in(client, db, clock):
    superuser = _superuser()

    response = client.post(
        f"{ADMIN_LOGIN}?next={ADMIN}",
        {"username": superuser.email, "password": PASSWORD, "next": ADMIN},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    admin_page = client.get(ADMIN)
    assert admin_page.status_code == 302
    assert admin_page["Location"].startswith(ADMIN_LOGIN)


def test_the_admin_login_page_shows_no_password_form_but_sends_to_the_sign_in(client, db):
    response = client.get(ADMIN_LOGIN, follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert response.status_code == 200
    assert 'name="login"' in response.text  # allauth's sign-in form


def test_a_password_alone_leads_to_the_totp_step_not_the_admin(client, db, clock):
    superuser = _superuser()

    response = client.post(
        f"{reverse('account_login')}?next={ADMIN}",
        {"login": superuser.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    assert client.get(ADMIN).status_code == 302


def test_a_superuser_with_password_and_totp_reaches_the_admin(client, db, clock):
    superuser = _superuser()
    client.post(ADMIN_LOGIN)  # as a browser arrives: sent on to the sign-in
    client.post(
        f"{reverse('account_login')}?next={ADMIN}",
        {"login": superuser.email, "password": PASSWORD},
    )

    response = client.post(reverse("mfa_authenticate"), {"code": _totp_code()})

    assert response.status_code == 302
    assert response["Location"] == ADMIN
    page = client.get(ADMIN)
    assert page.status_code == 200
    assert "Second Opinion administration" in page.text


def test_a_wrong_totp_code_does_not_open_the_admin(client, db, clock):
    superuser = _superuser()
    client.post(
        f"{reverse('account_login')}?next={ADMIN}",
        {"login": superuser.email, "password": PASSWORD},
    )

    client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302


def test_a_superuser_without_mfa_is_sent_to_set_it_up(client, db, clock):
    superuser = _superuser(mfa=False)

    response = client.post(
        f"{reverse('account_login')}?next={ADMIN}",
        {"login": superuser.email, "password": PASSWORD},
    )
    assert response["Location"] == ADMIN  # signed in, on the way back to the admin

    admin_page = client.get(ADMIN)

    assert admin_page.status_code == 302
    assert admin_page["Location"] == reverse("mfa_activate_totp")
    assert (
        "set up two-factor authentication" in client.get(admin_page["Location"], follow=True).text
    )


def test_a_session_that_never_proved_a_second_factor_must_prove_it_for_the_admin(db, clock):
    """Signed in some other way (before MFA was set up, say): asked for the code, then let in."""
    superuser = _superuser()
    client = Client()
    client.force_login(superuser)

    response = client.get(ADMIN, follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2F"
    response = client.post(f"{reverse('mfa_reauthenticate')}?next={ADMIN}", {"code": _totp_code()})
    assert response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


@pytest.mark.parametrize("role", [Role.PATIENT, Role.COORDINATOR])
def test_people_who_are_not_superusers_never_see_the_admin(client, db, clock, role):
    user = UserFactory(role=role)
    client.force_login(user)

    assert client.get(ADMIN, follow=True).status_code == 404
    assert client.get(ADMIN_LOGIN).status_code == 404


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "5/5m/key"})
def test_repeated_wrong_passwords_on_the_way_to_the_admin_are_refused(client, db, clock):
    superuser = _superuser()
    sign_in = client.get(ADMIN_LOGIN)["Location"]
    for _ in range(5):
        response = client.post(sign_in, {"login": superuser.email, "password": "wrong guess"})
        assert "not correct" in response.text

    response = client.post(sign_in, {"login": superuser.email, "password": PASSWORD})

    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302
