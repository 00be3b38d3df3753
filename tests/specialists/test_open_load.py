"""Each specialist's open load (cases under review plus open offers) is stored on the
specialist by the services that change it, in the same transaction, and stays equal to what
counting gives through every way a case moves."""

import pytest
from django.db.models import Q

from cases import services
from cases.models import Case, Status
from review import services as review_services
from specialists import offers
from specialists.candidates import load as _load
from specialists.models import Offer, Specialist
from tests.factories import _write_and_submit_opinion


def counted(specialist: Specialist) -> int:
    return Specialist.objects.annotate(n=_load()).get(pk=specialist.pk).n


def stored(specialist: Specialist) -> int:
    return Specialist.objects.get(pk=specialist.pk).open_load


def check(specialist: Specialist, expected: int) -> None:
    assert (stored(specialist), counted(specialist)) == (expected, expected)


def test_the_stored_load_follows_offers_acceptance_questions_and_delivery(actors, matching_case):
    smith, cora = actors.dr_smith, actors.cora
    first, second = matching_case(), matching_case()
    check(smith, 0)

    offers.offer_case(case=first, specialist=smith, by=cora)
    check(smith, 1)
    offers.decline_offer(case=first, by=smith.user, reason="Away that week")
    check(smith, 0)

    offers.offer_case(case=first, specialist=actors.dr_jones, by=cora)
    offers.offer_case(case=second, specialist=smith, by=cora)
    check(smith, 1)
    offers.accept_offer(case=second, by=smith.user, attested_no_conflict=True)
    check(smith, 1)  # the offer closed, the review opened
    review_services.request_information(case=second, by=smith.user, question="Any new scans?")
    check(smith, 1)
    review_services.answer_information_request(
        case=second, by=actors.alice, answer="None since May."
    )
    check(smith, 1)
    _write_and_submit_opinion(Case.objects.get(pk=second.pk), smith)
    check(smith, 1)  # in the quality check: still the specialist's
    review_services.deliver_opinion(case=Case.objects.get(pk=second.pk), by=cora)
    check(smith, 0)
    assert stored(actors.dr_jones) == counted(actors.dr_jones) == 1


@pytest.mark.parametrize("end", ["withdraw", "cancel offered", "cancel in review", "expire"])
def test_the_stored_load_drops_when_a_case_ends_early(actors, matching_case, end):
    smith, cora = actors.dr_smith, actors.cora
    case = matching_case()
    offers.offer_case(case=case, specialist=smith, by=cora)
    if end == "cancel in review":
        offers.accept_offer(case=case, by=smith.user, attested_no_conflict=True)
    check(smith, 1)
    case = Case.objects.get(pk=case.pk)

    if end == "withdraw":
        services.withdraw_case(case=case, by=actors.alice, reason="I found another doctor")
    elif end == "expire":
        from datetime import timedelta

        from django.utils import timezone

        offer = Offer.objects.get(case=case, status=Offer.Status.OPEN)
        Offer.objects.filter(pk=offer.pk).update(respond_by=timezone.now() - timedelta(hours=1))
        offers.expire_offer(offer=offer)
    else:
        services.cancel_case(case=case, by=cora, reason="Duplicate request")

    check(smith, 0)
    assert not Case.objects.filter(Q(pk=case.pk) & Q(status=Status.OFFERED)).exists()


def test_matching_reads_the_stored_load(actors, matching_case, specialist):
    from specialists.matching import rank_specialists_for

    busy = specialist("Dr Bo Busy", max_open_cases=2)
    Specialist.objects.filter(pk=busy.pk).update(open_load=2)  # what the services stored

    ranking = rank_specialists_for(matching_case(), explain=True)

    assert "Dr Bo Busy" not in [c.specialist.user.full_name for c in ranking.ranked]
    excluded = {e.specialist.pk: e for e in ranking.excluded}
    assert busy.pk in excluded
