"""The one error type services raise for anything a user should be told, and where it is shown.

Views that hold a form catch ApplicationError and put the message on the form; anything else
reaches ApplicationErrorMiddleware, which shows the message on the page the user came from.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme


class ApplicationError(Exception):
    """A rule of the product said no. `message` is written for the person who tried."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError):
            return None
        referer = request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            messages.error(request, exception.message)
            return redirect(referer)
        return render(request, "error.html", {"message": exception.message}, status=409)
