"""Account policies applied to every request: MFA for staff roles, and idle sign-out."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

# Paths a staff user without MFA may still reach: account pages (to set MFA up; the Account
# page shows no health information), static, health.
_OPEN_PREFIXES = ("/accounts/", "/account/", "/static/", "/healthz")


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.needs_mfa
            and not request.path.startswith(_OPEN_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request,
                "Your role gives access to patients' health records, so you need to set up "
                "two-factor authentication before you continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class IdleSessionMiddleware:
    """Signs people out after a period without activity: shorter for staff, who see many patients.

    The session's expiry is renewed on each request (SESSION_SAVE_EVERY_REQUEST); the page learns
    the remaining time from `request.session_idle_seconds` and warns before it runs out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            seconds = (
                settings.STAFF_SESSION_IDLE_SECONDS
                if request.user.needs_mfa
                else settings.SESSION_COOKIE_AGE
            )
            request.session.set_expiry(seconds)
            request.session_idle_seconds = seconds
        return self.get_response(request)
