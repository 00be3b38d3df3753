"""Sign-in keeps working when Redis (the cache behind the attempt limits, and the broker) is down.

A private redis-server (tests/integration/test_faults.py's PrivateRedis) backs the cache, and the
test stops it: sign-in and password reset still answer promptly, attempt limits still count (in
the process's memory), one warning names no key, and the cache goes back to Redis once it is up.
"""

import logging
import secrets
import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from secondopinion import cache as resilient_cache
from tests.factories import PASSWORD, UserFactory
from tests.integration.test_faults import REDIS_SERVER, PrivateRedis, _point_celery_at
from tests.support import needs_service

pytestmark = needs_service("redis-server", REDIS_SERVER is not None, "apt-get install redis-server")


@pytest.fixture
def private_redis(tmp_path, monkeypatch):
    """A private Redis as both the cache and the Celery broker, as in a deployment."""
    from secondopinion.celery import app

    server = PrivateRedis(tmp_path)
    server.start()
    saved = _point_celery_at(app, server.url)
    monkeypatch.setattr(resilient_cache, "_down_until", {})
    caches = {
        "default": {
            "BACKEND": "secondopinion.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    try:
        with override_settings(CACHES=caches):
            yield server
    finally:
        server.stop()
        _point_celery_at(app, None, saved)


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    started = time.monotonic()
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return response, time.monotonic() - started


def _patient():
    return UserFactory(email=f"patient-{secrets.token_hex(4)}@example.org")


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,5/5m/key"})
def test_with_redis_down_sign_in_and_password_reset_still_work(db, private_redis, caplog):
    patient = _patient()
    _sign_in(Client(), patient.email, "a wrong guess")
    assert redis.Redis.from_url(private_redis.url).keys("*")  # the limits were kept in Redis

    private_redis.stop()
    client = Client()
    with caplog.at_level(logging.WARNING, logger="secondopinion.cache"):
        response, seconds = _sign_in(client, patient.email)
        reset = Client().post(reverse("account_reset_password"), {"email": patient.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(patient.pk)
    assert seconds < 2
    assert reset.status_code == 302
    assert reset["Location"] == reverse("account_reset_password_done")
    # One warning for the outage window, not one per cache call, naming no key and no person.
    warnings = [r.getMessage() for r in caplog.records if r.name == "secondopinion.cache"]
    assert len(warnings) == 1
    assert warnings[0].startswith("Cache unavailable")
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert patient.email not in logged
    assert "allauth" not in logged


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "3/5m/key"})
def test_with_redis_down_repeated_wrong_passwords_are_still_refused(db, private_redis):
    patient = _patient()
    private_redis.stop()
    for _ in range(3):
        response, _seconds = _sign_in(Client(), patient.email, "a wrong guess")
        assert "not correct" in response.text

    client = Client()
    response, _seconds = _sign_in(client, patient.email)

    assert "Too many failed login attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_once_redis_is_back_the_cache_uses_it_again(db, private_redis, monkeypatch):
    private_redis.stop()
    cache.set("probe", "kept in memory")
    assert cache.get("probe") == "kept in memory"

    private_redis.start()
    monkeypatch.setattr(resilient_cache, "RETRY_AFTER_SECONDS", 0)
    resilient_cache._down_until.clear()
    cache.set("probe", "kept in redis")

    assert redis.Redis.from_url(private_redis.url).keys("*probe*")
    assert cache.get("probe") == "kept in redis"
