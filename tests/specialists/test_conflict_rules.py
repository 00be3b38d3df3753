"""Conflict-of-interest screening: each rule keeps a specialist off a case, with a plain reason."""

import pytest
from django.utils import timezone

from cases.models import Case, Status
from secondopinion.errors import ApplicationError
from specialists import offers, services
from specialists.conflicts import company_name, mentions, same_institution, same_person
from specialists.matching import rank_specialists_for
from specialists.models import Affiliation, ConflictDeclaration, FinancialRelationship


def ranked_names(ranking) -> list[str]:
    return [str(candidate.specialist) for candidate in ranking.ranked]


def exclusion_of(ranking, specialist):
    return next(e for e in ranking.excluded if e.specialist.pk == specialist.pk)


def test_a_specialist_working_at_the_treating_hospital_is_excluded_with_the_reason(
    matching_case, specialist
):
    case = matching_case(treating_institution="City Hospital")
    insider = specialist("Dr Ivy Insider", institution="City Hospital NHS Foundation Trust")

    ranking = rank_specialists_for(case)

    assert "Dr Ivy Insider" not in ranked_names(ranking)
    exclusion = exclusion_of(ranking, insider)
    assert exclusion.rule == "Treating hospital"
    assert exclusion.reason == (
        "Works at City Hospital NHS Foundation Trust, where the patient is treated."
    )


@pytest.mark.any_day
def test_a_specialist_who_worked_there_within_the_configured_years_is_excluded(
    matching_case, specialist, settings
):
    settings.COI_AFFILIATION_YEARS = 5
    case = matching_case(treating_institution="St Mary's Hospital")
    this_year = timezone.localdate().year
    recent = specialist("Dr Rita Recent")
    Affiliation.objects.create(
        specialist=recent,
        institution="Saint Mary's Hospital",
        start_year=2010,
        end_year=this_year - 2,
    )
    long_ago = specialist("Dr Len Longago")
    Affiliation.objects.create(
        specialist=long_ago,
        institution="St Mary's Hospital",
        start_year=1990,
        end_year=this_year - 9,
    )

    ranking = rank_specialists_for(case)

    assert exclusion_of(ranking, recent).reason == (
        f"Worked until {this_year - 2} (within 5 years) at Saint Mary's Hospital, where the "
        "patient is treated."
    )
    assert "Dr Len Longago" in ranked_names(ranking)

    settings.COI_AFFILIATION_YEARS = 10
    assert "Dr Len Longago" not in ranked_names(rank_specialists_for(case))


def test_the_treating_doctor_is_excluded_from_their_own_patients_case(matching_case, specialist):
    case = matching_case(treating_doctor="Dr Ada Brown")
    brown = specialist("Dr Ada Brown")

    ranking = rank_specialists_for(case)

    exclusion = exclusion_of(ranking, brown)
    assert exclusion.rule == "Treating doctor"
    assert exclusion.reason == "May be the patient's treating doctor (Dr Ada Brown)."


def test_a_doctor_the_patient_named_to_leave_out_is_excluded(matching_case, specialist):
    case = matching_case(excluded_doctors="Prof. K. Keller (my old surgeon)\nDr Nobody Else")
    keller = specialist("Dr Karl Keller")
    kellerman = specialist("Dr Karl Kellerman")

    ranking = rank_specialists_for(case)

    exclusion = exclusion_of(ranking, keller)
    assert exclusion.rule == "Excluded by the patient"
    assert exclusion.reason == (
        "The patient asked that Prof. K. Keller (my old surgeon) not review this case."
    )
    assert "Dr Karl Kellerman" in ranked_names(ranking)
    assert kellerman.pk not in {e.specialist.pk for e in ranking.excluded}


def test_a_financial_tie_to_a_maker_of_the_treatment_excludes_by_product_or_company(
    matching_case, specialist
):
    case = matching_case(treatment="Six cycles of trastuzumab (HERCEPTIN), then surgery")
    by_product = specialist("Dr Paula Product")
    FinancialRelationship.objects.create(
        specialist=by_product,
        company="Genentech, Inc.",
        kind=FinancialRelationship.Kind.SPEAKING,
        products="Herceptin\nPerjeta",
    )
    by_company = specialist("Dr Carl Company")
    FinancialRelationship.objects.create(
        specialist=by_company, company="Trastuzumab Ltd", kind=FinancialRelationship.Kind.OWNERSHIP
    )
    unrelated = specialist("Dr Una Unrelated")
    FinancialRelationship.objects.create(
        specialist=unrelated,
        company="Roche",
        kind=FinancialRelationship.Kind.CONSULTING,
        products="Herceptinoid",
    )

    ranking = rank_specialists_for(case)

    assert exclusion_of(ranking, by_product).rule == "Financial relationship"
    assert exclusion_of(ranking, by_product).reason == (
        "Declared speaking fees from Genentech, Inc., and the treatment in question names "
        "Herceptin."
    )
    assert "names Trastuzumab" in exclusion_of(ranking, by_company).reason
    assert "Dr Una Unrelated" in ranked_names(ranking)


def test_a_relationship_recorded_against_the_case_or_the_treating_doctor_excludes(
    actors, matching_case, specialist
):
    case = matching_case(treating_doctor="Dr Ada Brown")
    sister = specialist("Dr Sue Sister")
    services.declare_conflict(
        specialist=sister,
        by=actors.cora,
        kind=ConflictDeclaration.Kind.FAMILY,
        case=case,
        details="The patient's sister-in-law",
    )
    partner = specialist("Dr Pat Partner")
    services.declare_conflict(
        specialist=partner,
        by=partner.user,
        kind=ConflictDeclaration.Kind.PRACTICE,
        doctor_name="Ada Brown",
    )

    ranking = rank_specialists_for(case)

    assert exclusion_of(ranking, sister).reason == (
        "A family relationship with this case was declared: The patient's sister-in-law."
    )
    assert exclusion_of(ranking, partner).reason == (
        "Declared a works in the same practice or team with Ada Brown, the treating doctor."
    )
    assert exclusion_of(ranking, partner).rule == "Declared relationship"


def test_every_rule_that_matches_is_given(matching_case, specialist):
    case = matching_case(treating_doctor="Dr Ada Brown", treating_institution="City Hospital")
    brown = specialist("Dr Ada Brown", institution="City Hospital")

    exclusion = exclusion_of(rank_specialists_for(case), brown)

    assert [reason.rule for reason in exclusion.reasons] == ["Treating hospital", "Treating doctor"]


def test_names_institutions_and_companies_are_compared_generously_but_by_whole_words():
    assert same_person("Dr Ada Brown", "Dr A. Brown")
    assert same_person("Ada Brown", "Prof Brown, oncology")
    assert not same_person("Ada Brown", "Dr Adam Browne")
    assert not same_person("Ada Brown", "Dr B. Brown")
    assert same_institution("St Thomas' Hospital", "Saint Thomas Hospital, London")
    assert not same_institution("Hospital", "City Hospital")
    assert company_name("Novartis Pharmaceuticals Corp.") == "Novartis"
    assert mentions("started on herceptin last week", "Herceptin")
    assert not mentions("Rochester protocol", "Roche")


def test_a_conflict_declared_after_the_offer_stops_the_acceptance(actors, matching_case):
    case = matching_case()
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    services.declare_conflict(
        specialist=actors.dr_smith,
        by=actors.cora,
        kind=ConflictDeclaration.Kind.PERSONAL,
        case=case,
    )

    with pytest.raises(
        ApplicationError, match=r"^We found a possible conflict of interest"
    ) as error:
        offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)

    assert "Decline it with “I have a conflict of interest”" in error.value.message
    assert Case.objects.get(pk=case.pk).status == Status.OFFERED
