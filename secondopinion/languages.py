"""The languages the service speaks (settings.LANGUAGES), and which one a person reads it in."""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import trans_real


def supported_language(code: str | None) -> str | None:
    """`code` as one of settings.LANGUAGES ("es-MX" → "es", "en" → "en-gb"), or None when the
    service does not speak it."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_of(user) -> str:
    """The language to write to `user` in: the one on their account, else English (the default,
    and the language of an address with no account)."""
    code = getattr(user, "language", "") if user is not None else ""
    return supported_language(code) or settings.LANGUAGE_CODE


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Remember `language` in the browser (Django's language cookie, which LocaleMiddleware
    reads), so that a signed-out visitor keeps it too."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
    )


def language_choices(request) -> dict:
    """Template context for the language switch: each language named in its own language (Django's
    get_available_languages would translate the names into the page's language)."""
    return {"language_choices": settings.LANGUAGES}


def drop_empty_fallbacks() -> None:
    """Unlink, from each language's translations, the catalogs that hold no message.

    For British English, gettext reads each installed app's "en_GB" catalog and chains its "en"
    catalog behind it as a fallback. Those "en" catalogs hold only their header, yet every phrase
    not translated for en-GB (most of ours: they are written in English) walked all six of them:
    about 3 µs a phrase (1.5 µs without them), thousands of times on a rich page. Skipping a
    catalog that holds nothing changes no translation (tests/i18n/test_translation_fallbacks.py
    compares every message with a freshly built, unpruned translation). Called once the apps are
    ready."""
    for code, _name in settings.LANGUAGES:
        node: Any = trans_real.translation(code)  # gettext's chain: GNUTranslations._fallback
        while node is not None:
            following = node._fallback
            while following is not None and _holds_no_message(following):
                following = following._fallback
            node._fallback = following
            node = following


def _holds_no_message(translations) -> bool:
    """A loaded catalog (gettext.GNUTranslations) whose only entry is its header."""
    catalog = getattr(translations, "_catalog", None)
    return isinstance(catalog, dict) and set(catalog) <= {""}
