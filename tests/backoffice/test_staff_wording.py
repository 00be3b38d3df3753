"""Staff pages speak to staff: no "you" meant for the patient in queues, case pages or metrics."""

import csv
import io

from django.urls import reverse

from backoffice import metrics
from cases.models import Status

PATIENT_WORDS = ("Needs information from you", "A coordinator will check your case")


def test_the_queue_row_names_the_patient_and_the_request_with_a_short_urgency(client, actors):
    case = actors.case(Status.NEEDS_INFO)  # urgency "soon", title "Biopsy result"
    client.force_login(actors.cora)

    page = client.get(reverse("coordinator:queue"), {"queue": "needs_info"}).text

    row = page[page.index(case.reference) :].split("</tr>")[0]
    assert "Alice Patient" in row
    assert "Biopsy result" in row
    assert "<td>Soon</td>" in row
    assert "Soon:" not in row and "…" not in row
    assert "Waiting on the patient for information" in row
    for words in PATIENT_WORDS:
        assert words not in page


def test_a_coordinator_reads_the_case_page_in_staff_words_and_the_patient_in_theirs(client, actors):
    submitted = actors.case(Status.SUBMITTED)
    waiting = actors.case(Status.NEEDS_INFO)

    client.force_login(actors.cora)
    staff = [
        client.get(reverse("cases:case-detail", args=[c.reference])).text
        for c in (submitted, waiting)
    ]
    client.force_login(actors.alice)
    patient = [
        client.get(reverse("cases:case-detail", args=[c.reference])).text
        for c in (submitted, waiting)
    ]

    assert "A coordinator triages it next" in staff[0]
    assert "Waiting on the patient for information" in staff[1]
    for page in staff:
        for words in PATIENT_WORDS:
            assert words not in page
    assert "A coordinator will check your case" in patient[0]
    assert "Needs information from you" in patient[1]


def test_search_results_use_staff_words(client, actors):
    case = actors.case(Status.NEEDS_INFO)
    client.force_login(actors.cora)

    page = client.get(reverse("coordinator:search"), {"q": case.reference}).text

    assert "Waiting on the patient for information" in page
    assert "Needs information from you" not in page


def test_the_metrics_page_and_csv_use_staff_words(client, actors):
    actors.case(Status.NEEDS_INFO)
    metrics.refresh_snapshot()  # what the beat task does every few minutes
    client.force_login(actors.cora)

    page = client.get(reverse("coordinator:metrics")).text
    export = client.get(reverse("coordinator:metrics-export")).content.decode()

    rows = list(csv.reader(io.StringIO(export)))
    assert ["cases by state", "Waiting on the patient for information", "cases", "1"] in rows
    for text in (page, export):
        assert "Needs information from you" not in text
