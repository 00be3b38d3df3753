"""The pages translated so far, rendered with Spanish active, show none of their English sentences.

Each page is rendered in English and in Spanish; every sentence of the English page (text, and the
titles, labels and alternatives a screen reader reads) must be gone from the Spanish one, except
those in NOT_YET_TRANSLATED: the parts of these pages that belong to apps not translated yet. That
list only shrinks: a sentence that is translated must leave it (the second test says so)."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cases.models import Status
from tests.factories import proxy_authority

# The same in both languages: the service's name and each language's own name.
SAME_IN_BOTH = {"Second Opinion", "English", "Español", "·"}
# The people's own words on these pages (names, addresses, a case's title and reference): the same
# in both languages, so taken out of each sentence before it is compared.
USER_TEXT = re.compile(
    r"Alice Patient|Carol Caregiver|[a-z.]+@example\.org|Biopsy result|SO-[0-9A-Z]{4}-[0-9A-Z]{4}"
)
# Sentences of these pages still in English in Spanish, by page. Remove a line once it is
# translated; the list only shrinks.
NOT_YET_TRANSLATED: dict[str, set[str]] = {}
READ_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")


class _Sentences(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._add(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._add(data)

    def _add(self, text: str):
        text = " ".join(USER_TEXT.sub("", text).split())
        if text and any(c.isalpha() for c in text) and text not in SAME_IN_BOTH:
            self.found.add(text)


def sentences(html: str) -> set[str]:
    parser = _Sentences()
    parser.feed(html)
    return parser.found


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
