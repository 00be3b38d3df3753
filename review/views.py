"""Pages of the review: writing the opinion, the quality check's return and delivery, questions
to the patient and their answers, follow-ups, report downloads and shares."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import drafts, permissions
from cases.case_views import case_action, case_form, record_shown, visible_case
from records import selectors as record_selectors
from records import services as record_services
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, posted

from . import opinion_drafts, selectors, services, specialty_fields
from . import workspace as workspace_selectors
from .forms import (
    FollowUpAnswerForm,
    FollowUpForm,
    InformationAnswerForm,
    InformationRequestForm,
    OpinionForm,
)
from .models import Report

return_opinion = case_action(
    services.return_opinion,
    title=_("Return the opinion to the specialist"),
    text_label=_("What needs to change?"),
    text_kwarg="comments",
    success=_("The opinion is returned to the specialist with your comments."),
    allowed=permissions.is_coordinator_of,
)


deliver_opinion = case_action(
    services.deliver_opinion,
    title=_("Deliver the opinion"),
    success=_("The opinion is delivered to the patient."),
    allowed=permissions.is_coordinator_of,
)


@login_required
@require_http_methods(["GET", "POST"])
def opinion_edit(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The old address of the opinion form: the workspace is where the opinion is written now
    (a POST from a page opened before the change still saves)."""
    if request.method == "POST":
        return workspace(request, reference)
    # Checked before redirecting, so the old address tells no one else that the case exists.
    if not permissions.can_write_opinion(request.user, visible_case(request, reference)):
        raise Http404
    return redirect("review:workspace", reference)


@login_required
@require_http_methods(["GET", "POST"])
def workspace(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The specialist's workspace: the case's records and a viewer beside the opinion form, the
    patient's question, answers, questions asked and messages a click away. Only the reviewing
    specialist opens it (coordinators read the case page and the submitted opinion instead)."""
    try:
        case = selectors.case_with_opinion(request.user, reference)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing
    if not permissions.can_write_opinion(request.user, case):
        raise Http404
    opinion = selectors.opinion_for(case)
    fields = specialty_fields.fields_for_case(case)
    if drafts.wants_draft_saved(request):
        return _idle_draft_saved(request, case, fields)
    draft = opinion_drafts.draft_of(case)
    # Shown again on a GET only: a POST shows what was just posted.
    typed = opinion_drafts.typed_by(draft, request.user) if request.method == "GET" else {}
    form = OpinionForm(
        request.POST or None,
        instance=opinion,
        initial=_typed_as_initial(typed) if typed else None,
        specialty_fields=fields,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_opinion_draft(case=case, by=request.user, **form.opinion_answers())
            if "submit" in request.POST:
                services.submit_opinion(case=case, by=request.user)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            opinion_drafts.settle_opinion_draft(case=case, by=request.user)
            if "submit" in request.POST:
                messages.success(request, _("Your opinion is submitted for a quality check."))
                return redirect("cases:case-detail", case.reference)
            messages.success(request, _("Your draft is saved."))
            return redirect("review:workspace", case.reference)
    record_shown(request, case)
    shown = workspace_selectors.workspace_context(request.user, case)
    context = {
        "case": case,
        "form": form,
        "opinion": opinion,
        "draft_version": draft.version if draft else 0,
        "restored_draft": draft if typed else None,
        "refused_text": _labelled(form, opinion_drafts.refused_for(draft, request.user)),
        "refused_at": draft.refused_at if draft else None,
        **shown,
        **_viewer(request, shown["case_files"], shown["studies"]),
    }
    return render(request, "review/workspace.html", context)


def _viewer(request: HttpRequest, case_files: list, studies: list) -> dict:
    """The record chosen with ?record=<id> (one of `case_files`, grouped in `studies`), opened
    in the viewer pane (an audited viewing), or why it cannot be shown there."""
    record_id = request.GET.get("record", "")
    if request.method != "GET" or not record_id.isdigit():
        return {}
    record = workspace_selectors.record_of(case_files, int(record_id))
    if record is None:
        return {}
    try:
        files = record_services.open_in_viewer(
            record=record, by=request.user, session=request.session, studies=studies
        )
    except ApplicationError as error:
        return {"viewer_problem": error.message, "viewer_record": record}
    return {"viewer": record_selectors.viewer_context(record, files), "viewer_record": record}


def _idle_draft_saved(request: HttpRequest, case, fields) -> HttpResponse:
    """The idle script's save of a page that marks the opinion form data-save-draft (one opened
    before the workspace autosaved): its text becomes the draft, as the last thing typed."""
    typed = {name: request.POST.get(name, "") for name in request.POST}
    names = opinion_drafts.draft_field_names([field.form_name for field in fields])
    try:
        opinion_drafts.autosave_opinion_draft(
            case=case,
            by=request.user,
            data=typed,
            version=getattr(opinion_drafts.draft_of(case), "version", 0),
            allowed=names,
        )
    except ApplicationError:
        return HttpResponse(status=413)
    return HttpResponse(status=204)


def _labelled(form: OpinionForm, typed: dict) -> list[tuple[str, str]]:
    """Typed text by its field's label, in the form's order (empty answers left out)."""
    return [
        (str(form.fields[name].label), typed[name])
        for name in form.fields
        if typed.get(name, "").strip()
    ]


def _typed_as_initial(data: dict) -> dict:
    """A draft's text as the form's initial values (the attestation box was typed as "on")."""
    initial = dict(data)
    if "attested" in initial:
        initial["attested"] = initial["attested"] == "on"
    return initial


@login_required
@require_POST
def opinion_autosave(request: HttpRequest, reference: str) -> JsonResponse:
    """The workspace's autosave: JSON {"version": n, "fields": {name: text}} in; the new version
    and the time saved out, or 409 with the current version when another tab saved first."""
    case = visible_case(request, reference)
    if not permissions.can_write_opinion(request.user, case):
        raise Http404
    try:
        body = json.loads(request.body)
        version, typed = int(body["version"]), dict(body["fields"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"message": str(_("The draft could not be read."))}, status=400)
    names = opinion_drafts.draft_field_names(
        [field.form_name for field in specialty_fields.fields_for_case(case)]
    )
    try:
        draft = opinion_drafts.autosave_opinion_draft(
            case=case, by=request.user, data=typed, version=version, allowed=names
        )
    except opinion_drafts.DraftConflict as conflict:
        return JsonResponse(
            {"message": conflict.message, "version": conflict.draft.version, "conflict": True},
            status=409,
        )
    except ApplicationError as error:
        return JsonResponse({"message": error.message}, status=413)
    saved = timezone.localtime(draft.saved_at)
    return JsonResponse(
        {
            "version": draft.version,
            "saved_at": saved.isoformat(),
            "message": _("Saved at %(time)s") % {"time": f"{saved:%H:%M}"},
        }
    )


@login_required
@require_GET
def report_download(
    request: AuthenticatedHttpRequest, reference: str, version: int
) -> FileResponse:
    case = visible_case(request, reference)
    try:
        report = services.open_report(case=case, version=version, by=request.user)
    except Report.DoesNotExist as missing:
        raise Http404 from missing
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=f"second-opinion-{case.reference}-v{report.version}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_http_methods(["GET", "POST"])
def information_request(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The specialist (reviewing) or a coordinator (in triage) asks the patient a question."""
    case = visible_case(request, reference)
    if not (
        permissions.is_coordinator(request.user)
        or permissions.is_assigned_specialist(request.user, case)
    ):
        raise Http404
    return case_form(
        request,
        case,
        InformationRequestForm(posted(request)),
        save=lambda data: services.request_information(case=case, by=request.user, **data),
        success=_("Your question is sent. The patient has been told."),
        title=_("Ask the patient for information"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def information_answer(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The patient's side answers the open question, with text and/or records."""
    case = visible_case(request, reference)
    if not permissions.is_owner(request.user, case):
        raise Http404
    return case_form(
        request,
        case,
        InformationAnswerForm(posted(request), request.FILES or None),
        save=lambda data: services.answer_information_request(
            case=case, by=request.user, answer=data["answer"], files=data["file"]
        ),
        success=_("Thank you: your answer is sent."),
        title=_("Answer the question"),
        information_request=selectors.open_information_request(case),
        multipart=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_ask(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The patient's side asks the specialist a follow-up question about the delivered opinion."""
    case = visible_case(request, reference)
    if not permissions.is_owner(request.user, case):
        raise Http404
    return case_form(
        request,
        case,
        FollowUpForm(posted(request)),
        save=lambda data: services.ask_follow_up(case=case, by=request.user, **data),
        success=_("Your question is sent to the specialist."),
        title=_("Ask a follow-up question"),
        button=_("Send your question"),
        follow_ups_left=selectors.follow_ups_left(case),
        follow_up_deadline=selectors.follow_up_deadline(case),
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_answer(
    request: AuthenticatedHttpRequest, reference: str, follow_up_id: int
) -> HttpResponse:
    """The specialist answers a follow-up question: an addendum to the opinion."""
    case = visible_case(request, reference)
    if not permissions.can_answer_follow_up(request.user, case):
        raise Http404
    follow_up = get_object_or_404(selectors.follow_ups_for(case), pk=follow_up_id)
    return case_form(
        request,
        case,
        FollowUpAnswerForm(posted(request)),
        save=lambda data: services.answer_follow_up(follow_up=follow_up, by=request.user, **data),
        success=_("Your addendum is added. A new version of the report follows."),
        title=_("Answer the follow-up question"),
        button=_("Add the addendum"),
        quoted=follow_up.question,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_share_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The patient makes a single-use, expiring link to the report for their own doctor."""
    case = visible_case(request, reference)
    if not permissions.can_share_report(request.user, case):
        raise Http404
    context = {"case": case, "days": settings.REPORT_SHARE_DAYS}
    if request.method == "POST":
        try:
            share, token = services.share_report(case=case, by=request.user)
        except ApplicationError as error:
            context["error"] = error.message
        else:
            context["share"] = share
            context["link"] = request.build_absolute_uri(
                reverse("review:report-share", args=[token])
            )
    return render(request, "review/report_share_create.html", context)


@require_http_methods(["GET", "POST"])
def report_share(request: HttpRequest, token: str) -> HttpResponseBase:
    """The doctor's page for a shared report: it downloads the current PDF once (on POST, so a
    mail scanner that follows the link does not use it up)."""
    try:
        share = services.shared_report(token=token)
        if request.method == "POST":
            report = services.open_shared_report(token=token)
            return FileResponse(
                report.file.open("rb"),
                as_attachment=True,
                filename=f"second-opinion-{share.case.reference}-v{report.version}.pdf",
                content_type="application/pdf",
            )
    except ApplicationError as error:
        status = 404 if isinstance(error, services.ShareLinkNotFound) else 410
        return render(request, "review/report_share.html", {"error": error.message}, status=status)
    return render(request, "review/report_share.html", {"share": share})
