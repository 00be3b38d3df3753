"""A superuser reaches the Django admin only through the account sign-in with the TOTP step."""

import re

import pytest
from playwright.sync_api import expect

from secondopinion.accounts.models import Role
from tests.factories import PASSWORD, UserFactory

from .conftest import assert_accessible, current_totp_code

pytestmark = pytest.mark.browser


def test_a_superuser_reaches_the_admin_through_sign_in_with_a_totp_code(new_page):
    superuser = UserFactory(
        email="root@example.org",
        full_name="Sam Superuser",
        role=Role.COORDINATOR,
        is_staff=True,
        is_superuser=True,
    )
    page = new_page()

    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))
    assert_accessible(page)
    page.get_by_label("Email").fill(superuser.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The password alone does not open the admin: the authenticator code is asked for.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    assert_accessible(page)
    page.get_by_label("Code", exact=True).fill(current_totp_code())
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_text("Second Opinion administration (superusers only)")).to_be_visible()
    assert_accessible(page)
