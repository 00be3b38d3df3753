"""The tus 1.0 resumable upload protocol's HTTP details (headers, metadata, responses).

We implement core, creation, termination and expiration ourselves: django-tus, the only Django
package for it, has been unmaintained since 2020. https://tus.io/protocols/resumable-upload
"""

import base64
import binascii
import contextvars
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date

from secondopinion.text import Text

VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
CONTENT_TYPE = "application/offset+octet-stream"

logger = logging.getLogger(__name__)


class _AnswerThen(HttpResponse):
    """A response that does `then` once it is sent: the WSGI server closes a response after
    writing it (gunicorn, and Django's test client at once), so the client does not wait. The
    work runs in the request's context as the view left it (its id and client address for the
    audit, its language), which the middleware has reset by then."""

    then: Callable[[], object] | None = None
    context: contextvars.Context | None = None

    def close(self) -> None:
        try:
            if self.then is not None and self.context is not None:
                self.context.run(self.then)
        except Exception as error:  # the work is done again later; the answer stands
            logger.warning("Work after a tus answer failed (%s)", type(error).__name__)
        finally:
            super().close()


def response(
    status: int, message: Text = "", *, then: Callable[[], object] | None = None, **headers: str
) -> HttpResponse:
    """A tus response; `message` (plain text) says what went wrong, for the uploader to show;
    `then`, work the node does once the client has the answer."""
    reply = _AnswerThen(str(message), status=status, content_type="text/plain; charset=utf-8")
    if then is not None:
        reply.then, reply.context = then, contextvars.copy_context()
    reply["Tus-Resumable"] = VERSION
    reply["Cache-Control"] = "no-store"
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    return reply


def options() -> HttpResponse:
    return response(
        204,
        Tus_Version=VERSION,
        Tus_Extension=EXTENSIONS,
        Tus_Max_Size=str(settings.RECORD_MAX_UPLOAD_BYTES),
    )


def version_problem(request: HttpRequest) -> HttpResponse | None:
    if request.headers.get("Tus-Resumable") != VERSION:
        return response(
            412, "This address takes tus 1.0.0 uploads (Tus-Resumable header).", Tus_Version=VERSION
        )
    return None


def int_header(request: HttpRequest, name: str) -> int:
    """A non-negative whole number from a header, else ValueError."""
    value = request.headers.get(name, "")
    if not value.isdigit():
        raise ValueError(name)
    return int(value)


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64value` pairs. Undecodable values are empty."""
    metadata: dict[str, str] = {}
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key:
            continue
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            metadata[key] = ""
    return metadata


def expires(moment) -> str:
    return http_date(moment.timestamp())
