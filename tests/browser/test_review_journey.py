"""The review journey in a real browser with the real worker: a question to the patient, an
opinion returned once by the quality check, delivery, the PDF, a follow-up and its addendum.

Starts from a case in review (walked there by the services) to stay fast; axe-core checks every
page.
"""

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from cases.models import Status
from tests.conftest import wait_for
from tests.factories import MINIMAL_PDF

from .conftest import all_queued_emails_sent, assert_accessible, sign_in, tick
from .test_thin_journey import open_case_page, status_of, wait_for_the_report

pytestmark = [pytest.mark.browser, pytest.mark.worker]

ORIGINAL_DIAGNOSIS = "Stage II ductal carcinoma"  # the factory's intake answer
NEW_DIAGNOSIS = "Ductal carcinoma in situ, not invasive"
QUESTION = "Please upload your most recent full blood count."
FOLLOW_UP = "Can I wait until after my holiday to have the surgery?"
ADDENDUM = "Yes: a delay of up to four weeks is safe."


def pdf_text(page: Page, link_name: re.Pattern) -> str:
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name).click()
    pages = PdfReader(io.BytesIO(download_info.value.path().read_bytes())).pages
    return " ".join(" ".join(pdf_page.extract_text() or "" for pdf_page in pages).split())


def write_opinion(smith: Page, summary: str, *, first: bool = True) -> None:
    """Fill the opinion (the first time) or change its summary (after it was returned)."""
    smith.get_by_role("link", name="Write your opinion").click()
    assert_accessible(smith)
    if first:
        tick(smith, "Changes the original diagnosis")
        smith.get_by_label("Your diagnosis").fill(NEW_DIAGNOSIS)
        smith.get_by_label("Reasoning").fill("The lab result and slide 4 show no invasion.")
        smith.get_by_label("Recommended treatment and alternatives").fill(
            "Breast-conserving surgery; chemotherapy is not indicated."
        )
        tick(smith, "Partly: some of it is supported")
        tick(smith, "Soon: within the next few weeks")
        tick(smith, "I have no conflict of interest")
    else:
        expect(smith.get_by_text("Returned by the quality check")).to_be_visible()
    smith.get_by_label("Summary in plain language").fill(summary)
    smith.get_by_role("button", name="Save draft").click()
    expect(smith.get_by_text("Reading ease of this summary")).to_be_visible()
    assert_accessible(smith)
    smith.get_by_role("button", name="Submit opinion").click()
    expect(status_of(smith)).to_have_text("Opinion in quality check")
    assert_accessible(smith)


def test_the_specialist_asks_reviews_and_answers_a_follow_up(
    new_page, actors, worker_mailbox, tmp_path
):
    case = actors.case(Status.IN_REVIEW)
    reference = case.reference
    lab = tmp_path / "full-blood-count.pdf"
    lab.write_bytes(MINIMAL_PDF + b"% full blood count\n")

    # dr_smith asks alice for a lab result.
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    open_case_page(smith, reference)
    smith.get_by_role("link", name="Ask the patient for information").click()
    assert_accessible(smith)
    smith.get_by_label("Your question for the patient").fill(QUESTION)
    smith.get_by_label("A record you would like them to upload").select_option("lab")
    smith.get_by_role("button", name="Send the question").click()
    expect(status_of(smith)).to_have_text("Specialist asked a question")
    assert_accessible(smith)

    # alice sees it waiting on her dashboard and uploads the result.
    alice = new_page()
    sign_in(alice, actors.alice.email)
    alice.goto("/cases/")
    assert_accessible(alice)
    alice.get_by_role("link", name="Answer the specialist's question").click()
    expect(alice.locator("#open-question")).to_have_text(QUESTION)
    assert_accessible(alice)
    alice.get_by_label("Your answer").fill("Here is the result from last week.")
    alice.locator("#id_file").set_input_files(lab)
    alice.get_by_role("button", name="Send your answer").click()
    expect(status_of(alice)).to_have_text("Specialist reviewing")
    expect(alice.get_by_role("link", name="full-blood-count.pdf", exact=True)).to_be_visible()
    assert_accessible(alice)

    # dr_smith reads the answer and writes a changed diagnosis.
    open_case_page(smith, reference)
    expect(smith.locator("#questions")).to_contain_text("Here is the result from last week.")
    write_opinion(smith, "The cancer has not spread. Surgery is likely enough.")

    # cora's quality check returns it once; dr_smith resubmits.
    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    open_case_page(cora, reference)
    wait_for_the_report(cora)
    cora.get_by_role("link", name="Return to the specialist").click()
    assert_accessible(cora)
    cora.get_by_label("What needs to change?").fill("Say what happens next in the summary.")
    cora.get_by_role("button", name="Return the opinion to the specialist").click()
    expect(status_of(cora)).to_have_text("Specialist reviewing")
    assert_accessible(cora)

    open_case_page(smith, reference)
    write_opinion(
        smith,
        "The cancer has not spread. Surgery is likely enough. Your surgeon will call you.",
        first=False,
    )

    # cora delivers once the worker has rendered the new version.
    open_case_page(cora, reference)
    wait_for_the_report(cora)
    expect(cora.get_by_role("link", name=re.compile(r"Download report, version 2"))).to_be_visible()
    cora.get_by_role("button", name="Deliver the opinion to the patient").click()
    expect(status_of(cora)).to_have_text("Opinion delivered")
    assert_accessible(cora)

    # alice downloads the PDF: both diagnoses are in it. She asks a follow-up.
    open_case_page(alice, reference)
    text = pdf_text(alice, re.compile(r"Download report, version 2"))
    assert ORIGINAL_DIAGNOSIS in text
    assert NEW_DIAGNOSIS in text
    alice.get_by_role("link", name="Ask a follow-up question").click()
    assert_accessible(alice)
    alice.get_by_label("Your follow-up question").fill(FOLLOW_UP)
    alice.get_by_role("button", name="Send your question").click()
    expect(alice.locator("#follow-ups")).to_contain_text(FOLLOW_UP)
    assert_accessible(alice)

    # dr_smith answers it as an addendum.
    open_case_page(smith, reference)
    smith.get_by_role("link", name="Answer question 1").click()
    assert_accessible(smith)
    smith.get_by_label("Your answer (an addendum to your opinion)").fill(ADDENDUM)
    smith.get_by_role("button", name="Add the addendum").click()
    expect(smith.locator("#follow-ups")).to_contain_text(ADDENDUM)
    assert_accessible(smith)

    # alice sees the addendum, and the worker renders a new version of the report with it.
    open_case_page(alice, reference)
    expect(alice.locator("#follow-ups")).to_contain_text(ADDENDUM)

    def version_3_listed() -> bool:
        alice.reload()
        return alice.get_by_role("link", name=re.compile(r"version 3")).count() == 1

    wait_for(version_3_listed, timeout=60, interval=0.5, what="the addendum's report")
    assert_accessible(alice)
    text = pdf_text(alice, re.compile(r"Download report, version 3"))
    assert ADDENDUM in text
    assert NEW_DIAGNOSIS in text

    # Every email the worker sent says only "sign in": nothing of the case is in any of them.
    wait_for(all_queued_emails_sent, timeout=30, what="the worker to send every queued email")
    emails = [
        email
        for person in (actors.alice, actors.dr_smith.user, actors.cora)
        for email in worker_mailbox.new_emails_to(person.email)
    ]
    assert emails, "the worker sent no email"
    phi = [
        case.title,
        case.diagnosis,
        case.treatment,
        case.question,
        case.patient_name,
        reference,
        QUESTION,
        FOLLOW_UP,
        ADDENDUM,
        NEW_DIAGNOSIS,
        "carcinoma",
        "blood count",
    ]
    for email in emails:
        text = f"{email['Subject']}\n{email.get_body().get_content()}".lower()
        assert "sign in" in text
        for value in phi:
            assert value.lower() not in text, f"{value!r} is in an email"
