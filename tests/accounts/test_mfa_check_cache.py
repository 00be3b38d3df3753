"""Staff pages check two-factor set-up at most once a minute per session, and no longer than
that after the authenticator is gone."""

import datetime as dt

import time_machine
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

START = dt.datetime(2026, 12, 31, 23, 50, tzinfo=dt.UTC)


def _mfa_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q for q in queries if "mfa_authenticator" in q["sql"]]


def test_a_page_within_a_minute_of_the_check_does_not_read_it_again(client, actors):
    url = reverse("coordinator:queue")
    with time_machine.travel(START, tick=False):
        client.force_login(actors.cora)
        assert client.get(url).status_code == 200
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        response, checks = _mfa_queries(client, url)

    assert response.status_code == 200
    assert checks == []


def test_an_authenticator_removed_elsewhere_sends_staff_to_set_it_up_within_a_minute(
    client, actors
):
    url = reverse("coordinator:queue")
    with time_machine.travel(START, tick=False):
        client.force_login(actors.cora)
        assert client.get(url).status_code == 200
    Authenticator.objects.filter(user=actors.cora).delete()
    with time_machine.travel(START + dt.timedelta(seconds=61), tick=False):
        response, checks = _mfa_queries(client, url)

    assert checks
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_removing_an_authenticator_forgets_the_check_in_that_session(client, actors, rf):
    from allauth.mfa.signals import authenticator_removed

    url = reverse("coordinator:queue")
    with time_machine.travel(START, tick=False):
        client.force_login(actors.cora)
        assert client.get(url).status_code == 200
        request = rf.get("/")
        request.session = client.session
        authenticator = Authenticator.objects.filter(user=actors.cora).first()
        authenticator.delete()
        authenticator_removed.send(
            sender=Authenticator, request=request, user=actors.cora, authenticator=authenticator
        )
        request.session.save()

        response = client.get(url)

    assert response.status_code == 302
