"""A provider with no account sends records through the emailed link: alice asks from her case
page, the worker emails the provider, the provider opens the link in a fresh browser without
signing in and uploads a file, which appears on alice's case; the link then no longer works, and
an expired link says so clearly."""

import re
from datetime import timedelta
from email import message_from_string, policy
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from records import provider_requests
from records.models import RecordsRequest
from tests.conftest import wait_for
from tests.records.files import distinct_pdf

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker]

PROVIDER_EMAIL = "records@city-hospital.example"


def emails_to(worker, address: str) -> list:
    messages = [message_from_string(text, policy=policy.default) for text in worker.sent_emails()]
    return [message for message in messages if message["To"] == address]


def test_a_provider_sends_records_through_the_emailed_link_once(
    new_page, actors, celery_worker_process, tmp_path
):
    case = actors.case("submitted")
    alice = new_page()
    sign_in(alice, actors.alice.email)
    alice.goto(f"/cases/{case.reference}/")
    alice.get_by_role("link", name="Ask a provider to send records").click()
    assert_accessible(alice)
    alice.get_by_label("Provider's name").fill("Dr Ada Brown")
    alice.get_by_label("Hospital, clinic or practice").fill("City Hospital Radiology")
    alice.get_by_label("Provider's email address").fill(PROVIDER_EMAIL)
    alice.get_by_label("Which records do you need?").fill("MRI of the left knee, June 2026")
    alice.get_by_role("button", name="Send the request").click()
    expect(
        alice.get_by_text("We emailed Dr Ada Brown a link to send your records.")
    ).to_be_visible()
    requests = alice.locator("#records-requests")
    expect(requests).to_contain_text("Dr Ada Brown")
    assert_accessible(alice)

    # The worker emails the provider: whose records (name and date of birth), and the link.
    [email] = wait_for(
        lambda: emails_to(celery_worker_process, PROVIDER_EMAIL),
        timeout=30,
        what="the worker to email the provider",
    )
    assert email["Subject"].endswith("A patient has asked you to send records")
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "Patient: Alice Patient" in body
    assert "Date of birth: 17 May 1970" in body
    assert "knee" not in body.lower() and case.reference not in body
    assert "Patient: Alice Patient" in email.get_body(preferencelist=("html",)).get_content()
    link = urlsplit(re.search(r"https?://\S+/records/from-provider/\S+/", body).group(0)).path

    # The provider, in a fresh browser and not signed in, opens it and sends a file.
    provider = new_page()
    provider.goto(link)
    expect(provider.get_by_role("heading", level=1)).to_have_text("Send records for a patient")
    expect(provider.locator("#provider-patient")).to_contain_text("Alice Patient")
    expect(provider.locator("#provider-patient")).to_contain_text("17 May 1970")
    expect(provider.get_by_role("region", name="Records asked for")).to_contain_text(
        "MRI of the left knee"
    )
    assert provider.url.endswith("/records/from-provider/")  # the token is out of the address
    assert_accessible(provider)
    report = tmp_path / "knee-mri-report.pdf"
    report.write_bytes(distinct_pdf("knee mri"))
    provider.locator("#id_file").set_input_files(report)
    provider.get_by_role("button", name="Send these files").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text("Thank you: the records are sent")
    assert_accessible(provider)

    # The file is on alice's case, marked as coming from the provider.
    alice.reload()
    expect(alice.get_by_role("row", name=re.compile("knee-mri-report.pdf"))).to_contain_text(
        "from Dr Ada Brown"
    )
    expect(requests).to_contain_text("Records received")
    assert_accessible(alice)

    # The link is used up.
    again = new_page()
    response = again.goto(link)
    assert response.status == 410
    expect(again.locator("#link-problem")).to_have_text(
        re.compile("This link has already been used to send records")
    )
    assert_accessible(again)


def test_an_expired_provider_link_says_so_clearly(new_page, actors):
    case = actors.case("submitted")
    records_request = provider_requests.create_records_request(
        case=case,
        by=actors.alice,
        provider_name="Dr Ada Brown",
        provider_organisation="City Hospital",
        provider_email=PROVIDER_EMAIL,
        records_wanted="Blood tests from May",
    )
    RecordsRequest.objects.filter(pk=records_request.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    link = urlsplit(provider_requests.provider_link(records_request)).path

    page = new_page()
    response = page.goto(link)

    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    expect(page.locator("#link-problem")).to_have_text(
        "This link has expired. Ask the patient to send you a new one from Second Opinion."
    )
    assert_accessible(page)
