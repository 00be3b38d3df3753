"""The one error type services raise for anything a user should be told, and where it is shown.

Views that hold a form catch ApplicationError and put the message on the form; anything else
reaches ApplicationErrorMiddleware, which shows the message on the page the user came from.
A database that drops its connections (a restart, a failover) gives a 503 page that says to try
again, from the middleware for a view, or from `server_error` (handler500) for anything earlier.
A request Django refuses before any view (too large, an unknown Host) gets `bad_request`
(handler400).
"""

import logging
import sys

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

from secondopinion.text import Text

logger = logging.getLogger(__name__)

# What the database driver raises when the server went away or refused us for a moment.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class ApplicationError(Exception):
    """A rule of the product said no. `message` is written for the person who tried."""

    def __init__(self, message: Text, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable(exception)
        if not isinstance(exception, ApplicationError):
            return None
        referer = request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            messages.error(request, exception.message)
            return redirect(referer)
        return render(request, "error.html", {"message": exception.message}, status=409)


def database_unavailable(exception: BaseException) -> HttpResponse:
    """The 503 page, after dropping any broken connection so that the next request reconnects.

    The page is rendered without the request: its context would ask the database again.
    """
    logger.warning("Database unavailable: %s", type(exception).__name__)
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request) -> HttpResponse:
    """handler500: the 503 page when the database went away before any view ran (a middleware
    reading the session or the user), else the plain 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return database_unavailable(exception)
    return HttpResponseServerError(loader.render_to_string("500.html"))


# What a browser sends when a person typed or attached too much: the page says so.
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def bad_request(request, exception) -> HttpResponse:
    """handler400: "more than we can take" for an over-size request, else a plain "bad request"
    page (an unknown Host, a malformed request). Rendered without the request, whose host may be
    the very thing that is wrong."""
    template = "400_too_large.html" if isinstance(exception, TOO_LARGE) else "400.html"
    return HttpResponseBadRequest(loader.render_to_string(template))
