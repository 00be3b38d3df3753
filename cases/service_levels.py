"""Service levels: when each next step of a case is expected, in working days (weekends skipped).

The days per step come from the SERVICE_LEVELS setting.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import CaseEvent, Status


@dataclass(frozen=True)
class Stage:
    key: str  # the SERVICE_LEVELS entry
    begins: Status  # the state that starts the clock
    states: frozenset[Status]  # the states the case is in during this stage
    label: Promise  # what is done by the end of it, in the patient's words


STAGES = (
    Stage(
        "triage",
        Status.SUBMITTED,
        frozenset({Status.SUBMITTED, Status.TRIAGE, Status.NEEDS_INFO}),
        _("A coordinator has checked your case, records and cover"),
    ),
    Stage(
        "matching",
        Status.MATCHING,
        frozenset({Status.MATCHING}),
        _("We have found an independent specialist"),
    ),
    Stage(
        "offer",
        Status.OFFERED,
        frozenset({Status.OFFERED}),
        _("The specialist has accepted your case"),
    ),
    Stage(
        "review",
        Status.IN_REVIEW,
        frozenset({Status.IN_REVIEW, Status.INFO_REQUESTED}),
        _("The specialist has written their opinion"),
    ),
    Stage(
        "quality_check",
        Status.OPINION_SUBMITTED,
        frozenset({Status.OPINION_SUBMITTED}),
        _("The opinion is checked and delivered to you"),
    ),
)


@dataclass(frozen=True)
class ExpectedStep:
    label: str
    expected_by: date
    current: bool


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def working_days_before(day: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) before `day`."""
    while days > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


# While the case waits on the patient's answer, the clock of its stage stops.
PAUSED = frozenset({Status.NEEDS_INFO, Status.INFO_REQUESTED})


def _clock(stage: Stage, events: list[CaseEvent]) -> tuple[datetime | None, int]:
    """When the stage's clock started (the case last entered the stage from outside it) and the
    working days it has been paused since, up to today while it is still paused."""
    started, paused, pause_began = None, 0, None
    for event in events:
        if event.to_status == stage.begins and event.from_status not in stage.states:
            started, paused, pause_began = event.at, 0, None
        elif started is None:
            continue
        elif event.to_status in PAUSED and pause_began is None:
            pause_began = event.at
        elif event.from_status in PAUSED and pause_began is not None:
            paused += working_days_between(
                timezone.localdate(pause_began), timezone.localdate(event.at)
            )
            pause_began = None
    if pause_began is not None:
        paused += working_days_between(timezone.localdate(pause_began), timezone.localdate())
    return started, paused


@dataclass(frozen=True)
class StageClock:
    """The clock of the stage a case is in now, as the timeline counts it."""

    stage: Stage
    started_at: datetime | None  # when the case entered the stage (None: no timeline step)
    paused_days: int  # working days it waited on the patient
    due: date  # the date the stage is expected to end by

    @property
    def overdue(self) -> bool:
        return self.due < timezone.localdate()


def stage_clock(case, events: Iterable[CaseEvent]) -> StageClock | None:
    """The clock of `case`'s current stage (None once it has none: delivered, ended, a draft).

    It starts when the case last entered the stage and stops while the case waits on the patient
    (needs information, or the specialist asked a question): those working days move the due date.
    """
    stage = next((stage for stage in STAGES if case.status in stage.states), None)
    if stage is None:
        return None
    started, paused = _clock(stage, sorted(events, key=lambda event: (event.at, event.pk)))
    start_day = timezone.localdate(started or timezone.now())
    due = add_working_days(start_day, paused + settings.SERVICE_LEVELS[stage.key])
    return StageClock(stage, started, paused, due)


def step_due_on(case, events: Iterable[CaseEvent]) -> date | None:
    """The date the current step is due by, or None while its clock is stopped (waiting on the
    patient) and when no step is timed. Stored on the case by every transition."""
    if case.status in PAUSED:
        return None
    clock = stage_clock(case, events)
    return clock.due if clock is not None else None


def expected_steps(case, events: Iterable[CaseEvent]) -> list[ExpectedStep]:
    """The steps still ahead of `case`, each with the date it is expected by: the current one
    by its stage clock (see `stage_clock`), each later step following on from the one before."""
    clock = stage_clock(case, events)
    if clock is None:
        return []
    due, steps = clock.due, [ExpectedStep(str(clock.stage.label), clock.due, current=True)]
    for later in STAGES[STAGES.index(clock.stage) + 1 :]:
        due = add_working_days(due, settings.SERVICE_LEVELS[later.key])
        steps.append(ExpectedStep(str(later.label), due, current=False))
    return steps
