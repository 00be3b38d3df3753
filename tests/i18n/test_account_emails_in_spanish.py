"""allauth's emails (templates/account/email/ and templates/mfa/email/: confirming an address,
resetting a password, an account that already exists or does not, and every security notice)
are written in Spanish for a Spanish speaker, and stay word for word what they were in English."""

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from secondopinion.notifications.emails import render_email

CONTEXT = {
    "user": SimpleNamespace(email="ana@example.com", language="es", full_name="Ana Gómez"),
    "email": "ana@example.com",
    "key": "abc",
    "activate_url": "https://so.example/accounts/confirm-email/abc/",
    "password_reset_url": "https://so.example/accounts/password/reset/key/1-abc/",
    "signup_url": "https://so.example/accounts/signup/",
    "from_email": "old@example.com",
    "to_email": "new@example.com",
    "deleted_email": "gone@example.com",
    "ip": "203.0.113.5",
    "user_agent": "Mozilla/5.0",
    "timestamp": datetime(2026, 12, 7, 14, 5, tzinfo=UTC),
}

# Each email and, in English, its subject and one sentence of its body as it read before #19.
EMAILS = {
    "account/email/account_already_exists": (
        "You already have an account",
        "If you have forgotten your password, you can choose a new one here:",
    ),
    "account/email/email_changed": (
        "Your email address was changed",
        "Your email address was changed from old@example.com to new@example.com.",
    ),
    "account/email/email_confirm": (
        "Your email address was confirmed",
        "Your email address was confirmed.",
    ),
    "account/email/email_confirmation": (
        "Confirm your email address",
        "Please confirm that this is your email address for your Second Opinion account.",
    ),
    "account/email/email_deleted": (
        "An email address was removed from your account",
        "The email address gone@example.com was removed from your account.",
    ),
    "account/email/password_changed": ("Your password was changed", "Your password was changed."),
    "account/email/password_reset_key": (
        "Reset your password",
        "Open this link to choose a new password:",
    ),
    "account/email/password_reset": ("Your password was reset", "Your password was reset."),
    "account/email/password_set": (
        "A password was set for your account",
        "A password was set for your account.",
    ),
    "account/email/unknown_account": (
        "No account uses this email address",
        "If you meant to create an account, you can do it here:",
    ),
    "mfa/email/recovery_codes_generated": (
        "New recovery codes for your account",
        "A new set of recovery codes was made; the old codes no longer work.",
    ),
    "mfa/email/totp_activated": (
        "Two-factor authentication turned on",
        "Two-factor authentication with an authenticator app was turned on.",
    ),
    "mfa/email/totp_deactivated": (
        "Two-factor authentication turned off",
        "Two-factor authentication with an authenticator app was turned off.",
    ),
    "mfa/email/webauthn_added": (
        "A security key was added",
        "A security key was added to your account.",
    ),
    "mfa/email/webauthn_removed": (
        "A security key was removed",
        "A security key was removed from your account.",
    ),
}

# A line that is only a link, an address, a code or the service's name reads the same in both.
SAME = re.compile(r"^(https?://\S+|\S+@\S+|[A-Z0-9]{6}|" + re.escape(settings.SERVICE_NAME) + ")$")


def _render(prefix: str, language: str, **context):
    with translation.override(language):
        return render_email(prefix, CONTEXT | context)


def _english_left(english: str, spanish: str) -> list[str]:
    lines = [line.strip() for line in english.splitlines()]
    return [line for line in lines if line and not SAME.match(line) and line in spanish]


@pytest.mark.parametrize("code", ["", "Q7X2K9"])
@pytest.mark.parametrize("prefix", list(EMAILS))
def test_the_account_email_is_in_spanish(prefix, code):
    english = _render(prefix, "en-gb", code=code)
    spanish = _render(prefix, "es", code=code)

    subject, sentence = EMAILS[prefix]
    assert english.subject == f"[Second Opinion] {subject}"
    assert english.text.startswith("Hello,\n\n")
    assert f"\n\n{sentence}\n\n" in english.text
    assert spanish.subject != english.subject
    assert spanish.text.startswith("Hola:\n\n")
    assert _english_left(english.text, spanish.text) == []
    assert sentence not in spanish.html


def test_the_english_confirmation_and_notice_are_unchanged():
    code = _render("account/email/email_confirmation", "en-gb", code="Q7X2K9")
    link = _render("account/email/email_confirmation", "en-gb", code="")
    notice = _render("account/email/password_changed", "en-gb")

    assert code.text == (
        "Hello,\n\nPlease confirm that this is your email address for your Second Opinion account.\n\n"
        "Your confirmation code is: Q7X2K9\n\n"
        "Enter it in the browser window where you asked for it.\n\n"
        "If you did not give this address to Second Opinion, you can ignore this email: "
        f"no account will use it.\n\nSecond Opinion\n{settings.SITE_URL}\n"
    )
    assert (
        "Open this link to confirm it:\n\nhttps://so.example/accounts/confirm-email/abc/\n\n"
        in link.text
    )
    assert notice.text == (
        "Hello,\n\nWe are writing to tell you about a change to your Second Opinion account:\n\n"
        "Your password was changed.\n\n"
        "If you made this change, there is nothing more to do. If you did not, reset your password "
        f"now: {settings.SITE_URL}/accounts/password/reset/\n\n"
        "The change was made on 7 December 2026 at 14:05 UTC from IP address 203.0.113.5.\n\n"
        f"Second Opinion\n{settings.SITE_URL}\n"
    )


def test_the_spanish_notice_gives_the_date_the_spanish_way():
    notice = _render("account/email/password_changed", "es")

    assert "El cambio se hizo el 7 de diciembre de 2026 a las 14:05 UTC desde la dirección IP " in (
        notice.text
    )
    assert f"restablezca su contraseña ahora: {settings.SITE_URL}/accounts/password/reset/\n" in (
        notice.text
    )


@pytest.mark.django_db
def test_a_spanish_speaker_who_asks_to_reset_their_password_is_written_to_in_spanish(
    client, actors
):
    actors.alice.language = "es"
    actors.alice.save(update_fields=["language"])
    actors.bob.language = ""
    actors.bob.save(update_fields=["language"])

    # Asked from an English page: the account's language wins.
    for user in [actors.alice, actors.bob]:
        response = client.post(
            "/accounts/password/reset/", {"email": user.email}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 302

    (to_alice,) = [m for m in mail.outbox if m.to == [actors.alice.email]]
    assert to_alice.subject == "[Second Opinion] Restablezca su contraseña"
    assert to_alice.body.startswith("Hola:\n\nAlguien, probablemente usted, pidió restablecer")
    assert "Abra este enlace para elegir una contraseña nueva:\n\nhttp" in to_alice.body
    assert "Open this link" not in to_alice.body
    assert "Abra este enlace" in to_alice.alternatives[0][0]
    (to_bob,) = [m for m in mail.outbox if m.to == [actors.bob.email]]
    assert to_bob.subject == "[Second Opinion] Reset your password"
    assert "Open this link to choose a new password:" in to_bob.body
