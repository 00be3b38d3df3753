"""Each translation is complete and matches the code, for the server's catalog (django.po) and our
scripts' (djangojs.po): every message of the catalog translated and none fuzzy, and the catalog
holding exactly the messages the code marks (makemessages, run on a copy, finds nothing to add or
drop). Each check is also shown to catch a planted problem."""

import shutil

import pytest

from tests.support import needs_service

from .catalogs import (
    DOMAINS,
    GETTEXT,
    HOW_TO_GET_GETTEXT,
    TRANSLATED_LANGUAGES,
    catalog,
    differences,
    fresh_catalog,
    unfinished_messages,
)

pytestmark = needs_service("GNU gettext", GETTEXT, HOW_TO_GET_GETTEXT)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_message_of_the_catalog_is_translated_and_none_is_fuzzy(language, domain):
    assert unfinished_messages(catalog(language, domain)) == []


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_catalog_holds_exactly_the_messages_the_code_marks(language, domain, tmp_path):
    fresh = fresh_catalog(language, tmp_path, domain=domain)
    assert differences(catalog(language, domain), fresh) == []


def test_an_untranslated_or_fuzzy_message_or_a_lost_placeholder_is_found(tmp_path):
    planted = tmp_path / "django.po"
    text = catalog("es").read_text()
    text = text.replace('msgstr "Saltar al contenido principal"', 'msgstr ""')
    text = text.replace('msgid "Page not found"', '#, fuzzy\nmsgid "Page not found"')
    text = text.replace("escriba a %(support_email)s.", "escriba a soporte.")
    planted.write_text(text)

    problems = unfinished_messages(planted)

    assert "untranslated: Skip to main content" in problems
    assert "fuzzy: Page not found" in problems
    assert any(p.startswith("msgfmt --check") and "support_email" in p for p in problems)


def test_a_message_new_in_the_code_or_gone_from_it_is_found(tmp_path):
    planted = "planted/templates/planted.html"
    fresh = fresh_catalog(
        "es",
        tmp_path,
        planted={planted: '{% load i18n %}<p>{% translate "A message nobody translated" %}</p>'},
    )
    assert differences(catalog("es"), fresh) == [
        "in the code, missing from the catalog: A message nobody translated"
    ]

    stale = tmp_path / "stale.po"
    shutil.copy(fresh, stale)
    assert differences(stale, fresh_catalog("es", tmp_path / "again")) == [
        "in the catalog, no longer in the code: A message nobody translated"
    ]


def test_a_message_new_in_a_script_is_found_and_vendor_files_are_not_read(tmp_path):
    fresh = fresh_catalog(
        "es",
        tmp_path,
        domain="djangojs",
        planted={
            "planted/js/planted.js": 'say(gettext("A script message nobody translated"));',
            "planted/js/vendor-shims/shim.js": 'say(gettext("A library stand-in message"));',
            "planted/node_modules/lib/index.js": 'say(gettext("A library message"));',
        },
    )
    assert differences(catalog("es", "djangojs"), fresh) == [
        "in the code, missing from the catalog: A script message nobody translated"
    ]
