"""The account pages in Spanish: signing in and up, resetting a password, the Account page, the
email addresses, two-factor authentication, signing out, and their errors. Our overrides of
allauth's templates are translated by our catalog; allauth's own pages and messages by allauth's
Spanish, Django's form errors by Django's."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from secondopinion.accounts.models import Role
from tests.factories import PASSWORD, UserFactory

from .pages import english_left, sentences

pytestmark = pytest.mark.django_db

# What is the same in both languages on the two-factor step.
SAME = {"Second Opinion", "·", "English", "Español"}


def in_spanish(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"


@pytest.mark.parametrize(
    "url",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_a_visitors_account_pages_are_in_spanish(client, url):
    assert english_left(client, None, reverse(url)) == []


@pytest.mark.parametrize(
    "url",
    [
        "accounts:account",
        "account_change_password",
        "account_email",
        "account_logout",
        "mfa_index",
        "account_reauthenticate",
        "notifications:preferences",
    ],
)
def test_a_patients_account_pages_are_in_spanish(client, actors, url):
    assert english_left(client, actors.alice, reverse(url)) == []


@pytest.mark.parametrize("url", ["accounts:account", "mfa_index", "mfa_reauthenticate"])
def test_a_specialists_account_pages_with_two_factor_on_are_in_spanish(client, actors, url):
    assert english_left(client, actors.dr_smith.user, reverse(url)) == []


def test_staff_without_two_factor_read_why_they_must_set_it_up_in_spanish(client):
    coordinator = UserFactory(
        email="cora.nomfa@example.org", role=Role.COORDINATOR, verified=False, language="es"
    )
    assert english_left(client, coordinator, reverse("accounts:account")) == []
    client.force_login(coordinator)
    page = client.get(reverse("cases:dashboard"), follow=True).text
    assert "necesita configurar la autenticación en dos pasos" in page


def test_the_two_factor_step_of_signing_in_is_in_spanish(client, actors):
    pages = {}
    for language in ("en-gb", "es"):
        client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.post(
            reverse("account_login"),
            {"login": actors.dr_smith.user.email, "password": PASSWORD},
        )
        response = client.get(reverse("mfa_authenticate"))
        assert response.status_code == 200
        pages[language] = sentences(response.text)
    assert sorted(pages["en-gb"] & pages["es"] - SAME) == []


def test_a_wrong_password_is_refused_in_spanish(client, actors):
    in_spanish(client)
    response = client.post(
        reverse("account_login"), {"login": actors.alice.email, "password": "not the password"}
    )
    assert response.status_code == 200
    assert "La dirección de correo electrónico y/o la contraseña que ha indicado" in response.text


def test_an_invalid_email_is_refused_in_spanish(client):
    in_spanish(client)
    response = client.post(
        reverse("account_signup"),
        {"email": "not an address", "password1": "x", "password2": "y", "full_name": ""},
    )
    assert response.status_code == 200
    assert "Introduzca una dirección de correo electrónico válida." in response.text
    assert "Este campo es obligatorio." in response.text  # the name, left empty
    assert "This field is required." not in response.text


def test_a_name_left_empty_on_the_account_page_is_refused_in_spanish(client, actors):
    actors.alice.language = "es"
    actors.alice.save(update_fields=["language"])
    client.force_login(actors.alice)
    response = client.post(reverse("accounts:account"), {"full_name": ""})
    assert "Escriba su nombre completo." in response.text
    assert "Enter your full name." not in response.text


def test_a_saved_name_is_confirmed_in_spanish(client, actors):
    actors.alice.language = "es"
    actors.alice.save(update_fields=["language"])
    client.force_login(actors.alice)
    response = client.post(reverse("accounts:account"), {"full_name": "Alice Patient"}, follow=True)
    assert "Su nombre está guardado." in response.text


def test_a_language_the_service_does_not_speak_is_refused_in_spanish(client):
    in_spanish(client)
    response = client.post(
        reverse("accounts:language"), {"language": "xx", "next": "/"}, follow=True
    )
    assert "Elija un idioma de la lista." in response.text


def test_the_english_sign_in_page_is_unchanged(client):
    page = client.get(reverse("account_login")).text
    assert re.search(
        r"New here\? <a href=\"/accounts/signup/\">\s*Create an account</a> to ask", page
    )
