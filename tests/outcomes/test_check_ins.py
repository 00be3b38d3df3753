"""Follow-up check-ins at 30 and 90 days: opened by Celery beat with a PHI-free email, once per
case per interval (running beat twice sends nothing more); stopped by the notification
preferences (the email), by declining follow-up, and by deleting the case. Answers are refused
after deletion or when follow-up is declined, a check-in is the patient's alone (404 for anyone
else), and a second answer is refused with the first kept."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases.models import Consent
from data_rights import services as data_rights
from outcomes import services, tasks
from outcomes.models import CheckIn
from secondopinion.audit.models import AuditEvent
from secondopinion.celery import app as celery_app
from secondopinion.errors import ApplicationError
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import Notification, OutboundEmail

from .helpers import delivered_case

ANSWERS = {"diagnosis_changed": "no", "treatment_changed": "yes", "followed_advice": "yes"}


def _days_after(days: int, hours: int = 1):
    return time_machine.travel(timezone.now() + timedelta(days=days, hours=hours), tick=False)


def _send_outbox() -> None:
    for email in OutboundEmail.objects.filter(sent_at=None):
        notification_services.send_outbound_email(email_id=email.pk)


def test_beat_opens_each_check_in_once_when_its_day_comes(actors):
    case = delivered_case(actors)
    mail.outbox.clear()

    with _days_after(29):
        assert tasks.open_due_check_ins() == 0
    with _days_after(30):
        assert tasks.open_due_check_ins() == 1
        assert tasks.open_due_check_ins() == 0  # beat runs again: nothing more
    with _days_after(89):
        assert tasks.open_due_check_ins() == 0
    with _days_after(90):
        assert tasks.open_due_check_ins() == 1
        assert tasks.open_due_check_ins() == 0
    _send_outbox()

    assert sorted(CheckIn.objects.filter(case=case).values_list("interval_days", flat=True)) == [
        30,
        90,
    ]
    assert OutboundEmail.objects.filter(kind="check_in").count() == 2
    check_in_emails = [m for m in mail.outbox if "check-in" in m.subject]
    assert len(check_in_emails) == 2
    for message in check_in_emails:
        assert message.to == [actors.alice.email]
        for phi in (case.reference, case.diagnosis, case.patient_name, "carcinoma"):
            assert phi not in message.body
            assert phi not in message.subject
        assert "Sign in to answer" in message.body
    assert Notification.objects.filter(
        user=actors.alice, link=reverse("outcomes:check-in", args=[case.reference, 90])
    ).exists()


def test_the_real_beat_schedule_runs_the_task():
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}

    assert "outcomes.tasks.open_due_check_ins" in scheduled
    from secondopinion.celery import app

    assert "outcomes.tasks.open_due_check_ins" in app.tasks


def test_with_case_emails_turned_off_no_check_in_email_is_sent(actors):
    delivered_case(actors)
    notification_services.set_notification_preference(user=actors.alice, email_case_updates=False)

    with _days_after(30):
        tasks.open_due_check_ins()

    assert CheckIn.objects.count() == 1  # still waiting in the app
    assert not OutboundEmail.objects.filter(kind="check_in").exists()


def test_declining_follow_up_stops_the_check_ins_and_refuses_answers(client, actors):
    case = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    client.force_login(actors.alice)
    client.post(reverse("outcomes:follow-up-choice", args=[case.reference]), {"declined": "yes"})
    url = reverse("outcomes:check-in", args=[case.reference, 30])

    response = client.post(url, ANSWERS)
    with _days_after(90):
        assert tasks.open_due_check_ins() == 0

    assert "You declined follow-up on this case" in response.text
    check_in = CheckIn.objects.get(case=case)
    assert check_in.answered_at is None and check_in.followed_advice == ""
    assert not CheckIn.objects.filter(interval_days=90).exists()
    assert AuditEvent.objects.filter(action="outcomes.follow_up_choice", case_id=case.pk).exists()


def test_deleting_the_case_removes_the_check_ins_and_refuses_answers(client, actors, settings):
    settings.DATA_RETENTION_DAYS = 0
    case = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    check_in = CheckIn.objects.get(case=case)
    data_rights.request_deletion(case=case, by=actors.alice)
    data_rights.decide_deletion(case=case, by=actors.cora)
    client.force_login(actors.alice)

    page = client.post(reverse("outcomes:check-in", args=[case.reference, 30]), ANSWERS)
    with pytest.raises(ApplicationError, match="no longer available"):
        services.answer_check_in(check_in=check_in, by=actors.alice, **ANSWERS)
    with _days_after(90):
        assert tasks.open_due_check_ins() == 0

    assert page.status_code == 404
    assert not CheckIn.objects.exists()


def test_a_check_in_opened_by_another_account_is_not_found(client, actors):
    case = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    url = reverse("outcomes:check-in", args=[case.reference, 30])

    for user in (actors.bob, actors.dr_smith.user, actors.cora):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, ANSWERS).status_code == 404
    assert CheckIn.objects.get().answered_at is None


def test_the_patient_answers_once_and_a_second_answer_is_refused(client, actors):
    case = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    client.force_login(actors.alice)
    url = reverse("outcomes:check-in", args=[case.reference, 30])

    first = client.post(url, ANSWERS | {"how_it_went": "Surgery went well."}, follow=True)
    second = client.post(
        url,
        {"diagnosis_changed": "yes", "treatment_changed": "no", "followed_advice": "no"},
        follow=True,
    )

    assert "Thank you: your answers are saved." in first.text
    assert "You already answered this check-in" in second.text
    assert "We kept that first answer" in second.text
    check_in = CheckIn.objects.get()
    assert (check_in.diagnosis_changed, check_in.followed_advice) == ("no", "yes")
    assert check_in.how_it_went == "Surgery went well."
    assert (
        AuditEvent.objects.filter(action="outcomes.check_in_answer", case_id=case.pk).count() == 1
    )


def test_a_check_in_needs_its_three_answers(client, actors):
    case = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    client.force_login(actors.alice)

    response = client.post(
        reverse("outcomes:check-in", args=[case.reference, 30]),
        {"diagnosis_changed": "no", "how_it_went": "Still waiting for surgery."},
    )

    assert "Answer whether your treatment changed." in response.text
    assert "Still waiting for surgery." in response.text
    assert CheckIn.objects.get().answered_at is None


def test_withdrawn_consent_stops_the_check_ins_and_refuses_answers(client, actors):
    case = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    # The service refuses a withdrawal once the review has started; a coordinator records one
    # the patient asked for in writing (in the admin), and follow-up must stop with it.
    Consent.objects.filter(case=case).update(withdrawn_at=timezone.now(), withdrawn_by=actors.cora)
    client.force_login(actors.alice)

    response = client.post(reverse("outcomes:check-in", args=[case.reference, 30]), ANSWERS)
    with _days_after(90):
        assert tasks.open_due_check_ins() == 0

    assert "You withdrew your consent on this case" in response.text
    assert CheckIn.objects.get().answered_at is None
    assert not CheckIn.objects.filter(interval_days=90).exists()
