"""The one outbox: every email (to a user, a provider, a referrer, an invited patient) is one row,
sent once by one sender, caught up by one beat job, and holds no link token."""

import ast
import re
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from cases import services as case_services
from cases.models import Status
from records import provider_requests
from records.models import RecordsRequest
from referrals import services as referrals
from referrals.models import Referral
from secondopinion.celery import app as celery_app
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import OutboundEmail
from secondopinion.notifications.tasks import send_pending_emails
from tests.factories import REFERRAL, case_in_state
from tests.support import require_service

PROVIDER = {
    "provider_name": "Dr Ada Brown",
    "provider_organisation": "City Hospital Radiology",
    "provider_email": "records@city-hospital.example",
    "records_wanted": "MRI of the left knee",
}
LINK_IN_EMAIL = re.compile(r"https?://\S+/(?:from-provider|invitation|shared)/([^/\s]+)/")


def _send_all() -> None:
    for email in OutboundEmail.objects.filter(sent_at__isnull=True):
        notification_services.send_outbound_email(email_id=email.pk)


def _age_the_outbox() -> None:
    OutboundEmail.objects.update(created_at=timezone.now() - timezone.timedelta(minutes=5))


def test_queuing_the_same_email_twice_keeps_one_row_and_sends_it_once(actors):
    request = provider_requests.create_records_request(
        case=actors.case(Status.SUBMITTED), by=actors.alice, **PROVIDER
    )
    again = {"to_address": request.provider_email, "object_id": request.pk}

    first = notification_services.enqueue_email(kind="records.request", key="same", **again)
    second = notification_services.enqueue_email(kind="records.request", key="same", **again)
    mail.outbox.clear()
    _send_all()
    _age_the_outbox()

    assert first.pk == second.pk
    assert OutboundEmail.objects.filter(key="same").count() == 1
    assert OutboundEmail.objects.get(key="same").to_address == ""  # kept only while owed
    assert [m.to for m in mail.outbox].count([PROVIDER["provider_email"]]) == 2  # request + this
    assert notification_services.send_outbound_email(email_id=first.pk) is False
    assert send_pending_emails() == 0


def test_a_transition_queued_twice_emails_the_referrer_once(actors):
    case = actors.case(Status.TRIAGE)
    referral = referrals.enter_referral(by=actors.cora, **REFERRAL)
    Referral.objects.filter(pk=referral.pk).update(case=case, referrer_updates=True)
    case_services.send_to_matching(case=case, by=actors.cora)

    referrals.case_status_changed(case, "offer")  # the same transition reported again
    mail.outbox.clear()
    _send_all()

    assert OutboundEmail.objects.filter(kind=referrals.STATUS_EMAIL).count() == 1
    assert [m.to for m in mail.outbox].count([REFERRAL["referrer_email"]]) == 1


def test_a_crash_between_sending_and_marking_sent_loses_nothing(actors, monkeypatch):
    notification_services.notify(user=actors.alice, message="Update")
    email = OutboundEmail.objects.get()

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died before marking the email sent")

    with monkeypatch.context() as patched:
        patched.setattr(notification_services, "_mark_sent", crash)
        with pytest.raises(RuntimeError):
            notification_services.send_outbound_email(email_id=email.pk)

    email.refresh_from_db()
    assert email.sent_at is None  # still owed: the beat task picks it up
    _age_the_outbox()
    assert notification_services.unsent_email_ids() == [email.pk]
    assert notification_services.send_outbound_email(email_id=email.pk) is True
    email.refresh_from_db()
    assert email.sent_at is not None
    # At least once: the email that went out before the crash, and the one after.
    assert [m.to for m in mail.outbox] == [["alice@example.org"], ["alice@example.org"]]


def test_an_email_that_no_longer_has_a_reason_is_dropped_not_retried(actors):
    request = provider_requests.create_records_request(
        case=actors.case(Status.SUBMITTED), by=actors.alice, **PROVIDER
    )
    RecordsRequest.objects.filter(pk=request.pk).update(received_at=timezone.now())
    email = OutboundEmail.objects.get(kind="records.request")
    mail.outbox.clear()

    assert notification_services.send_outbound_email(email_id=email.pk) is False
    _age_the_outbox()

    email.refresh_from_db()
    assert email.dropped_at is not None and email.sent_at is None
    assert PROVIDER["provider_email"] not in [to for m in mail.outbox for to in m.to]
    assert email.pk not in notification_services.unsent_email_ids()


def test_an_email_goes_to_a_user_or_an_address_of_a_known_kind(actors):
    with pytest.raises(ValueError):
        notification_services.enqueue_email(kind="no such kind", key="k", user=actors.alice)
    with pytest.raises(ValueError):
        notification_services.enqueue_email(
            kind="case_update", key="k", user=actors.alice, to_address="x@example.org"
        )
    with pytest.raises(ValueError):
        notification_services.enqueue_email(kind="case_update", key="k")
    assert not OutboundEmail.objects.exists()


def test_no_link_token_or_nonce_is_stored_in_the_outbox(actors):
    # Every kind of email that carries a link: a provider's, an invitation, a shared report.
    provider_requests.create_records_request(
        case=actors.case(Status.SUBMITTED), by=actors.alice, **PROVIDER
    )
    referral = referrals.enter_referral(by=actors.cora, **REFERRAL)
    delivered = case_in_state(
        Status.DELIVERED, owner=actors.alice, specialist=actors.dr_smith, coordinator=actors.cora
    )
    Referral.objects.filter(pk=referral.pk).update(case=delivered, claimed_by=actors.alice)
    share = referrals.share_report_with_referrer(case=delivered, by=actors.alice)
    mail.outbox.clear()
    _send_all()

    tokens = {match for m in mail.outbox for match in LINK_IN_EMAIL.findall(m.body)}
    assert len(tokens) == 3, [m.body for m in mail.outbox]
    secrets = tokens | {
        RecordsRequest.objects.get().nonce,
        Referral.objects.get().nonce,
        share.nonce,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_outboundemail")
        table = repr(cursor.fetchall())
    assert OutboundEmail.objects.count() >= 3
    for secret in secrets:
        assert secret not in table


def test_one_beat_job_catches_up_every_email(actors, monkeypatch):
    from secondopinion.notifications import tasks

    provider_requests.create_records_request(
        case=actors.case(Status.SUBMITTED), by=actors.alice, **PROVIDER
    )
    referrals.enter_referral(by=actors.cora, **REFERRAL)
    _age_the_outbox()
    enqueued = []
    monkeypatch.setattr(tasks.send_outbound_email, "delay", enqueued.append)

    send_pending_emails()

    kinds = set(OutboundEmail.objects.filter(pk__in=enqueued).values_list("kind", flat=True))
    assert {"records.request", referrals.INVITATION_EMAIL} <= kinds
    email_jobs = [
        entry["task"]
        for entry in celery_app.conf.beat_schedule.values()
        if "email" in entry["task"]
    ]
    assert email_jobs == ["secondopinion.notifications.tasks.send_pending_emails"]


def test_the_notifications_app_imports_no_domain_app():
    package = Path(notification_services.__file__).parent
    domain_apps = {"cases", "records", "specialists"}
    for module in package.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in domain_apps, module
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in domain_apps, module


@pytest.mark.django_db(transaction=True)
def test_a_second_sender_skips_an_email_another_sender_holds(actors, monkeypatch):
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "row locks need PostgreSQL (set DATABASE_URL); SQLite sends one at a time",
    )
    import threading

    from django.db import connections, transaction

    from secondopinion.notifications import tasks

    # This test is the only sender: a worker another test started must not get the task.
    monkeypatch.setattr(tasks.send_outbound_email, "delay", lambda *args, **kwargs: None)
    notification_services.notify(user=actors.alice, message="Update")
    email = OutboundEmail.objects.get()
    locked, release, results = threading.Event(), threading.Event(), []

    def first_sender():
        try:
            with transaction.atomic():
                OutboundEmail.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=first_sender)
    holder.start()
    assert locked.wait(timeout=10)
    results.append(notification_services.send_outbound_email(email_id=email.pk))
    release.set()
    holder.join()

    assert results == [False]  # skipped at once, not blocked, not sent
    assert mail.outbox == []
    assert notification_services.send_outbound_email(email_id=email.pk) is True
    assert len(mail.outbox) == 1
