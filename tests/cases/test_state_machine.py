"""The case lifecycle: every transition through its service, who may take it, and when."""

import pytest

from cases import services, state_machine
from cases.models import Case, CaseEvent, Status
from review import services as review_services
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from specialists import offers
from specialists.models import Offer
from tests.code_checks import functions_assigning
from tests.factories import HAPPY_PATH


def test_a_case_walks_from_draft_to_delivered_and_each_step_is_recorded(actors):
    case = actors.case(Status.DELIVERED)

    assert case.status == Status.DELIVERED
    assert case.specialist == actors.dr_smith
    steps = list(CaseEvent.objects.filter(case=case).values_list("to_status", flat=True))
    assert steps == [Status.DRAFT, *HAPPY_PATH]
    actions = set(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert {"case.submit", "case.accept_offer", "case.deliver_opinion"} <= actions


def test_an_illegal_transition_says_why_and_changes_nothing(actors):
    case = actors.case(Status.DRAFT)

    with pytest.raises(ApplicationError, match="can't deliver a case that is “draft”"):
        review_services.deliver_opinion(case=case, by=actors.cora)

    case.refresh_from_db()
    assert case.status == Status.DRAFT


def test_a_patient_cannot_take_a_coordinators_step(actors):
    case = actors.case(Status.SUBMITTED)

    with pytest.raises(ApplicationError, match="permission"):
        services.start_triage(case=case, by=actors.alice)
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED


def test_declining_an_offer_returns_the_case_to_matching(actors):
    case = actors.case(Status.OFFERED)

    offers.decline_offer(case=case, by=actors.dr_smith.user, reason="No capacity this month")

    case.refresh_from_db()
    assert case.status == Status.MATCHING
    assert case.specialist is None
    assert Offer.objects.get(case=case).status == Offer.Status.DECLINED


def test_only_the_offered_specialist_can_accept(actors):
    case = actors.case(Status.OFFERED)

    with pytest.raises(ApplicationError, match="permission"):
        offers.accept_offer(case=case, by=actors.dr_jones.user)


def test_a_second_offer_for_the_same_case_is_refused(actors):
    case = actors.case(Status.OFFERED)

    with pytest.raises(ApplicationError, match="can't offer a case that is “offered"):
        offers.offer_case(case=case, specialist=actors.dr_jones, by=actors.cora)


def test_an_opinion_with_missing_parts_cannot_be_submitted(actors):
    case = actors.case(Status.IN_REVIEW)
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, diagnosis="Something")

    with pytest.raises(ApplicationError, match="Complete these parts"):
        review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    assert Case.objects.get(pk=case.pk).status == Status.IN_REVIEW


def test_a_patient_can_withdraw_before_review_but_not_after(actors):
    early = actors.case(Status.MATCHING)
    services.withdraw_case(case=early, by=actors.alice, reason="Changed my mind")
    assert Case.objects.get(pk=early.pk).status == Status.WITHDRAWN

    late = actors.case(Status.IN_REVIEW)
    with pytest.raises(ApplicationError, match="can't withdraw"):
        services.withdraw_case(case=late, by=actors.alice, reason="Too late")


def test_a_delivered_opinion_cannot_be_edited(actors):
    case = actors.case(Status.DELIVERED)

    with pytest.raises(ApplicationError, match="only write an opinion on a case you are reviewing"):
        review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, diagnosis="New idea")


def test_every_state_is_reachable_and_every_transition_targets_a_state():
    targets = {transition.target for transition in state_machine.TRANSITIONS.values()}
    assert targets | {Status.DRAFT} == set(Status)


def test_nothing_but_the_state_machine_assigns_a_case_status():
    """`.status = ` on a case appears only in cases.state_machine.transition."""
    offenders = functions_assigning("status", on=lambda name: name == "case")
    assert offenders == ["cases/state_machine.py:transition"]
