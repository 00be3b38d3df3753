"""Choosing the language: the browser's or the cookie's for a visitor, the account's once signed in
(it wins over the cookie), the switch on every page that keeps the choice and comes back to the
page, and English, without an error, for any language the service does not speak."""

import pytest
from django.conf import settings
from django.urls import reverse

from secondopinion.accounts.models import User
from secondopinion.audit.models import AuditEvent
from tests.factories import PASSWORD

COOKIE = settings.LANGUAGE_COOKIE_NAME
SWITCH = reverse("accounts:language")
ENGLISH_HEADING = "Get a written second opinion from an independent specialist"
SPANISH_HEADING = "Obtenga una segunda opinión por escrito de un especialista independiente"


def _page_language(response) -> str:
    assert response.status_code == 200
    assert response.headers["Content-Language"] in response.text  # <html lang="…">
    return response.headers["Content-Language"]


@pytest.mark.django_db
def test_a_visitor_gets_english_by_default_and_spanish_when_the_browser_asks(client):
    english = client.get("/")
    assert _page_language(english) == "en-gb"
    assert '<html lang="en-gb">' in english.text
    assert ENGLISH_HEADING in english.text

    spanish = client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert _page_language(spanish) == "es"
    assert '<html lang="es">' in spanish.text
    assert SPANISH_HEADING in spanish.text


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["fr", "xx", "de-DE", "zz-ZZ", "es_ES!", "'\"<>", "x" * 300])
def test_a_language_the_service_does_not_speak_falls_back_to_english(client, code):
    client.cookies[COOKIE] = code
    assert _page_language(client.get("/", HTTP_ACCEPT_LANGUAGE=code)) == "en-gb"


@pytest.mark.django_db
def test_an_account_language_no_longer_offered_falls_back_to_english(client, actors):
    User.objects.filter(pk=actors.alice.pk).update(language="fr")  # a language since removed
    client.force_login(actors.alice)
    assert _page_language(client.get(reverse("cases:dashboard"))) == "en-gb"


@pytest.mark.django_db
def test_the_switch_keeps_a_visitors_choice_in_the_cookie_and_comes_back_to_the_page(client):
    response = client.post(SWITCH, {"language": "es", "next": "/?from=switch"})

    assert response.status_code == 302
    assert response["Location"] == "/?from=switch"
    assert response.cookies[COOKIE].value == "es"
    assert SPANISH_HEADING in client.get("/").text
    # and back
    client.post(SWITCH, {"language": "en-gb", "next": "/"})
    assert ENGLISH_HEADING in client.get("/").text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_page", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_the_switch_never_sends_anyone_off_the_site(client, next_page):
    response = client.post(SWITCH, {"language": "es", "next": next_page})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_the_switch_refuses_an_unknown_language_clearly_and_changes_nothing(client, actors):
    client.force_login(actors.alice)
    response = client.post(SWITCH, {"language": "fr", "next": "/account/"}, follow=True)

    assert response.redirect_chain == [("/account/", 302)]
    assert "Choose a language from the list." in response.text
    assert COOKIE not in response.cookies or response.cookies[COOKIE].value != "fr"
    actors.alice.refresh_from_db()
    assert actors.alice.language == ""


@pytest.mark.django_db
def test_a_signed_in_persons_choice_is_kept_on_the_account_and_audited(client, actors):
    client.force_login(actors.alice)

    client.post(SWITCH, {"language": "es", "next": "/account/"})

    actors.alice.refresh_from_db()
    assert actors.alice.language == "es"
    event = AuditEvent.objects.get(action="account.language_change")
    assert event.actor == actors.alice
    assert event.detail == {"language": "es"}


@pytest.mark.django_db
def test_the_accounts_language_wins_over_the_cookie_once_signed_in(client, actors):
    actors.alice.language = "es"
    actors.alice.save()
    client.cookies[COOKIE] = "en-gb"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert ENGLISH_HEADING in page.text  # signed out: the cookie

    signed_in = client.post(
        reverse("account_login"), {"login": actors.alice.email, "password": PASSWORD}, follow=True
    )

    assert _page_language(signed_in) == "es"
    assert "Mis casos" in signed_in.text
    # The cookie follows the account, so signing out keeps the language.
    assert client.cookies[COOKIE].value == "es"
    client.post(reverse("account_logout"))
    assert SPANISH_HEADING in client.get("/").text


@pytest.mark.django_db
def test_signing_up_keeps_the_language_it_was_done_in(client):
    client.cookies[COOKIE] = "es"
    client.post(
        reverse("account_signup"),
        {
            "email": "nueva@example.org",
            "full_name": "Nueva Paciente",
            "role": "patient",
            "password1": "a long enough Passw0rd!",
            "password2": "a long enough Passw0rd!",
        },
    )
    assert User.objects.get(email="nueva@example.org").language == "es"
