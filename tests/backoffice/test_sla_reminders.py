"""The SLA watch: reminders to whoever a case waits on and escalations to coordinators, each
once per case and stage entry, on the timeline's clock (which stops while the patient answers)."""

from datetime import datetime, time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from backoffice import coordination
from backoffice import tasks as backoffice_tasks
from backoffice.models import SLAAlert
from cases import services
from cases.models import CaseEvent, Status
from cases.service_levels import add_working_days, step_due_on, working_days_before
from review import services as review_services
from secondopinion.accounts.models import Role
from secondopinion.audit.models import AuditEvent
from secondopinion.celery import app as celery_app
from secondopinion.notifications.models import Notification, NotificationPreference, OutboundEmail
from specialists import offers
from tests.factories import UserFactory

# The working-day arithmetic runs on every kind of day; the rest at one pinned instant.
pytestmark = pytest.mark.pinned_clock


@pytest.fixture(autouse=True)
def service_levels(settings):
    settings.SERVICE_LEVELS = {
        "triage": 2,
        "matching": 2,
        "offer": 2,
        "review": 10,
        "quality_check": 1,
    }
    settings.SLA_REMINDER_WORKING_DAYS_BEFORE = 1
    settings.SLA_ANSWER_REMINDER_WORKING_DAYS = 3


def _entered(case, status, *, working_days_ago: int) -> None:
    """Move the step that last brought `case` into `status` back by so many working days."""
    _entered_on(case, status, working_days_before(timezone.localdate(), working_days_ago))


def _review_due_in(case, *, working_days: int) -> None:
    """Start the review of `case` so that it is due so many working days from today. (Counting
    back from today is not the same on a weekend: 9 working days before a Saturday is a Tuesday,
    and that review is due on the Tuesday after, two working days away.)"""
    due = add_working_days(timezone.localdate(), working_days)
    review_days = django_settings.SERVICE_LEVELS["review"]
    _entered_on(case, Status.IN_REVIEW, working_days_before(due, review_days))


def _entered_on(case, status, day) -> None:
    """Move the step that last brought `case` into `status` to 10:00 on `day`."""
    event = CaseEvent.objects.filter(case=case, to_status=status).order_by("-at", "-id").first()
    event.at = timezone.make_aware(datetime.combine(day, time(10, 0)))
    event.save(update_fields=["at"])
    # … and its stored due date with it, as the transition would have stored it then.
    case.step_due_on = step_due_on(case, case.events.all())
    case.save(update_fields=["step_due_on"])


def _notes(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


def _reminders(user) -> list[str]:
    return [note for note in _notes(user) if "Reminder" in note]


def _escalations(user) -> list[str]:
    return [note for note in _notes(user) if "past its service level" in note]


@pytest.mark.any_day
def test_the_specialist_is_reminded_once_when_the_review_is_due_within_a_working_day(actors):
    case = actors.case(Status.IN_REVIEW)
    _review_due_in(case, working_days=1)
    emails_before = OutboundEmail.objects.filter(user=actors.dr_smith.user).count()

    alerts = coordination.send_sla_alerts()
    coordination.send_sla_alerts()

    assert [(alert.kind, alert.stage) for alert in alerts] == [("reminder", "review")]
    assert _reminders(actors.dr_smith.user) == [
        f"Reminder: your opinion on case {case.reference} is due; its date is on the case page."
    ]
    assert OutboundEmail.objects.filter(user=actors.dr_smith.user).count() == emails_before + 1
    assert _escalations(actors.cora) == []  # not late yet
    assert AuditEvent.objects.filter(action="case.sla_reminder", case_id=case.pk).count() == 1


@pytest.mark.any_day
def test_a_review_with_time_to_spare_gets_no_reminder(actors):
    case = actors.case(Status.IN_REVIEW)
    _review_due_in(case, working_days=3)

    assert coordination.send_sla_alerts() == []
    assert _reminders(actors.dr_smith.user) == []


@pytest.mark.any_day
def test_a_late_review_is_escalated_once_to_every_coordinator_when_none_is_assigned(actors):
    other = UserFactory(email="cole@example.org", full_name="Cole Ordinator", role=Role.COORDINATOR)
    case = actors.case(Status.IN_REVIEW)
    _entered(case, Status.IN_REVIEW, working_days_ago=12)

    first = coordination.send_sla_alerts()
    second = coordination.send_sla_alerts()

    assert sorted(alert.kind for alert in first) == ["escalation", "reminder"]
    assert second == []
    for coordinator in (actors.cora, other):
        assert len(_escalations(coordinator)) == 1
        assert case.reference in _escalations(coordinator)[0]
    assert len(_reminders(actors.dr_smith.user)) == 1
    assert SLAAlert.objects.filter(case=case, kind="escalation").count() == 1


def test_the_escalation_goes_to_the_cases_coordinator_alone_when_it_has_one(actors):
    other = UserFactory(email="cole@example.org", full_name="Cole Ordinator", role=Role.COORDINATOR)
    case = actors.case(Status.MATCHING)
    coordination.assign_cases(references=[case.reference], queue="matching", to=other, by=other)
    _entered(case, Status.MATCHING, working_days_ago=3)

    coordination.send_sla_alerts()

    assert len(_escalations(other)) == 1
    assert _escalations(actors.cora) == []


def test_a_new_entry_into_the_step_can_be_escalated_again(actors):
    case = actors.case(Status.MATCHING)
    _entered(case, Status.MATCHING, working_days_ago=8)
    coordination.send_sla_alerts()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    _entered(case, Status.OFFERED, working_days_ago=6)
    offers.decline_offer(case=case, by=actors.dr_smith.user, reason="Away")
    _entered(case, Status.MATCHING, working_days_ago=3)  # back in matching, late again

    coordination.send_sla_alerts()

    assert len(_escalations(actors.cora)) == 2


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.DELIVERED, Status.WITHDRAWN])
def test_ended_and_delivered_cases_get_no_reminder_or_escalation(actors, status):
    if status == Status.CANCELLED:
        case = actors.case(Status.IN_REVIEW)
        _entered(case, Status.IN_REVIEW, working_days_ago=30)
        services.cancel_case(case=case, by=actors.cora, reason="Duplicate")
    elif status == Status.WITHDRAWN:
        case = actors.case(Status.SUBMITTED)
        _entered(case, Status.SUBMITTED, working_days_ago=30)
        services.withdraw_case(case=case, by=actors.alice, reason="Changed my mind")
    else:
        case = actors.case(Status.DELIVERED)
        _entered(case, Status.IN_REVIEW, working_days_ago=30)
    Notification.objects.all().delete()

    assert coordination.send_sla_alerts() == []
    assert Notification.objects.count() == 0
    assert not SLAAlert.objects.filter(case=case).exists()


@pytest.mark.any_day
def test_the_review_clock_stops_while_the_patient_answers_the_specialists_question(actors):
    case = actors.case(Status.IN_REVIEW)
    review_services.request_information(case=case, by=actors.dr_smith.user, question="Any fever?")
    # The review began 12 working days ago: late, but for the question open for the last 11.
    _entered(case, Status.IN_REVIEW, working_days_ago=12)
    _entered(case, Status.INFO_REQUESTED, working_days_ago=11)

    alerts = coordination.send_sla_alerts()

    assert [(alert.kind, alert.stage) for alert in alerts] == [("reminder", "info_requested")]
    assert _escalations(actors.cora) == []
    assert _reminders(actors.dr_smith.user) == []
    assert _reminders(actors.alice) == [
        f"Reminder: a question on your case {case.reference} is waiting for your answer."
    ]

    review_services.answer_information_request(case=case, by=actors.alice, answer="No fever.")
    # Back in review with 9 of its 10 working days left: no reminder, no escalation.
    assert coordination.send_sla_alerts() == []


@pytest.mark.any_day
def test_the_patient_is_reminded_once_after_the_question_waited_the_working_days_set(actors):
    case = actors.case(Status.NEEDS_INFO)
    _entered(case, Status.NEEDS_INFO, working_days_ago=2)
    assert coordination.send_sla_alerts() == []

    _entered(case, Status.NEEDS_INFO, working_days_ago=8)
    coordination.send_sla_alerts()
    coordination.send_sla_alerts()

    assert len(_reminders(actors.alice)) == 1
    # A new question is a new wait, with its own reminder.
    review_services.answer_information_request(case=case, by=actors.alice, answer="Last week.")
    _entered(case, Status.TRIAGE, working_days_ago=5)
    review_services.request_information(case=case, by=actors.cora, question="Which hospital?")
    _entered(case, Status.NEEDS_INFO, working_days_ago=4)
    coordination.send_sla_alerts()
    assert len(_reminders(actors.alice)) == 2


def test_a_patient_who_turned_off_update_emails_gets_the_reminder_in_the_app_only(actors):
    NotificationPreference.objects.create(user=actors.alice, email_case_updates=False)
    case = actors.case(Status.NEEDS_INFO)
    _entered(case, Status.NEEDS_INFO, working_days_ago=5)
    emails_before = OutboundEmail.objects.filter(user=actors.alice).count()

    coordination.send_sla_alerts()

    assert len(_reminders(actors.alice)) == 1
    assert OutboundEmail.objects.filter(user=actors.alice).count() == emails_before


def test_the_beat_task_runs_the_watch_hourly_and_counts_what_it_sent(actors):
    case = actors.case(Status.IN_REVIEW)
    _review_due_in(case, working_days=1)

    assert backoffice_tasks.send_sla_alerts.run() == 1
    assert backoffice_tasks.send_sla_alerts.run() == 0
    schedule = celery_app.conf.beat_schedule["send-sla-alerts"]
    assert schedule["task"] == "backoffice.tasks.send_sla_alerts"
    assert schedule["schedule"] == 3600.0
