"""Case pages. Thin: check the request, call one service or selector, render."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from records import selectors as record_selectors
from records.forms import RecordUploadForm
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, posted
from specialists import selectors as specialist_selectors

from . import drafts, intake, permissions, selectors, services
from .forms import (
    AuthorityForm,
    ConsentForm,
    CoverageCheckForm,
    FollowUpAnswerForm,
    FollowUpForm,
    InformationAnswerForm,
    InformationRequestForm,
    MessageForm,
    OpinionForm,
    ReasonForm,
    UseAuthorityForm,
)
from .models import Case, CaseFor, Report, Status


def _visible_case(request: HttpRequest, reference: str) -> Case:
    """A case this user may see, or 404: other people's ids tell them nothing."""
    return get_object_or_404(selectors.cases_visible_to(request.user), reference=reference)


def _shown(request: HttpRequest, case: Case) -> None:
    """A page showing the case to this user is a read of it: audited (once, on the GET)."""
    if request.method == "GET":
        services.record_case_read(case=case, by=request.user)


def _after_action(request: HttpRequest, case: Case) -> HttpResponse:
    if permissions.can_view_case(request.user, case):
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
    user = request.user
    context = {"cases": selectors.cases_visible_to(user)}
    if permissions.is_patient_side(user):
        context = {
            "cases": [
                (
                    case,
                    selectors.waiting_on_patient(case),
                    case.unread_messages,
                )
                for case in selectors.cases_for_dashboard(user)
            ],
            "granted": selectors.authorities_granted_by(user),
            "acting_for": selectors.authorities_of_caregiver(user),
            "stopped": selectors.authorities_stopped_for(user),
        }
    if permissions.is_specialist(request.user):
        # The same work list as the specialist's home: grouped by what they must do next.
        specialist = specialist_selectors.specialist_for_user(request.user)
        context = specialist_selectors.home_for(specialist) if specialist else {}
    return render(request, "cases/dashboard.html", context)


# The intake ------------------------------------------------------------------------------------


def _draft(request: HttpRequest, reference: str) -> Case:
    """A draft this user may change, or 404."""
    case = _visible_case(request, reference)
    if not permissions.can_edit_case(request.user, case):
        raise Http404
    return case


def _returning(request: HttpRequest) -> bool:
    return request.GET.get("return") == intake.RETURN_TO_CHECK


def _render_step(request: HttpRequest, template: str, case: Case | None, step, **context):
    returning = _returning(request)
    if case is None:  # the first pages, before the draft exists: who it is for, the authority
        number, total = intake.position(step)
        back = reverse("cases:case-create" if step.slug == "authority" else "cases:dashboard")
    elif case.status != Status.DRAFT:  # signing a newer consent on a submitted case
        number, total, back = None, None, reverse("cases:case-detail", args=[case.reference])
    else:
        number, total = intake.position(step)
        back = intake.previous_url(case, step, returning=returning)
    return render(
        request,
        template,
        {
            "case": case,
            "step": step,
            "step_number": number,
            "step_count": total,
            "back_url": back,
            "returning": returning,
            **context,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    """The intake's first page, before there is a case: who the second opinion is for."""
    if not permissions.is_patient_side(request.user):
        raise Http404
    form = intake.STEP_BY_SLUG["who"].bind(posted(request))
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["case_for"] == CaseFor.SOMEONE_ELSE:
            return redirect("cases:authority-new")
        case = services.create_case(by=request.user, case_for=CaseFor.SELF)
        return redirect(intake.next_url(case, intake.STEP_BY_SLUG["who"], returning=False))
    return _render_step(
        request, "cases/intake_step.html", None, intake.STEP_BY_SLUG["who"], form=form
    )


def _authority_forms(request: HttpRequest):
    authorities = selectors.authorities_of_caregiver(request.user)
    using = request.method == "POST" and "use" in request.POST
    creating = request.method == "POST" and not using
    use_form = (
        UseAuthorityForm(request.POST if using else None, authorities=authorities)
        if authorities.exists()
        else None
    )
    form = AuthorityForm(request.POST if creating else None, request.FILES if creating else None)
    return use_form, form, using


@login_required
@require_http_methods(["GET", "POST"])
def authority_new(request: HttpRequest) -> HttpResponse:
    """A caregiver records (or picks) their authority, and the draft case is opened with it."""
    if not permissions.is_patient_side(request.user):
        raise Http404
    use_form, form, using = _authority_forms(request)
    bound = use_form if using else form
    if request.method == "POST" and bound.is_valid():
        try:
            if using:
                case = services.create_case(
                    by=request.user,
                    case_for=CaseFor.SOMEONE_ELSE,
                    authority=bound.cleaned_data["authority"],
                )
            else:
                case = services.open_case_for_patient(by=request.user, **bound.cleaned_data)
        except ApplicationError as error:
            add_application_error(bound, error)
        else:
            step = intake.STEP_BY_SLUG["authority"]
            return redirect(intake.next_url(case, step, returning=False))
    return _render_step(
        request,
        "cases/intake_authority.html",
        None,
        intake.STEP_BY_SLUG["authority"],
        form=form,
        use_form=use_form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_authority(request: HttpRequest, reference: str) -> HttpResponse:
    """The authority page of an existing draft: record a new authority or pick another."""
    case = _draft(request, reference)
    if not permissions.can_change_who_case_is_for(request.user, case):
        raise Http404
    step = intake.STEP_BY_SLUG["authority"]
    use_form, form, using = _authority_forms(request)
    bound = use_form if using else form
    if request.method == "POST" and bound.is_valid():
        answer = {"authority": bound.cleaned_data["authority"]} if using else bound.cleaned_data
        try:
            case = services.set_proxy_authority(case=case, by=request.user, **answer)
        except ApplicationError as error:
            add_application_error(bound, error)
        else:
            return redirect(intake.next_url(case, step, returning=_returning(request)))
    return _render_step(
        request, "cases/intake_authority.html", case, step, form=form, use_form=use_form
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_step(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    """One page of the intake: show the saved answers, save the new ones, go on."""
    case = _draft(request, reference)
    page = intake.STEP_BY_SLUG.get(step)
    if page is None or page.form is None or page not in intake.steps_for(case):
        raise Http404
    if page.slug == "who" and not permissions.can_change_who_case_is_for(request.user, case):
        raise Http404
    draft_name = f"intake:{page.slug}"
    if drafts.wants_draft_saved(request):
        return drafts.save_draft_response(request, case=case, form=draft_name)
    extra = {}
    if page.slug == "review-type":
        extra = {"prices": selectors.price_list()}
    elif page.slug == "preferences":
        extra = {"languages": selectors.report_languages()}
    initial = drafts.restored_draft(request, case=case, form=draft_name)
    form = page.bind(posted(request), instance=case, initial=initial, **extra)
    if request.method == "POST" and form.is_valid():
        case = services.update_case(case=case, by=request.user, **form.cleaned_data)
        drafts.discard_form_draft(case=case, user=request.user, form=draft_name)
        return redirect(intake.next_url(case, page, returning=_returning(request)))
    context = {"form": form}
    if page.slug == "records":
        context["records"] = record_selectors.records_for_case(case)
    template = f"cases/intake_{page.slug.replace('-', '_')}.html"
    return _render_step(request, [template, "cases/intake_step.html"], case, page, **context)


@login_required
@require_GET
def intake_resume(request: HttpRequest, reference: str) -> HttpResponse:
    """Carry on with a draft where it still needs an answer."""
    case = _draft(request, reference)
    missing = {item.answer for item in services.missing_for_submission(case)}
    return redirect(intake.resume_url(case, missing))


@login_required
@require_GET
def intake_check(request: HttpRequest, reference: str) -> HttpResponse:
    """Check your answers: every answer with a Change link, what is missing, the price."""
    case = _draft(request, reference)
    missing = [
        (item, intake.STEP_OF_ANSWER[item.answer].url(case, returning=True))
        for item in services.missing_for_submission(case)
    ]
    sections = [
        (page, intake.answers_on(case, page), page.url(case, returning=True))
        for page in intake.steps_for(case)
    ]
    return render(
        request,
        "cases/intake_check.html",
        {
            "case": case,
            "sections": sections,
            "missing": missing,
            "records": record_selectors.records_for_case(case),
            "consent": selectors.consent_for(case),
            "current_consent": selectors.current_consent_text(),
            "price": selectors.price_for(case),
            "can_change_who": permissions.can_change_who_case_is_for(request.user, case),
            "report_language_offered": selectors.report_language_offered(case),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_consent(request: HttpRequest, reference: str) -> HttpResponse:
    """Read and sign the current consent version for a case."""
    case = _visible_case(request, reference)
    if not permissions.can_sign_consent(request.user, case):
        raise Http404
    form = ConsentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_consent(
                case=case,
                by=request.user,
                signed_name=form.cleaned_data["signed_name"],
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Thank you: your consent is signed.")
            if case.status == Status.DRAFT:
                return redirect("cases:intake-check", case.reference)
            return redirect("cases:case-detail", case.reference)
    step = intake.STEP_BY_SLUG["consent"]
    return _render_step(
        request,
        "cases/intake_consent.html",
        case,
        step,
        form=form,
        text=selectors.current_consent_text(),
        signed=selectors.consent_for(case),
        in_intake=case.status == Status.DRAFT,
    )


# Caregivers' authority -------------------------------------------------------------------------


@login_required
@require_GET
def authority_document(request: HttpRequest, authority_id: int) -> FileResponse:
    authority = get_object_or_404(selectors.authorities_visible_to(request.user), pk=authority_id)
    handle = services.open_authority_document(authority=authority, by=request.user)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=authority.document_name,
        content_type=authority.document_type
        if authority.document_type in services.AUTHORITY_DOCUMENT_TYPES
        else "application/octet-stream",
    )


@login_required
@require_http_methods(["GET", "POST"])
def authority_revoke(request: HttpRequest, authority_id: int) -> HttpResponse:
    """The patient stops a caregiver acting for them (after a confirmation page)."""
    authority = get_object_or_404(selectors.authorities_granted_by(request.user), pk=authority_id)
    if request.method == "POST":
        services.revoke_proxy_authority(authority=authority, by=request.user)
        messages.success(
            request, f"{authority.caregiver} can no longer act for you or see your requests."
        )
        return redirect("cases:dashboard")
    return render(request, "cases/authority_revoke.html", {"authority": authority})


@login_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        case = services.view_case(reference=reference, by=request.user)
    except Case.DoesNotExist as missing:
        raise Http404 from missing
    user = request.user
    timeline = list(selectors.timeline_for(case))
    consent = selectors.consent_for(case)
    can_see_cover = permissions.can_see_cover_and_authority(user, case)
    context = {
        "case": case,
        "timeline": timeline,
        "records": record_selectors.records_for_case(case),
        "upload_form": RecordUploadForm() if permissions.can_add_records(user, case) else None,
        "can_edit": permissions.can_edit_case(user, case),
        "is_owner": permissions.is_owner(user, case),
        "is_coordinator": permissions.is_coordinator(user),
        "offer": specialist_selectors.open_offer_for_case(case.pk)
        if case.status == Status.OFFERED
        else None,
        "language_waiver": specialist_selectors.language_waiver_for(case.pk)
        if case.has_language_waiver
        else None,
        "actions": services.available_transitions(user, case),
        "can_write_opinion": permissions.can_write_opinion(user, case),
        "information_requests": selectors.information_requests_for(case, timeline),
        "can_message": permissions.can_message(user, case),
        "unread_messages": case.unread_messages,
        "can_ask_for_information": permissions.can_ask_for_information(user, case),
        "can_answer_information_request": permissions.can_answer_information_request(user, case),
        "expected_steps": selectors.expected_steps(case, timeline),
        "price": selectors.price_for(case),
        "coverage_check": selectors.latest_coverage_check(case) if can_see_cover else None,
        "coverage_form": CoverageCheckForm()
        if permissions.can_check_coverage(user, case)
        else None,
        "consent": consent,
        "can_sign_consent": permissions.can_sign_consent(user, case)
        and not selectors.is_current_consent(consent),
        "can_see_cover": can_see_cover,
        "answers": [
            (page, intake.answers_on(case, page), None)
            for page in intake.steps_for(case)
            if can_see_cover or page.slug not in intake.COVER_STEPS
        ],
        **record_selectors.case_records_context(case, user),
    }
    if permissions.can_read_opinion(user, case):
        opinion = selectors.opinion_for(case)
        follow_ups = list(selectors.follow_ups_for(case, timeline))
        context["opinion"] = opinion
        context["report"] = selectors.latest_report_for(case, opinion) if opinion else None
        context["reports"] = selectors.reports_visible_to(user, case)
        context["follow_ups"] = follow_ups
        context["follow_ups_left"] = selectors.follow_ups_left(case, follow_ups)
        context["follow_up_deadline"] = selectors.follow_up_deadline(case, timeline)
        context["can_ask_follow_up"] = permissions.can_ask_follow_up(user, case)
        context["can_answer_follow_up"] = permissions.can_answer_follow_up(user, case)
        context["can_share_report"] = permissions.can_share_report(user, case)
    return render(request, "cases/case_detail.html", context)


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
        _shown(request, case)
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
withdraw_consent = case_action(
    services.withdraw_consent,
    allowed=permissions.is_owner,
    title="Withdraw your consent",
    text_label="Why are you withdrawing your consent?",
    success="Your consent is withdrawn.",
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
    allowed=permissions.is_coordinator_of,
)
send_to_matching = case_action(
    services.send_to_matching,
    title="Send to matching",
    success="The case is complete and ready to be matched with a specialist.",
    allowed=permissions.is_coordinator_of,
)
cancel_case = case_action(
    services.cancel_case,
    title="Cancel this case",
    text_label="Why is this case being cancelled?",
    success="The case is cancelled.",
    allowed=permissions.is_coordinator_of,
)
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


def _case_form(
    request: HttpRequest,
    case: Case,
    form,
    *,
    save: Callable[[dict], object],
    success: str,
    template: str = "cases/information_form.html",
    redirect_to: str = "cases:case-detail",
    shown: Callable[[], dict] | None = None,
    audit_read: bool = True,
    **context,
) -> HttpResponse:
    """The shape every case form shares: on a valid POST call `save` with the cleaned data and go
    back with `success`; a refusal from the service shows on the form with everything typed kept.
    `shown` adds context computed only when the page is shown (not before a redirect);
    `audit_read=False` when the page audits a finer read of its own."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, success)
            return redirect(redirect_to, case.reference)
    if shown is not None:
        context |= shown()
    if audit_read:
        _shown(request, case)
    return render(request, template, {"case": case, "form": form, **context})


@login_required
@require_http_methods(["GET", "POST"])
def coverage_check(request: HttpRequest, reference: str) -> HttpResponse:
    """A coordinator records the coverage check (the form is also on the case page)."""
    permissions.require_coordinator(request.user)
    case = _visible_case(request, reference)
    return _case_form(
        request,
        case,
        CoverageCheckForm(posted(request)),
        save=lambda data: services.record_coverage_check(case=case, by=request.user, **data),
        success="The coverage check is saved. The patient can see it.",
        template="cases/coverage_check.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def opinion_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = _visible_case(request, reference)
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
            return redirect("cases:opinion-edit", case.reference)
    _shown(request, case)
    return render(
        request, "cases/opinion_edit.html", {"case": case, "form": form, "opinion": opinion}
    )


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


@login_required
@require_http_methods(["GET", "POST"])
def information_request(request: HttpRequest, reference: str) -> HttpResponse:
    """The specialist (reviewing) or a coordinator (in triage) asks the patient a question."""
    case = _visible_case(request, reference)
    if not (
        permissions.is_coordinator(request.user)
        or permissions.is_assigned_specialist(request.user, case)
    ):
        raise Http404
    return _case_form(
        request,
        case,
        InformationRequestForm(posted(request)),
        save=lambda data: services.request_information(case=case, by=request.user, **data),
        success="Your question is sent. The patient has been told.",
        title="Ask the patient for information",
    )


@login_required
@require_http_methods(["GET", "POST"])
def information_answer(request: HttpRequest, reference: str) -> HttpResponse:
    """The patient's side answers the open question, with text and/or records."""
    case = _visible_case(request, reference)
    if not permissions.is_owner(request.user, case):
        raise Http404
    return _case_form(
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
def follow_up_ask(request: HttpRequest, reference: str) -> HttpResponse:
    """The patient's side asks the specialist a follow-up question about the delivered opinion."""
    case = _visible_case(request, reference)
    if not permissions.is_owner(request.user, case):
        raise Http404
    return _case_form(
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
def follow_up_answer(request: HttpRequest, reference: str, follow_up_id: int) -> HttpResponse:
    """The specialist answers a follow-up question: an addendum to the opinion."""
    case = _visible_case(request, reference)
    if not permissions.can_answer_follow_up(request.user, case):
        raise Http404
    follow_up = get_object_or_404(selectors.follow_ups_for(case), pk=follow_up_id)
    return _case_form(
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
def report_share_create(request: HttpRequest, reference: str) -> HttpResponse:
    """The patient makes a single-use, expiring link to the report for their own doctor."""
    case = _visible_case(request, reference)
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
                reverse("cases:report-share", args=[token])
            )
    return render(request, "cases/report_share_create.html", context)


@require_http_methods(["GET", "POST"])
def report_share(request: HttpRequest, token: str) -> HttpResponse:
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
        return render(request, "cases/report_share.html", {"error": error.message}, status=status)
    return render(request, "cases/report_share.html", {"share": share})


@login_required
@require_http_methods(["GET", "POST"])
def case_messages(request: HttpRequest, reference: str) -> HttpResponse:
    """The case's messages, read by opening this page, and a form to send one."""
    case = _visible_case(request, reference)
    if not permissions.can_message(request.user, case):
        raise Http404
    if drafts.wants_draft_saved(request):
        return drafts.save_draft_response(request, case=case, form="message")

    def send(data: dict) -> None:
        services.post_message(
            case=case, by=request.user, body=data["body"], files=data.get("file") or []
        )
        drafts.discard_form_draft(case=case, user=request.user, form="message")

    return _case_form(
        request,
        case,
        MessageForm(
            posted(request),
            request.FILES or None,
            can_attach=permissions.can_add_records(request.user, case),
            initial=drafts.restored_draft(request, case=case, form="message"),
        ),
        save=send,
        success="Your message is sent.",
        template="cases/case_messages.html",
        redirect_to="cases:case-messages",
        audit_read=False,  # listing the messages audits each one read
        audience="the patient, the specialist reviewing the case and our coordinators",
        shown=lambda: {
            # Taken before listing the messages marks them read, so the new ones stand out.
            "unread_ids": selectors.unread_message_ids(case, request.user),
            "case_messages": services.read_messages(case=case, by=request.user),
        },
    )
