"""Specialists' scheduled work, run by the worker: thin, idempotent, ids only."""

import logging

from celery import shared_task

from secondopinion.errors import ApplicationError

from . import offers, selectors

logger = logging.getLogger(__name__)


@shared_task
def expire_overdue_offers() -> int:
    """Beat task: expire each open offer past its deadline; the case goes back to matching (and,
    in automatic mode, to the next match). Running it twice expires nothing twice."""
    expired = 0
    for offer in selectors.overdue_offers():
        try:
            expired += offers.expire_offer(offer=offer) is not None
        except ApplicationError as error:  # one case's trouble must not hold up the others
            logger.warning("Offer %s not expired: %s", offer.pk, error.message)
    return expired
