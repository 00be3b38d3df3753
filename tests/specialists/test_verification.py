"""A specialist is verified while one of their licences is verified and not expired: derived
from the licences, never stored, so removing the last one (or its expiry) ends it at once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from secondopinion.errors import ApplicationError
from specialists import offers, selectors, services
from specialists.matching import rank_specialists_for
from specialists.models import Specialist
from tests.factories import LicenceFactory


def ranked_names(case) -> list[str]:
    return [str(candidate.specialist) for candidate in rank_specialists_for(case).ranked]


def test_removing_the_last_verified_licence_makes_the_specialist_unverified_and_unmatchable(
    actors, matching_case
):
    smith = actors.dr_smith
    case = matching_case()
    assert "Dr Sarah Smith" in ranked_names(case)

    services.remove_profile_item(
        specialist=smith, by=smith.user, kind="licence", item_id=smith.licences.get().pk
    )

    assert not Specialist.objects.get(pk=smith.pk).is_verified
    assert not Specialist.objects.with_verification().get(pk=smith.pk).is_verified
    assert not Specialist.objects.verified().filter(pk=smith.pk).exists()
    assert "Dr Sarah Smith" not in ranked_names(case)
    with pytest.raises(ApplicationError, match="can't be offered this case"):
        offers.offer_case(case=case, specialist=smith, by=actors.cora)
    with pytest.raises(ApplicationError, match="credentials have not been verified"):
        services.create_offer(case=case, specialist=smith, by=actors.cora)


def test_a_second_verified_licence_keeps_the_specialist_verified(actors):
    smith = actors.dr_smith
    first = smith.licences.get()
    LicenceFactory(specialist=smith, jurisdiction="GB")

    services.remove_profile_item(specialist=smith, by=smith.user, kind="licence", item_id=first.pk)

    assert Specialist.objects.get(pk=smith.pk).is_verified


def test_a_specialist_is_unverified_from_the_day_after_their_licence_expires(actors):
    expires_on = timezone.localdate() + timedelta(days=10)
    actors.dr_smith.licences.update(expires_on=expires_on)
    day = timezone.localtime().replace(hour=12)

    with time_machine.travel(day + timedelta(days=10), tick=False):
        assert Specialist.objects.get(pk=actors.dr_smith.pk).is_verified
    with time_machine.travel(day + timedelta(days=11), tick=False):
        assert not Specialist.objects.get(pk=actors.dr_smith.pk).is_verified
        assert not selectors.specialist_for_user(actors.dr_smith.user).is_verified


def test_verified_since_is_when_the_earliest_valid_licence_was_verified(actors):
    smith = actors.dr_smith
    earlier = timezone.now() - timedelta(days=400)
    LicenceFactory(specialist=smith, jurisdiction="GB", verified_at=earlier)

    annotated = Specialist.objects.with_verification().get(pk=smith.pk)
    counted = Specialist.objects.get(pk=smith.pk)
    prefetched = Specialist.objects.prefetch_related("licences").get(pk=smith.pk)

    assert (
        annotated.verified_since == counted.verified_since == prefetched.verified_since == earlier
    )
