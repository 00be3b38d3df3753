"""Referral pages: coordinators' sources and referrals, the referrer's form at a source's link,
the invited patient's landing page, and the patient's choices about their referrer."""

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import permissions
from cases.case_views import visible_case
from secondopinion.accounts.http import AuthenticatedHttpRequest
from secondopinion.accounts.models import User
from secondopinion.client_ip import client_ip
from secondopinion.errors import ApplicationError
from secondopinion.forms import add_application_error, posted

from . import services
from .forms import (
    CoordinatorReferralForm,
    ReferralForm,
    ReferralSourceForm,
    ReferrerUpdatesForm,
)
from .models import Referral, ReferralSource

if TYPE_CHECKING:
    from cases.models import Case

# Referrals one address may send through one source's link in an hour: enough for a busy clinic,
# too few to flood patients with invitations.
REFERRALS_PER_HOUR = 30


# Coordinators ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def source_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Referral sources with their links, and a form to add one."""
    permissions.require_coordinator(request.user)
    form = ReferralSourceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            source = services.create_referral_source(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request, _("%(name)s has its referral link. Copy it below.") % {"name": source.name}
            )
            return redirect("referrals:source-list")
    sources = [
        (source, request.build_absolute_uri(services.source_path(source)))
        for source in services.referral_sources()
    ]
    return render(request, "referrals/source_list.html", {"form": form, "sources": sources})


@login_required
@require_POST
def source_revoke(request: AuthenticatedHttpRequest, source_id: int) -> HttpResponse:
    permissions.require_coordinator(request.user)
    source = get_object_or_404(ReferralSource, pk=source_id)
    source = services.revoke_referral_source(source=source, by=request.user)
    messages.success(
        request, _("The referral link of %(name)s no longer works.") % {"name": source.name}
    )
    return redirect("referrals:source-list")


@login_required
@require_http_methods(["GET", "POST"])
def referral_enter(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A coordinator enters a referral received by phone, letter or fax."""
    permissions.require_coordinator(request.user)
    form = CoordinatorReferralForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.enter_referral(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _("Referral %(reference)s is saved and the patient is invited to sign up.")
                % {"reference": referral.reference},
            )
            return redirect("referrals:source-list")
    return render(request, "referrals/referral_enter.html", {"form": form})


# The referrer (no account) ----------------------------------------------------------------------


def _over_rate_limit(request: HttpRequest, source: ReferralSource) -> bool:
    """Count a referral from this address through this source's link; True past the limit."""
    key = f"referrals:link:{source.token_hash[:16]}:{client_ip(request) or ''}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > REFERRALS_PER_HOUR
    except ValueError:  # the key expired between add and incr
        return False


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, token: str) -> HttpResponse:
    """The referral form at a source's link. A revoked link says so and keeps what was typed."""
    form = ReferralForm(posted(request))
    try:
        source = services.source_for_token(token)
    except services.LinkNotValid as error:
        return render(request, "referrals/refer.html", {"error": error.message}, status=404)
    except services.LinkRevoked as error:
        context = {"error": error.message, "form": form if request.method == "POST" else None}
        return render(request, "referrals/refer.html", context, status=410)
    if request.method == "POST" and form.is_valid():
        if _over_rate_limit(request, source):
            form.add_error(
                None, _("Too many referrals from here in the last hour. Try again later.")
            )
        else:
            try:
                referral = services.submit_referral(token=token, **form.cleaned_data)
            except ApplicationError as error:
                if isinstance(error, services.LinkRevoked):
                    context = {"error": error.message, "form": form}
                    return render(request, "referrals/refer.html", context, status=410)
                add_application_error(form, error)
            else:
                return render(request, "referrals/refer_done.html", {"referral": referral})
    return render(request, "referrals/refer.html", {"form": form, "source": source})


# The invited patient --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the patient's invitation: sign up or sign in (coming back here), then accept,
    which opens a draft pre-filled from the referral. Only the account whose verified email the
    invitation was sent to may accept it; anyone else is told so and learns nothing about it."""
    user = request.user
    if user.is_authenticated and (case := services.claimed_case_for(token, user)):
        if permissions.can_edit_case(user, case):
            return redirect("cases:intake-resume", case.reference)
        return redirect("cases:case-detail", case.reference)
    try:
        referral = services.invitation_for_token(token)
    except ApplicationError as error:
        status = 404 if isinstance(error, services.InvitationNotValid) else 410
        return render(request, "referrals/invitation.html", {"error": error.message}, status=status)
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        if not permissions.is_patient_side(user):
            raise Http404
    next_query = urlencode({"next": request.path})
    context = {
        "can_claim": permissions.is_patient_side(user),
        "signup_url": f"{reverse('account_signup')}?{next_query}",
        "login_url": f"{reverse('account_login')}?{next_query}",
    }
    if user.is_authenticated and permissions.is_patient_side(user):
        try:
            services.check_invited(user, referral)
        except ApplicationError as error:
            context["not_yours"] = error.message
            return render(request, "referrals/invitation.html", context, status=403)
    if request.method == "POST":
        assert isinstance(user, User), "an anonymous POST was sent to sign in above"
        try:
            case = services.claim_referral(token=token, by=user)
        except ApplicationError as error:
            status = 403 if isinstance(error, services.InvitationForSomeoneElse) else 410
            return render(
                request, "referrals/invitation.html", {"error": error.message}, status=status
            )
        messages.success(
            request,
            _(
                "Your request is started with what your doctor told us. Check each answer and "
                "complete the rest."
            ),
        )
        return redirect("cases:intake-resume", case.reference)
    return render(request, "referrals/invitation.html", context)


def _referred_case(request: HttpRequest, reference: str) -> tuple["Case", Referral]:
    """A case of the signed-in patient's side that came from a referral, and the referral; or
    404."""
    case = visible_case(request, reference)
    if not permissions.is_owner(request.user, case):
        raise Http404
    referral = services.referral_for_case(case)
    if referral is None:
        raise Http404
    return case, referral


@login_required
@require_http_methods(["GET", "POST"])
def case_referral(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The patient's choices about the doctor who referred them: status emails, and sharing the
    report once it is ready."""
    case, referral = _referred_case(request, reference)
    initial = {"referrer_updates": "yes" if referral.referrer_updates else "no"}
    form = ReferrerUpdatesForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        consent = form.cleaned_data["referrer_updates"]
        services.set_referrer_updates(case=case, by=request.user, consent=consent)
        messages.success(
            request,
            _("We will email your doctor when your request moves on.")
            if consent
            else _("We will not email your doctor about your request."),
        )
        return redirect("referrals:case-referral", case.reference)
    return render(
        request,
        "referrals/case_referral.html",
        {
            "case": case,
            "referral": referral,
            "form": form,
            "can_share_report": permissions.can_share_report(request.user, case),
        },
    )


@login_required
@require_POST
def report_share(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Email the referrer a single-use link to the report."""
    case, _referral = _referred_case(request, reference)
    try:
        services.share_report_with_referrer(case=case, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("We have emailed your doctor a link to the report. It works once and expires."),
        )
    return redirect("referrals:case-referral", case.reference)
