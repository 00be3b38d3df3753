"""Matching: who is ranked for a case, in what order and why, and who is left out and why."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Status
from specialists import offers
from specialists.matching import SUBSPECIALTY_POINTS, rank_specialists_for
from specialists.models import Licence, Offer, SpecialistLanguage, Specialty, UnavailablePeriod
from specialists.services import waive_report_language


def names(candidates) -> list[str]:
    return [str(candidate.specialist) for candidate in candidates]


def reasons_for(ranking, specialist) -> list[str]:
    exclusion = next(e for e in ranking.excluded if e.specialist.pk == specialist.pk)
    return [reason.text for reason in exclusion.reasons]


def test_specialists_are_ranked_by_their_score_with_a_reason_for_every_part(
    matching_case, specialist, actors
):
    case = matching_case(
        report_language="es", question_topics=["surgery"], diagnosis="HER2-positive breast cancer"
    )
    best = specialist(
        "Dr Bea Best",
        subspecialty="Breast oncology",
        expertise="HER2-positive breast cancer\nBreast cancer surgery\nSarcoma",
        typical_turnaround_days=3,
        preferred_topics=["surgery"],
    )
    SpecialistLanguage.objects.create(specialist=best, language="es")
    # The report language is required unless waived: Dr Smith writes English only.
    waive_report_language(case=case, by=actors.cora, reason="The patient reads English too.")

    ranking = rank_specialists_for(case)

    assert names(ranking.ranked) == ["Dr Bea Best", "Dr Sarah Smith"]
    top = ranking.ranked[0]
    assert top.score == 100
    reasons = {part.name: (part.points, part.out_of, part.reason) for part in top.parts}
    assert reasons == {
        "Specialty": (
            SUBSPECIALTY_POINTS,
            35,
            "Subspecialty in Breast oncology, which this case needs.",
        ),
        "Expertise": (
            20,
            20,
            "Expertise in “HER2-positive breast cancer”; “Breast cancer surgery” match the "
            "diagnosis or question.",
        ),
        "Report language": (
            15,
            15,
            "Writes reports in Spanish, the language the patient asked for.",
        ),
        "Current load": (15, 15, "0 of 10 cases open: room for 10 more."),
        "Turnaround": (10, 10, "Usually writes an opinion in 3 days."),
        "Preferences": (5, 5, "Prefers questions the patient asked: “Is surgery needed?”."),
    }
    smith = {part.name: part.reason for part in ranking.ranked[1].parts}
    assert smith["Report language"] == (
        "Does not write reports in Spanish: the report would need translating."
    )
    assert smith["Specialty"] == "Specialty: Medical oncology."


def test_equal_scores_are_ordered_by_id_every_time(matching_case, specialist):
    case = matching_case()
    twins = [specialist(f"Dr Twin {n}") for n in range(4)]

    rankings = [names(rank_specialists_for(case).ranked) for _ in range(3)]

    expected = ["Dr Sarah Smith", *(str(twin) for twin in twins)]
    assert rankings == [expected] * 3
    scores = {candidate.score for candidate in rank_specialists_for(case).ranked}
    assert len(scores) == 1


def test_a_specialist_at_capacity_is_not_ranked(actors, matching_case, specialist):
    busy = specialist("Dr Bo Busy", max_open_cases=1)
    other_case = matching_case()

    offers.offer_case(case=other_case, specialist=busy, by=actors.cora)  # an open offer counts
    case = matching_case()

    ranking = rank_specialists_for(case, explain=True)

    assert "Dr Bo Busy" not in names(ranking.ranked)
    assert reasons_for(ranking, busy) == ["At capacity: 1 of 1 cases open."]


@pytest.mark.any_day
def test_a_specialist_whose_licence_expired_is_not_ranked(matching_case, specialist):
    lapsed = specialist("Dr Lee Lapsed", licence=None)
    expired_on = timezone.localdate() - timedelta(days=1)
    Licence.objects.create(
        specialist=lapsed,
        jurisdiction="GB-ENG",
        number="GMC1",
        expires_on=expired_on,
        verified_at=timezone.now(),
    )
    case = matching_case()

    ranking = rank_specialists_for(case, explain=True)

    assert "Dr Lee Lapsed" not in names(ranking.ranked)
    assert reasons_for(ranking, lapsed) == [
        f"Their licence for England expired on {expired_on:%-d %b %Y}."
    ]


@pytest.mark.pinned_clock
def test_unverified_unlicensed_and_away_specialists_are_not_ranked_and_say_why(
    matching_case, specialist
):
    new = specialist("Dr Nia New", licence__verified_at=None)
    elsewhere = specialist("Dr Tex Elsewhere", licence__jurisdiction="US-TX")
    away = specialist("Dr Al Away")
    back = timezone.localdate() + timedelta(days=6)
    UnavailablePeriod.objects.create(specialist=away, starts_on=timezone.localdate(), ends_on=back)
    case = matching_case()

    ranking = rank_specialists_for(case, explain=True)

    assert names(ranking.ranked) == ["Dr Sarah Smith"]
    assert reasons_for(ranking, new) == [
        "A coordinator has not verified them yet.",
        "Their licence for England is not verified yet.",
    ]
    assert reasons_for(ranking, elsewhere) == ["Holds no licence valid in England."]
    assert reasons_for(ranking, away) == [f"Unavailable until {back:%-d %b %Y}."]


def test_a_uk_wide_licence_covers_each_of_the_four_nations(matching_case, specialist):
    specialist("Dr Gina Gmc", licence__jurisdiction="GB")
    case = matching_case(patient_region="GB-SCT")

    assert names(rank_specialists_for(case).ranked) == ["Dr Gina Gmc"]


def test_only_specialists_in_the_specialty_the_case_needs_are_ranked(actors, matching_case):
    case = matching_case()

    ranking = rank_specialists_for(case)

    assert {need.specialty.name for need in ranking.needs} == {
        "Medical oncology",
        "Breast oncology",
    }
    assert "Dr Tom Jones" not in names(ranking.ranked)  # a cardiologist
    cardiology = Specialty.objects.get(name="Cardiology")
    assert names(rank_specialists_for(case, specialties=[cardiology]).ranked) == ["Dr Tom Jones"]


def test_a_specialist_is_never_ranked_again_for_a_case_once_offered_it(actors, matching_case):

    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    offers.decline_offer(
        case=case, by=actors.dr_smith.user, reason_code=Offer.DeclineReason.NO_CAPACITY
    )

    ranking = rank_specialists_for(case, explain=True)

    assert ranking.ranked == []
    assert reasons_for(ranking, actors.dr_smith) == [
        "Already offered this case: declined (no capacity)."
    ]


def test_without_the_patients_region_no_one_is_ranked_and_the_page_says_why(matching_case):
    case = matching_case(patient_region="")

    ranking = rank_specialists_for(case)

    assert ranking.ranked == []
    assert ranking.notes == [
        "The case does not say where the patient lives, so no licence can be checked. "
        "Ask the patient, then match."
    ]


def test_ranking_takes_a_fixed_number_of_queries_however_many_specialists(
    matching_case, specialist
):
    case = matching_case()
    for n in range(3):
        specialist(f"Dr Few {n}")
    with CaptureQueriesContext(connection) as few:
        rank_specialists_for(case)
    for n in range(12):
        specialist(f"Dr Many {n}", institution=f"Hospital number {n}")

    with CaptureQueriesContext(connection) as many:
        ranking = rank_specialists_for(case)

    assert len(ranking.ranked) == 16
    assert len(many) == len(few)


def test_a_case_in_another_state_can_still_be_ranked_for_the_coordinator(actors):
    case = actors.case(Status.TRIAGE)

    assert names(rank_specialists_for(case).ranked) == ["Dr Sarah Smith"]


def test_a_specialist_whose_account_is_switched_off_is_not_ranked(matching_case, specialist):
    gone = specialist("Dr Gil Gone")
    type(gone.user).objects.filter(pk=gone.user_id).update(is_active=False)
    case = matching_case()

    ranking = rank_specialists_for(case, explain=True)

    assert "Dr Gil Gone" not in names(ranking.ranked)
    assert reasons_for(ranking, gone) == ["Their account is switched off."]


def test_a_score_is_the_sum_of_its_parts_which_are_written_only_when_read(
    matching_case, specialist
):
    case = matching_case(question_topics=["surgery"], diagnosis="HER2-positive breast cancer")
    specialist("Dr Bea Best", expertise="HER2-positive breast cancer", preferred_topics=["surgery"])
    specialist("Dr Slow", typical_turnaround_days=12, max_open_cases=3)

    ranked = rank_specialists_for(case).ranked

    assert len(ranked) == 3
    assert not any("parts" in vars(candidate) for candidate in ranked)  # none written yet
    for candidate in ranked:
        assert candidate.score == round(sum(part.points for part in candidate.parts), 1)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
