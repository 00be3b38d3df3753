"""A caregiver's intake in a real browser: sign up, record the authority to act for a parent,
answer every question, leave half way, carry on from another browser, change an answer from the
check page, see the price, sign the consent and submit. axe-core checks every page, errors too."""

import re

import pytest
from playwright.sync_api import Page, expect

from cases.models import Case, Status
from secondopinion.accounts.models import Role, User
from tests.factories import MINIMAL_PDF

from .conftest import assert_accessible, tick
from .intake import (
    add_record,
    answer_exclusions,
    answer_history,
    answer_medications,
    answer_patient,
    answer_preferences,
    answer_question,
    answer_treatment,
    on_step,
    save_and_continue,
    sign_consent,
)

pytestmark = pytest.mark.browser

EMAIL = "carla@example.org"
PASSWORD = "a-caregivers-long-password"
PARENT_EMAIL = "margaret@example.org"
TITLE = "Mum's lymphoma"


def expect_error(page: Page, message: str, field_id: str) -> None:
    """The error summary links to the field, and the message is next to the field too."""
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field_id}")
    group = page.locator(".usa-form-group", has=page.locator(f"#{field_id}"))
    expect(group.locator(".usa-error-message")).to_contain_text(message)
    assert_accessible(page)


def sign_up_as_caregiver(page: Page, mailoutbox) -> None:
    page.goto("/accounts/signup/")
    assert_accessible(page)
    page.get_by_label("Your full name").fill("Carla Daughter")
    tick(page, "Someone I care for: I am a family member or caregiver")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert_accessible(page)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body)
    page.goto(link.group(0))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    assert_accessible(page)


def test_a_caregiver_asks_for_a_parent_across_two_browsers_and_submits(
    new_page, mailoutbox, tmp_path
):
    permission = tmp_path / "mums-permission.pdf"
    permission.write_bytes(MINIMAL_PDF + b"% signed permission\n")
    not_a_document = tmp_path / "mums-permission.txt.pdf"
    not_a_document.write_bytes(b"<script>alert('x')</script> just some text, not a PDF\n")
    record = tmp_path / "biopsy-report.pdf"
    record.write_bytes(MINIMAL_PDF)

    first = new_page()
    sign_up_as_caregiver(first, mailoutbox)
    assert User.objects.get(email=EMAIL).role == Role.CAREGIVER

    # Who: an empty answer is explained, then "someone I care for".
    first.get_by_role("link", name="Ask for a second opinion").click()
    on_step(first, "Who the second opinion is for")
    save_and_continue(first)
    expect_error(first, "Choose who the second opinion is for.", "id_case_for")
    tick(first, "Someone I care for, such as my child or a parent")
    save_and_continue(first)

    # The authority: a document that is not a PDF or image is refused, nothing else lost.
    on_step(first, "Your authority to act for the patient")
    first.get_by_label("The patient's email address").fill(PARENT_EMAIL)
    tick(first, "The patient has given me written permission")
    first.locator("#id_document").set_input_files(not_a_document)
    save_and_continue(first)
    expect_error(first, "“mums-permission.txt.pdf” is not a PDF or an image.", "id_document")
    expect(first.get_by_label("The patient's email address")).to_have_value(PARENT_EMAIL)
    expect(first.get_by_label("The patient has given me written permission")).to_be_checked()
    first.locator("#id_document").set_input_files(permission)
    save_and_continue(first)

    answer_patient(first, name="Margaret Daughter", born="1948-04-12", region="Scotland")

    # A diagnosis dated in the future is refused; the other answers stay.
    on_step(first, "The current diagnosis")
    first.get_by_label("What is the current diagnosis?").fill("Follicular lymphoma, grade 2")
    first.get_by_label("When was it made?").fill("2099-01-01")
    first.get_by_label("Which doctor made it?").fill("Dr Ada Brown")
    save_and_continue(first)
    expect_error(
        first, "The date of the diagnosis must be today or in the past.", "id_diagnosis_date"
    )
    expect(first.get_by_label("What is the current diagnosis?")).to_have_value(
        "Follicular lymphoma, grade 2"
    )
    first.get_by_label("When was it made?").fill("2026-09-14")
    save_and_continue(first)

    answer_treatment(first, "Watch and wait; rituximab if it grows")
    # Back shows the saved answer.
    on_step(first, "Your question for the specialist")
    first.get_by_role("link", name="Back", exact=True).click()
    on_step(first, "The treatment")
    expect(first.get_by_label("What treatment has been proposed or started?")).to_have_value(
        "Watch and wait; rituximab if it grows"
    )
    save_and_continue(first)
    answer_question(first, title=TITLE)
    answer_history(first)
    # Half way through, Carla closes the browser.
    first.context.close()

    # Later, in another browser, she finds the draft and carries on where she stopped.
    second = new_page()
    second.goto("/accounts/login/")
    assert_accessible(second)
    second.get_by_label("Email").fill(EMAIL)
    second.get_by_label("Password").fill(PASSWORD)
    second.get_by_role("button", name="Sign in").click()
    expect(second.get_by_role("heading", level=1)).to_have_text("My cases")
    assert_accessible(second)
    card = second.get_by_role("listitem").filter(has_text=TITLE)
    expect(card).to_contain_text("for Margaret Daughter")
    card.get_by_role("link", name="Finish your request and submit it").click()
    answer_medications(second)
    answer_preferences(second)
    answer_exclusions(second)
    add_record(second, record)

    on_step(second, "Kind of review and price")
    tick(second, "Review with a re-read of your tissue samples (pathology): $1,250.00")
    save_and_continue(second)
    on_step(second, "Paying for the review")
    tick(second, "My health insurance")
    save_and_continue(second)
    on_step(second, "Your insurance")
    second.get_by_label("Insurance company").fill("Acme Health")
    second.get_by_label("Plan name").fill("Gold PPO")
    second.get_by_label("Member ID").fill("AC-99812")
    tick(second, "Yes")
    save_and_continue(second)
    sign_consent(second, "Carla Daughter")

    # Check your answers: change one, and see the price.
    on_step(second, "Check your answers before you submit")
    expect(second.locator("#missing")).to_have_count(0)
    expect(second.get_by_text("Watch and wait; rituximab if it grows")).to_be_visible()
    second.get_by_role("link", name="Change the treatment").click()
    on_step(second, "The treatment")
    second.get_by_label("What treatment has been proposed or started?").fill(
        "Rituximab every 3 weeks"
    )
    second.get_by_role("button", name="Save and go back to check your answers").click()
    on_step(second, "Check your answers before you submit")
    expect(second.get_by_text("Rituximab every 3 weeks")).to_be_visible()
    expect(second.locator("#price")).to_contain_text("$1,250.00")
    expect(second.get_by_text("confirms your share of the price")).to_be_visible()
    expect(second.locator("#consent-status")).to_contain_text("Signed by Carla Daughter")

    second.get_by_role("button", name="Submit your request").click()
    expect(second.locator(".so-status")).to_have_text("Submitted")
    timeline = second.locator("#timeline")
    expect(timeline).to_contain_text("Submitted")
    expect(timeline).to_contain_text("Next: A coordinator has checked your case, records and cover")
    expect(timeline.get_by_text(re.compile(r"^Expected by \w+day \d+ \w+ \d{4}$"))).to_have_count(5)
    assert_accessible(second)

    case = Case.objects.get(title=TITLE)
    assert case.status == Status.SUBMITTED
    assert case.owner.email == EMAIL
    assert case.proxy_authority.patient_email == PARENT_EMAIL
    assert case.treatment == "Rituximab every 3 weeks"
    assert (str(case.price_amount), case.price_currency) == ("1250.00", "USD")
    assert case.consents.get().signed_name == "Carla Daughter"
