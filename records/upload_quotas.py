"""The open-upload quotas: how many resumable uploads, and how many bytes declared by them, may be
unfinished at once for one uploader (a signed-in user, or a records request's link) and for one
case. A new upload over either is refused before a single byte is sent (answered with 413)."""

from django.conf import settings
from django.db.models import Count, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from secondopinion.errors import ApplicationError

from .models import Upload


class UploadQuotaExceeded(ApplicationError):
    """Too many unfinished uploads, or too many bytes declared by them (answered with 413)."""

    http_status = 413


def _open_uploads():
    return Upload.objects.filter(status=Upload.Status.RECEIVING, expires_at__gt=timezone.now())


def check(*, case, by, records_request, name: str, length: int) -> None:
    """Refuse a new upload that would pass the open-upload quotas of its uploader (the signed-in
    user, or the records request's link) or of the case."""
    if by is not None:
        mine = _open_uploads().filter(created_by=by)
    else:
        mine = _open_uploads().filter(created_by__isnull=True, records_request=records_request)
    on_case = _open_uploads().filter(case=case)
    for uploads, count_limit, bytes_limit, whose in (
        (
            mine,
            settings.RECORD_OPEN_UPLOADS_PER_UPLOADER,
            settings.RECORD_OPEN_UPLOAD_BYTES_PER_UPLOADER,
            "mine",
        ),
        (
            on_case,
            settings.RECORD_OPEN_UPLOADS_PER_CASE,
            settings.RECORD_OPEN_UPLOAD_BYTES_PER_CASE,
            "case",
        ),
    ):
        totals = uploads.aggregate(count=Count("*"), declared=Sum("length"))
        if totals["count"] >= count_limit:
            message = (
                _(
                    "“%(name)s” did not start: You have %(count)d uploads that have not "
                    "finished yet. Let them finish (or cancel some), then add this file again."
                )
                if whose == "mine"
                else _(
                    "“%(name)s” did not start: This case has %(count)d uploads that have not "
                    "finished yet. Let them finish (or cancel some), then add this file again."
                )
            )
            raise UploadQuotaExceeded(message % {"name": name, "count": totals["count"]})
        declared = totals["declared"] or 0
        if declared + length > bytes_limit:
            raise UploadQuotaExceeded(
                _(
                    "“%(name)s” did not start: with the files still uploading "
                    "(%(declared)s) it would pass the limit of "
                    "%(limit)s uploading at once. Let those finish, then add "
                    "this file again."
                )
                % {
                    "name": name,
                    "declared": filesizeformat(declared),
                    "limit": filesizeformat(bytes_limit),
                }
            )
