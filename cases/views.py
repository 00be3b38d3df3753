"""Case pages. Thin: check the request, call one service or selector, render."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from records import selectors as record_selectors
from records.forms import RecordUploadForm
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error
from specialists import selectors as specialist_selectors

from . import permissions, selectors, services
from .forms import NewCaseForm, OfferForm, OpinionForm, ReasonForm
from .models import Case, Report


def _visible_case(request: HttpRequest, reference: str) -> Case:
    """A case this user may see, or 404: other people's ids tell them nothing."""
    return get_object_or_404(selectors.cases_visible_to(request.user), reference=reference)


def _coordinator_only(request: HttpRequest) -> None:
    if not permissions.is_coordinator(request.user):
        raise Http404


def _coordinator(user, case: Case) -> bool:
    return permissions.is_coordinator(user)


def _after_action(request: HttpRequest, case: Case) -> HttpResponse:
    if selectors.cases_visible_to(request.user).filter(pk=case.pk).exists():
        return redirect("cases:case-detail", case.reference)
    return redirect("home")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    if permissions.is_coordinator(request.user):
        return redirect("cases:queue")
    return redirect("cases:dashboard")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {"cases": selectors.cases_visible_to(request.user)}
    if permissions.is_specialist(request.user):
        specialist = specialist_selectors.specialist_for_user(request.user)
        context["offers"] = (
            specialist_selectors.open_offers_for_specialist(specialist) if specialist else []
        )
    return render(request, "cases/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    if not permissions.is_patient_side(request.user):
        raise Http404
    form = NewCaseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.create_case(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Your case is saved as a draft.")
            return redirect("cases:case-detail", case.reference)
    return render(request, "cases/case_create.html", {"form": form})


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case = services.view_case(reference=reference, by=request.user)
    except Case.DoesNotExist as missing:
        raise Http404 from missing
    user = request.user
    context = {
        "case": case,
        "timeline": selectors.timeline_for(case),
        "records": record_selectors.records_for_case(case),
        "upload_form": RecordUploadForm() if permissions.can_add_records(user, case) else None,
        "can_edit": permissions.can_edit_case(user, case),
        "is_owner": permissions.is_owner(user, case),
        "is_coordinator": permissions.is_coordinator(user),
        "offer": specialist_selectors.open_offer_for_case(case.pk),
        "actions": services.available_transitions(user, case),
        "can_write_opinion": permissions.can_write_opinion(user, case),
    }
    if permissions.can_read_opinion(user, case):
        context["opinion"] = selectors.opinion_for(case)
        context["report"] = selectors.latest_report_for(case)
        context["reports"] = selectors.reports_for(case)
    return render(request, "cases/case_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = _visible_case(request, reference)
    if not permissions.can_edit_case(request.user, case):
        raise Http404
    form = NewCaseForm(request.POST or None, instance=case)
    del form.fields["record"]
    if request.method == "POST" and form.is_valid():
        services.update_case(case=case, by=request.user, **form.cleaned_data)
        messages.success(request, "Your answers are saved.")
        return redirect("cases:case-detail", case.reference)
    return render(request, "cases/case_edit.html", {"form": form, "case": case})


def case_action(
    service: Callable[..., object],
    *,
    success: str,
    title: str,
    text_label: str = "",
    allowed: Callable[..., bool],
    text_kwarg: str = "reason",
):
    """A view that runs one case service. With `text_label`, it first asks for a reason.

    `allowed(user, case)` says whether this kind of user takes this action at all (else 404);
    whether the case's state allows it now is the service's decision, shown as a message.
    """

    @login_required
    @require_http_methods(["GET", "POST"] if text_label else ["POST"])
    def view(request: HttpRequest, reference: str) -> HttpResponse:
        case = _visible_case(request, reference)
        if not allowed(request.user, case):
            raise Http404
        form = ReasonForm(request.POST or None, label=text_label) if text_label else None
        if request.method == "POST" and (form is None or form.is_valid()):
            kwargs = {text_kwarg: form.cleaned_data["reason"]} if form else {}
            try:
                service(case=case, by=request.user, **kwargs)
            except ApplicationError as error:
                if form is None:
                    raise
                add_application_error(form, error)
            else:
                messages.success(request, success)
                return _after_action(request, case)
        return render(
            request, "cases/case_action.html", {"case": case, "form": form, "title": title}
        )

    return view


submit_case = case_action(
    services.submit_case,
    allowed=permissions.is_owner,
    title="Submit your case",
    success="Your case is submitted. We will tell you as soon as a coordinator has checked it.",
)
withdraw_case = case_action(
    services.withdraw_case,
    allowed=permissions.is_owner,
    title="Withdraw your case",
    text_label="Why are you withdrawing your case?",
    success="Your case is withdrawn.",
)
start_triage = case_action(
    services.start_triage,
    title="Start triage",
    success="Triage started.",
    allowed=_coordinator,
)
send_to_matching = case_action(
    services.send_to_matching,
    title="Send to matching",
    success="The case is complete and ready to be matched with a specialist.",
    allowed=_coordinator,
)
cancel_case = case_action(
    services.cancel_case,
    title="Cancel this case",
    text_label="Why is this case being cancelled?",
    success="The case is cancelled.",
    allowed=_coordinator,
)
return_opinion = case_action(
    services.return_opinion,
    title="Return the opinion to the specialist",
    text_label="What needs to change?",
    text_kwarg="comments",
    success="The opinion is returned to the specialist with your comments.",
    allowed=_coordinator,
)
deliver_opinion = case_action(
    services.deliver_opinion,
    title="Deliver the opinion",
    success="The opinion is delivered to the patient.",
    allowed=_coordinator,
)
accept_offer = case_action(
    services.accept_offer,
    allowed=permissions.has_open_offer,
    title="Accept this case",
    success="You accepted the case. It is now in your reviews.",
)
decline_offer = case_action(
    services.decline_offer,
    allowed=permissions.has_open_offer,
    title="Decline this case",
    text_label="Why are you declining? (For example: a conflict of interest, no capacity)",
    success="You declined the case.",
)


@login_required
@require_http_methods(["GET", "POST"])
def offer_case(request: HttpRequest, reference: str) -> HttpResponse:
    _coordinator_only(request)
    case = _visible_case(request, reference)
    form = OfferForm(
        request.POST or None, specialists=specialist_selectors.specialists_available_for_offer()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_case(
                case=case, specialist=form.cleaned_data["specialist"], by=request.user
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "The case is offered. The specialist has been notified.")
            return redirect("cases:case-detail", case.reference)
    return render(request, "cases/case_offer.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def opinion_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = _visible_case(request, reference)
    if not permissions.can_write_opinion(request.user, case):
        raise Http404
    opinion = selectors.opinion_for(case)
    form = OpinionForm(request.POST or None, instance=opinion)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_opinion_draft(case=case, by=request.user, **form.cleaned_data)
            if "submit" in request.POST:
                services.submit_opinion(case=case, by=request.user)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if "submit" in request.POST:
                messages.success(request, "Your opinion is submitted for a quality check.")
                return redirect("cases:case-detail", case.reference)
            messages.success(request, "Your draft is saved.")
            return redirect("cases:opinion-edit", case.reference)
    return render(
        request, "cases/opinion_edit.html", {"case": case, "form": form, "opinion": opinion}
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _coordinator_only(request)
    return render(request, "cases/queue.html", {"cases": selectors.coordinator_queue()})


@login_required
@require_GET
def report_download(request: HttpRequest, reference: str, version: int) -> FileResponse:
    case = _visible_case(request, reference)
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
