"""Log output of a whole journey never contains the patient's health information or identity, a
search term, or a live link token, in Django's logs, runserver's access log or gunicorn's."""

import io
import logging
import re
import runpy
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core import mail
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from cases.models import Status
from records import provider_requests
from referrals import services as referrals
from secondopinion.logging import RedactSecrets, secret_path_patterns
from secondopinion.notifications import services as notification_services
from secondopinion.notifications.models import OutboundEmail
from tests.conftest import ROOT

URL_IN_EMAIL = re.compile(r"https?://\S+")


@pytest.fixture
def log_output():
    """What the handlers configured by settings.LOGGING write, as a string buffer: the real
    handlers and their filters, only their stream swapped."""
    handlers = [logging.getHandlerByName(name) for name in settings.LOGGING["handlers"]]
    assert handlers and all(isinstance(h, logging.StreamHandler) for h in handlers)
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@pytest.fixture
def gunicorn_logger():
    """gunicorn's logger exactly as gunicorn.conf.py sets it up, with a format that adds the
    query string and the referrer to the default line; its handlers write to `.output`."""
    config = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    config.set("access_log_format", config.access_log_format + ' q="%(q)s" ref="%({referer}i)s"')
    logger = config.logger_class(config)
    logger.output = io.StringIO()
    handlers = logger.access_log.handlers + logger.error_log.handlers
    assert handlers
    previous = [handler.setStream(logger.output) for handler in handlers]
    yield logger
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def _runserver_logs(request_line: str, status: int) -> None:
    """Log one request as runserver does (its own handler's code, on the `django.server` logger)."""
    server = SimpleNamespace(request=None, log_date_time_string=lambda: "06/Dec/2026 10:00:00")
    WSGIRequestHandler.log_message(server, '"%s" %s %s', request_line, str(status), "123")


def _gunicorn_logs(logger, path: str, status: int, referer: str) -> None:
    url_path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": url_path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status=f"{status} X", sent=123, headers=[])
    request = SimpleNamespace(headers=[("REFERER", referer)])
    logger.access(response, request, environ, timedelta(milliseconds=5))


def _links_with_live_tokens(actors, case, records_case, client) -> dict[str, str]:
    """One live link of each kind that carries a secret, made as the product makes it."""
    links = {}
    # A report share link for the patient's own doctor.
    client.force_login(actors.alice)
    page = client.post(reverse("review:report-share-create", args=[case.reference])).text
    links["report share"] = page.split('id="share-link" type="text" readonly value="')[1].split(
        '"'
    )[0]
    # A provider's records upload link, from the email the provider gets.
    provider_requests.create_records_request(
        case=records_case,
        by=actors.alice,
        provider_name="Dr Ada Brown",
        provider_organisation="City Hospital Radiology",
        provider_email="records@city-hospital.example",
        records_wanted="MRI of the left knee",
    )
    for email in OutboundEmail.objects.filter(sent_at__isnull=True):
        notification_services.send_outbound_email(email_id=email.pk)
    links["provider upload"] = URL_IN_EMAIL.search(mail.outbox[-1].body).group(0)
    # A referral source's link, and the invitation a referral through it sends the patient.
    source = referrals.create_referral_source(
        by=actors.cora, name="Hillside Clinic", contact_email="referrals@hillside.example"
    )
    links["referral"] = referrals.source_path(source)
    Client().post(
        links["referral"],
        {
            "referrer_name": "Dr Ada Brown",
            "referrer_email": "ada.brown@hillside.example",
            "patient_name": "Eve Referred",
            "patient_email": "eve@example.org",
            "diagnosis": "Stage II ductal carcinoma",
            "treating_doctor": "Dr Ada Brown",
            "treating_institution": "Hillside Clinic",
            "question": "Is surgery needed before chemotherapy?",
        },
    )
    for email in OutboundEmail.objects.filter(sent_at=None):
        notification_services.send_outbound_email(email_id=email.pk)
    links["invitation"] = URL_IN_EMAIL.search(mail.outbox[-1].body).group(0)
    # A password reset link and an email confirmation link (allauth's).
    Client().post(reverse("account_reset_password"), {"email": actors.bob.email})
    links["password reset"] = next(
        url for url in URL_IN_EMAIL.findall(mail.outbox[-1].body) if "/password/reset/key/" in url
    )
    address = EmailAddress.objects.create(
        user=actors.bob, email="bob.new@example.org", verified=False
    )
    key = EmailConfirmationHMAC(address).key
    links["email confirmation"] = reverse("account_confirm_email", args=[key])
    return {kind: urlsplit(link).path for kind, link in links.items()}


def _secrets_in(path: str) -> list[str]:
    for pattern in secret_path_patterns():
        found = pattern.match(path)
        if found:
            # The long parts: a password reset link's user id (uidb36) is short, and redacted too.
            parts = (found[name].strip("/") for name in pattern.groupindex if found[name])
            return [part for part in parts if len(part) >= 8]
    return []


def test_every_handler_in_the_logging_settings_redacts(log_output):
    handlers = settings.LOGGING["handlers"]
    assert handlers
    for name, handler in handlers.items():
        assert "redact_secrets" in handler.get("filters", []), name
    # Django's own loggers use the root's filtered handler, not the unfiltered ones Django adds.
    for name in ("django", "django.request", "django.server"):
        assert logging.getLogger(name).handlers == [], name
    for name in handlers:
        handler = logging.getHandlerByName(name)
        assert handler in logging.getLogger().handlers, name
        assert any(isinstance(f, RedactSecrets) for f in handler.filters), name


def test_the_token_routes_come_from_the_urlconf():
    routes = {pattern.pattern for pattern in secret_path_patterns()}
    for name, args in (
        ("review:report-share", ["x"]),
        ("records:provider-link", ["x"]),
        ("referrals:refer", ["x"]),
        ("referrals:invitation", ["x"]),
        ("account_confirm_email", ["x"]),
    ):
        path = reverse(name, args=args)
        assert any(re.fullmatch(route + "/", path) for route in routes), (name, routes)
    assert any("uidb36" in route and "key" in route for route in routes)


def test_the_journey_logs_nothing_that_identifies_the_patient_or_their_health(
    client, actors, log_output, gunicorn_logger
):
    case = actors.case(Status.DELIVERED)
    for email in OutboundEmail.objects.all():
        notification_services.send_outbound_email(email_id=email.pk)
    links = _links_with_live_tokens(actors, case, actors.case(Status.SUBMITTED), Client())
    tokens = {kind: _secrets_in(path) for kind, path in links.items()}
    for kind, secrets in tokens.items():
        assert secrets, (kind, links[kind])

    # Every token link in every position a client may send it, signed in or not, and a search.
    paths = [reverse("cases:case-detail", args=["SO-NONE-NONE"])]  # a 404 is logged too
    for path in links.values():
        bare = path.rstrip("/")
        paths += [path, bare, f"{bare}/extra/", f"{path}?next={bare}", path.upper()]
    for term in (actors.alice.full_name, case.diagnosis[:20]):
        paths.append(reverse("coordinator:search") + "?" + urlencode({"q": term}))
    anonymous = Client()
    for user in (actors.alice, actors.cora, actors.dr_smith.user):
        client.force_login(user)
        client.get(reverse("cases:case-detail", args=[case.reference]))
    for path in paths:
        for who in (client, anonymous):
            response = who.get(path)
            _runserver_logs(f"GET {path} HTTP/1.1", response.status_code)
            _gunicorn_logs(
                gunicorn_logger, path, response.status_code, referer=f"https://so.example{path}"
            )

    gunicorn_logger.error("Error handling request %s", paths[-1])  # its error log too
    logged = log_output.getvalue() + gunicorn_logger.output.getvalue()
    assert "Not Found: /cases/SO-NONE-NONE/" in logged  # Django's 404 warnings were captured
    assert '"GET /coordinator/search/?q=[redacted] HTTP/1.1"' in logged  # runserver's lines
    assert 'ref="https://so.example/referrals/invitation/[redacted]/"' in logged  # gunicorn's
    assert "Error handling request /coordinator/search/?q=[redacted]" in logged
    for kind, secrets in tokens.items():
        for secret in secrets:
            assert secret not in logged, kind
            assert secret.upper() not in logged, kind
    for phi in (
        case.title,
        case.diagnosis,
        case.diagnosis[:20],
        case.question,
        case.treating_doctor,
        actors.alice.full_name,
        actors.alice.full_name.replace(" ", "+"),
        actors.alice.email,
        actors.bob.email,
        "carcinoma",
        "Eve Referred",
    ):
        assert phi not in logged, phi


def test_a_report_whose_name_no_font_has_logs_the_missing_glyph_but_not_the_name(
    actors, log_output
):
    from cases.models import Case
    from tests.review.test_report_in_spanish import rendered

    case = actors.case(Status.OPINION_SUBMITTED)
    Case.objects.filter(pk=case.pk).update(patient_name="Wang 王小明")

    rendered(Case.objects.get(pk=case.pk))

    assert ".notdef glyph rendered" in log_output.getvalue()
    assert "王" not in log_output.getvalue()
