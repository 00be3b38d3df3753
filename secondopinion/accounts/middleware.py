"""Specialists and coordinators must set up MFA before they can open anything but their account."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect

# Paths a staff user without MFA may still reach: account pages (to set MFA up), static, health.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


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
