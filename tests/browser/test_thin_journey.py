"""The thinnest whole journey in a real browser: a patient's question to a delivered PDF opinion.

alice asks, cora triages and offers, dr_smith reviews and writes, cora delivers, alice reads and
downloads the report. The PDF is rendered by a real Celery worker; axe-core checks every page.
"""

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from secondopinion.notifications.models import OutboundEmail
from tests.conftest import wait_for
from tests.factories import MINIMAL_PDF

from .conftest import all_queued_emails_sent, assert_accessible, sign_in, tick
from .intake import ask_for_myself

pytestmark = [pytest.mark.browser, pytest.mark.worker]

TITLE = "Biopsy result, March 2026"
DIAGNOSIS = "Stage II ductal carcinoma"
SPECIALIST_DIAGNOSIS = "Ductal carcinoma in situ"
PLAIN_SUMMARY = "The cancer has not spread into nearby tissue. Surgery alone is likely enough."


def status_of(page: Page):
    return page.locator(".so-status")


def open_case_page(page: Page, reference: str) -> None:
    page.goto(f"/cases/{reference}/")
    assert_accessible(page)


def wait_for_the_report(page: Page, *, timeout: float = 60) -> None:
    """Reload the case page until the worker has stored the PDF (no more #report-pending)."""

    def report_ready() -> bool:
        page.reload()
        return page.locator("#report-pending").count() == 0

    wait_for(report_ready, timeout=timeout, interval=0.5, what="the PDF report to be rendered")


def test_a_patients_question_becomes_a_delivered_pdf_opinion(
    new_page, actors, worker_mailbox, tmp_path
):
    record = tmp_path / "pathology-report.pdf"
    record.write_bytes(MINIMAL_PDF)

    # alice answers every question of the intake, uploads her pathology report and submits.
    alice = new_page()
    sign_in(alice, actors.alice.email)
    reference = ask_for_myself(
        alice, record=record, title=TITLE, diagnosis=f"{DIAGNOSIS}, diagnosed March 2026"
    )
    expect(alice.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(alice.get_by_role("link", name="pathology-report.pdf", exact=True)).to_be_visible()

    # cora triages it from her queue and offers it to Dr Sarah Smith.
    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    expect(cora.get_by_role("heading", level=1)).to_have_text("Case queue")
    assert_accessible(cora)
    cora.get_by_role("link", name=reference).click()
    expect(status_of(cora)).to_have_text("Submitted")
    assert_accessible(cora)
    cora.get_by_role("button", name="Start triage").click()
    expect(status_of(cora)).to_have_text("In triage")
    assert_accessible(cora)
    cora.get_by_role("button", name="Case is complete: send to matching").click()
    expect(status_of(cora)).to_have_text("Finding a specialist")
    assert_accessible(cora)
    cora.get_by_role("link", name="Offer to a specialist").click()
    assert_accessible(cora)
    cora.get_by_role("button", name=f"Offer to {actors.dr_smith}").click()
    expect(status_of(cora)).to_have_text("Offered to a specialist")
    assert_accessible(cora)

    # dr_smith finds the offer among her reviews, accepts and writes her opinion.
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    offers = smith.get_by_role("table", name="Offers waiting for your answer")
    offers.get_by_role("link", name=reference, exact=True).click()
    assert_accessible(smith)
    tick(smith, "I have no conflict of interest with this case")
    smith.get_by_role("button", name="Accept this case").click()
    expect(status_of(smith)).to_have_text("Specialist reviewing")
    assert_accessible(smith)
    smith.get_by_role("link", name="Write your opinion").click()
    assert_accessible(smith)
    tick(smith, "Changes the original diagnosis")
    smith.get_by_label("Your diagnosis").fill(f"{SPECIALIST_DIAGNOSIS}, not invasive")
    smith.get_by_label("Reasoning").fill("The margins on slide 4 show no invasion.")
    smith.get_by_label("Recommended treatment and alternatives").fill(
        "Breast-conserving surgery; chemotherapy is not indicated."
    )
    smith.get_by_label("Summary in plain language").fill(PLAIN_SUMMARY)
    tick(smith, "Partly: some of it is supported")
    tick(smith, "Soon: within the next few weeks")
    tick(smith, "I have no conflict of interest")
    smith.get_by_role("button", name="Submit opinion").click()
    expect(status_of(smith)).to_have_text("Opinion in quality check")
    assert_accessible(smith)

    # cora delivers once the worker has rendered the PDF.
    open_case_page(cora, reference)
    wait_for_the_report(cora)
    expect(cora.get_by_role("link", name=re.compile(r"Download report, version 1"))).to_be_visible()
    assert_accessible(cora)
    cora.get_by_role("button", name="Deliver the opinion to the patient").click()
    expect(status_of(cora)).to_have_text("Opinion delivered")
    assert_accessible(cora)

    # alice reads the opinion on her case page and downloads the report.
    open_case_page(alice, reference)
    expect(status_of(alice)).to_have_text("Opinion delivered")
    opinion = alice.get_by_role("region", name="The specialist's opinion")
    expect(opinion).to_contain_text(f"{SPECIALIST_DIAGNOSIS}, not invasive")
    expect(opinion).to_contain_text(PLAIN_SUMMARY)
    with alice.expect_download() as download_info:
        alice.get_by_role("link", name=re.compile(r"Download report, version 1")).click()
    download = download_info.value
    assert download.suggested_filename == f"second-opinion-{reference}-v1.pdf"
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(" ".join(pdf_page.extract_text() or "" for pdf_page in pages).split())
    assert DIAGNOSIS in text
    assert SPECIALIST_DIAGNOSIS in text

    alice.get_by_role("navigation").get_by_role("link", name="Notifications").click()
    expect(
        alice.get_by_role(
            "link", name=f"The specialist's opinion on your case {reference} is ready."
        )
    ).to_be_visible()
    assert_accessible(alice)

    # The worker emailed alice to sign in, with nothing about her health in the email.
    wait_for(all_queued_emails_sent, timeout=30, what="the worker to send every queued email")
    new_emails = worker_mailbox.new_emails_to(actors.alice.email)
    assert new_emails, "the worker sent alice no email"
    assert len(new_emails) == OutboundEmail.objects.filter(user=actors.alice).count()
    for email in new_emails:
        text = f"{email['Subject']}\n{email.get_body().get_content()}".lower()
        assert "sign in" in text
        for phi in (TITLE, DIAGNOSIS, SPECIALIST_DIAGNOSIS, "carcinoma", reference):
            assert phi.lower() not in text
