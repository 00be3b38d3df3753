"""Coordinators filter the audit log, page through it and export it."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Status
from secondopinion.audit.models import AuditEvent
from secondopinion.audit.services import record_event


def test_the_audit_viewer_filters_by_case_user_and_action(client, actors):
    case = actors.case(Status.SUBMITTED)
    other = actors.case(Status.SUBMITTED, owner=actors.bob)
    record_event(actor=actors.cora, action="case.view", obj=case, case_id=case.pk)
    record_event(actor=actors.cora, action="case.view", obj=other, case_id=other.pk)
    client.force_login(actors.cora)

    response = client.get(
        reverse("audit:event-list"),
        {"case": case.reference, "user": actors.cora.email, "action": "case.view"},
    )

    events = response.context["events"]
    assert [event.object_id for event in events] == [str(case.pk)]
    assert case.reference in response.text


@pytest.mark.any_day
def test_the_audit_viewer_filters_by_day(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.get(reverse("audit:event-list"), {"since": tomorrow.isoformat()})

    assert response.context["page"].paginator.count == 0
    assert AuditEvent.objects.filter(case_id=case.pk).exists()


def test_an_unknown_case_reference_is_explained(client, actors):
    client.force_login(actors.cora)

    response = client.get(reverse("audit:event-list"), {"case": "SO-ZZZZ-ZZZZ"})

    assert response.status_code == 200
    assert "No case has this reference." in response.text


def test_the_audit_log_is_paginated(client, actors):
    for _ in range(60):
        record_event(actor=actors.cora, action="test.read", obj=actors.cora)
    client.force_login(actors.cora)

    response = client.get(reverse("audit:event-list"), {"action": "test.read", "page": "2"})

    assert len(response.context["events"]) == 10
    assert "Page 2 of 2" in response.text


def test_the_export_is_a_csv_of_the_filtered_events_with_formulas_escaped(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)
    # An action name that would run as a formula in a spreadsheet.
    record_event(actor=actors.cora, action="case.view", obj=case, case_id=case.pk)
    record_event(actor=actors.cora, action="=HYPERLINK(1)", obj=case, case_id=case.pk)

    response = client.get(reverse("audit:event-export"), {"case": case.reference})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["time", "actor", "on behalf of", "action"]
    actions = [row[3] for row in rows[1:]]
    assert "case.view" in actions
    assert "'=HYPERLINK(1)" in actions
    assert all(row[5] == case.reference for row in rows[1:])
