"""Helpers for the records, review, outcomes and messaging pages in Spanish: the sentences of one
template a page includes, rendered again with the page's own context (to tell a page's words from
a partial that another part of the service owns), and the shared form words translated on
another branch of issue #19."""

from django.template.loader import render_to_string
from django.utils import translation

from .pages import sentences

# Words of the shared form templates (templates/forms/, translated with the intake): left out of
# these checks only while this catalog has no Spanish for them, so they count once it has.
SHARED_FORM_WORDS = ("(optional)",)


def shared_words_not_yet_translated() -> set[str]:
    with translation.override("es"):
        return {word for word in SHARED_FORM_WORDS if translation.gettext(word) == word}


def partial_sentences(response, template_name: str, **extra) -> set[str]:
    """What `template_name` says in English with the context `response`'s page was rendered
    with (and `extra`, for what an include passes it)."""
    context = response.context[0].flatten() | extra
    with translation.override("en-gb"):
        return sentences(render_to_string(template_name, context))
