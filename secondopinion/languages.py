"""The languages the service speaks (settings.LANGUAGES), and which one a person reads it in."""

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation


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
