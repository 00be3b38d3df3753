"""Pages opened within a minute of the last renewal leave the session table alone; the idle
timer they show counts from that renewal, so the sign-out is never later than the timeout."""

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

START = dt.datetime(2026, 12, 31, 23, 50, tzinfo=dt.UTC)


def _session_writes(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    writes = [
        q["sql"] for q in queries if "django_session" in q["sql"] and "SELECT" not in q["sql"]
    ]
    return response, writes


def test_a_page_within_a_minute_writes_no_session_and_shows_the_time_left(client, actors):
    url = reverse("cases:dashboard")
    with time_machine.travel(START, tick=False):
        client.force_login(actors.alice)
        client.get(url)
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        response, writes = _session_writes(client, url)

    assert writes == []
    assert 'data-session-idle-seconds="3570"' in response.text


def test_a_page_after_a_minute_renews_the_whole_timeout(client, actors):
    with time_machine.travel(START, tick=False):
        client.force_login(actors.cora)
        client.get(reverse("coordinator:queue"))
    with time_machine.travel(START + dt.timedelta(seconds=61), tick=False):
        response, writes = _session_writes(client, reverse("coordinator:queue"))
        assert client.session.get_expiry_age() == 15 * 60

    assert writes
    assert 'data-session-idle-seconds="900"' in response.text


def test_the_session_still_ends_at_the_timeout_without_activity(client, actors):
    with time_machine.travel(START, tick=False):
        client.force_login(actors.alice)
        client.get(reverse("cases:dashboard"))
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        client.get(reverse("cases:dashboard"))
    with time_machine.travel(START + dt.timedelta(minutes=60, seconds=1), tick=False):
        response = client.get(reverse("cases:dashboard"))

    assert response.status_code == 302
