"""Pages of the review: writing the opinion, the quality check's return and delivery, questions
to the patient and their answers, follow-ups, report downloads and shares."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases import drafts, permissions
from cases.case_views import case_action, case_form, record_shown, visible_case
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, posted

from . import selectors, services
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
    title="Return the opinion to the specialist",
    text_label="What needs to change?",
    text_kwarg="comments",
    success="The opinion is returned to the specialist with your comments.",
    allowed=permissions.is_coordinator_of,
)


deliver_opinion = case_action(
    services.deliver_opinion,
    title="Deliver the opinion",
    success="The opinion is delivered to the patient.",
    allowed=permissions.is_coordinator_of,
)


@login_required
@require_http_methods(["GET", "POST"])
def opinion_edit(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    if not permissions.can_write_opinion(request.user, case):
        raise Http404
    if drafts.wants_draft_saved(request):
        return drafts.save_draft_response(request, case=case, form="opinion")
    opinion = selectors.opinion_for(case)
    initial = drafts.restored_draft(request, case=case, form="opinion")
    form = OpinionForm(request.POST or None, instance=opinion, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_opinion_draft(case=case, by=request.user, **form.cleaned_data)
            if "submit" in request.POST:
                services.submit_opinion(case=case, by=request.user)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            drafts.discard_form_draft(case=case, user=request.user, form="opinion")
            if "submit" in request.POST:
                messages.success(request, "Your opinion is submitted for a quality check.")
                return redirect("cases:case-detail", case.reference)
            messages.success(request, "Your draft is saved.")
            return redirect("review:opinion-edit", case.reference)
    record_shown(request, case)
    return render(
        request, "review/opinion_edit.html", {"case": case, "form": form, "opinion": opinion}
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
        success="Your question is sent. The patient has been told.",
        title="Ask the patient for information",
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
        success="Thank you: your answer is sent.",
        title="Answer the question",
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
        success="Your question is sent to the specialist.",
        title="Ask a follow-up question",
        button="Send your question",
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
        success="Your addendum is added. A new version of the report follows.",
        title="Answer the follow-up question",
        button="Add the addendum",
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
