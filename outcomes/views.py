"""After the opinion: the side-by-side page, the patient's decision, the check-ins, and the
outcome figures' CSV. Thin: parse, call a service or selector, render."""

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import permissions as case_permissions
from cases import services as case_services
from cases.case_views import visible_case
from review import selectors as review_selectors
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, posted

from . import permissions, selectors, services
from .forms import CheckInForm, DecisionForm, PatientQuestionForm
from .models import CheckIn, Moment

if TYPE_CHECKING:
    from cases.models import Case


def _after_page(
    request: AuthenticatedHttpRequest, case: "Case", question_form=None
) -> HttpResponse:
    case_services.record_case_read(case=case, by=request.user)
    context = {
        "case": case,
        "opinion": review_selectors.opinion_for(case),
        "patient_questions": selectors.patient_questions_for(case),
        "decisions": selectors.decisions_for(case),
        "check_ins": selectors.check_ins_for(case),
        "follow_up_declined": selectors.follow_up_declined(case),
        "is_patient_side": case_permissions.is_owner(request.user, case),
        "question_form": question_form or PatientQuestionForm(),
    }
    return render(request, "outcomes/after.html", context)


@login_required
@require_GET
def after(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The two opinions side by side, with questions to take to the patient's own doctor."""
    case = visible_case(request, reference)
    if not permissions.can_see_after_page(request.user, case):
        raise Http404
    return _after_page(request, case)


@login_required
@require_POST
def question_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    if not permissions.can_add_question(request.user, case):
        raise Http404
    form = PatientQuestionForm(request.POST)
    if form.is_valid():
        try:
            services.add_patient_question(case=case, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, gettext("Your question is added to the list."))
            return redirect("outcomes:after", case.reference)
    return _after_page(request, case, question_form=form)


@login_required
@require_POST
def follow_up_choice(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    if not permissions.can_change_follow_up_choice(request.user, case):
        raise Http404
    declined = request.POST.get("declined") == "yes"
    services.set_follow_up(case=case, by=request.user, declined=declined)
    messages.success(
        request,
        gettext(
            "We will not send you follow-up check-ins on this case. Your opinion is not affected."
        )
        if declined
        else gettext("We will send you the follow-up check-ins on this case."),
    )
    return redirect("outcomes:after", case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def decision(request: AuthenticatedHttpRequest, reference: str, moment: str) -> HttpResponse:
    """The patient's intention and the four SURE questions, before or after reading the opinion."""
    case = visible_case(request, reference)
    if moment not in Moment.values or not permissions.can_record_decision(
        request.user, case, moment
    ):
        raise Http404
    stored = selectors.decision_for(case, moment)
    form = DecisionForm(posted(request), moment=moment, initial=DecisionForm.initial_from(stored))
    if request.method == "POST" and form.is_valid():
        try:
            _, changed = services.record_decision(
                case=case, by=request.user, moment=moment, **form.cleaned_data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                gettext("Your answers are changed.")
                if changed
                else gettext("Your answers are saved."),
            )
            target = "outcomes:after" if moment == Moment.AFTER else "cases:case-detail"
            return redirect(target, case.reference)
    return render(
        request,
        "outcomes/decision.html",
        {"case": case, "form": form, "moment": moment, "stored": stored},
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request: AuthenticatedHttpRequest, reference: str, interval: int) -> HttpResponse:
    """The 30- or 90-day check-in, for the patient's side only (404 for anyone else)."""
    case = visible_case(request, reference)
    if not case_permissions.is_owner(request.user, case):
        raise Http404
    item: CheckIn | None = selectors.check_in_for(case, interval)
    if item is None:
        raise Http404
    form = CheckInForm(posted(request))
    refusal = services.check_in_refusal(case)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_check_in(check_in=item, by=request.user, **form.cleaned_data)
        except services.AlreadyAnswered as error:
            messages.warning(request, error.message)
            return redirect("outcomes:check-in", case.reference, interval)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, gettext("Thank you: your answers are saved."))
            return redirect("cases:case-detail", case.reference)
    return render(
        request,
        "outcomes/check_in.html",
        {"case": case, "check_in": item, "form": form, "refusal": refusal},
    )
