"""The patient's decision and the SURE screen (Légaré et al. 2010): optional, before reading the
opinion (from submission) and after; private to the patient's side and coordinators; audited;
changeable."""

import re

import pytest
from django.urls import reverse

from cases.models import Status
from outcomes import services
from outcomes.models import Decision, Moment
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError

from .helpers import delivered_case

ALL_YES = {
    "sure_of_myself": "yes",
    "understand_information": "yes",
    "risk_benefit_ratio": "yes",
    "encouragement": "yes",
}


def test_at_submission_the_patient_may_answer_the_four_questions(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.alice)
    detail = client.get(reverse("cases:case-detail", args=[case.reference])).text
    url = reverse("outcomes:decision", args=[case.reference, "before"])

    form = client.get(url).text
    client.post(url, ALL_YES | {"sure_of_myself": "no"})

    assert url in detail
    assert "Do you feel sure about the best choice for you?" in form
    assert "What do you intend to do?" not in form  # nothing to follow yet
    decision = Decision.objects.get(case=case, moment=Moment.BEFORE)
    assert decision.sure_score == 3
    assert decision.intention == ""


def test_after_delivery_the_patient_records_an_intention_and_can_change_it(client, actors):
    case = delivered_case(actors)
    client.force_login(actors.alice)
    url = reverse("outcomes:decision", args=[case.reference, "after"])

    first = client.post(url, ALL_YES | {"intention": "discuss"}, follow=True)
    second = client.post(url, ALL_YES | {"intention": "follow"}, follow=True)

    assert "Your answers are saved." in first.text
    assert "Your answers are changed." in second.text
    decision = Decision.objects.get(case=case, moment=Moment.AFTER)
    assert (decision.intention, decision.sure_score) == ("follow", 4)
    assert "follow the second opinion" in second.text
    events = AuditEvent.objects.filter(action="outcomes.decision", case_id=case.pk)
    assert events.count() == 2
    shown_again = client.get(url).text
    assert re.search(r'value="follow"[^>]*checked', shown_again)
    assert not re.search(r'value="discuss"[^>]*checked', shown_again)


def test_an_unanswered_question_is_shown_and_the_other_answers_kept(client, actors):
    case = delivered_case(actors)
    client.force_login(actors.alice)

    response = client.post(
        reverse("outcomes:decision", args=[case.reference, "after"]),
        {"intention": "keep", "sure_of_myself": "yes"},
    )

    assert "Answer yes or no." in response.text
    assert re.search(r'value="keep"[^>]*checked', response.text)
    assert re.search(r'name="sure_of_myself" value="yes"[^>]*checked', response.text)
    assert not Decision.objects.exists()


def test_the_before_answer_is_closed_once_the_opinion_is_delivered(actors):
    case = delivered_case(actors)

    with pytest.raises(ApplicationError, match="already delivered"):
        services.record_decision(
            case=case, by=actors.alice, moment=Moment.BEFORE, **{k: True for k in ALL_YES}
        )


def test_coordinators_see_the_decision_and_the_specialist_never_does(client, actors):
    case = delivered_case(actors)
    services.record_decision(
        case=case,
        by=actors.alice,
        moment=Moment.AFTER,
        intention="keep",
        **{k: True for k in ALL_YES},
    )
    url = reverse("outcomes:after", args=[case.reference])

    client.force_login(actors.cora)
    coordinator_page = client.get(url).text
    client.force_login(actors.dr_smith.user)
    specialist_case_page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert "keep the original plan" in coordinator_page
    assert client.get(url).status_code == 404
    assert "keep the original plan" not in specialist_case_page.lower()
    assert "Record your decision" not in coordinator_page
