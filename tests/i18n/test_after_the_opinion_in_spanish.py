"""After the opinion, in the reader's language: the side-by-side page (questions, the decision,
follow-up), the decision and its SURE questions before and after, the check-ins, the case page's
links to them and the outcome figures on the coordinators' metrics page; each form's refusals in
Spanish. The opinion, the original one and the patient's questions stay as written."""

from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import Status
from outcomes import metrics, services, tasks
from tests.factories import INTAKE_ANSWERS, OPINION
from tests.outcomes.helpers import DOCTOR_QUESTIONS, delivered_case

from .pages import english_left, sentences, speaks
from .partials import shared_words_not_yet_translated

MY_QUESTION = "How long is the recovery?"
HOW_IT_WENT = "The surgery went well."
ALL_YES = dict.fromkeys(
    ("sure_of_myself", "understand_information", "risk_benefit_ratio", "encouragement"), True
)
# What the patient, the specialist and the doctors' questions say, as written.
WORDS = {
    INTAKE_ANSWERS["diagnosis"],
    INTAKE_ANSWERS["treatment"],
    *(value for value in OPINION.values() if isinstance(value, str)),
    *(line for line in DOCTOR_QUESTIONS.splitlines() if line),
    MY_QUESTION,
    HOW_IT_WENT,
    "No",  # an answer, the same word in Spanish
}


def _days_after(days: int):
    return time_machine.travel(timezone.now() + timedelta(days=days, hours=1), tick=False)


@pytest.mark.django_db
def test_the_side_by_side_page_is_in_spanish_before_any_answer(client, actors):
    case = delivered_case(actors)
    url = reverse("outcomes:after", args=[case.reference])
    same = WORDS | shared_words_not_yet_translated()

    for reader in (actors.alice, actors.cora):
        assert english_left(client, reader, url, same=same) == [], reader


@pytest.mark.django_db
def test_the_side_by_side_page_is_in_spanish_with_answers_and_check_ins(client, actors):
    case = delivered_case(actors, sure_before=ALL_YES)
    services.record_decision(
        case=case, by=actors.alice, moment="after", intention="discuss", **ALL_YES
    )
    services.add_patient_question(case=case, by=actors.alice, text=MY_QUESTION)
    with _days_after(30):
        tasks.open_due_check_ins()
    url = reverse("outcomes:after", args=[case.reference])
    same = WORDS | shared_words_not_yet_translated()

    for reader in (actors.alice, actors.cora):
        assert english_left(client, reader, url, same=same) == [], reader

    services.set_follow_up(case=case, by=actors.alice, declined=True)
    assert english_left(client, actors.alice, url, same=same) == []


@pytest.mark.django_db
def test_the_side_by_side_page_in_english_is_unchanged(client, actors):
    case = delivered_case(actors)
    client.force_login(actors.alice)

    page = client.get(reverse("outcomes:after", args=[case.reference])).text

    assert "<h1>Your two opinions side by side</h1>" in page
    assert 'data-label="The specialist\'s second opinion"' in page
    assert '<strong>The second opinion</strong> <span id="relation">changes the original' in page
    assert "Decline follow-up (your opinion is not affected)" in page


@pytest.mark.django_db
def test_a_question_of_ones_own_is_refused_in_spanish(client, actors):
    case = delivered_case(actors)
    speaks(actors.alice, client=client)
    url = reverse("outcomes:question-add", args=[case.reference])

    empty = client.post(url, {"text": ""}).text
    too_long = client.post(url, {"text": "x" * 501}).text
    added = client.post(url, {"text": MY_QUESTION}, follow=True).text

    assert "Escriba su pregunta." in empty
    assert "Su pregunta debe tener menos de 500 caracteres." in too_long
    assert "Su pregunta se ha añadido a la lista." in added


@pytest.mark.django_db
def test_the_decision_pages_are_in_spanish_and_refuse_in_spanish(client, actors):
    reviewing = actors.case(Status.IN_REVIEW)
    before = reverse("outcomes:decision", args=[reviewing.reference, "before"])
    delivered = delivered_case(actors)
    after = reverse("outcomes:decision", args=[delivered.reference, "after"])
    same = {"No"} | shared_words_not_yet_translated()

    assert english_left(client, actors.alice, before, same=same) == []
    assert english_left(client, actors.alice, after, same=same) == []
    services.record_decision(case=reviewing, by=actors.alice, moment="before", **ALL_YES)
    assert english_left(client, actors.alice, before, same=same) == []

    speaks(actors.alice, client=client)
    refused = client.post(after, {}).text
    saved = client.post(after, {"intention": "follow"} | dict.fromkeys(ALL_YES, "yes"), follow=True)
    assert "Elija qué piensa hacer." in refused
    assert "Responda sí o no." in refused
    assert "Sus respuestas se han guardado." in saved.text


@pytest.mark.django_db
def test_a_check_in_is_in_spanish_open_answered_and_refused(client, actors):
    case = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    url = reverse("outcomes:check-in", args=[case.reference, 30])
    same = WORDS | shared_words_not_yet_translated()

    assert english_left(client, actors.alice, url, same=same) == []

    speaks(actors.alice, client=client)
    refused = client.post(url, {}).text
    assert "Indique si su diagnóstico cambió." in refused
    answers = {"diagnosis_changed": "no", "treatment_changed": "yes", "followed_advice": "partly"}
    client.post(url, answers | {"how_it_went": HOW_IT_WENT})
    assert english_left(client, actors.alice, url, same=same) == []
    again = client.post(url, answers, follow=True).text
    assert "Ya respondió a este seguimiento el " in again

    services.set_follow_up(case=case, by=actors.alice, declined=True)
    other = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    services.set_follow_up(case=other, by=actors.alice, declined=True)
    declined = reverse("outcomes:check-in", args=[other.reference, 30])
    assert english_left(client, actors.alice, declined, same=same) == []


def _rendered(source: str, language: str, **context) -> set[str]:
    with translation.override(language):
        return sentences(Template("{% load outcomes_tags %}" + source).render(Context(context)))


@pytest.mark.django_db
def test_the_case_pages_links_after_the_opinion_are_in_spanish(client, actors):
    reviewing = actors.case(Status.IN_REVIEW)
    delivered = delivered_case(actors)
    with _days_after(30):
        tasks.open_due_check_ins()
    request = RequestFactory().get("/")
    request.user = actors.alice

    for case in (reviewing, delivered):
        shown = {
            language: _rendered("{% outcome_links case %}", language, request=request, case=case)
            for language in ("en-gb", "es")
        }
        assert shown["en-gb"], case.status
        assert sorted(shown["en-gb"] & shown["es"]) == [], case.status
    english = _rendered("{% outcome_links case %}", "en-gb", request=request, case=delivered)
    assert "Answer your 30-day check-in" in english


@pytest.mark.django_db
@pytest.mark.parametrize("min_group", [10, 1])
def test_the_outcome_figures_are_in_spanish_shown_or_suppressed(actors, monkeypatch, min_group):
    monkeypatch.setattr(metrics, "MIN_GROUP", min_group)
    case = delivered_case(actors, sure_before=ALL_YES)
    services.record_decision(
        case=case, by=actors.alice, moment="after", intention="follow", **ALL_YES
    )
    request = RequestFactory().get(reverse("coordinator:metrics"), {"period": "90d"})
    request.user = actors.cora

    english, spanish = (
        _rendered(
            "{% outcome_metrics %}",
            language,
            request=request,
            outcome_counts=metrics.kept_counts()["90d"]["all"],
        )
        for language in ("en-gb", "es")
    )

    # The specialties' names are the specialists app's data, stored as written.
    specialties = {name for _, name in metrics.specialty_choices()[1:]}
    assert sorted(english & spanish - specialties) == []
    assert ("fewer than 10" in english) == (min_group == 10)
