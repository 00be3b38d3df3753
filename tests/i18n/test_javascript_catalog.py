"""The catalog of our scripts' texts (accounts:javascript-catalog, loaded by every page before our
scripts): in the reader's language, to anyone, also staff who have yet to set up two-factor
sign-in (whose other pages send them to set it up)."""

from django.urls import reverse

from secondopinion.accounts.models import Role
from tests.factories import UserFactory

CATALOG = reverse("accounts:javascript-catalog")


def test_every_page_loads_the_catalog_before_our_scripts(client, db):
    page = client.get(reverse("home")).content.decode()
    assert f'<script src="{CATALOG}"></script>' in page
    assert page.index(CATALOG) < page.index("js/app.js")


def test_the_catalog_is_in_the_readers_language(client, db):
    client.cookies["django_language"] = "es"
    spanish = client.get(CATALOG)
    assert spanish.status_code == 200
    assert spanish["Content-Type"].startswith("text/javascript")
    assert '"Next page": "P\\u00e1gina siguiente"' in spanish.content.decode()
    assert "globals.interpolate = django.interpolate" in spanish.content.decode()


def test_in_english_the_scripts_keep_their_own_words(client, db):
    english = client.get(CATALOG, headers={"accept-language": "en"}).content.decode()
    assert "P\\u00e1gina siguiente" not in english
    assert "globals.gettext = django.gettext" in english


def test_a_signed_in_persons_account_language_decides(client, db):
    alice = UserFactory(language="es")
    client.force_login(alice)
    assert "P\\u00e1gina siguiente" in client.get(CATALOG).content.decode()


def test_staff_yet_to_set_up_two_factor_get_it_without_being_sent_elsewhere(client, db):
    coordinator = UserFactory(role=Role.COORDINATOR, language="es", verified=False)
    client.force_login(coordinator)
    response = client.get(CATALOG)
    assert response.status_code == 200
    assert "P\\u00e1gina siguiente" in response.content.decode()
