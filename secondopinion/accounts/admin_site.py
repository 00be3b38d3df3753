"""The Django admin behind the sign-in everyone uses: allauth's, with its two-factor step and its
attempt limits. The admin's own password form is never shown; `/admin/login/` sends the person
to the account sign-in (or to the two-factor step) and back, and `/admin/` opens only for a
session that proved a second factor.
"""

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache


def signed_in_with_mfa(request: HttpRequest) -> bool:
    """Whether this session's user proved a second factor (at sign-in, or since, by
    re-authenticating): allauth records each method used in the session."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class SecondOpinionAdminSite(admin.AdminSite):
    site_header = _("Second Opinion administration (superusers only)")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and signed_in_with_mfa(request)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """Never a password form: off to the step this person still lacks, then back."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            step = "account_login"
        elif not (user.is_active and user.is_staff):
            raise Http404  # the admin site is not theirs to know about
        elif not is_mfa_enabled(user):
            step = "mfa_activate_totp"
        else:
            step = "mfa_reauthenticate"
        return redirect(f"{reverse(step)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
