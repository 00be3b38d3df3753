"""Case pages. Thin: check the request, call one service or selector, render."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, posted

from . import drafts, hooks, intake, permissions, selectors, services, state_machine
from .case_views import case_action, case_form, visible_case
from .forms import (
    AuthorityForm,
    ConsentForm,
    CoverageCheckForm,
    UseAuthorityForm,
)
from .models import Case, CaseFor, Status
from .page import annotated, sections_context


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    if permissions.is_coordinator(request.user):
        return redirect("coordinator:queue")
    return redirect("cases:dashboard")


DASHBOARD_PAGE_SIZE = 20  # requests on a page of the patient's dashboard


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {}
    if permissions.is_patient_side(user):
        # Newest first, a page at a time: a patient's history grows for years, the page must not.
        page = _dashboard_page(user, request.GET.get("page"))
        context = {
            "cases": [
                (
                    case,
                    selectors.waiting_on_patient(case),
                    annotated(case, "unread_messages"),  # the messaging app's
                )
                for case in page.object_list
            ],
            "page": page,
            "granted": selectors.authorities_granted_by(user),
            "acting_for": selectors.authorities_of_caregiver(user),
            "stopped": selectors.authorities_stopped_for(user),
        }
    if permissions.is_specialist(request.user):
        # The same work list as the specialist's home: grouped by what they must do next.
        context = hooks.specialist_dashboard(request.user)
    return render(request, "cases/dashboard.html", context)


def _dashboard_page(user, number: str | None) -> Page:
    """A page of the dashboard's requests. The first page is read with one row more than it
    shows: most patients have fewer requests than a page holds, and then nothing needs counting."""
    if number not in (None, "", "1"):
        return Paginator(selectors.cases_for_dashboard(user), DASHBOARD_PAGE_SIZE).get_page(number)
    first = selectors.newest_for_dashboard(user, DASHBOARD_PAGE_SIZE + 1)
    if len(first) <= DASHBOARD_PAGE_SIZE:
        return Paginator(first, DASHBOARD_PAGE_SIZE).page(1)
    # Counts the requests, for "Page 1 of n".
    page = Paginator(selectors.cases_for_dashboard(user), DASHBOARD_PAGE_SIZE).page(1)
    page.object_list = first[:DASHBOARD_PAGE_SIZE]
    return page


# The intake ------------------------------------------------------------------------------------


def _draft(request: HttpRequest, reference: str) -> Case:
    """A draft this user may change, or 404."""
    case = visible_case(request, reference)
    if not permissions.can_edit_case(request.user, case):
        raise Http404
    return case


def _returning(request: HttpRequest) -> bool:
    return request.GET.get("return") == intake.RETURN_TO_CHECK


def _render_step(
    request: HttpRequest, template: str | list[str], case: Case | None, step, **context
):
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
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def authority_new(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def intake_authority(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
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
def intake_step(request: AuthenticatedHttpRequest, reference: str, step: str) -> HttpResponse:
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
    extra: dict[str, Any] = {}
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
        context["records"] = hooks.records_of(case)
    template = f"cases/intake_{page.slug.replace('-', '_')}.html"
    return _render_step(request, [template, "cases/intake_step.html"], case, page, **context)


@login_required
@require_GET
def intake_resume(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Carry on with a draft where it still needs an answer."""
    case = _draft(request, reference)
    missing = {item.answer for item in services.missing_for_submission(case)}
    return redirect(intake.resume_url(case, missing))


@login_required
@require_GET
def intake_check(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
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
            "records": hooks.records_of(case),
            "consent": selectors.consent_for(case),
            "current_consent": selectors.current_consent_text(),
            "price": selectors.price_for(case),
            "can_change_who": permissions.can_change_who_case_is_for(request.user, case),
            "report_language_offered": selectors.report_language_offered(case),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_consent(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Read and sign the current consent version for a case."""
    case = visible_case(request, reference)
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
                language=get_language(),
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, gettext("Thank you: your consent is signed."))
            if case.status == Status.DRAFT:
                return redirect("cases:intake-check", case.reference)
            return redirect("cases:case-detail", case.reference)
    step = intake.STEP_BY_SLUG["consent"]
    text = selectors.current_consent_text()
    # The version's wording in the reader's language when it has one, else as written.
    wording_language, wording = text.wording(get_language()) if text else ("", "")
    return _render_step(
        request,
        "cases/intake_consent.html",
        case,
        step,
        form=form,
        text=text,
        wording=wording,
        wording_language=wording_language,
        signed=selectors.consent_for(case),
        in_intake=case.status == Status.DRAFT,
    )


# Caregivers' authority -------------------------------------------------------------------------


@login_required
@require_GET
def authority_document(request: AuthenticatedHttpRequest, authority_id: int) -> FileResponse:
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
def authority_revoke(request: AuthenticatedHttpRequest, authority_id: int) -> HttpResponse:
    """The patient stops a caregiver acting for them (after a confirmation page)."""
    authority = get_object_or_404(selectors.authorities_granted_by(request.user), pk=authority_id)
    if request.method == "POST":
        services.revoke_proxy_authority(authority=authority, by=request.user)
        messages.success(
            request,
            gettext("%(caregiver)s can no longer act for you or see your requests.")
            % {"caregiver": authority.caregiver},
        )
        return redirect("cases:dashboard")
    return render(request, "cases/authority_revoke.html", {"authority": authority})


@login_required
@require_GET
def case_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The case page: the case's own parts here, each other app's part from cases.page."""
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
        "can_edit": permissions.can_edit_case(user, case),
        "is_owner": permissions.is_owner(user, case),
        "is_coordinator": permissions.is_coordinator(user),
        "actions": state_machine.available_transitions(user, case),
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
            (step, intake.answers_on(case, step), None)
            for step in intake.steps_for(case)
            if can_see_cover or step.slug not in intake.COVER_STEPS
        ],
        **sections_context(user, case, timeline),
    }
    return render(request, "cases/case_detail.html", context)


submit_case = case_action(
    services.submit_case,
    allowed=permissions.is_owner,
    title=_("Submit your case"),
    success=_("Your case is submitted. We will tell you as soon as a coordinator has checked it."),
)
withdraw_consent = case_action(
    services.withdraw_consent,
    allowed=permissions.is_owner,
    title=_("Withdraw your consent"),
    text_label=_("Why are you withdrawing your consent?"),
    success=_("Your consent is withdrawn."),
)
withdraw_case = case_action(
    services.withdraw_case,
    allowed=permissions.is_owner,
    title=_("Withdraw your case"),
    text_label=_("Why are you withdrawing your case?"),
    success=_("Your case is withdrawn."),
)
start_triage = case_action(
    services.start_triage,
    title=_("Start triage"),
    success=_("Triage started."),
    allowed=permissions.is_coordinator_of,
)
send_to_matching = case_action(
    services.send_to_matching,
    title=_("Send to matching"),
    success=_("The case is complete and ready to be matched with a specialist."),
    allowed=permissions.is_coordinator_of,
)
cancel_case = case_action(
    services.cancel_case,
    title=_("Cancel this case"),
    text_label=_("Why is this case being cancelled?"),
    success=_("The case is cancelled."),
    allowed=permissions.is_coordinator_of,
)


@login_required
@require_http_methods(["GET", "POST"])
def coverage_check(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """A coordinator records the coverage check (the form is also on the case page)."""
    permissions.require_coordinator(request.user)
    case = visible_case(request, reference)
    return case_form(
        request,
        case,
        CoverageCheckForm(posted(request)),
        save=lambda data: services.record_coverage_check(case=case, by=request.user, **data),
        success=_("The coverage check is saved. The patient can see it."),
        template="cases/coverage_check.html",
    )
