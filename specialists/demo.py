"""Demo specialists' profiles for `make run` (`manage.py seed_demo`): idempotent."""

from datetime import timedelta

from django.utils import timezone

from secondopinion.accounts.models import User

from .models import BoardCertification, Licence, Specialist, SpecialistLanguage, Specialty


def seed_demo_specialist(*, user, specialty: str, credentials: str, institution: str) -> Specialist:
    """A profile with a verified UK-wide licence (so verified), so that the demo cases can be
    matched."""
    specialist, created = Specialist.objects.get_or_create(
        user=user,
        defaults={
            "institution": institution,
            "bio": f"Consultant in {specialty.lower()} at {institution}.",
        },
    )
    if created:
        specialist.specialties.add(Specialty.objects.get(name=specialty))
        SpecialistLanguage.objects.create(specialist=specialist, language="en")
        BoardCertification.objects.create(specialist=specialist, name=specialty)
        number = credentials.rsplit(" ", 1)[-1]
        Licence.objects.create(
            specialist=specialist,
            jurisdiction="GB",
            number=f"GMC {number}",
            expires_on=timezone.localdate() + timedelta(days=365 * 3),
            verified_at=timezone.now(),
        )
    return specialist


DEMO_SPECIALISTS = {
    "dr.smith@example.org": (
        "Medical oncology",
        "Board certified in medical oncology; licence GMC 7012345",
        "Royal Marsden Hospital",
    ),
    "dr.jones@example.org": (
        "Cardiology",
        "Board certified in cardiology; licence GMC 7054321",
        "St Thomas' Hospital",
    ),
}


def seed_demo_specialists() -> list[Specialist]:
    """Profiles for the demo specialists' accounts (made by accounts' seed_demo_accounts)."""
    return [
        seed_demo_specialist(
            user=User.objects.get(email=email),
            specialty=specialty,
            credentials=credentials,
            institution=institution,
        )
        for email, (specialty, credentials, institution) in DEMO_SPECIALISTS.items()
    ]
