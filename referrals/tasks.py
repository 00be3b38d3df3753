"""Referral side effects run by the worker: thin and idempotent."""

from celery import shared_task

from . import services


@shared_task
def forget_expired_referrals() -> int:
    """Beat task: blank the patient's details on invitations that expired unclaimed."""
    return services.forget_expired_referrals()
