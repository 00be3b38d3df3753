"""Demo accounts for `make run`: one per role, with MFA ready for the staff roles.

The password and the TOTP secret are public (README): never run seed_demo in production.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.db import transaction
from django.utils import timezone

from .models import Role, User

DEMO_PASSWORD = "second-opinion-demo"  # noqa: S105 - public demo password
# Base32 TOTP secret shared by the demo specialists and coordinator (add it to any
# authenticator app, or run `manage.py demo_totp EMAIL` to print the current code).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - public demo secret

DEMO_USERS = [
    ("alice@example.org", "Alice Patient", Role.PATIENT),
    ("bob@example.org", "Bob Patient", Role.PATIENT),
    ("carol@example.org", "Carol Caregiver", Role.CAREGIVER),
    ("dr.smith@example.org", "Dr Sarah Smith", Role.SPECIALIST),
    ("dr.jones@example.org", "Dr Tom Jones", Role.SPECIALIST),
    ("cora@example.org", "Cora Coordinator", Role.COORDINATOR),
]


@transaction.atomic
def seed_demo_accounts() -> list[User]:
    users = []
    for email, name, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "role": role}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if (
            user.needs_mfa
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)
        users.append(user)
    return users


def current_totp_code(user: User) -> str:
    """The code the user's authenticator app shows now."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    counter = int(timezone.now().timestamp()) // 30
    return format_hotp_value(hotp_value(secret, counter))
