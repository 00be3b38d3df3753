"""After the opinion, in a browser: alice reads her two opinions side by side with the
specialist's questions for her own doctor, adds her own and records her decision with the SURE
answers; the clock moves 30 and 90 days (time-machine, in this process: the live server and the
beat task's service run here too), the beat task sends one check-in email each time and sends
nothing more when it runs again, alice answers both check-ins; cora's metrics page and CSV then
count the case in every figure.

Nine other delivered cases (walked through the services) make the group big enough to be shown:
figures of fewer than ten cases are suppressed.
"""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from backoffice import metrics as backoffice_metrics
from outcomes import services as outcome_services
from outcomes import tasks
from outcomes.models import CheckIn, Decision
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import OutboundEmail
from tests.outcomes.helpers import delivered_case

from .conftest import assert_accessible, sign_in, tick
from .test_thin_journey import open_case_page

pytestmark = [pytest.mark.browser]

SURE = ("sure_of_myself", "understand_information", "risk_benefit_ratio", "encouragement")
SURE_QUESTIONS = (
    "Do you feel sure about the best choice for you?",
    "Do you know the benefits and risks of each option?",
    "Are you clear about which benefits and risks matter most to you?",
    "Do you have enough support and advice to make a choice?",
)
ANSWERS = {"diagnosis_changed": "no", "treatment_changed": "yes", "followed_advice": "yes"}


def _nine_other_cases(actors) -> None:
    """Nine delivered cases with every answer, the clock at each check-in's day."""
    start = timezone.now()
    cases = [delivered_case(actors, sure_before=dict.fromkeys(SURE, False)) for _ in range(9)]
    for case in cases:
        outcome_services.record_decision(
            case=case,
            by=actors.alice,
            moment="after",
            intention="discuss",
            **dict.fromkeys(SURE, True),
        )
    for days in (30, 90):
        with time_machine.travel(start + timedelta(days=days, hours=1), tick=False):
            tasks.open_due_check_ins()
            for case in cases:
                outcome_services.answer_check_in(
                    check_in=CheckIn.objects.get(case=case, interval_days=days),
                    by=actors.alice,
                    **ANSWERS,
                )


def _send_queued_emails() -> list:
    """Send what the beat task queued (in this process) and return the check-in emails sent."""
    mail.outbox.clear()
    for email in OutboundEmail.objects.filter(sent_at=None):
        notification_services.send_outbound_email(email_id=email.pk)
    return [m for m in mail.outbox if "check-in" in m.subject]


def _answer_check_in(page, reference: str, days: int) -> None:
    sign_in(page, "alice@example.org")  # a month on, her session has long ended
    open_case_page(page, reference)
    page.get_by_role("link", name=f"Answer your {days}-day check-in").click()
    assert_accessible(page)
    for question, answer in (
        ("Has your diagnosis changed since the second opinion?", "No"),
        ("Has your treatment changed since the second opinion?", "Yes"),
        ("Did you follow the second opinion's advice?", "Yes"),
    ):
        page.get_by_role("group", name=question).get_by_text(answer, exact=True).click()
    page.get_by_label("How did it go? (optional)").fill("The surgery went well.")
    page.get_by_role("button", name="Send your answers").click()
    expect(page.get_by_text("Thank you: your answers are saved.")).to_be_visible()
    assert_accessible(page)


def test_a_patient_decides_answers_both_check_ins_and_is_counted_in_every_figure(new_page, actors):
    _nine_other_cases(actors)
    case = delivered_case(actors, sure_before=dict.fromkeys(SURE, False))
    delivered = timezone.now()
    _send_queued_emails()  # the other cases' emails: the counts below are alice's case's

    # alice reads the two opinions side by side and adds a question for her own doctor.
    alice = new_page()
    sign_in(alice, actors.alice.email)
    open_case_page(alice, case.reference)
    alice.get_by_role("link", name="See your original opinion and the second opinion").click()
    expect(alice.get_by_role("heading", name="Your two opinions side by side")).to_be_visible()
    assert_accessible(alice)
    questions = alice.locator("#doctor-questions")
    expect(questions).to_contain_text("Do I still need chemotherapy?")
    alice.get_by_label("Add a question of your own").fill("Can I keep working during treatment?")
    alice.get_by_role("button", name="Add your question").click()
    expect(questions).to_contain_text("Can I keep working during treatment?")
    expect(alice.get_by_role("button", name="Print this page")).to_be_visible()
    assert_accessible(alice)

    # Her decision and the four SURE answers.
    alice.get_by_role("link", name="Record your decision").click()
    assert_accessible(alice)
    tick(alice, "Follow the second opinion")
    for question in SURE_QUESTIONS:
        alice.get_by_role("group", name=question).get_by_text("Yes", exact=True).click()
    alice.get_by_role("button", name="Save your answers").click()
    expect(alice.locator("#decision-summary")).to_contain_text("follow the second opinion")
    expect(alice.locator("#decision-summary")).to_contain_text("4 of 4")
    assert_accessible(alice)
    assert Decision.objects.get(case=case, moment="after").sure_score == 4

    # 30 days on: beat sends one email, and nothing more when it runs again.
    with time_machine.travel(delivered + timedelta(days=30, hours=1), tick=True):
        assert tasks.open_due_check_ins() == 1
        assert tasks.open_due_check_ins() == 0
        (email,) = _send_queued_emails()
        assert email.to == [actors.alice.email]
        assert case.reference not in email.body and case.diagnosis not in email.body
        _answer_check_in(alice, case.reference, 30)

    # 90 days on: the same for the second check-in.
    with time_machine.travel(delivered + timedelta(days=90, hours=1), tick=True):
        assert tasks.open_due_check_ins() == 1
        assert tasks.open_due_check_ins() == 0
        assert len(_send_queued_emails()) == 1
        _answer_check_in(alice, case.reference, 90)
        assert tasks.open_due_check_ins() == 0
        assert _send_queued_emails() == []

        # cora's metrics page and CSV count the case (ten cases) in every figure, from the
        # snapshot the beat task's refresh keeps (run here, in this process's time).
        backoffice_metrics.refresh_snapshot()
        cora = new_page()
        sign_in(cora, actors.cora.email, totp=True)
        cora.goto("/coordinator/metrics/")
        assert_accessible(cora)
        table = cora.locator("#outcome-figures")
        expect(table).to_be_visible()
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(12)
        for index in range(12):
            expect(rows.nth(index).locator("td").first).to_contain_text("of 10")
        expect(table.locator("tr[data-figure=plan_to_follow]")).to_contain_text("1 of 10")
        expect(table.locator("tr[data-figure=plan_to_follow]")).to_contain_text("61.2%")
        expect(table.locator("tr[data-figure=no_conflict_after]")).to_contain_text("10 of 10")
        expect(table.locator("tr[data-figure=no_conflict_before]")).to_contain_text("0 of 10")
        with cora.expect_download() as download_info:
            cora.get_by_role("link", name="Download the outcome figures as CSV").click()
        text = download_info.value.path().read_text()
        exported = list(csv.reader(io.StringIO(text)))[1:]
        assert len(exported) == 12
        assert all(row[1] == "10" for row in exported), exported

        # Delivered 90 days and an hour ago: none in the last 90 days, all in the last 12 months
        # of dr_smith's specialty; each choice read from the same snapshot.
        cora.get_by_label("Delivered", exact=True).select_option(label="Last 90 days")
        cora.get_by_role("button", name="Show").click()
        expect(table.locator("tr[data-figure=plan_to_follow]")).to_contain_text("fewer than 10")
        expect(cora.get_by_text("0 delivered cases in this selection")).to_be_visible()
        specialty = actors.dr_smith.specialties.first()
        cora.get_by_label("Specialty", exact=True).select_option(label=specialty.name)
        cora.get_by_label("Delivered", exact=True).select_option(label="Last 12 months")
        cora.get_by_role("button", name="Show").click()
        expect(table.locator("tr[data-figure=plan_to_follow]")).to_contain_text("1 of 10")
        expect(cora.get_by_label("Specialty", exact=True)).to_have_value(str(specialty.pk))
