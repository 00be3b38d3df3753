"""The review's clock stops while the case waits on the patient: expected dates move by the
working days the question was open."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from cases import selectors
from cases.models import CaseEvent, Status
from cases.service_levels import working_days_between
from review import services as review_services


def _at(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


def test_working_days_between_skips_weekends():
    assert working_days_between(date(2026, 11, 25), date(2026, 11, 30)) == 3  # Thu, Fri, Mon
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 30)) == 0


@pytest.mark.pinned_clock
def test_a_question_to_the_patient_moves_the_expected_dates_by_the_days_it_was_open(
    actors, settings
):
    settings.SERVICE_LEVELS = {**settings.SERVICE_LEVELS, "review": 10, "quality_check": 1}
    case = actors.case(Status.IN_REVIEW)
    CaseEvent.objects.filter(case=case, to_status=Status.IN_REVIEW).update(
        at=_at(date(2026, 11, 23))  # a Monday
    )
    before = selectors.expected_steps(case)[0].expected_by
    review_services.request_information(case=case, by=actors.dr_smith.user, question="Any fever?")
    CaseEvent.objects.filter(case=case, to_status=Status.INFO_REQUESTED).update(
        at=_at(date(2026, 11, 25))  # Wednesday
    )
    review_services.answer_information_request(case=case, by=actors.alice, answer="No.")
    CaseEvent.objects.filter(
        case=case, to_status=Status.IN_REVIEW, from_status=Status.INFO_REQUESTED
    ).update(at=_at(date(2026, 11, 30)))  # the next Monday: paused Thu, Fri, Mon
    case.refresh_from_db()

    steps = selectors.expected_steps(case)

    assert before == date(2026, 12, 7)
    assert steps[0].expected_by == date(2026, 12, 10)  # three working days later
    assert steps[1].expected_by == date(2026, 12, 11)
