"""Account policies applied to every request: the account's language, MFA for staff roles, and
idle sign-out."""

import time
from datetime import UTC, datetime

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from secondopinion.languages import set_language_cookie, supported_language

# Paths a staff user without MFA may still reach: account pages (to set MFA up; the Account
# page shows no health information), static, health.
_OPEN_PREFIXES = ("/accounts/", "/account/", "/static/", "/healthz")


class AccountLanguageMiddleware:
    """A signed-in person reads the service in the language kept on their account, whatever the
    cookie or the browser asks for (LocaleMiddleware, before this one, chose from those). The
    cookie is brought in line with the account, so that the language stays after signing out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        if language := supported_language(user.language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        # Read after the view: the language switch may have just changed it.
        language = supported_language(user.language)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response


_MFA_CHECKED = "mfa.checked_at"
MFA_RECHECK_SECONDS = 60


class StaffMFAMiddleware:
    """Staff without two-factor authentication set up are sent to set it up. A positive check is
    remembered in the session for MFA_RECHECK_SECONDS (one query fewer on each page in between);
    removing an authenticator forgets it at once in the session that removed it, and any other
    session of that person is checked again within the minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.needs_mfa
            and not request.path.startswith(_OPEN_PREFIXES)
            and not _mfa_enabled(request, user)
        ):
            messages.warning(
                request,
                _(
                    "Your role gives access to patients' health records, so you need to set up "
                    "two-factor authentication before you continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _mfa_enabled(request, user) -> bool:
    now = int(time.time())
    checked = request.session.get(_MFA_CHECKED)
    if checked is not None and 0 <= now - checked < MFA_RECHECK_SECONDS:
        return True
    enabled = is_mfa_enabled(user)
    if enabled:
        request.session[_MFA_CHECKED] = now
    else:
        request.session.pop(_MFA_CHECKED, None)
    return enabled


def forget_mfa_check(request) -> None:
    """Called when an authenticator is removed: the next page checks again."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(_MFA_CHECKED, None)


# The header the idle script sends on requests it makes by itself (saving form drafts before the
# sign-out): they are not the person's activity, so they must not push the sign-out back.
NOT_ACTIVITY_HEADER = "X-Not-Activity"
_LAST_ACTIVITY = "idle.last_activity"


class IdleSessionMiddleware:
    """Signs people out after a period without activity: shorter for staff, who see many patients.

    The session's expiry is renewed by activity, typing included (the page pings while someone
    types), at most once a RENEW_EVERY_SECONDS: a page opened within a minute of the last renewal
    writes nothing to the session table (three queries fewer on each page), and the timer the page
    shows counts from that renewal, so sign-out comes at most a minute early, never late. The page
    learns the remaining time from `request.session_idle_seconds` and warns before it runs out. A
    request marked NOT_ACTIVITY_HEADER keeps the expiry of the last real activity.
    """

    RENEW_EVERY_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            seconds = (
                settings.STAFF_SESSION_IDLE_SECONDS
                if request.user.needs_mfa
                else settings.SESSION_COOKIE_AGE
            )
            now = int(time.time())
            last = request.session.get(_LAST_ACTIVITY)
            left = seconds
            if request.headers.get(NOT_ACTIVITY_HEADER) and last:
                request.session.set_expiry(datetime.fromtimestamp(last + seconds, tz=UTC))
            elif last and 0 <= now - last < self.RENEW_EVERY_SECONDS and _renewed(request, seconds):
                left = seconds - (now - last)
            else:
                request.session[_LAST_ACTIVITY] = now
                request.session.set_expiry(seconds)
            request.session_idle_seconds = left
        return self.get_response(request)


def _renewed(request, seconds: int) -> bool:
    """Whether the session's stored timeout is this role's (a role change renews it at once)."""
    return request.session.get("_session_expiry") == seconds
