"""Sessions end after inactivity: 15 minutes for staff, longer for patients, with a warning."""

from django.urls import reverse


def test_staff_sessions_expire_after_fifteen_idle_minutes(client, actors, settings):
    client.force_login(actors.cora)

    response = client.get(reverse("coordinator:queue"))

    assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS == 900
    assert 'data-session-idle-seconds="900"' in response.text


def test_patient_sessions_use_the_general_idle_timeout(client, actors, settings):
    client.force_login(actors.alice)

    response = client.get(reverse("cases:dashboard"))

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert "js-idle-warning" in response.text


def test_anonymous_pages_carry_no_idle_timer(client, db):
    assert "data-session-idle-seconds" not in client.get(reverse("home")).text


def test_signed_in_pages_tell_the_idle_script_where_to_sign_out(client, actors):
    client.force_login(actors.alice)

    response = client.get(reverse("cases:dashboard"))

    assert f'data-sign-out-url="{reverse("account_logout")}"' in response.text


def test_a_request_the_page_makes_by_itself_does_not_push_the_sign_out_back(client, actors):
    import datetime as dt

    import time_machine

    from cases.models import Status

    case = actors.case(Status.SUBMITTED)
    messages_url = reverse("messaging:case-messages", args=[case.reference])
    start = dt.datetime(2026, 12, 31, 23, 50, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client.force_login(actors.alice)
        client.get(reverse("cases:dashboard"))  # the last real activity
    with time_machine.travel(start + dt.timedelta(minutes=50), tick=False):
        saved = client.post(
            messages_url,
            {"_action": "save-draft", "body": "Half a sentence"},
            headers={"X-Not-Activity": "1"},
        )
        assert saved.status_code == 204
        # Ten minutes left of the hour, as before the draft was saved.
        assert client.session.get_expiry_age() == 10 * 60
        client.get(reverse("cases:dashboard"))  # real activity renews the whole hour
        assert client.session.get_expiry_age() == 60 * 60
