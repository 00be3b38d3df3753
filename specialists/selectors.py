"""Reading specialists and offers, for other apps and for views."""

from django.db.models import QuerySet

from .models import Offer, Specialist


def specialist_for_user(user) -> Specialist | None:
    if not user.is_authenticated:
        return None
    return Specialist.objects.filter(user=user).first()


def specialists_available_for_offer() -> QuerySet[Specialist]:
    return Specialist.objects.filter(is_verified=True, user__is_active=True).select_related("user")


def open_offer_for_case(case_id: int) -> Offer | None:
    return (
        Offer.objects.filter(case_id=case_id, status=Offer.Status.OPEN)
        .select_related("specialist__user")
        .first()
    )


def open_offers_for_specialist(specialist: Specialist) -> QuerySet[Offer]:
    return Offer.objects.filter(specialist=specialist, status=Offer.Status.OPEN).select_related(
        "case"
    )


def case_ids_offered_to(user) -> QuerySet:
    return Offer.objects.filter(specialist__user=user, status=Offer.Status.OPEN).values("case_id")
