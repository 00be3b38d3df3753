"""Staff read health records, so a specialist without two-factor authentication must set it up."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, SpecialistFactory

from .conftest import assert_accessible, current_totp_code, sign_in

pytestmark = pytest.mark.browser


def test_a_specialist_without_two_factor_authentication_is_sent_to_set_it_up(new_page):
    # verified=False skips the factory's TOTP activation (the email address is still verified).
    specialist = SpecialistFactory(
        user__email="dr.new@example.org", user__full_name="Dr Nia New", user__verified=False
    )
    page = new_page()
    sign_in(page, specialist.user.email)

    page.goto("/cases/")
    # allauth asks for the password again before anyone adds an authenticator.
    expect(page).to_have_url(
        re.compile(r"/accounts/reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate")
    )
    expect(page.get_by_text("you need to set up two-factor authentication")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    assert_accessible(page)

    # With the secret in an authenticator app, the specialist can open their reviews.
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(current_totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery Codes")
    assert_accessible(page)
    page.goto("/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")
    assert_accessible(page)
