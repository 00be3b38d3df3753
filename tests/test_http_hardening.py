"""HTTP hardening in production mode, as a browser meets it: HTTPS only with HSTS, a strict CSP,
no framing, a same-origin referrer, switched-off browser features, secure cookies; and sign-in
attempts are limited."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
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
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "status": page.status_code,
    "headers": dict(page.headers),
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
