"""Permissions-Policy: the browser features this app never uses are switched off for every page.

Django sets the other security headers itself (SecurityMiddleware, the CSP middleware); it has no
setting for this one.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def permissions_policy_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DISABLED)

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", policy)
        return response

    return middleware
