"""Record pages and endpoints: adding files (a form, or resumable tus uploads), downloads and
previews, describing files, and records requests (the patient's side, the provider's link, the
coordinators' list). Thin: check the request, call one service or selector, render."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import permissions as case_permissions
from cases.selectors import case_visible_to
from secondopinion import request_body
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.accounts.models import User
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error

from . import provider_requests, selectors, services, tus, uploads, viewing
from .forms import ProviderUploadForm, RecordDescriptionForm, RecordsRequestForm, RecordUploadForm
from .models import ACCEPTED_TYPES, RecordsRequest

PROVIDER_SESSION_KEY = "records_request_ids"


def _visible_case(request: HttpRequest, reference: str):
    """A case this user may see, or 404 (other people's ids tell them nothing)."""
    try:
        return case_visible_to(request.user, reference)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


def _own_case(request: HttpRequest, reference: str):
    """A case this user owns, or 404 (another person's case tells them nothing)."""
    case = _visible_case(request, reference)
    if not case_permissions.is_owner(request.user, case):
        raise Http404
    return case


def _back_to(request: HttpRequest, case) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("cases:case-detail", case.reference)


# The patient's files ---------------------------------------------------------------------------


@login_required
@require_POST
def record_upload(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _own_case(request, reference)
    form = RecordUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return _back_to(request, case)
    added, refused = services.add_records(
        case=case, by=request.user, uploads=form.cleaned_data["file"]
    )
    for message in refused:
        messages.error(request, message)
    if len(added) == 1:
        messages.success(
            request, _("“%(name)s” is added to your case.") % {"name": added[0].original_name}
        )
    elif added:
        messages.success(
            request, _("%(count)d files are added to your case.") % {"count": len(added)}
        )
    return _back_to(request, case)


@login_required
@require_GET
def case_records(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Every record of the case: the list alone when htmx asks for it (the uploader refreshing it
    after uploads finish, "Show all" on the case page), else a page of its own (the same link
    opened without JavaScript, or in a new tab)."""
    case = _visible_case(request, reference)
    services.view_case_records(case=case, by=request.user)
    context = {"case": case, **selectors.case_records_context(case, request.user)}
    if request.headers.get("HX-Request") == "true":
        return render(request, "records/partials/records_list.html", context)
    return render(request, "records/case_records.html", context)


@login_required
@require_GET
def record_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    record = get_object_or_404(selectors.records_visible_to(request.user), pk=pk)
    handle = services.open_record(record=record, by=request.user)
    # Always an attachment, with a fixed safe type for anything that a browser could run.
    content_type = (
        record.content_type if record.content_type in ACCEPTED_TYPES else "application/octet-stream"
    )
    return FileResponse(
        handle, as_attachment=True, filename=record.original_name, content_type=content_type
    )


@login_required
@require_GET
def record_inline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """A record's bytes for the in-browser viewers: inline, streamed, with byte ranges; audited
    once per viewing (records.viewing)."""
    record = get_object_or_404(selectors.records_visible_to(request.user), pk=pk)
    try:
        payload = services.open_record_for_viewing(record=record)
    except ApplicationError as error:
        return HttpResponse(
            str(error.message), status=409, content_type="text/plain; charset=utf-8"
        )
    return _to_viewer(request, record, payload, record.content_type)


@login_required
@require_GET
def record_reduced(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The reduced copy of a huge image, which the image viewer shows instead of the original:
    served, ranged and audited as the record's own bytes are (record_inline)."""
    record = get_object_or_404(selectors.records_visible_to(request.user), pk=pk)
    try:
        payload = services.open_reduced_for_viewing(record=record)
    except ApplicationError as error:
        return HttpResponse(
            str(error.message), status=409, content_type="text/plain; charset=utf-8"
        )
    if payload is None:
        raise Http404
    return _to_viewer(request, record, payload, record.reduced_content_type)


def _to_viewer(
    request: AuthenticatedHttpRequest, record, payload: viewing.Payload, content_type: str
) -> HttpResponseBase:
    """`payload` streamed inline (the range asked for, if any), once the viewing is audited."""
    try:
        byte_range = _requested_range(request, payload)
    except viewing.RangeNotSatisfiable:
        payload.handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{payload.size}"
        return refused
    due = viewing.record_ids_to_audit(request.session, [record.pk], time.time())
    services.record_viewings(records=[record] if due else [], by=request.user)
    start, length = (byte_range.start, byte_range.length) if byte_range else (0, payload.size)
    response = StreamingHttpResponse(
        viewing.stream_bytes(payload.handle, start, length),
        status=206 if byte_range else 200,
        content_type=content_type,
    )
    if byte_range:
        response["Content-Range"] = byte_range.content_range(payload.size)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = payload.etag
    response["Content-Disposition"] = content_disposition_header(False, record.original_name) or ""
    # Opened on its own, the file may not run anything (a PDF's scripts, an SVG's).
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def _requested_range(request: HttpRequest, payload: viewing.Payload) -> viewing.ByteRange | None:
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    # A range of another version of the file is no range of this one: send it whole.
    if not header or (if_range is not None and if_range.strip() != payload.etag):
        return None
    return viewing.parse_range(header, payload.size)


@login_required
@require_GET
def record_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One record in its viewer, or the DICOM series it belongs to (all slices, in order)."""
    record = get_object_or_404(selectors.records_visible_to(request.user), pk=pk)
    try:
        files = services.open_in_viewer(record=record, by=request.user, session=request.session)
    except ApplicationError as error:
        return render(
            request, "records/record_view.html", {"record": record, "problem": error.message}
        )
    return render(
        request,
        "records/record_view.html",
        {"record": record, "viewer": selectors.viewer_context(record, files)},
    )


@login_required
@require_GET
def record_preview(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    record = get_object_or_404(selectors.records_visible_to(request.user), pk=pk)
    handle = services.open_preview(record=record, by=request.user)
    if handle is None:
        raise Http404
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def record_describe(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(selectors.records_visible_to(request.user), pk=pk)
    if not case_permissions.is_owner(request.user, record.case):
        raise Http404
    form = RecordDescriptionForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        services.describe_record(record=record, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Your description of “%(name)s” is saved.") % {"name": record.original_name},
        )
        return redirect("cases:case-detail", record.case.reference)
    return render(request, "records/record_describe.html", {"record": record, "form": form})


# Resumable uploads (tus) -----------------------------------------------------------------------


@login_required
@require_http_methods(["POST", "OPTIONS"])
def upload_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _own_case(request, reference)
    return _create_upload(request, case=case, by=request.user)


def _create_upload(
    request: HttpRequest, *, case, by: User | None, records_request=None
) -> HttpResponse:
    if request.method == "OPTIONS":
        return tus.options()
    if problem := tus.version_problem(request):
        return problem
    try:
        length = tus.int_header(request, "Upload-Length")
    except ValueError:
        return tus.response(400, "Upload-Length must be the file's size in bytes.")
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata", ""))
    # Uppy sends a folder's files with their relativePath (checked for "..") and others with
    # the text "null" there.
    relative_path = metadata.get("relativePath", "")
    if relative_path == "null":
        relative_path = ""
    name = relative_path or metadata.get("filename") or metadata.get("name", "")
    try:
        upload = uploads.create_upload(
            case=case, by=by, length=length, name=name, records_request=records_request
        )
    except uploads.UploadPaused as paused:
        return tus.response(503, str(paused.message), Retry_After="5")
    except ApplicationError as error:
        too_large = length > settings.RECORD_MAX_UPLOAD_BYTES
        status = getattr(error, "http_status", None) or (413 if too_large else 400)
        return tus.response(status, error.message)
    return tus.response(
        201,
        Location=request.build_absolute_uri(reverse("records:tus-upload", args=[upload.pk])),
        Upload_Expires=tus.expires(upload.expires_at),
    )


def _provider_request_ids(request: HttpRequest) -> list[int]:
    return [int(pk) for pk in request.session.get(PROVIDER_SESSION_KEY, [])]


@require_http_methods(["GET", "HEAD", "PATCH", "DELETE", "OPTIONS"])
def upload_detail(request: HttpRequest, upload_id: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return tus.options()
    upload = get_object_or_404(
        selectors.uploads_visible_to(request.user, _provider_request_ids(request)), pk=upload_id
    )
    if request.method == "GET":
        # Not tus: what became of the file once every byte is sent (the uploader asks).
        outcome, message = uploads.upload_outcome(upload)
        answer = JsonResponse({"outcome": outcome, "message": message})
        answer["Cache-Control"] = "no-store"
        return answer
    if problem := tus.version_problem(request):
        return problem
    by = request.user if request.user.is_authenticated else None
    if request.method == "DELETE":
        uploads.terminate_upload(upload=upload, by=by)
        return tus.response(204)
    if upload.status == upload.Status.REFUSED:
        return tus.response(410, upload.message)
    if upload.status == upload.Status.RECEIVING and upload.is_expired:
        return tus.response(410, _("This upload has expired. Start it again."))
    if request.method == "HEAD":
        return tus.response(
            200,
            Upload_Offset=str(uploads.upload_offset(upload)),
            Upload_Length=str(upload.length),
            Upload_Expires=tus.expires(upload.expires_at),
        )
    return _patch(request, upload)


def _patch(request: HttpRequest, upload) -> HttpResponse:
    if request.content_type != tus.CONTENT_TYPE:
        return tus.response(415, f"Send the bytes as {tus.CONTENT_TYPE}.")
    try:
        offset = tus.int_header(request, "Upload-Offset")
    except ValueError:
        return tus.response(400, "Upload-Offset must be a number of bytes.")
    length = request.headers.get("Content-Length", "")
    try:
        upload = uploads.append_to_upload(
            upload=upload,
            offset=offset,
            stream=request_body.open_body(request),
            content_length=int(length) if length.isdigit() else None,
        )
    except uploads.UploadOffsetMismatch as mismatch:
        return tus.response(409, str(mismatch), Upload_Offset=str(mismatch.offset))
    except uploads.UploadBusy:
        return tus.response(423, _("This upload is being added to the case in another request."))
    except uploads.UploadPaused as paused:
        # Nothing of this chunk was kept: the client sends it again from the same offset.
        upload.refresh_from_db()
        return tus.response(
            503,
            str(paused.message),
            Retry_After="5",
            Upload_Offset=str(uploads.upload_offset(upload)),
        )
    except ApplicationError as error:
        return tus.response(422, error.message)
    return tus.response(
        204,
        then=uploads.after_chunk(upload),
        Upload_Offset=str(uploads.upload_offset(upload)),
        Upload_Expires=tus.expires(upload.expires_at),
    )


# Records requests: the patient's side ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _own_case(request, reference)
    form = RecordsRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider_requests.create_records_request(
                case=case, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _("We emailed %(provider)s a link to send your records.")
                % {"provider": form.cleaned_data["provider_name"]},
            )
            return redirect("cases:case-detail", case.reference)
    return render(
        request,
        "records/request_create.html",
        {"case": case, "form": form, "link_days": settings.RECORDS_REQUEST_LINK_DAYS},
    )


@login_required
@require_POST
def request_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    records_request = get_object_or_404(selectors.records_requests_visible_to(request.user), pk=pk)
    if not case_permissions.is_owner(request.user, records_request.case):
        raise Http404
    provider_requests.resend_records_request(records_request=records_request, by=request.user)
    messages.success(
        request,
        _("We emailed %(provider)s a new link.") % {"provider": records_request.provider_name},
    )
    return redirect("cases:case-detail", records_request.case.reference)


@login_required
@require_GET
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    case_permissions.require_coordinator(request.user)
    return render(
        request,
        "records/request_list.html",
        {"records_requests": selectors.open_records_requests()},
    )


# Records requests: the provider's side (no account; the link is the key) ---------------------


def _link_problem(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    status = 404 if isinstance(error, provider_requests.LinkNotValid) else 410
    return render(
        request, "records/provider_link_problem.html", {"message": error.message}, status=status
    )


@require_GET
def provider_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: check it, remember it in this browser's session, and move to a page
    whose address holds no token (so it stays out of history and Referer headers)."""
    try:
        records_request = provider_requests.open_records_request(token=token)
    except ApplicationError as error:
        return _link_problem(request, error)
    request.session[PROVIDER_SESSION_KEY] = [records_request.pk]
    request.session.cycle_key()
    return redirect("records:provider-upload")


def _provider_request(request: HttpRequest) -> RecordsRequest:
    ids = _provider_request_ids(request)
    records_request = (
        RecordsRequest.objects.select_related("case__owner").filter(pk__in=ids).first()
        if ids
        else None
    )
    if records_request is None:
        raise Http404
    provider_requests.check_records_request_open(records_request)
    return records_request


@require_http_methods(["GET", "POST"])
def provider_upload(request: HttpRequest) -> HttpResponse:
    try:
        records_request = _provider_request(request)
    except ApplicationError as error:
        return _link_problem(request, error)
    form = ProviderUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        added, refused = services.add_records(
            case=records_request.case,
            by=None,
            uploads=form.cleaned_data["file"],
            records_request=records_request,
        )
        for message in refused:
            form.add_error("file", message)
        if added and not refused:
            provider_requests.finish_records_request(records_request=records_request)
            return render(request, "records/provider_done.html", {"count": len(added)})
        if added:
            messages.success(
                request,
                ngettext(
                    "%(count)d of your files are received.",
                    "%(count)d of your files are received.",
                    len(added),
                )
                % {"count": len(added)},
            )
    return render(
        request,
        "records/provider_upload.html",
        {
            "records_request": records_request,
            "patient": selectors.patient_identity(records_request),
            "form": form,
            "received": services.files_received(records_request),
        },
    )


@require_http_methods(["POST", "OPTIONS"])
def provider_upload_create(request: HttpRequest) -> HttpResponse:
    try:
        records_request = _provider_request(request)
    except ApplicationError as error:
        return tus.response(410, error.message)
    return _create_upload(
        request, case=records_request.case, by=None, records_request=records_request
    )


@require_POST
def provider_finish(request: HttpRequest) -> HttpResponse:
    try:
        records_request = _provider_request(request)
        provider_requests.finish_records_request(records_request=records_request)
    except ApplicationError as error:
        if isinstance(
            error,
            provider_requests.LinkNotValid
            | provider_requests.LinkExpired
            | provider_requests.LinkUsed,
        ):
            return _link_problem(request, error)
        messages.error(request, error.message)
        return redirect("records:provider-upload")
    count = len(services.files_received(records_request))
    return render(request, "records/provider_done.html", {"count": count})
