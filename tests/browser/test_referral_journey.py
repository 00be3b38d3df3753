"""A referral in a real browser, from the referrer's link to matching.

cora makes a referral link for a clinic; Dr Brown refers Eve through it; Eve follows the emailed
invitation, signs up, finds her request pre-filled, completes and submits it; cora triages it from
the queue, asks Eve a question, records the insurer's pre-authorization and sends the case to
matching; the metrics show it under the clinic; Eve's access history names cora. A withdrawn link
then stops working, keeping what the referrer typed. axe-core checks every page.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from backoffice import metrics
from cases.models import Case, Status
from referrals import services as referrals
from referrals.models import Referral
from secondopinion.notifications.models import OutboundEmail
from tests.conftest import wait_for
from tests.factories import MINIMAL_PDF

from .conftest import assert_accessible, sign_in, tick
from .intake import (
    answer_exclusions,
    answer_history,
    answer_medications,
    answer_preferences,
    answer_treatment,
    on_step,
    save_and_continue,
    sign_consent,
    submit_from_check_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker]

EMAIL = "eve@example.org"
PASSWORD = "eve-has-a-long-password"
DIAGNOSIS = "Stage II ductal carcinoma"
QUESTION = "Do you have the pathology report from the biopsy?"


def status_of(page: Page):
    return page.locator(".so-status")


def refer(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Refer a patient for a second opinion"
    )
    assert_accessible(page)
    page.get_by_label("Your name").fill("Dr Ada Brown")
    page.get_by_label("Your email address").fill("ada.brown@hillside.example")
    page.get_by_label("The patient's full name").fill("Eve Referred")
    page.get_by_label("The patient's email address").fill(EMAIL)
    page.get_by_label("The current diagnosis").fill(DIAGNOSIS)
    page.get_by_label("The doctor who made the diagnosis").fill("Dr Ada Brown")
    page.get_by_label("The hospital or clinic").fill("Hillside Clinic")
    page.get_by_label("What should the specialist look at?").fill(
        "Is surgery needed before chemotherapy?"
    )


def test_a_referred_patient_signs_up_submits_and_is_triaged_to_matching(
    new_page, actors, mailoutbox, worker_mailbox, tmp_path
):
    record = tmp_path / "pathology-report.pdf"
    record.write_bytes(MINIMAL_PDF)

    # cora adds the clinic as a referral source and copies its link.
    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    cora.get_by_role("navigation").get_by_role("link", name="Referrals").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Referrals")
    assert_accessible(cora)
    cora.get_by_label("Organisation or doctor").fill("Hillside Clinic")
    cora.get_by_label("Contact email address").fill("referrals@hillside.example")
    cora.get_by_role("button", name="Add and make its link").click()
    expect(cora.get_by_text("Hillside Clinic has its referral link")).to_be_visible()
    assert_accessible(cora)
    link = cora.get_by_label("Referral link for Hillside Clinic").input_value()
    assert "hillside" not in link.lower()
    cora.get_by_role("link", name="Enter a referral").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Enter a referral")
    expect(cora.get_by_label("Referral source")).to_contain_text("Hillside Clinic")
    assert_accessible(cora)

    # Dr Brown refers Eve through the link; a first try without the diagnosis keeps the rest.
    brown = new_page()
    refer(brown, link)
    brown.get_by_label("The current diagnosis").fill("")
    brown.get_by_role("button", name="Send the referral").click()
    expect(brown.get_by_text("There is a problem")).to_be_visible()
    expect(brown.get_by_label("The patient's full name")).to_have_value("Eve Referred")
    assert_accessible(brown)
    brown.get_by_label("The current diagnosis").fill(DIAGNOSIS)
    brown.get_by_role("button", name="Send the referral").click()
    expect(brown.get_by_role("heading", level=1)).to_have_text("Referral sent")
    assert_accessible(brown)

    # Eve follows the emailed invitation, signs up and comes back to accept it.
    # The real worker sends it from the outbox.
    wait_for(lambda: worker_mailbox.new_emails_to(EMAIL), what="the worker to send the invitation")
    (invitation_email,) = worker_mailbox.new_emails_to(EMAIL)
    body = invitation_email.get_body().get_content()
    invitation = re.search(r"https?://\S+(/referrals/invitation/\S+/)", body)
    assert invitation, body
    assert "carcinoma" not in body
    eve = new_page()
    eve.goto(invitation.group(1))
    expect(eve.get_by_role("heading", level=1)).to_have_text("Your invitation to Second Opinion")
    assert_accessible(eve)
    eve.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(eve).to_have_url(re.compile(r"/accounts/signup/\?next="))
    assert_accessible(eve)
    eve.get_by_label("Your full name").fill("Eve Referred")
    tick(eve, "Myself: I am the patient")
    eve.get_by_label("Email").fill(EMAIL)
    eve.get_by_label("Password", exact=True).fill(PASSWORD)
    eve.get_by_label("Password (again)").fill(PASSWORD)
    eve.get_by_role("button", name="Sign up").click()
    expect(eve.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert_accessible(eve)
    verification = [email for email in mailoutbox if email.to == [EMAIL]][-1]
    confirm = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", verification.body)
    assert confirm, verification.body
    eve.goto(confirm.group(1))
    assert_accessible(eve)
    eve.get_by_role("button", name="Confirm").click()
    expect(eve).to_have_url(re.compile(r"/referrals/invitation/"))
    assert_accessible(eve)
    eve.get_by_role("button", name="Accept and start my request").click()

    # The request is pre-filled from the referral; Eve completes the rest and submits.
    on_step(eve, "About the patient")
    expect(eve.get_by_label("The patient's full name")).to_have_value("Eve Referred")
    eve.get_by_label("The patient's date of birth").fill("1970-05-17")
    eve.get_by_label("Where does the patient live?").select_option(label="England")
    save_and_continue(eve)
    on_step(eve, "The current diagnosis")
    expect(eve.get_by_label("What is the current diagnosis?")).to_have_value(DIAGNOSIS)
    expect(eve.get_by_label("Which doctor made it?")).to_have_value("Dr Ada Brown")
    expect(eve.get_by_label("At which hospital or clinic?")).to_have_value("Hillside Clinic")
    eve.get_by_label("When was it made?").fill("2026-03-02")
    save_and_continue(eve)
    answer_treatment(eve)
    on_step(eve, "Your question for the specialist")
    expect(eve.get_by_label("Your question for the specialist")).to_have_value(
        "Is surgery needed before chemotherapy?"
    )
    tick(eve, "Is surgery needed?")
    eve.get_by_label("A short title for this request").fill("Referred by Dr Brown")
    save_and_continue(eve)
    answer_history(eve)
    answer_medications(eve)
    answer_preferences(eve)
    answer_exclusions(eve)
    on_step(eve, "Medical records")
    eve.locator("#id_file").set_input_files(record)
    eve.get_by_role("button", name="Upload", exact=True).click()
    expect(eve.get_by_text(f"“{record.name}” is added to your case.")).to_be_visible()
    assert_accessible(eve)
    save_and_continue(eve)
    on_step(eve, "Kind of review and price")
    tick(eve, "Standard review of your records")
    save_and_continue(eve)
    on_step(eve, "Paying for the review")
    tick(eve, "My health insurance")
    save_and_continue(eve)
    on_step(eve, "Your insurance")
    eve.get_by_label("Insurance company").fill("Acme Health")
    eve.get_by_label("Member ID").fill("AC-99812")
    tick(eve, "Yes")
    save_and_continue(eve)
    sign_consent(eve, "Eve Referred")
    reference = submit_from_check_page(eve)
    case = Case.objects.get(reference=reference)
    assert Referral.objects.get().case == case

    # Eve lets the referrer hear how it goes.
    eve.get_by_role("link", name=re.compile("The doctor who referred you")).click()
    assert_accessible(eve)
    tick(eve, "Yes: tell them each time the status changes")
    eve.get_by_role("button", name="Save my choice").click()
    expect(eve.get_by_text("We will email your doctor")).to_be_visible()
    assert_accessible(eve)

    # cora triages it from the queue and asks Eve for the pathology report.
    cora.get_by_role("navigation").get_by_role("link", name="Coordinator").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Case queue")
    assert_accessible(cora)
    cora.get_by_role("link", name=reference).click()
    expect(status_of(cora)).to_have_text("Submitted")
    assert_accessible(cora)
    cora.get_by_role("button", name="Start triage").click()
    expect(status_of(cora)).to_have_text("In triage")
    assert_accessible(cora)
    cora.get_by_role("link", name="Ask the patient for information").click()
    assert_accessible(cora)
    cora.get_by_label("Your question for the patient").fill(QUESTION)
    cora.get_by_role("button", name="Send the question").click()
    expect(status_of(cora)).to_have_text("Waiting on the patient for information")
    assert_accessible(cora)

    # Eve answers.
    eve.goto(f"/cases/{reference}/")
    assert_accessible(eve)
    eve.get_by_role("link", name="Answer the question").first.click()
    expect(eve.locator("#open-question")).to_have_text(QUESTION)
    assert_accessible(eve)
    eve.get_by_label("Your answer").fill("It is the file I uploaded, pathology-report.pdf.")
    eve.get_by_role("button", name="Send your answer").click()
    expect(status_of(eve)).to_have_text("In triage")
    assert_accessible(eve)

    # Later cora records the insurer's approval and sends the case to matching.
    cora.goto(f"/cases/{reference}/")
    assert_accessible(cora)
    cora.locator("label", has_text="Insurance covers the review").click()
    cora.locator("label", has_text="Approved").click()
    cora.get_by_label("Pre-authorization reference").fill("PA-2026-1142")
    cora.get_by_role("button", name="Save the coverage check").click()
    expect(cora.get_by_text("The coverage check is saved")).to_be_visible()
    assert_accessible(cora)
    cora.get_by_role("button", name="Case is complete: send to matching").click()
    expect(status_of(cora)).to_have_text("Finding a specialist")
    assert_accessible(cora)

    # The metrics show it finding a specialist, and under the clinic that referred it.
    metrics.refresh_snapshot()  # what the beat task does every two minutes
    cora.get_by_role("navigation").get_by_role("link", name="Metrics").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Metrics")
    states = cora.get_by_role("table", name="Cases by state")
    expect(states.get_by_role("row", name="Finding a specialist")).to_contain_text("1")
    sources = cora.get_by_role("table", name="Cases by referral source")
    expect(sources.get_by_role("row", name="Hillside Clinic")).to_have_text(
        re.compile(r"Hillside Clinic\s*1\s*1")
    )
    assert_accessible(cora)

    # Eve's access history names cora's views; the referrer got status emails only.
    eve.goto(f"/cases/{reference}/")
    eve.get_by_role("link", name="Who has looked at your case").click()
    expect(eve.get_by_role("heading", level=1)).to_have_text("Who has looked at your case")
    expect(eve.get_by_role("table")).to_contain_text("Cora Coordinator (coordinator)")
    assert_accessible(eve)
    statuses = list(
        OutboundEmail.objects.filter(kind=referrals.STATUS_EMAIL)
        .order_by("pk")
        .values_list("params__status", flat=True)
    )
    assert statuses == [Status.TRIAGE, Status.NEEDS_INFO, Status.TRIAGE, Status.MATCHING]

    # cora withdraws the clinic's link: a referral sent from a form left open is refused,
    # saying why, with everything typed still on the page; nothing is stored.
    brown_again = new_page()
    refer(brown_again, link)
    cora.get_by_role("navigation").get_by_role("link", name="Referrals").click()
    assert_accessible(cora)
    cora.get_by_role("button", name="Withdraw the link of Hillside Clinic").click()
    expect(cora.get_by_text("The referral link of Hillside Clinic no longer works")).to_be_visible()
    assert_accessible(cora)
    brown_again.get_by_role("button", name="Send the referral").click()
    expect(brown_again.locator("#link-error")).to_contain_text("no longer works")
    expect(brown_again.get_by_label("The patient's full name")).to_have_value("Eve Referred")
    assert_accessible(brown_again)
    assert Referral.objects.count() == 1
