"""Reading a page in two languages: the sentences a reader sees or hears (text, and the titles,
labels and alternatives a screen reader reads), and which of a page's English sentences are still
there when the same page is rendered in Spanish."""

import html
import re
from html.parser import HTMLParser

from django.conf import settings
from django.urls import reverse

# The same in both languages: the service's name and each language's own name.
SAME_IN_BOTH = {"Second Opinion", "English", "Español", "·"}
# The people's own words on these pages (names, addresses, a case's title and reference): the same
# in both languages, so taken out of each sentence before it is compared.
USER_TEXT = re.compile(
    r"Alice Patient|Carol Caregiver|[a-z.]+@example\.org|Biopsy result|SO-[0-9A-Z]{4}-[0-9A-Z]{4}"
)
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


def english_left(client, user, url: str, *, same: set[str] = frozenset()) -> list[str]:
    """The sentences of `url`'s English page that its Spanish page still shows, for `user`
    (None: a visitor), besides `same` (what is rightly the same in both: proper names, the
    people's own words). The user's language is left as it was."""
    by_language = {}
    kept = user.language if user else None
    for language in ("en-gb", "es"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if user:
            user.language = language
            user.save(update_fields=["language"])
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (url, language, response.status_code)
        by_language[language] = sentences(response.text)
        assert language == "en-gb" or f'<html lang="{language}">' in response.text, url
    if user:
        user.language = kept
        user.save(update_fields=["language"])
    return sorted(by_language["en-gb"] & by_language["es"] - set(same))


def speaks(user, language: str = "es", *, client=None) -> None:
    """`user` reads the service in `language` from now on (their account's language), and is
    signed in on `client` when one is given."""
    user.language = language
    user.save(update_fields=["language"])
    if client is not None:
        client.force_login(user)


def timeline_text(client, user, case, language: str) -> str:
    """The case page's timeline as `user` reads it in `language` (their account's language),
    as plain text with its spaces collapsed."""
    speaks(user, language, client=client)
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    found = re.search(r'<ol[^>]*id="timeline"[^>]*>(.*?)</ol>', page, re.DOTALL)
    assert found, "the case page has a timeline"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found[1])).split())
