"""Helpers for the records, review, outcomes and messaging pages in Spanish: the sentences of one
template a page includes, rendered again with the page's own context (to tell a page's words from
a partial that another part of the service owns), and the shared form words translated on
another branch of issue #19."""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import translation

from records.models import RecordFile

from .pages import sentences

# Words of the shared form templates (templates/forms/, translated with the intake): left out of
# these checks only while this catalog has no Spanish for them, so they count once it has.
SHARED_FORM_WORDS = ("(optional)",)


def shared_words_not_yet_translated() -> set[str]:
    with translation.override("es"):
        return {word for word in SHARED_FORM_WORDS if translation.gettext(word) == word}


def partial_sentences(response, template_name: str, language="en-gb", **passed: str) -> set[str]:
    """What `template_name` says in `language` with the context `response`'s page was rendered
    with (`passed`: what an include passes it, each a name of that context: sections="answers"
    for `with sections=answers`)."""
    context = response.context[0].flatten()
    context |= {name: context[value] for name, value in passed.items()}
    with translation.override(language):
        return sentences(render_to_string(template_name, context))


def english_left_in(
    client, user, url: str, template_name: str, *, same=frozenset(), outside=False, **passed
):
    """english_left for the part of `url`'s page that `template_name` renders (for `user`): the
    English sentences of that part still on the page in Spanish, besides `same`; with
    `outside`, those of the rest of the page instead (the part being another's)."""
    by_language: dict[str, set[str]] = {}
    part: dict[str, set[str]] = {}
    kept = user.language
    for language in ("en-gb", "es"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        user.language = language
        user.save(update_fields=["language"])
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (url, language, response.status_code)
        by_language[language] = sentences(response.text)
        part[language] = partial_sentences(response, template_name, language, **passed)
    user.language = kept
    user.save(update_fields=["language"])
    assert part["en-gb"], f"{template_name} says nothing on {url}"
    if outside:
        left = by_language["en-gb"] & by_language["es"] - part["en-gb"]
    else:  # the part rendered alone in each language, so the rest of the page cannot blur it
        left = part["en-gb"] & part["es"]
    return sorted(left - set(same))


def left_between(english_html: str, spanish_html: str, *, same=frozenset()) -> list[str]:
    """The English sentences of a page (one a POST answered) still in its Spanish version."""
    return sorted(sentences(english_html) & sentences(spanish_html) - set(same))


def sizes_written_alike() -> set[str]:
    """The record files' sizes where Spanish writes them as English does ("193 bytes", and "2.2
    KB" with the US separators): as shown alone, in brackets, and after the file's name."""
    alike = set()
    for name, size in RecordFile.objects.values_list("original_name", "size"):
        with translation.override("en-gb"):
            english = " ".join(filesizeformat(size).split())  # as sentences() reads it
        with translation.override("es"):
            spanish = " ".join(filesizeformat(size).split())
        if english == spanish:
            alike |= {english, f"({english})", f"{name} ({english})"}
    return alike
