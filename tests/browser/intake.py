"""Walking the intake in a browser as a patient does, every page checked with axe-core."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import assert_accessible, tick

# The answers of a patient asking for themselves, by the label of each question.
DIAGNOSIS = "Stage II ductal carcinoma"
TREATMENT = "Chemotherapy for 3 months, then surgery"


def on_step(page: Page, heading: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def answer_patient(page: Page, *, name: str, born: str, region: str) -> None:
    on_step(page, "About the patient")
    page.get_by_label("The patient's full name").fill(name)
    page.get_by_label("The patient's date of birth").fill(born)
    page.get_by_label("Where does the patient live?").select_option(label=region)
    save_and_continue(page)


def answer_diagnosis(page: Page, *, diagnosis: str = DIAGNOSIS, made_on: str = "2026-03-02"):
    on_step(page, "The current diagnosis")
    page.get_by_label("What is the current diagnosis?").fill(diagnosis)
    page.get_by_label("When was it made?").fill(made_on)
    page.get_by_label("Which doctor made it?").fill("Dr Ada Brown")
    page.get_by_label("At which hospital or clinic?").fill("City Hospital")
    save_and_continue(page)


def answer_treatment(page: Page, treatment: str = TREATMENT) -> None:
    on_step(page, "The treatment")
    page.get_by_label("What treatment has been proposed or started?").fill(treatment)
    save_and_continue(page)


def answer_question(page: Page, *, title: str) -> None:
    on_step(page, "Your question for the specialist")
    tick(page, "Is surgery needed?")
    tick(page, "What are the treatment options?")
    page.get_by_label("Your question for the specialist").fill(
        "Is surgery needed before chemotherapy?"
    )
    page.get_by_label("A short title for this request").fill(title)
    save_and_continue(page)


def answer_history(page: Page) -> None:
    on_step(page, "Medical history")
    page.get_by_label("anything else in the patient's medical history").fill(
        "Type 2 diabetes since 2015"
    )
    save_and_continue(page)


def answer_medications(page: Page) -> None:
    on_step(page, "Medicines and allergies")
    page.get_by_label("Which medicines does the patient take now?").fill("Metformin 500 mg")
    page.get_by_label("Does the patient have any allergies?").fill("Penicillin")
    save_and_continue(page)


def answer_preferences(page: Page) -> None:
    on_step(page, "Urgency and report language")
    tick(page, "Soon: a treatment decision is due within a month")
    page.get_by_label("Which language should the report be in?").select_option(label="English")
    save_and_continue(page)


def answer_exclusions(page: Page) -> None:
    on_step(page, "Doctors to exclude")
    page.get_by_label("Are there doctors who should not review this case?").fill(
        "Dr Ada Brown, City Hospital\nDr Ben Grey"
    )
    save_and_continue(page)


def add_record(page: Page, record: Path) -> None:
    on_step(page, "Medical records")
    page.locator("#id_file").set_input_files(record)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text(f"“{record.name}” is added to your case.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Medical records")
    assert_accessible(page)
    save_and_continue(page)


def choose_review_and_self_pay(page: Page) -> None:
    on_step(page, "Kind of review and price")
    expect(page.get_by_label("Standard review of your records: $750.00")).to_be_visible()
    tick(page, "Standard review of your records")
    save_and_continue(page)
    on_step(page, "Paying for the review")
    tick(page, "I will pay myself")
    save_and_continue(page)


def sign_consent(page: Page, name: str) -> None:
    on_step(page, "Consent")
    # The current version: it says how the case is shared and how follow-up answers are used.
    consent = page.get_by_role("region", name=re.compile(r"^Consent, version \d+$"))
    expect(consent).to_contain_text("outside specialist")
    expect(consent).to_contain_text("never shared with the specialist by name")
    tick(page, "I have read this consent and I agree to it")
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_role("button", name="Sign the consent").click()


def submit_from_check_page(page: Page) -> str:
    """Submit the request; returns its reference."""
    on_step(page, "Check your answers before you submit")
    page.get_by_role("button", name="Submit your request").click()
    expect(page.locator(".so-status")).to_have_text("Submitted")
    assert_accessible(page)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def ask_for_myself(page: Page, *, record: Path, title: str, diagnosis: str = DIAGNOSIS) -> str:
    """From the dashboard, every page of the intake for oneself, up to submitting. Returns the
    case reference."""
    page.get_by_role("link", name="Ask for a second opinion").click()
    on_step(page, "Who the second opinion is for")
    tick(page, "Me: I am the patient")
    save_and_continue(page)
    answer_patient(page, name="Alice Patient", born="1970-05-17", region="England")
    answer_diagnosis(page, diagnosis=diagnosis)
    answer_treatment(page)
    answer_question(page, title=title)
    answer_history(page)
    answer_medications(page)
    answer_preferences(page)
    answer_exclusions(page)
    add_record(page, record)
    choose_review_and_self_pay(page)
    sign_consent(page, "Alice Patient")
    return submit_from_check_page(page)
