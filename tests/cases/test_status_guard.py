"""`Case.status` cannot be written around the state machine: assigning it, `setattr`, creating a
case in a state, or writing it in bulk all raise; reading cases back and the state machine itself
still work, and only tests and the benchmark seed open the seeding door."""

import ast

import pytest

from cases import services
from cases.models import Case, Status
from cases.state import CaseStatusWriteError, seeding_case_states
from tests.code_checks import ROOT, application_files


def test_assigning_a_status_is_refused(actors):
    case = actors.case(Status.SUBMITTED)

    with pytest.raises(CaseStatusWriteError, match="state machine"):
        case.status = Status.DELIVERED
    assert case.status == Status.SUBMITTED


def test_setattr_is_refused(actors):
    case = actors.case(Status.SUBMITTED)

    answers = {"title": "A new title", "status": Status.CLOSED}  # as a loop over answers would

    with pytest.raises(CaseStatusWriteError):
        for name, value in answers.items():
            setattr(case, name, value)
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_updating_statuses_in_bulk_is_refused(actors):
    case = actors.case(Status.SUBMITTED)

    with pytest.raises(CaseStatusWriteError, match=r"update\(status=…\)"):
        Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    with pytest.raises(CaseStatusWriteError, match="bulk_update"):
        Case.objects.bulk_update([case], ["status"])
    with pytest.raises(CaseStatusWriteError):
        actors.alice.cases.update(status=Status.CLOSED)  # a related manager is guarded too
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_creating_a_case_in_a_state_is_refused(actors):
    with pytest.raises(CaseStatusWriteError, match="Creating a case"):
        Case(owner=actors.alice, status=Status.DELIVERED)
    with pytest.raises(CaseStatusWriteError):
        Case.objects.create(owner=actors.alice, status=Status.IN_REVIEW)
    with pytest.raises(CaseStatusWriteError, match="bulk_create"):
        clone = Case.objects.get(pk=actors.case(Status.SUBMITTED).pk)
        clone.pk, clone.reference = None, "SO-CLONE-0001"
        Case.objects.bulk_create([clone])
    assert not Case.objects.filter(status__in=[Status.DELIVERED, Status.IN_REVIEW]).exists()


def test_a_draft_is_created_and_cases_load_and_refresh_as_usual(actors):
    draft = Case.objects.create(owner=actors.alice)
    case = actors.case(Status.TRIAGE)

    case.refresh_from_db()
    deferred = Case.objects.only("pk").get(pk=case.pk)

    assert (draft.status, case.status, deferred.status) == (
        Status.DRAFT,
        Status.TRIAGE,
        Status.TRIAGE,
    )
    case.status = Status.TRIAGE  # writing the value it already has changes nothing: allowed


def test_the_state_machine_still_moves_a_case(actors):
    case = actors.case(Status.SUBMITTED)

    services.start_triage(case=case, by=actors.cora)

    assert Case.objects.get(pk=case.pk).status == Status.TRIAGE


def test_the_seeding_door_lets_a_fixture_write_a_state(actors):
    case = actors.case(Status.SUBMITTED)

    with seeding_case_states():
        Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)

    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    with pytest.raises(CaseStatusWriteError):  # and it closes again
        Case.objects.filter(pk=case.pk).update(status=Status.SUBMITTED)


def _uses(name: str) -> list[str]:
    """Where application code (not tests) refers to `name`, as path:function."""
    found = []
    for path in application_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Name) and inner.id == name:
                        found.append(f"{path.relative_to(ROOT)}:{node.name}")
    return found


def test_only_the_transition_opens_the_state_machines_door():
    assert _uses("state_machine_writes") == ["cases/state_machine.py:transition"]


def test_only_the_benchmark_seed_opens_the_seeding_door_outside_the_tests():
    assert {use.split("/")[0] for use in _uses("seeding_case_states")} <= {"bench"}
