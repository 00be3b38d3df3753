"""The queue's rows, written in Python (backoffice.queue_rows): what each cell says, for whom,
and nothing a patient typed becomes markup."""

import datetime

import time_machine
from django.urls import reverse

from backoffice.queue_rows import QueueTable
from backoffice.queues import QUEUES_BY_KEY
from cases.models import Case, Status, Urgency
from cases.state import seeding_case_states

NOON = datetime.datetime(2026, 3, 7, 12, 0, tzinfo=datetime.UTC)


def _case(**fields) -> Case:
    values = {
        "reference": "SO-ABCD-2345",
        "status": Status.TRIAGE,
        "patient_name": "Ana Pérez",
        "title": "Second look at my scan",
        "submitted_at": NOON,
        "urgency": Urgency.ROUTINE,
    }
    with seeding_case_states():  # a row is shown, never saved
        case = Case(**(values | fields))
    case.queue_reason, case.sla_due, case.sla_overdue = "Waiting for triage", None, False
    return case


def _row(case: Case, coordinator_id: int = 5) -> str:
    return QueueTable(queue=QUEUES_BY_KEY["new"], coordinator_id=coordinator_id).row(case)


def test_a_row_links_to_its_case_and_names_its_patient_in_isolation():
    row = _row(_case())

    assert (
        f'<a href="{reverse("cases:case-detail", args=["SO-ABCD-2345"])}">SO-ABCD-2345</a>' in row
    )
    assert 'value="SO-ABCD-2345"' in row
    assert "<bdi>Ana Pérez</bdi>" in row
    assert "Second look at my scan" in row
    assert '<span class="so-status so-status--triage">' in row
    assert str(QUEUES_BY_KEY["new"].next_action) in row


def test_nothing_a_patient_typed_becomes_markup():
    hostile = '<script>alert("x")</script>'
    row = _row(_case(patient_name=hostile, title=hostile))

    assert "<script>" not in row
    assert row.count("&lt;script&gt;") == 2


def test_an_untitled_case_and_an_unassigned_one_say_so():
    row = _row(_case(title="", coordinator_id=None))

    assert "(no title)" in row
    assert row.rstrip().endswith("<td>—</td>\n    </tr>")


def test_the_coordinator_looking_reads_you():
    assert "<td>You</td>" in _row(_case(coordinator_id=5), coordinator_id=5)


@time_machine.travel(NOON, tick=False)
def test_a_step_past_its_day_is_marked_overdue():
    case = _case()
    case.sla_due, case.sla_overdue = datetime.date(2026, 3, 6), True

    assert '<td>6 Mar 2026 <strong class="so-overdue">(overdue)</strong></td>' in _row(case)
    assert "<td>7 Mar 2026</td>" in _row(case)  # submitted
