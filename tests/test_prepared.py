"""Queries compiled once (secondopinion.prepared): each call gives the rows the queryset itself
gives, as the same model instances, for every viewer and phase; and a query whose SQL hangs on
anything besides its shape and its named values is refused, never run with a stale value."""

import itertools

import pytest

from cases import selectors
from cases.models import Case, Status
from secondopinion.prepared import NotPreparable, Prepared
from tests.factories import proxy_authority


def _loaded(case: Case) -> dict:
    """What was read with the case: its columns and annotations, and each related row's."""
    related = {
        name: None if obj is None else {k: v for k, v in vars(obj).items() if k != "_state"}
        for name, obj in case._state.fields_cache.items()
    }
    own = {k: v for k, v in vars(case).items() if k != "_state"}
    return {"own": own, "related": related}


def _both_ways(user, reference: str):
    try:
        expected = _loaded(selectors.case_page_cases(user).get(reference=reference))
    except Case.DoesNotExist:
        expected = None
    try:
        prepared = _loaded(selectors.case_for_page(user, reference))
    except Case.DoesNotExist:
        prepared = None
    return expected, prepared


@pytest.mark.parametrize(
    "status", [Status.DRAFT, Status.SUBMITTED, Status.OFFERED, Status.IN_REVIEW, Status.DELIVERED]
)
def test_the_case_page_reads_for_every_viewer_what_its_queryset_reads(actors, status):
    case = actors.case(status)
    seen = []
    for user in (
        actors.alice,
        actors.bob,
        actors.carol,
        actors.dr_smith.user,
        actors.dr_jones.user,
        actors.cora,
    ):
        expected, prepared = _both_ways(user, case.reference)
        assert prepared == expected, user.email
        if expected is not None:
            seen.append(user)
    assert actors.alice in seen and actors.bob not in seen


def test_a_caregivers_case_reads_alike_for_the_caregiver_and_the_patient(actors):
    authority = proxy_authority(actors.carol, actors.alice.email)
    case = actors.case(Status.SUBMITTED, owner=actors.carol, authority=authority)
    for user in (actors.carol, actors.alice, actors.bob):
        expected, prepared = _both_ways(user, case.reference)
        assert prepared == expected, user.email
    assert _both_ways(actors.alice, case.reference)[1] is not None


def test_each_call_reads_its_own_values_in_one_query(actors, django_assert_num_queries):
    first, second = actors.case(Status.SUBMITTED), actors.case(Status.SUBMITTED)
    selectors.case_for_page(actors.alice, first.reference)  # compiled here, once
    with django_assert_num_queries(1):
        assert selectors.case_for_page(actors.alice, second.reference).pk == second.pk
    assert selectors.case_for_page(actors.alice, first.reference).pk == first.pk
    with pytest.raises(Case.DoesNotExist):
        selectors.case_for_page(actors.bob, first.reference)
    with pytest.raises(Case.DoesNotExist):
        selectors.case_for_page(actors.alice, "SO-NONE-NONE")


def test_an_inactive_user_reads_no_case(actors):
    case = actors.case(Status.SUBMITTED)
    actors.alice.is_active = False
    with pytest.raises(Case.DoesNotExist):
        selectors.case_for_page(actors.alice, case.reference)


def test_a_parameter_that_is_not_a_named_value_is_refused(db):
    calls = itertools.count()  # stands for the clock: a different value on each build
    query = Prepared(
        lambda shape, *, reference: Case.objects.filter(reference=reference, pk__gt=next(calls))
    )
    with pytest.raises(NotPreparable):
        query.run("any", reference="SO-AAAA-BBBB")


def test_sql_that_changes_with_the_build_is_refused(db):
    calls = itertools.count(1)
    query = Prepared(
        lambda shape, *, reference: Case.objects.filter(reference=reference)[: next(calls)]
    )
    with pytest.raises(NotPreparable):
        query.run("any", reference="SO-AAAA-BBBB")


def test_a_value_made_into_another_value_is_refused(db):
    query = Prepared(lambda shape, *, reference: Case.objects.filter(reference=f"{reference}-1"))
    with pytest.raises(NotPreparable):
        query.run("any", reference="SO-AAAA-BBBB")


def test_a_value_inside_a_like_pattern_is_escaped_as_django_escapes_it(actors):
    names = ["Ann 50% Smith", "Ann 500 Smith", "Ann 5_0 Jones", "Ann 580 Jones", r"Ann \ Lee"]
    for name in names:
        case = actors.case(Status.DRAFT)
        Case.objects.filter(pk=case.pk).update(patient_name=name)
    query = Prepared(
        lambda shape, *, part: Case.objects.filter(patient_name__icontains=part).order_by("pk")
    )
    for part in ["50%", "5_0", "ann 5", "\\", "%", "_", "SMITH"]:
        expected = list(Case.objects.filter(patient_name__icontains=part).order_by("pk"))
        assert query.run("any", part=part) == expected, part
    assert [case.patient_name for case in query.run("any", part="50%")] == ["Ann 50% Smith"]


def test_a_query_that_can_match_nothing_runs_none(db, django_assert_num_queries):
    query = Prepared(lambda shape, *, reference: Case.objects.none())
    with django_assert_num_queries(0):
        assert query.run("any", reference="SO-AAAA-BBBB") == []


def test_the_dashboards_first_rows_are_its_querysets_first_rows(actors):
    authority = proxy_authority(actors.carol, actors.alice.email)
    for status in (Status.DRAFT, Status.SUBMITTED, Status.DELIVERED):
        actors.case(status)
    actors.case(Status.SUBMITTED, owner=actors.carol, authority=authority)
    for user in (actors.alice, actors.carol, actors.bob):
        for rows in (2, 21):
            expected = [_loaded(case) for case in selectors.cases_for_dashboard(user)[:rows]]
            assert [_loaded(case) for case in selectors.newest_for_dashboard(user, rows)] == (
                expected
            )
    assert len(selectors.newest_for_dashboard(actors.alice, 21)) == 4
