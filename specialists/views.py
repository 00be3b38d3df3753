"""Specialists' pages: their home and profile, coordinators' credentials and matching pages, and
the answer to an offer. Thin: check the request, call one service or selector, render."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import page as case_page
from cases import permissions as case_permissions
from cases import services as case_services
from cases.choices import Status
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, posted
from secondopinion.text import Text

from . import matching, offers, rows, selectors, services
from .forms import (
    AcceptOfferForm,
    AffiliationForm,
    CaseConflictForm,
    CertificationForm,
    DeclineOfferForm,
    DoctorConflictForm,
    FinancialRelationshipForm,
    LanguageWaiverForm,
    LicenceForm,
    OfferForm,
    ProfileForm,
    RemoveItemForm,
    SpecialtyFilterForm,
    UnavailablePeriodForm,
    VerifyLicenceForm,
)
from .models import Offer
from .regions import region_name

if TYPE_CHECKING:
    from cases.models import Case

# How many of the ranked specialists the matching page lists (best first).
RANKED_SHOWN = 20


def _specialist_only(request: HttpRequest) -> None:
    if not case_permissions.is_specialist(request.user):
        raise Http404


# The specialist's own pages ---------------------------------------------------------------------


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    _specialist_only(request)
    specialist = selectors.specialist_for_user(request.user)
    context = {"specialist": specialist}
    if specialist is not None:
        context |= selectors.home_for(specialist)
    return render(request, "specialists/home.html", context)


@login_required
@require_GET
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    _specialist_only(request)
    specialist = selectors.profile_for_user(request.user)
    return render(request, "specialists/profile.html", {"specialist": specialist})


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    _specialist_only(request)
    specialist = selectors.profile_for_user(request.user)
    initial = {"max_open_cases": 3, "typical_turnaround_days": 7, "languages": ["en"]}
    if specialist is not None:
        initial = {
            "specialties": list(specialist.specialties.all()),
            "expertise": specialist.expertise,
            "languages": [row.language for row in specialist.languages.all()],
            "institution": specialist.institution,
            "bio": specialist.bio,
            "max_open_cases": specialist.max_open_cases,
            "typical_turnaround_days": specialist.typical_turnaround_days,
            "preferred_topics": specialist.preferred_topics,
        }
    form = ProfileForm(posted(request), initial=initial, specialties=selectors.specialties())
    if request.method == "POST" and form.is_valid():
        try:
            services.save_profile(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("specialists:profile")
    return render(request, "specialists/profile_edit.html", {"form": form})


def add_to_profile(
    form_class: type[forms.Form], service: Callable[..., object], *, title: Text, success: Text
):
    """A page that adds one item (a licence, an affiliation, …) to the specialist's profile."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: AuthenticatedHttpRequest) -> HttpResponse:
        _specialist_only(request)
        specialist = selectors.specialist_for_user(request.user)
        if specialist is None:
            messages.info(request, _("Start your profile with your specialties first."))
            return redirect("specialists:profile-edit")
        form = form_class(posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                service(specialist=specialist, by=request.user, **form.cleaned_data)
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, success)
                return redirect("specialists:profile")
        return render(request, "specialists/profile_add.html", {"form": form, "title": title})

    return view


licence_add = add_to_profile(
    LicenceForm,
    services.add_licence,
    title=_("Add a licence"),
    success=_(
        "Your licence is added. A coordinator will verify it before you are matched with "
        "cases there."
    ),
)
certification_add = add_to_profile(
    CertificationForm,
    services.add_certification,
    title=_("Add a board certification"),
    success=_("Your board certification is added."),
)
affiliation_add = add_to_profile(
    AffiliationForm,
    services.add_affiliation,
    title=_("Add a past or current affiliation"),
    success=_("Your affiliation is added."),
)
relationship_add = add_to_profile(
    FinancialRelationshipForm,
    services.add_financial_relationship,
    title=_("Declare a financial relationship"),
    success=_("Your financial relationship is declared."),
)
unavailability_add = add_to_profile(
    UnavailablePeriodForm,
    services.add_unavailable_period,
    title=_("Add time away"),
    success=_("Your time away is added. You won't be offered cases while you are away."),
)
conflict_declare = add_to_profile(
    DoctorConflictForm,
    services.declare_conflict,
    title=_("Declare a relationship with a doctor"),
    success=_("Your relationship is declared. You won't be matched with that doctor's patients."),
)


@login_required
@require_POST
def profile_item_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    _specialist_only(request)
    specialist = selectors.specialist_for_user(request.user)
    form = RemoveItemForm(request.POST)
    if specialist is None or not form.is_valid():
        messages.error(request, _("Choose something on your profile to remove."))
        return redirect("specialists:profile")
    try:
        services.remove_profile_item(
            specialist=specialist,
            by=request.user,
            kind=form.cleaned_data["kind"],
            item_id=form.cleaned_data["item"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Removed from your profile."))
    return redirect("specialists:profile")


# Coordinators -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def credentials(request: AuthenticatedHttpRequest) -> HttpResponse:
    case_permissions.require_coordinator(request.user)
    if request.method == "POST":
        form = VerifyLicenceForm(request.POST)
        licence = selectors.licence_by_id(form.cleaned_data["licence"]) if form.is_valid() else None
        if licence is None:
            messages.error(request, _("That licence is no longer there. Choose one from the list."))
        else:
            try:
                services.verify_licence(licence=licence, by=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(specialist)s's licence %(number)s is verified.")
                    % {"specialist": licence.specialist, "number": licence.number},
                )
        return redirect("specialists:credentials")
    to_verify = selectors.licences_to_verify(after=request.GET.get("verify", ""))
    expiring = selectors.licences_expiring(after=request.GET.get("expiring", ""))
    return render(
        request,
        "specialists/credentials.html",
        {
            "to_verify": to_verify,
            "to_verify_rows": rows.licences_to_verify_rows(
                to_verify.licences, csrf_token=get_token(request)
            ),
            "expiring": expiring,
            "expiring_rows": rows.licences_expiring_rows(expiring.licences),
            "expiring_days": settings.LICENCE_EXPIRY_WARNING_DAYS,
        },
    )


def _case_for_coordinator(request: AuthenticatedHttpRequest, reference: str) -> "Case":
    case_permissions.require_coordinator(request.user)
    try:
        return case_services.view_case(reference=reference, by=request.user)
    except ObjectDoesNotExist as missing:
        raise Http404 from missing


@login_required
@require_http_methods(["GET", "POST"])
def match(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _case_for_coordinator(request, reference)
    if request.method == "POST":
        return _offer(request, case)
    catalogue = list(selectors.specialties())
    filter_form = SpecialtyFilterForm(request.GET or None, specialties=catalogue)
    chosen = filter_form.cleaned_data.get("specialty") if filter_form.is_valid() else None
    ranking = None
    if case.status == Status.MATCHING:
        ranking = matching.rank_specialists_for(
            case, specialties=[chosen] if chosen else None, explain=True, catalogue=catalogue
        )
    offers = list(selectors.offers_for_case(case.pk))
    away = []
    if ranking is not None and not ranking.ranked:  # the ways forward name who is back when
        away = selectors.returning_specialists(e.specialist.pk for e in ranking.excluded)
    ranked = ranking.ranked[:RANKED_SHOWN] if ranking is not None else []
    return render(
        request,
        "specialists/match.html",
        {
            "case": case,
            "ranking": ranking,
            # The best RANKED_SHOWN, each with its score explained: the rest of the shortlist
            # is for automatic mode, and rendering it all cost more than ranking it.
            "ranked": ranked,
            "ranked_rows": rows.ranked_rows(ranked, chosen=chosen, csrf_token=get_token(request)),
            "excluded_rows": rows.excluded_rows(ranking.excluded if ranking is not None else []),
            "filter_form": filter_form,
            "chosen": chosen,
            "offer": next((o for o in offers if o.status == Offer.Status.OPEN), None),
            "past_offers": [o for o in offers if o.status != Offer.Status.OPEN],
            "declarations": selectors.declarations_for_case(case.pk),
            "region": region_name(case.patient_region) if case.patient_region else "",
            "required_language": matching.required_language(case),
            "language_waiver": selectors.language_waiver_for(case.pk)
            if case_page.annotated(case, "has_language_waiver")
            else None,
            "away": away,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def match_language_waive(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The coordinator lets the case go to specialists who do not write its report language,
    with a recorded reason."""
    case = _case_for_coordinator(request, reference)
    form = LanguageWaiverForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.waive_report_language(case=case, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The report language is waived: specialists who do not write %(language)s "
                    "are ranked too."
                )
                % {"language": case.get_report_language_display()},
            )
            return redirect("specialists:match", case.reference)
    return render(request, "specialists/match_language_waive.html", {"case": case, "form": form})


def _offer(request: AuthenticatedHttpRequest, case: "Case") -> HttpResponse:
    form = OfferForm(request.POST)
    back = reverse("specialists:match", args=[case.reference])
    if not form.is_valid():
        messages.error(
            request, " ".join(map(str, form.non_field_errors())) or _("Choose a specialist.")
        )
        return redirect(back)
    data = form.cleaned_data
    specialist = selectors.specialist_by_id(data["specialist"]) if data["specialist"] else None
    if data["specialist"] and specialist is None:
        messages.error(request, _("That specialist is no longer there. Choose another."))
        return redirect(back)
    specialty = selectors.specialties_by_id([data["specialty"]]) if data["specialty"] else []
    try:
        offer = offers.offer_case(
            case=case,
            by=request.user,
            specialist=specialist,
            automatic=data["automatic"],
            specialty=specialty[0] if specialty else None,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    if offer.automatic:
        text = _(
            "The case is offered automatically (the top match) to %(specialist)s, who has been "
            "notified and has until %(time)s on %(date)s to answer."
        )
    else:
        text = _(
            "The case is offered to %(specialist)s, who has been notified and has until "
            "%(time)s on %(date)s to answer."
        )
    respond_by = timezone.localtime(offer.respond_by)
    messages.success(
        request,
        text
        % {
            "specialist": offer.specialist,
            "time": f"{respond_by:%H:%M}",
            "date": dateformat.format(respond_by, "j M Y"),
        },
    )
    return redirect("cases:case-detail", case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def case_conflict_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _case_for_coordinator(request, reference)
    form = CaseConflictForm(posted(request), specialists=selectors.all_specialists())
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_conflict(by=request.user, case=case, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _("The conflict is recorded: %(specialist)s won't be matched with this case.")
                % {"specialist": form.cleaned_data["specialist"]},
            )
            return redirect("specialists:match", case.reference)
    return render(request, "specialists/case_conflict_add.html", {"case": case, "form": form})


# Answering an offer -----------------------------------------------------------------------------


def _own_offer(request: HttpRequest, reference: str) -> Offer:
    """The user's own offer of this case, in any state; anyone else's is a 404."""
    _specialist_only(request)
    offer = selectors.offer_of(request.user, reference)
    if offer is None:
        raise Http404
    return offer


def answer_offer(form_class: type[forms.Form], answer: str, *, success: Text):
    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
        offer = _own_offer(request, reference)
        form = form_class(posted(request))
        if request.method == "POST" and form.is_valid():
            service = offers.accept_offer if answer == "accept" else offers.decline_offer
            try:
                service(case=offer.case, by=request.user, **form.cleaned_data)
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, success)
                if answer == "accept":
                    return redirect("cases:case-detail", offer.case.reference)
                return redirect("specialists:home")
        context = {"offer": offer, "case": offer.case, "form": form, "now": timezone.now()}
        if answer == "accept" and case_permissions.can_see_offer_summary(request.user, offer.case):
            context["summary"] = selectors.offer_summary(offer)
            if request.method == "GET":
                services.record_offer_view(offer=offer, by=request.user)
        return render(request, f"specialists/offer_{answer}.html", context)

    return view


offer_accept = answer_offer(
    AcceptOfferForm, "accept", success=_("You accepted the case. It is now in your reviews.")
)
offer_decline = answer_offer(
    DeclineOfferForm,
    "decline",
    success=_("You declined the case. Thank you for answering: it goes back to our coordinators."),
)
