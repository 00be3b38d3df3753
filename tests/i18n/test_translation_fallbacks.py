"""The translations skip catalogs that hold no message (secondopinion.languages.
drop_empty_fallbacks): a phrase not translated for British English no longer walks six empty "en"
catalogs, and no phrase translates differently for it."""

import os
import subprocess
import sys

from django.conf import settings
from django.utils.translation import trans_real

from secondopinion.languages import _holds_no_message, drop_empty_fallbacks
from tests.workers import ROOT

CHAIN_OF_EACH_LANGUAGE = """
import django; django.setup()
from django.conf import settings
from django.utils.translation import trans_real
from secondopinion.languages import _holds_no_message
for code, _name in settings.LANGUAGES:
    node, walked, empty = trans_real.translation(code)._fallback, 0, 0
    while node is not None:
        walked, empty, node = walked + 1, empty + _holds_no_message(node), node._fallback
    print(code, walked, empty)
"""


def test_a_process_that_has_started_walks_no_empty_catalog(tmp_path):
    """Read in a process of its own, as the web and the worker start (a test that changes the
    languages makes Django build its translations again, without the pruning)."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "secondopinion.settings"}
    environment["VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", CHAIN_OF_EACH_LANGUAGE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    chains = {
        code: (int(walked), int(empty))
        for code, walked, empty in map(str.split, result.stdout.splitlines())
    }
    assert set(chains) == {code for code, _name in settings.LANGUAGES}
    assert all(empty == 0 for _walked, empty in chains.values()), chains
    # Spanish still falls back to English for what it has not translated.
    assert chains["es"][0] >= 1


def _messages(translations) -> set:
    """Every key of every catalog in the chain, as built by Django (header left out)."""
    keys: set = set()
    node = translations
    while node is not None:
        catalog = getattr(node, "_catalog", None)
        if isinstance(catalog, dict):
            keys |= set(catalog)
        elif catalog is not None:  # Django's TranslationCatalog: one dictionary per plural rule
            for part in catalog._catalogs:
                keys |= set(part)
        node = getattr(node, "_fallback", None)
    return keys - {""}


def _chain(translations) -> list:
    node, chain = translations._fallback, []
    while node is not None:
        chain.append(node)
        node = getattr(node, "_fallback", None)
    return chain


def test_every_message_translates_as_it_did_without_the_pruning():
    drop_empty_fallbacks()  # again: another test may have made Django build them afresh
    for code, _name in settings.LANGUAGES:
        pruned = trans_real.translation(code)
        assert not any(_holds_no_message(node) for node in _chain(pruned)), code
        built_afresh = trans_real.DjangoTranslation(code)  # not cached, not pruned
        messages = _messages(built_afresh)
        assert len(messages) > 100, code
        for message in messages:
            if isinstance(message, tuple):  # a plural form: (msgid, index)
                for count in (0, 1, 2, 5):
                    assert pruned.ngettext(message[0], message[0], count) == (
                        built_afresh.ngettext(message[0], message[0], count)
                    ), (code, message)
            else:
                assert pruned.gettext(message) == built_afresh.gettext(message), (code, message)
        assert pruned.gettext("A phrase in no catalog") == "A phrase in no catalog"
