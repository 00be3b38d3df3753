"""Emails go through the outbox: written with the change, sent once, never carrying PHI."""

import pytest
from django.core import mail

from cases import services
from cases.models import Status
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import Notification, OutboundEmail
from secondopinion.notifications.tasks import send_pending_emails


def _send_all() -> None:
    for email in OutboundEmail.objects.filter(sent_at__isnull=True):
        notification_services.send_outbound_email(email_id=email.pk)


def test_a_delivered_opinion_notifies_the_patient_in_the_app_and_by_email(actors):
    actors.case(Status.DELIVERED)
    _send_all()

    assert Notification.objects.filter(user=actors.alice, message__contains="is ready").exists()
    to_alice = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert to_alice
    assert "Sign in to read it" in to_alice[-1].body


def test_no_email_carries_the_cases_health_information(actors):
    case = actors.case(Status.DELIVERED)
    _send_all()

    phi = [case.title, case.diagnosis, case.treating_doctor, case.question, case.reference]
    phi += ["Ductal carcinoma", actors.alice.full_name]
    assert mail.outbox
    for message in mail.outbox:
        for value in phi:
            assert value not in message.subject
            assert value not in message.body


def test_sending_the_same_email_twice_sends_it_once(actors):
    notification_services.notify(user=actors.alice, message="Update")
    email = OutboundEmail.objects.get()

    assert notification_services.send_outbound_email(email_id=email.pk) is True
    assert notification_services.send_outbound_email(email_id=email.pk) is False
    assert len(mail.outbox) == 1


def test_the_change_is_kept_and_the_email_waits_when_the_broker_is_down(
    actors, django_capture_on_commit_callbacks, monkeypatch
):
    from secondopinion.notifications import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.send_outbound_email, "delay", broker_down)
    case = actors.case(Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_case(case=case, by=actors.alice)

    case.refresh_from_db()
    assert case.status == Status.SUBMITTED
    email = OutboundEmail.objects.get(user=actors.alice)
    assert email.sent_at is None


def test_the_beat_task_finds_emails_the_broker_never_received(actors, monkeypatch):
    from secondopinion.notifications import tasks

    notification_services.notify(user=actors.alice, message="Update")
    OutboundEmail.objects.update(created_at="2020-01-01T00:00:00Z")
    enqueued = []
    monkeypatch.setattr(tasks.send_outbound_email, "delay", enqueued.append)

    assert send_pending_emails() == 1
    assert enqueued == [OutboundEmail.objects.get().pk]


@pytest.mark.parametrize("template", ["unknown"])
def test_an_unknown_email_template_is_a_programming_error(actors, template):
    with pytest.raises(ValueError):
        notification_services.notify(user=actors.alice, message="x", email_template=template)
