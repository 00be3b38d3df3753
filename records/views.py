"""Adding and downloading record files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from cases import permissions as case_permissions
from cases.selectors import cases_visible_to
from secondopinion.errors import ApplicationError

from . import selectors, services
from .forms import RecordUploadForm
from .models import ACCEPTED_TYPES


@login_required
@require_POST
def record_upload(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_object_or_404(cases_visible_to(request.user), reference=reference)
    if not case_permissions.is_owner(request.user, case):
        raise Http404
    form = RecordUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to upload.")
    else:
        try:
            record = services.add_record(
                case=case, by=request.user, upload=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"“{record.original_name}” is added to your case.")
    return redirect("cases:case-detail", case.reference)


@login_required
@require_GET
def record_download(request: HttpRequest, pk: int) -> FileResponse:
    record = get_object_or_404(selectors.records_visible_to(request.user), pk=pk)
    handle = services.open_record(record=record, by=request.user)
    # Always an attachment, with a fixed safe type for anything that a browser could run.
    content_type = (
        record.content_type if record.content_type in ACCEPTED_TYPES else "application/octet-stream"
    )
    return FileResponse(
        handle, as_attachment=True, filename=record.original_name, content_type=content_type
    )
