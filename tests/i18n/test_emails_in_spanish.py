"""Every email a person with an account can get (a patient, a caregiver, a specialist, a
coordinator) is written in Spanish, subject and both bodies, when their account's language is
Spanish; the English one is unchanged. The in-app notification it goes with is Spanish too."""

import re

import pytest
from django.core import mail
from django.utils import translation

from cases import services as case_services
from cases.models import Status
from secondopinion.notifications import outbox
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import Notification, OutboundEmail
from specialists import offers
from tests.i18n.pages import sentences


def _send_all() -> None:
    for email in OutboundEmail.objects.filter(sent_at=None):
        notification_services.send_outbound_email(email_id=email.pk)


def _lines(text: str) -> set[str]:
    text = re.sub(r"https?://\S+", "", text)  # links are the same in both languages
    return {line.strip() for line in text.splitlines() if any(c.isalpha() for c in line)}


def _sentences(html: str) -> set[str]:
    return {re.sub(r"https?://\S+", "", sentence).strip() for sentence in sentences(html)}


def _english_left(user, email_row: OutboundEmail) -> list[str]:
    """The English email's sentences (subject, text lines, HTML sentences) that the Spanish email
    sent to `user` still has, but the service's name and the links."""
    (spanish,) = [m for m in mail.outbox if m.to == [user.email]]
    with translation.override("en-gb"):
        english = outbox.email_kind(email_row.kind).compose(email_row)
    left = {english.subject} & {spanish.subject}
    left |= _lines(english.text) & _lines(spanish.body)
    left |= _sentences(english.html) & _sentences(spanish.alternatives[0][0])
    return sorted(left - {"Second Opinion", ""})


def _only_row(user) -> OutboundEmail:
    (row,) = OutboundEmail.objects.filter(user=user)
    return row


@pytest.fixture
def in_spanish(actors):
    for user in (actors.alice, actors.carol, actors.dr_smith.user, actors.cora):
        user.language = "es"
        user.save(update_fields=["language"])
    return actors


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "carol"])
def test_the_patients_and_caregivers_update_email_is_in_spanish(in_spanish, who):
    user = getattr(in_spanish, who)
    notification_services.notify(user=user, message="x")
    _send_all()

    row = _only_row(user)
    assert _english_left(user, row) == []
    (message,) = mail.outbox
    assert message.subject.endswith("Hay novedades sobre su solicitud de segunda opinión")
    assert "Para proteger su privacidad" in message.body
    with translation.override("en-gb"):
        english = outbox.email_kind(row.kind).compose(row)
    assert english.subject.endswith("There is an update on your second opinion request")
    assert (
        "There is an update on your request at Second Opinion. For your privacy we do not put "
        in (english.text)
    )
    assert "Sign in to read it: " in english.text


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["specialist", "coordinator"])
def test_the_staffs_update_email_is_in_spanish(in_spanish, who):
    user = in_spanish.dr_smith.user if who == "specialist" else in_spanish.cora
    notification_services.notify(user=user, message="x")
    _send_all()

    assert _english_left(user, _only_row(user)) == []
    (message,) = mail.outbox
    assert message.subject.endswith("Tiene novedades")
    assert "privacidad del paciente" in message.body


@pytest.mark.django_db
def test_an_offer_to_a_specialist_is_in_spanish_and_so_is_its_notification(in_spanish):
    case = in_spanish.case(Status.MATCHING)
    offers.offer_case(case=case, specialist=in_spanish.dr_smith, by=in_spanish.cora)
    _send_all()

    user = in_spanish.dr_smith.user
    row = OutboundEmail.objects.get(user=user, kind="case_assigned")
    assert _english_left(user, row) == []
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    assert message.subject.endswith("Un caso requiere su atención")
    notification = Notification.objects.get(user=user)
    assert notification.message.startswith(f"Se le ha ofrecido el caso {case.reference}.")
    with translation.override("en-gb"):
        english = outbox.email_kind(row.kind).compose(row)
    assert english.subject.endswith("A case needs your attention")
    assert english.text.startswith("Hello,\n\nA case at Second Opinion needs your attention.")


@pytest.mark.django_db
def test_the_check_in_email_is_in_spanish(in_spanish):
    user = in_spanish.alice
    notification_services.notify(user=user, message="x", link="/", email_template="check_in")
    _send_all()

    row = _only_row(user)
    assert _english_left(user, row) == []
    (message,) = mail.outbox
    assert message.subject.endswith("Tiene pendiente un breve seguimiento")
    with translation.override("en-gb"):
        english = outbox.email_kind(row.kind).compose(row)
    assert english.subject.endswith("A short check-in is waiting for you")
    assert "You can decline follow-up on your case page at any time" in english.text


@pytest.mark.django_db
def test_a_notification_is_written_in_its_readers_language_not_the_pages(in_spanish):
    """A Spanish-speaking coordinator's action tells an English-speaking patient in English, and
    the other way round."""
    bob_case = in_spanish.case(Status.SUBMITTED, owner=in_spanish.bob)
    alice_case = in_spanish.case(Status.SUBMITTED)
    with translation.override("es"):
        case_services.cancel_case(case=bob_case, by=in_spanish.cora, reason="Duplicate")
    with translation.override("en-gb"):
        case_services.cancel_case(case=alice_case, by=in_spanish.cora, reason="Duplicate")

    to_bob = Notification.objects.filter(user=in_spanish.bob).latest("pk").message
    to_alice = Notification.objects.filter(user=in_spanish.alice).latest("pk").message
    assert to_bob == f"Your case {bob_case.reference} was cancelled by a coordinator."
    assert to_alice == f"Un coordinador ha cancelado su caso {alice_case.reference}."


@pytest.mark.django_db
def test_the_notification_list_and_email_settings_are_in_spanish(client, actors):
    from django.urls import reverse

    from tests.i18n.pages import english_left

    case = actors.case(Status.SUBMITTED)
    case_services.cancel_case(case=case, by=actors.cora, reason="Duplicate")
    # The notification's own text was written once, in the language alice had then (English).
    written = set().union(
        *(sentences(text) for text in Notification.objects.values_list("message", flat=True))
    )
    for name in ("notifications:list", "notifications:preferences"):
        assert english_left(client, actors.alice, reverse(name), same=written) == [], name
