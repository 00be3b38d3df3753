"""Template helpers for the record upload partials, which other apps' pages include."""

from django import template
from django.conf import settings

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
