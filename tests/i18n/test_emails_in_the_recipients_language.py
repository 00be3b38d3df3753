"""Emails are written in the recipient's language: the one on their account, English for an
address with no account (whatever language the page that caused the email was in)."""

import pytest
from django.core import mail
from django.utils import translation

from cases.models import Status
from records import provider_requests
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import OutboundEmail


def _send_all() -> None:
    for email in OutboundEmail.objects.filter(sent_at=None):
        notification_services.send_outbound_email(email_id=email.pk)


@pytest.mark.django_db
def test_a_spanish_speakers_email_is_written_in_spanish(actors, settings):
    settings.SUPPORT_EMAIL = "ayuda@second-opinion.example"
    actors.alice.language = "es"
    actors.alice.save()
    notification_services.notify(user=actors.alice, message="Update")
    notification_services.notify(user=actors.bob, message="Update")

    _send_all()

    (to_alice,) = [m for m in mail.outbox if m.to == [actors.alice.email]]
    assert to_alice.body.startswith("Hola:\n")
    assert "¿Tiene alguna pregunta? Responda a este correo o escriba a ayuda@" in to_alice.body
    html, _ = to_alice.alternatives[0]
    assert '<html lang="es">' in html
    assert "Hola:" in html
    (to_bob,) = [m for m in mail.outbox if m.to == [actors.bob.email]]
    assert to_bob.body.startswith("Hello,\n")
    assert "Questions? Reply to this email" in to_bob.body


@pytest.mark.django_db
def test_an_address_without_an_account_or_a_language_is_written_to_in_english(actors):
    actors.alice.language = "es"  # the patient reads Spanish; the provider is written to in English
    actors.alice.save()
    provider_requests.create_records_request(
        case=actors.case(Status.SUBMITTED),
        by=actors.alice,
        provider_name="Dr Provider",
        provider_organisation="Radiology",
        provider_email="records@hospital.example",
        records_wanted="Scans",
    )
    notification_services.notify(user=actors.bob, message="Update")  # bob never chose one

    with translation.override("es"):  # as if sent while a Spanish page was being answered
        _send_all()

    to_provider = [m for m in mail.outbox if m.to == ["records@hospital.example"]]
    to_bob = [m for m in mail.outbox if m.to == [actors.bob.email]]
    for message in [*to_provider, *to_bob]:
        assert message.body.startswith("Hello,\n")
        assert '<html lang="en-gb">' in message.alternatives[0][0]
    assert len(to_provider) == 1
    assert len(to_bob) == 1
