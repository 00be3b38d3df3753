"""A caregiver's case: a records request to a provider, then delivery after one returned version,
then a share. The provider's email and page name the patient (name and date of birth) and who
asked on their behalf; the caregiver never sees
the returned version, the PDF names the patient (name, date of birth) and the case reference on
every page, and the share link gives the current delivered version.

Starts from a case in review (walked there by the services); the specialist's writing is done by
the services too (the review journey drives those pages), the real worker renders the PDFs, and
axe-core checks every page opened.
"""

import hashlib
import io
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cases.models import Case, Status
from review import services as review_services
from review.models import Report
from tests.conftest import wait_for
from tests.factories import OPINION, proxy_authority

from .conftest import assert_accessible, sign_in
from .test_thin_journey import open_case_page, status_of, wait_for_the_report

pytestmark = [pytest.mark.browser, pytest.mark.worker]

PATIENT = "Łukasz Żółć-Nguyễn"  # characters outside Latin-1, in the PDF too
BORN = "17 May 1970"  # the factory's date of birth
PROVIDER_EMAIL = "records@city-hospital.example"


def test_a_caregiver_sees_only_the_delivered_report_and_shares_the_current_one(
    new_page, actors, worker_mailbox
):
    authority = proxy_authority(actors.carol, actors.alice.email)
    case = actors.case(Status.IN_REVIEW, owner=actors.carol, authority=authority)
    Case.objects.filter(pk=case.pk).update(patient_name=PATIENT)
    reference = case.reference
    smith = actors.dr_smith.user

    # carol asks the patient's hospital for records: the provider is told whose records they
    # are (name and date of birth) and that a caregiver asked on the patient's behalf.
    carol = new_page()
    sign_in(carol, actors.carol.email)
    open_case_page(carol, reference)
    carol.get_by_role("link", name="Ask a provider to send records").click()
    assert_accessible(carol)
    carol.get_by_label("Provider's name").fill("Dr Ada Brown")
    carol.get_by_label("Hospital, clinic or practice").fill("City Hospital Radiology")
    carol.get_by_label("Provider's email address").fill(PROVIDER_EMAIL)
    carol.get_by_label("Which records do you need?").fill("CT of the chest, May 2026")
    carol.get_by_role("button", name="Send the request").click()
    expect(carol.get_by_text("We emailed Dr Ada Brown a link")).to_be_visible()
    assert_accessible(carol)
    [email] = wait_for(
        lambda: worker_mailbox.new_emails_to(PROVIDER_EMAIL), what="the provider's email"
    )
    for part in ("plain", "html"):
        body = email.get_body(preferencelist=(part,)).get_content()
        assert PATIENT in body and BORN in body, f"the {part} part does not name the patient"
        assert "Carol Caregiver" in body, f"the {part} part does not say who asked"
    assert "Carol Caregiver has asked you to send their records" not in body
    text = email.get_body(preferencelist=("plain",)).get_content()
    link = urlsplit(re.search(r"https?://\S+/records/from-provider/\S+/", text).group(0)).path
    provider = new_page()
    provider.goto(link)
    expect(provider.locator("#provider-patient")).to_contain_text(PATIENT)
    expect(provider.locator("#provider-patient")).to_contain_text(BORN)
    assert_accessible(provider)
    review_services.save_opinion_draft(case=case, by=smith, **OPINION)
    review_services.submit_opinion(case=case, by=smith)  # version 1, rendered by the worker

    # cora's quality check returns version 1.
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

    # dr_smith resubmits; cora delivers version 2 and still sees version 1, marked as returned.
    case.refresh_from_db()
    review_services.save_opinion_draft(
        case=case, by=smith, plain_summary="Surgery alone is likely enough. Your surgeon calls."
    )
    review_services.submit_opinion(case=case, by=smith)
    open_case_page(cora, reference)
    wait_for_the_report(cora)
    returned = cora.get_by_role("listitem").filter(has_text="Download report, version 1")
    expect(returned).to_contain_text("returned by the quality check")
    cora.get_by_role("button", name="Deliver the opinion to the patient").click()
    expect(status_of(cora)).to_have_text("Opinion delivered")
    assert_accessible(cora)

    # carol, the caregiver, sees version 2 only, marked current, and downloads it.
    open_case_page(carol, reference)
    current = carol.get_by_role("link", name=re.compile(r"Download report, version 2"))
    expect(current).to_be_visible()
    expect(carol.get_by_role("listitem").filter(has=current)).to_contain_text("(current)")
    expect(carol.get_by_text(re.compile(r"version 1\b"))).to_have_count(0)
    expect(carol.get_by_text("returned by the quality check")).to_have_count(0)
    with carol.expect_download() as download_info:
        current.click()
    pdf = download_info.value.path().read_bytes()
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert PATIENT in text, f"page {number} lacks the patient's name"
        assert BORN in text, f"page {number} lacks the date of birth"
        assert reference in text, f"page {number} lacks the case reference"
    assert "Report version: 2" in pages[0]
    assert "Your surgeon calls." in " ".join(pages)

    # carol shares it; the doctor's link gives the current delivered version.
    carol.get_by_role("link", name="Share the report with your doctor").click()
    assert_accessible(carol)
    carol.get_by_role("button", name="Make a link").click()
    expect(carol.get_by_role("heading", name="Your link is ready")).to_be_visible()
    assert_accessible(carol)
    link = carol.get_by_label("Link for your doctor").input_value()
    doctor = new_page()
    doctor.goto(link)
    assert_accessible(doctor)
    with doctor.expect_download() as download_info:
        doctor.get_by_role("button", name="Download the report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"second-opinion-{reference}-v2.pdf"
    shared = download.path().read_bytes()
    assert hashlib.sha256(shared).hexdigest() == Report.objects.get(case=case, version=2).sha256
    assert shared == pdf
