"""The status timeline: every state passed with its date, the next step in plain words, an
expected date for each step ahead from the service levels, counted in working days, and what our
code said about a step in each reader's language (the person's own words as they typed them)."""

import importlib
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, Status
from cases.service_levels import add_working_days
from tests.i18n.pages import timeline_text

ROOT = Path(__file__).resolve().parents[2]


def test_working_days_skip_weekends():
    friday = date(2026, 11, 27)

    assert add_working_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert add_working_days(friday, 2) == date(2026, 12, 1)
    assert add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # from a Saturday
    assert add_working_days(friday, 0) == friday


@pytest.mark.any_day
def test_a_submitted_case_shows_each_step_ahead_with_its_expected_date(client, actors, settings):
    settings.SERVICE_LEVELS = {
        "triage": 2,
        "matching": 2,
        "offer": 2,
        "review": 10,
        "quality_check": 1,
    }
    case = actors.case(Status.SUBMITTED)
    friday = timezone.make_aware(datetime(2026, 11, 27, 10, 0))
    CaseEvent.objects.filter(case=case, to_status=Status.SUBMITTED).update(at=friday)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert "A coordinator will check your case, records and cover next." in page
    assert "27 Nov 2026" in page  # submitted
    for label, expected in [
        ("Next: A coordinator has checked your case, records and cover", "Tuesday 1 Dec 2026"),
        ("We have found an independent specialist", "Thursday 3 Dec 2026"),
        ("The specialist has accepted your case", "Monday 7 Dec 2026"),
        ("The specialist has written their opinion", "Monday 21 Dec 2026"),
        ("The opinion is checked and delivered to you", "Tuesday 22 Dec 2026"),
    ]:
        assert label in page
        assert f"Expected by {expected}" in page


@pytest.mark.any_day
def test_the_clock_of_the_current_step_starts_when_the_case_entered_it(actors, settings):
    from cases import selectors

    settings.SERVICE_LEVELS = {**settings.SERVICE_LEVELS, "review": 10}
    case = actors.case(Status.IN_REVIEW)
    monday = timezone.make_aware(datetime(2026, 11, 30, 9, 0))
    CaseEvent.objects.filter(case=case, to_status=Status.IN_REVIEW).update(at=monday)

    steps = selectors.expected_steps(case)

    assert [step.label for step in steps] == [
        "The specialist has written their opinion",
        "The opinion is checked and delivered to you",
    ]
    assert steps[0].expected_by == date(2026, 12, 14)
    assert steps[0].current


@pytest.mark.pinned_clock
def test_a_finished_case_expects_nothing_more(client, actors):
    case = actors.case(Status.DELIVERED)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert "Expected by" not in page
    for state in ("Submitted", "In triage", "Finding a specialist", "Opinion delivered"):
        assert state in page


def test_service_levels_come_from_the_environment_and_a_misspelt_step_is_refused():
    def settings_with(levels: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "from django.conf import settings; print(settings.SERVICE_LEVELS)",
            ],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "secondopinion.settings",
                "SERVICE_LEVELS": levels,
            },
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    good = settings_with('{"review": 7}')
    misspelt = settings_with('{"reveiw": 7}')

    assert "'review': 7" in good.stdout and "'triage': 2" in good.stdout
    assert misspelt.returncode != 0
    assert "SERVICE_LEVELS takes whole numbers of working days" in misspelt.stderr


NOTE_WORDS = importlib.import_module("cases.migrations.0006_case_event_note_words")
# Notes as the code wrote them in English before it kept its words apart, with the state they led
# to and whether a person took the step.
OLD_NOTES = [
    (Status.MATCHING, "Dr Sarah Smith did not answer in time", False),
    (
        Status.MATCHING,
        "Declined: It is outside my expertise (Not my field: ask a neurologist)",
        True,
    ),
    (Status.MATCHING, "Declined: I don't have capacity now", True),
    (Status.WITHDRAWN, "Consent withdrawn: I changed my mind", True),
    (Status.CLOSED, "The follow-up window ended", False),
]


def _old_steps(case, actor) -> list[CaseEvent]:
    return [
        CaseEvent.objects.create(
            case=case, to_status=status, note=note, actor=actor if by_a_person else None
        )
        for status, note, by_a_person in OLD_NOTES
    ]


def test_the_notes_the_code_wrote_in_english_are_read_in_spanish_after_the_migration(
    client, actors
):
    case = actors.case(Status.MATCHING)
    _old_steps(case, actors.cora)
    CaseEvent.objects.create(
        case=case, to_status=Status.CANCELLED, note="Duplicate of SO-1", actor=actors.cora
    )

    NOTE_WORDS.keep_words_apart(apps, None)
    spanish = timeline_text(client, actors.cora, case, "es")

    assert "Dr Sarah Smith no respondió a tiempo" in spanish
    assert (
        "Oferta rechazada: Está fuera de mi área de experiencia · Not my field: ask a neurologist"
        in (spanish)
    )
    assert "Oferta rechazada: Ahora no tengo capacidad" in spanish
    assert "Consentimiento retirado · I changed my mind" in spanish
    assert "Terminó el plazo para hacer preguntas de seguimiento" in spanish
    assert "Duplicate of SO-1" in spanish  # a coordinator's own words, as typed
    for english in ("did not answer", "Declined", "Consent withdrawn", "window ended"):
        assert english not in spanish


def test_going_back_a_migration_writes_the_english_notes_again(actors):
    case = actors.case(Status.MATCHING)
    steps = _old_steps(case, actors.cora)

    NOTE_WORDS.keep_words_apart(apps, None)
    NOTE_WORDS.join_words_again(apps, None)

    assert [CaseEvent.objects.get(pk=step.pk).note for step in steps] == [
        note for _, note, _ in OLD_NOTES
    ]
    assert not CaseEvent.objects.exclude(note_words={}).exists()


def test_a_note_the_migration_does_not_know_is_shown_as_it_was_written(client, actors):
    case = actors.case(Status.MATCHING)
    CaseEvent.objects.create(case=case, to_status=Status.MATCHING, note="Declined: on holiday")

    NOTE_WORDS.keep_words_apart(apps, None)

    assert "Declined: on holiday" in timeline_text(client, actors.cora, case, "es")
