"""The back office's rows written in Python (backoffice.rows): what each cell of the queue says,
for whom, and nothing a patient typed becomes markup; the outcomes by quarter as the template
wrote them."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import translation

from backoffice.queues import QUEUES_BY_KEY
from backoffice.rows import QueueTable, quarter_rows
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


def _quarter(specialty: str, quarter: str, total: int) -> dict:
    return {
        "specialty": specialty,
        "quarter": quarter,
        "total": total,
        "agree": 12,
        "refine": 66,
        "change": 21,
        "cannot_determine": 1,
    }


def test_the_outcomes_by_quarter_read_as_the_template_wrote_them():
    rows = [_quarter("No specialty", "2026 Q3", 286), _quarter("No specialty", "2026 Q4", 1200)]

    with translation.override("en-gb"):
        html = str(quarter_rows(rows))

    assert html.startswith(
        '<tr><th scope="row">No specialty</th><td>2026 Q3</td><td>286</td><td>12%</td>'
        "<td>66%</td><td>21%</td><td>1%</td></tr>\n"
    )
    assert "<td>1200</td>" in html


def test_a_specialty_is_named_in_the_readers_language_and_never_as_markup():
    with translation.override("es"):
        html = str(quarter_rows([_quarter("No specialty", "2026 Q3", 3)]))
    hostile = str(quarter_rows([_quarter("<b>Cardiology</b>", "<i>Q</i>", 3)]))

    assert '<th scope="row">Sin especialidad</th>' in html
    assert "<b>" not in hostile and "<i>" not in hostile
    assert "&lt;b&gt;Cardiology&lt;/b&gt;" in hostile
