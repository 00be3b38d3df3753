"""Sessions end after inactivity: 15 minutes for staff, longer for patients, with a warning."""

from django.urls import reverse


def test_staff_sessions_expire_after_fifteen_idle_minutes(client, actors, settings):
    client.force_login(actors.cora)

    response = client.get(reverse("cases:queue"))

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
