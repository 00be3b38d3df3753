"""HTTP hardening in production mode, as a browser meets it: HTTPS only with HSTS, a strict CSP,
no framing, a same-origin referrer and resource policy, switched-off browser features, secure
cookies, nothing of a signed-in person's stored by any cache, a "bad request" page for a bad
Host; and sign-in attempts are limited."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter with DJANGO_ENV=production (settings are read once, at start).
PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0)
# Production serves collected, hashed static files; these pages' headers don't depend on them.
from django.test.utils import override_settings
override_settings(
    STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }}
).enable()
client = Client(HTTP_HOST="secondopinion.example.org")
plain = client.get("/accounts/login/")
page = client.get("/accounts/login/", secure=True)
cookie = page.cookies[settings.CSRF_COOKIE_NAME]
bad_host = Client(HTTP_HOST="attacker.example").get("/accounts/login/", secure=True)
from secondopinion.accounts.models import User
patient = User.objects.create_user("probe@example.org", "a-long-probe-password")
signed_in = Client(HTTP_HOST="secondopinion.example.org")
signed_in.force_login(patient)
dashboard = signed_in.get("/cases/", secure=True)
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "plain_headers": dict(plain.headers),
    "status": page.status_code,
    "headers": dict(page.headers),
    "bad_host": {
        "status": bad_host.status_code,
        "text": bad_host.content.decode(),
        "headers": dict(bad_host.headers),
    },
    "dashboard": {"status": dashboard.status_code, "headers": dict(dashboard.headers)},
    "csrf_cookie": {"secure": bool(cookie["secure"]), "samesite": cookie["samesite"]},
    "session": {
        "secure": settings.SESSION_COOKIE_SECURE,
        "httponly": settings.SESSION_COOKIE_HTTPONLY,
        "samesite": settings.SESSION_COOKIE_SAMESITE,
    },
}))
"""


@pytest.fixture(scope="module")
def production_response(tmp_path_factory) -> dict:
    var = tmp_path_factory.mktemp("production-var")
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "secondopinion.settings",
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "secondopinion.example.org",
            "VAR_DIR": str(var),
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_sent_to_https(production_response):
    assert production_response["plain_status"] == 301
    assert production_response["plain_location"].startswith("https://secondopinion.example.org/")


def test_pages_carry_hsts_a_strict_csp_and_the_other_security_headers(production_response):
    headers = production_response["headers"]

    assert production_response["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    assert "Server" not in headers  # the application names no server (gunicorn adds no version)


def test_cookies_are_secure_and_same_site(production_response):
    assert production_response["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert production_response["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "5/5m/key"})
def test_repeated_failed_sign_ins_are_refused_for_a_while(client, db):
    user = UserFactory(email=f"target-{secrets.token_hex(4)}@example.org")
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": user.email, "password": "wrong guess"})
        assert "not correct" in response.text

    response = client.post(url, {"login": user.email, "password": PASSWORD})  # the right one

    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session


def _directives(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",") if part.strip()}


def test_every_response_says_same_origin_resource_policy(production_response):
    for headers in (
        production_response["headers"],
        production_response["plain_headers"],
        production_response["bad_host"]["headers"],
        production_response["dashboard"]["headers"],
    ):
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_signed_in_pages_are_never_stored(production_response):
    dashboard = production_response["dashboard"]

    assert dashboard["status"] == 200
    assert dashboard["headers"]["Cache-Control"] == "no-store, private"


def test_a_bad_host_gets_a_bad_request_page_not_the_over_size_one(production_response):
    bad_host = production_response["bad_host"]

    assert bad_host["status"] == 400
    assert "<h1>Bad request</h1>" in bad_host["text"]
    assert "more than we can take" not in bad_host["text"]
    assert "attacker.example" not in bad_host["text"]


def test_an_over_size_request_still_says_it_was_too_much(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(UserFactory())

    response = client.post(reverse("cases:case-create"), {"anything": "x" * 5000})

    assert response.status_code == 400
    assert "more than we can take in one go" in response.text


# The health information a signed-in person (or a link holder) downloads or reads: URL name, the
# case's state, and who reads it.
PHI_READS = [
    ("cases:case-detail", "in_review", "coordinator", "get"),
    ("messaging:case-messages", "in_review", "owner", "get"),
    ("review:report-download", "delivered", "owner", "get"),
    ("data_rights:case-export", "delivered", "owner", "get"),
    ("records:record-download", "in_review", "assigned_specialist", "get"),
    ("records:record-preview", "in_review", "assigned_specialist", "get"),
    ("records:record-view", "in_review", "assigned_specialist", "get"),
    ("records:record-inline", "in_review", "assigned_specialist", "get"),
    ("records:record-reduced", "in_review", "assigned_specialist", "get"),
    ("records:case-records", "in_review", "coordinator", "get"),
    ("review:report-share", "delivered", "anonymous", "post"),
]


@pytest.mark.parametrize(("name", "state", "role", "method"), PHI_READS)
def test_health_information_is_never_stored_by_a_browser_or_a_proxy(
    actors, proxy, name, state, role, method
):
    from tests.proofs.matrix import clients, url_kwargs

    case = actors.case(state)
    url = reverse(name, kwargs=url_kwargs(name, case))

    response = getattr(clients(actors, proxy)[role], method)(url)

    assert response.status_code == 200
    assert {"no-store", "private"} <= _directives(response["Cache-Control"])
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_static_files_keep_their_cache_lifetime_and_say_same_origin(db, settings):
    settings.WHITENOISE_USE_FINDERS = True  # WhiteNoise serves from the finders, as in `make run`

    response = Client().get("/static/css/app.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
