"""Specialists and coordinators must set up two-factor authentication before opening a case."""

import pytest
from django.urls import reverse

from secondopinion.accounts.models import Role
from tests.factories import UserFactory


@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.COORDINATOR])
def test_staff_without_mfa_are_sent_to_set_it_up(client, db, role):
    user = UserFactory(role=role, verified=False)
    client.force_login(user)

    response = client.get(reverse("cases:dashboard"))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_mfa_get_in(client, actors):
    client.force_login(actors.cora)

    assert client.get(reverse("coordinator:queue")).status_code == 200


def test_patients_need_no_mfa(client, actors):
    client.force_login(actors.alice)

    assert client.get(reverse("cases:dashboard")).status_code == 200


def test_public_sign_up_never_creates_staff(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "mallory@example.org",
            "password1": "a-long-test-password",
            "password2": "a-long-test-password",
            "full_name": "Mallory",
            "role": Role.COORDINATOR,
        },
    )

    assert response.status_code == 200  # the form refuses the choice
    assert "Select a valid choice" in response.text
