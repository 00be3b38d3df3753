"""Template helpers for the record upload partials, which other apps' pages include."""

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString

from records import rows, words
from records.forms import RecordUploadForm

register = template.Library()


@register.simple_tag
def new_record_upload_form() -> RecordUploadForm:
    return RecordUploadForm()


@register.simple_tag
def record_upload_limits() -> dict[str, int]:
    return {
        "max_bytes": settings.RECORD_MAX_UPLOAD_BYTES,
        "chunk_bytes": settings.RECORD_UPLOAD_CHUNK_BYTES,
        "expiry_hours": settings.RECORD_UPLOAD_EXPIRY_HOURS,
    }


# Uppy's locale pack (@uppy/locales, served as vendor/uppy-locales) for each language the service
# speaks besides English, Uppy's own default.
UPPY_LOCALES = {"es": "es_ES"}


@register.simple_tag
def uppy_locale() -> str:
    """The name of Uppy's locale for the page's language, or "" for Uppy's English."""
    return UPPY_LOCALES.get(translation.get_language() or "", "")


@register.filter
def said(metadata: dict, key: str) -> str:
    """What a record's reading says under `key` ("unreadable", "no_preview"), in the reader's
    language (records.words)."""
    return words.said(metadata or {}, key)


@register.simple_tag(takes_context=True)
def record_rows(context, records) -> SafeString:
    """The rows of a table of files (records.rows): `is_record_owner` from the page."""
    return rows.record_rows(records, is_record_owner=bool(context.get("is_record_owner")))
