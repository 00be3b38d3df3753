"""Messages on a case and sharing the delivered report, in a real browser with the real worker.

(a) alice writes to her specialist with a file attached (it becomes a record of the case); dr_smith
sees the unread count, reads the message, opens the file from it, and replies; alice sees the reply. The emails say only
"sign in". (b) alice shares her delivered report with her own doctor by a single-use link: the
doctor, with no account, downloads the PDF once; the second try says the link was used.

Cases are walked to their state by the services to stay fast; axe-core checks every page.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Status
from review.models import ReportShare
from tests.conftest import wait_for
from tests.factories import MINIMAL_PDF

from .conftest import all_queued_emails_sent, assert_accessible, sign_in
from .test_thin_journey import open_case_page

pytestmark = [pytest.mark.browser, pytest.mark.worker]

MESSAGE = "I have added the letter from my surgeon, dated 3 November. Does it change anything?"
REPLY = "Thank you: the letter helps. It does not change the plan; I will say so in my opinion."


def test_patient_and_specialist_exchange_messages_about_a_new_file(
    new_page, actors, worker_mailbox, tmp_path
):
    case = actors.case(Status.IN_REVIEW)
    reference = case.reference
    letter = tmp_path / "surgeon-letter.pdf"
    letter.write_bytes(MINIMAL_PDF + b"% surgeon's letter\n")

    # alice writes to her specialist, attaching the letter (it becomes a record of the case).
    alice = new_page()
    sign_in(alice, actors.alice.email)
    open_case_page(alice, reference)
    alice.locator("#messages-link").click()
    expect(alice.get_by_role("heading", name="Messages")).to_be_visible()
    assert_accessible(alice)
    alice.get_by_label("Your message").fill(MESSAGE)
    alice.locator("#id_file").set_input_files(letter)
    alice.get_by_role("button", name="Send message").click()
    expect(alice.get_by_text("Your message is sent.")).to_be_visible()
    sent = alice.locator("#messages > li", has_text=MESSAGE)
    expect(sent.get_by_text("surgeon-letter.pdf")).to_be_visible()
    assert_accessible(alice)

    # dr_smith sees one unread message on the case page, reads it, and finds the letter both
    # with the message and among the case's records.
    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    open_case_page(smith, reference)
    expect(smith.locator("#messages-link")).to_have_text("Messages (1 unread)")
    expect(smith.get_by_role("link", name="surgeon-letter.pdf", exact=True)).to_be_visible()
    smith.locator("#messages-link").click()
    message = smith.locator("#messages > li", has_text=MESSAGE)
    expect(message).to_contain_text("Alice Patient")
    expect(message.get_by_text("New", exact=True)).to_be_visible()
    expect(message.get_by_role("link", name="surgeon-letter.pdf", exact=True)).to_be_visible()
    assert_accessible(smith)

    # … and replies. Having read it, the case page shows no unread message.
    smith.get_by_label("Your message").fill(REPLY)
    smith.get_by_role("button", name="Send message").click()
    expect(smith.get_by_text("Your message is sent.")).to_be_visible()
    expect(smith.locator("#messages")).to_contain_text(REPLY)
    assert_accessible(smith)
    open_case_page(smith, reference)
    expect(smith.locator("#messages-link")).to_have_text("Messages")

    # alice sees the reply, marked new, after her own message.
    open_case_page(alice, reference)
    expect(alice.locator("#messages-link")).to_have_text("Messages (1 unread)")
    alice.locator("#messages-link").click()
    reply = alice.locator("#messages > li", has_text=REPLY)
    expect(reply).to_contain_text("Dr Sarah Smith")
    expect(reply.get_by_text("New", exact=True)).to_be_visible()
    texts = alice.locator("#messages > li").all_inner_texts()
    assert MESSAGE in texts[0] and REPLY in texts[1]
    assert_accessible(alice)

    # The emails about the messages say there is an update, never what was written.
    wait_for(all_queued_emails_sent, timeout=30, what="the worker to send every queued email")
    emails = [
        email
        for person in (actors.alice, actors.dr_smith.user)
        for email in worker_mailbox.new_emails_to(person.email)
    ]
    assert emails, "the worker sent no email about the messages"
    for email in emails:
        text = f"{email['Subject']}\n{email.get_body().get_content()}".lower()
        assert "sign in" in text
        for value in (MESSAGE, REPLY, reference, "surgeon", "letter"):
            assert value.lower() not in text, f"{value!r} is in an email"


def test_the_patients_doctor_downloads_the_shared_report_once(new_page, actors, worker_mailbox):
    case = actors.case(Status.DELIVERED)

    # alice makes a link for her own doctor.
    alice = new_page()
    sign_in(alice, actors.alice.email)
    open_case_page(alice, case.reference)
    alice.get_by_role("link", name="Share the report with your doctor").click()
    assert_accessible(alice)
    alice.get_by_role("button", name="Make a link").click()
    expect(alice.get_by_role("heading", name="Your link is ready")).to_be_visible()
    assert_accessible(alice)
    link = alice.get_by_label("Link for your doctor").input_value()
    assert re.search(r"/cases/shared/[^/]+/$", link)

    # The doctor, with no account and no cookies, opens the link and downloads the PDF.
    doctor = new_page()
    doctor.goto(link)
    expect(
        doctor.get_by_role("heading", name="A second-opinion report shared with you")
    ).to_be_visible()
    assert_accessible(doctor)
    with doctor.expect_download() as download_info:
        doctor.get_by_role("button", name="Download the report (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"second-opinion-{case.reference}-v1.pdf"
    assert download.path().read_bytes() == MINIMAL_PDF
    assert ReportShare.objects.get(case=case).used_at is not None

    # A second use gets a page that says the link was used, and nothing else.
    response = doctor.goto(link)
    assert response.status == 410
    expect(doctor.locator("#share-error")).to_have_text(
        "This link has been used already: it works once. Ask the patient for a new one."
    )
    expect(doctor.get_by_role("button", name="Download the report (PDF)")).to_have_count(0)
    assert_accessible(doctor)
