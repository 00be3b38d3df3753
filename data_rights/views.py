"""The patient's data-rights pages: who has looked at their case, and downloading it all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cases import permissions
from cases.case_views import visible_case
from secondopinion.accounts.http import AuthenticatedHttpRequest

from . import services as data_rights


@login_required
@require_GET
def access_history(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    if not permissions.is_owner(request.user, case):
        raise Http404
    return render(
        request,
        "data_rights/access_history.html",
        {
            "case": case,
            "history": data_rights.access_history(
                case,
                viewer=request.user,
                before=request.GET.get("before", ""),
                after=request.GET.get("after", ""),
            ),
        },
    )


@login_required
@require_GET
def case_export(request: AuthenticatedHttpRequest, reference: str) -> FileResponse:
    case = visible_case(request, reference)
    try:
        archive = data_rights.export_case(case=case, by=request.user)
    except ObjectDoesNotExist as refused:
        raise Http404 from refused
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"second-opinion-{case.reference}.zip",
        content_type="application/zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def deletion_request(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    if not permissions.is_owner(request.user, case):
        raise Http404
    if request.method == "POST":
        data_rights.request_deletion(case=case, by=request.user)
        messages.success(request, _("We have your request. A coordinator will deal with it."))
        return redirect("data_rights:deletion-request", case.reference)
    return render(
        request,
        "data_rights/deletion_request.html",
        {
            "case": case,
            "pending": data_rights.pending_deletion_request(case),
            "decided": data_rights.last_decided_deletion_request(case),
            "why_not": data_rights.why_not_deletable(case),
        },
    )
