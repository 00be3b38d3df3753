"""The pages translated so far, rendered with Spanish active, show none of their English sentences.

Each page is rendered in English and in Spanish; every sentence of the English page (text, and the
titles, labels and alternatives a screen reader reads) must be gone from the Spanish one, except
those in NOT_YET_TRANSLATED: the parts of these pages that belong to apps not translated yet. That
list only shrinks: a sentence that is translated must leave it (the second test says so)."""

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cases.models import Status
from tests.factories import proxy_authority
from tests.i18n.pages import sentences

# Sentences of these pages still in English in Spanish, by page. Remove a line once it is
# translated; the list only shrinks.
NOT_YET_TRANSLATED: dict[str, set[str]] = {}


def _pages(client, alice, carol) -> dict[str, dict[str, str]]:
    """Each page's HTML by language: a visitor's home page, the 404 page, signed-in alice's
    dashboard and carol's (who acts for alice), and the error pages Django renders without a
    request."""
    rendered: dict[str, dict[str, str]] = {}
    for language in ("en-gb", "es"):
        client.logout()  # which forgets every cookie
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages = {"home": client.get("/"), "not found": client.get("/no-such-page")}
        alice.language = language
        alice.save()
        client.force_login(alice)
        pages["dashboard"] = client.get(reverse("cases:dashboard"))
        client.force_login(carol)
        pages["caregiver's dashboard"] = client.get(reverse("cases:dashboard"))
        for name, response in pages.items():
            rendered.setdefault(name, {})[language] = response.text
        with translation.override(language):
            for template in ("400.html", "400_too_large.html", "500.html", "503.html"):
                rendered.setdefault(template, {})[language] = render_to_string(template)
    return rendered


@pytest.fixture
def pages(client, actors):
    """alice's own case waits for her answer; carol, with a recorded authority, opened a draft
    and a case that needs information for her."""
    actors.case(Status.INFO_REQUESTED)
    authority = proxy_authority(actors.carol, actors.alice.email)
    for status in (Status.DRAFT, Status.NEEDS_INFO):
        actors.case(status, owner=actors.carol, authority=authority)
    return _pages(client, actors.alice, actors.carol)


@pytest.mark.django_db
def test_the_translated_pages_show_no_english_sentence_in_spanish(pages):
    left = {
        name: sorted(
            (sentences(by_language["en-gb"]) & sentences(by_language["es"]))
            - NOT_YET_TRANSLATED.get(name, set())
        )
        for name, by_language in pages.items()
    }
    assert {name: found for name, found in left.items() if found} == {}
    for by_language in pages.values():
        assert '<html lang="es">' in by_language["es"]


@pytest.mark.django_db
def test_the_list_of_sentences_not_yet_translated_only_holds_english_still_shown(pages):
    translated_since = {
        name: sorted(expected - sentences(pages[name]["es"]))
        for name, expected in NOT_YET_TRANSLATED.items()
    }
    assert {name: found for name, found in translated_since.items() if found} == {}
