"""An offer's status moves only as specialists.models.OFFER_TRANSITIONS allows: every listed
move works, every other is refused and changes nothing."""

from itertools import product

import pytest
from django.utils import timezone

from secondopinion.errors import ApplicationError
from specialists import services
from specialists.models import OFFER_TRANSITIONS, Offer
from tests.code_checks import functions_assigning

STATUSES = list(Offer.Status)
ALLOWED = [(source, target) for source in STATUSES for target in sorted(OFFER_TRANSITIONS[source])]
REFUSED = [
    (source, target)
    for source, target in product(STATUSES, STATUSES)
    if target not in OFFER_TRANSITIONS[source]
]


def open_offer(actors) -> Offer:
    case = actors.case()
    return Offer.objects.create(
        case=case, specialist=actors.dr_smith, offered_by=actors.cora, respond_by=timezone.now()
    )


def offer_in(actors, status: str) -> Offer:
    """An offer in `status`, reached through the allowed moves."""
    offer = open_offer(actors)
    if status != Offer.Status.OPEN:
        services.move_offer(offer=offer, to=status)
    return offer


def test_the_table_names_every_status_and_only_an_open_offer_moves():
    assert set(OFFER_TRANSITIONS) == set(STATUSES)
    assert [source for source, targets in OFFER_TRANSITIONS.items() if targets] == ["open"]


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_an_allowed_move_is_stored(actors, source, target):
    offer = offer_in(actors, source)

    services.move_offer(offer=offer, to=target, decline_reason="Recorded with the move")

    stored = Offer.objects.get(pk=offer.pk)
    assert (stored.status, stored.decline_reason) == (target, "Recorded with the move")


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_any_other_move_is_refused_and_changes_nothing(actors, source, target):
    offer = offer_in(actors, source)

    with pytest.raises(ApplicationError, match="can't become"):
        services.move_offer(offer=offer, to=target, decline_reason="Should not be kept")

    stored = Offer.objects.get(pk=offer.pk)
    assert (stored.status, stored.decline_reason) == (source, "")


def test_a_declined_offer_cannot_be_accepted_afterwards(actors):
    offer = offer_in(actors, Offer.Status.DECLINED)

    with pytest.raises(ApplicationError, match="“declined” can't become “accepted”"):
        services.record_acceptance(offer=offer, screened=[])
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.DECLINED


def test_nothing_but_move_offer_assigns_an_offers_status():
    """`offer.status = ` appears only in specialists.services.move_offer."""
    offenders = functions_assigning("status", on=lambda name: "offer" in name)
    assert offenders == ["specialists/services.py:move_offer"]
