"""A new patient signs up, verifies their email from the link we send, and lands signed in."""

import re

import pytest
from playwright.sync_api import expect

from secondopinion.accounts.models import Role, User

from .conftest import assert_accessible, tick

pytestmark = pytest.mark.browser

EMAIL = "dana@example.org"
NEW_PASSWORD = "a-new-patients-long-password"


def test_a_new_patient_signs_up_verifies_their_email_and_lands_on_their_cases(new_page, mailoutbox):
    page = new_page()
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    assert_accessible(page)
    page.get_by_label("Your full name").fill("Dana Patient")
    tick(page, "Myself: I am the patient")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert_accessible(page)
    assert len(mailoutbox) == 1
    verification = mailoutbox[0]
    assert verification.to == [EMAIL]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", verification.body)
    assert link, f"no verification link in: {verification.body}"

    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.get_by_role("link", name="Ask for a second opinion")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("navigation").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account")
    expect(page.get_by_label("Your full name")).to_have_value("Dana Patient")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Email addresses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email addresses")
    expect(page.get_by_label(EMAIL)).to_be_checked()
    assert_accessible(page)
    for link, heading in (
        ("Change your password", "Change your password"),
        ("Two-factor authentication", "Two-factor authentication"),
    ):
        page.get_by_role("link", name="Back to your account").click()
        page.get_by_role("main").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    user = User.objects.get(email=EMAIL)
    assert (user.full_name, user.role) == ("Dana Patient", Role.PATIENT)
    assert user.emailaddress_set.get(email=EMAIL).verified
