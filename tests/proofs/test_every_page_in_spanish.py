"""Every page of ours, opened in Spanish by each role that may open it, shows none of the English
sentences the same page shows in English: a string left unmarked, or marked and not translated,
fails here, named with its page and role.

The pages are the authorization matrix's (every URL of our own code, with the roles that get it,
in the case state its row names) and allauth's pages we restyle. A sentence is what a reader
sees or hears (text, and the titles, labels and alternatives a screen reader reads); the people's
own words (every text a person typed, as the database holds it) are taken out of both pages
first, since they stay as written."""

import copy
import functools
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real

from tests.i18n.pages import sentences
from tests.project import OUR_PACKAGES
from tests.proofs.matrix import BY_STATE, PROXY, clients, pages_read

# The roles whose pages differ; the other roles get the same templates as one of these.
READERS = ("anonymous", "owner", PROXY, "assigned_specialist", "coordinator")
# allauth's pages, restyled by our templates, for a visitor and for a signed-in person.
ALLAUTH_PAGES = {
    "anonymous": ("account_login", "account_signup", "account_reset_password"),
    "owner": ("account_email", "account_change_password", "mfa_index"),
}
# A file's size in bytes reads the same in Spanish ("193 bytes").
SAME_IN_BOTH = re.compile(r"\b\d+\s+bytes\b")
# What is no word of either language: an acronym ("PDF", "DICOM") or an audit action's code
# ("case.submit"), which the audit log shows as recorded.
NOT_A_WORD = re.compile(r"[A-Z]{2,6}|[a-z_]+\.[a-z_]+")


def _peoples_words() -> re.Pattern | None:
    """Every text a person typed that the database holds (free-text fields of our own models,
    not their choices), longest first, as one pattern."""
    words = set()
    for model in apps.get_models():
        if not model.__module__.startswith(OUR_PACKAGES):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        for row in model.objects.values_list(*fields) if fields else ():
            words.update(v.strip() for v in row if isinstance(v, str) and len(v.strip()) > 2)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


@functools.cache
def _same_by_choice() -> frozenset[str]:
    """The messages the Spanish catalogs (ours, Django's, allauth's) translate to themselves: a
    translator's decision that they read the same (a state's name, "Total", "No")."""
    catalog = trans_real.translation("es")._catalog
    return frozenset(msgid for msgid, msgstr in catalog.items() if msgid == msgstr)


def _readable(html: str, peoples_words: re.Pattern | None) -> set[str]:
    if peoples_words is not None:
        html = peoples_words.sub("", html)
    return {
        s
        for s in sentences(SAME_IN_BOTH.sub("", html))
        if s not in _same_by_choice() and not NOT_A_WORD.fullmatch(s.strip(" ·"))
    }


def _english_left(client: Client, user, url: str) -> list[str] | None:
    """The English sentences `url` still shows in Spanish; None when it is not an HTML page."""
    found = {}
    for language in ("en-gb", "es"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if user is not None:
            user.language = language
            user.save(update_fields=["language"])
        with transaction.atomic():  # each language meets the case as it was
            response = client.get(url)
            words = _peoples_words()
            transaction.set_rollback(True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return None
        found[language] = _readable(response.text, words)
    return sorted(found["en-gb"] & found["es"])


def _user(client: Client):
    from django.contrib.auth import get_user_model

    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


@pytest.mark.parametrize("state", sorted(BY_STATE, key=str), ids=str)
def test_every_page_shows_no_english_sentence_in_spanish(actors, proxy, state):
    left = {}
    for page, client, url in pages_read(actors, proxy, state, READERS):
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            english = _english_left(client, _user(client), url())
            transaction.set_rollback(True)
        client.cookies = cookies
        if english:
            left[page] = english
    assert left == {}


@pytest.mark.django_db
def test_allauths_pages_show_no_english_sentence_in_spanish(actors, proxy):
    signed_in = clients(actors, proxy)
    left = {}
    for role, names in ALLAUTH_PAGES.items():
        for name in names:
            english = _english_left(signed_in[role], _user(signed_in[role]), reverse(name))
            if english:
                left[f"{role} {name}"] = english
    assert left == {}
