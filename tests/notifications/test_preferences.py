"""Notification preferences: in-app notifications always; case-update emails only when wanted."""

from django.urls import reverse

from cases.models import Status
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications.models import Notification, OutboundEmail
from secondopinion.notifications.services import notify


def test_a_user_who_opts_out_gets_in_app_notifications_but_no_case_emails(client, actors):
    client.force_login(actors.alice)
    page = client.get(reverse("notifications:preferences")).text
    assert "Email me when there is an update on a case" in page

    response = client.post(reverse("notifications:preferences"), {})  # the box left unticked

    assert response.status_code == 302
    notify(user=actors.alice, message="There is an update.")
    assert Notification.objects.filter(user=actors.alice).exists()
    assert not OutboundEmail.objects.filter(user=actors.alice).exists()
    assert AuditEvent.objects.filter(actor=actors.alice, action="notifications.preference")


def test_opting_back_in_sends_emails_again(client, actors):
    client.force_login(actors.alice)
    client.post(reverse("notifications:preferences"), {})
    client.post(reverse("notifications:preferences"), {"email_case_updates": "on"})

    notify(user=actors.alice, message="There is an update.")

    assert OutboundEmail.objects.filter(user=actors.alice).count() == 1


def test_without_a_choice_every_email_is_sent(actors):
    case = actors.case(Status.SUBMITTED)

    assert OutboundEmail.objects.filter(user=case.owner).exists()


def test_an_offer_email_with_a_deadline_is_sent_whatever_the_choice(client, actors):
    client.force_login(actors.dr_smith.user)
    client.post(reverse("notifications:preferences"), {})

    actors.case(Status.OFFERED)

    assert Notification.objects.filter(user=actors.dr_smith.user).exists()
    assert OutboundEmail.objects.filter(user=actors.dr_smith.user, kind="case_assigned").exists()
