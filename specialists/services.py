"""Writing offers. Called by cases.services inside a case transition, never by views."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from secondopinion.errors import ApplicationError

from .models import Offer, Specialist


def create_offer(*, case, specialist: Specialist, by) -> Offer:
    if not specialist.is_verified:
        raise ApplicationError("This specialist's credentials have not been verified yet.")
    try:
        with transaction.atomic():
            return Offer.objects.create(
                case=case,
                specialist=specialist,
                offered_by=by,
                respond_by=timezone.now() + timedelta(hours=settings.OFFER_RESPONSE_HOURS),
            )
    except IntegrityError as exc:
        raise ApplicationError("This case already has an open offer.") from exc


def close_offer(*, offer: Offer, status: str, reason: str = "") -> Offer:
    offer.status = status
    offer.responded_at = timezone.now()
    offer.decline_reason = reason
    offer.save(update_fields=["status", "responded_at", "decline_reason"])
    return offer
