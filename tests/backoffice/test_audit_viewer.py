"""Coordinators filter the audit log, page through it and export it."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from cases.models import Status
from secondopinion.audit.context import RequestContext, current
from secondopinion.audit.models import AuditEvent
from secondopinion.audit.services import record_event
from tests.project import OUR_FOLDERS


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
    assert [(event.object_id, reference) for event, reference in events] == [
        (str(case.pk), case.reference)
    ]
    assert case.reference in response.text


@pytest.mark.any_day
def test_the_audit_viewer_filters_by_day(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.get(reverse("audit:event-list"), {"since": tomorrow.isoformat()})

    assert response.context["events"] == []
    assert "No event matches." in response.text
    assert AuditEvent.objects.filter(case_id=case.pk).exists()


def test_an_unknown_case_reference_is_explained(client, actors):
    client.force_login(actors.cora)

    response = client.get(reverse("audit:event-list"), {"case": "SO-ZZZZ-ZZZZ"})

    assert response.status_code == 200
    assert "No case has this reference." in response.text


def test_the_audit_log_is_paged_by_time_without_counting_it(client, actors):
    import datetime as dt

    import time_machine
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = actors.case(Status.SUBMITTED)
    start = dt.datetime(2026, 12, 31, 22, 0, tzinfo=dt.UTC)
    for n in range(120):  # two share each second: the id orders them
        with time_machine.travel(start + dt.timedelta(seconds=n // 2), tick=False):
            record_event(actor=actors.cora, action="record.download", obj=case, case_id=case.pk)
    ids = list(
        AuditEvent.objects.filter(action="record.download")
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
    )
    client.force_login(actors.cora)
    url = reverse("audit:event-list")
    query = {"action": "record.download"}

    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, query)
    second = client.get(url, query | {"before": first.context["page"].older})
    third = client.get(url, query | {"before": second.context["page"].older})
    back = client.get(url, query | {"after": third.context["page"].newer})

    def shown(response):
        return [event.pk for event, _ in response.context["events"]]

    assert shown(first) == ids[:50]
    assert shown(second) == ids[50:100]
    assert shown(third) == ids[100:]
    assert third.context["page"].older is None  # the oldest page says so
    assert shown(back) == ids[50:100]
    assert first.context["page"].newer is None
    assert "Older events" in first.text and "Newer events" in second.text
    assert not any("COUNT(" in q["sql"].upper() for q in queries)


def test_a_tampered_page_link_starts_from_the_newest(client, actors):
    client.force_login(actors.cora)

    response = client.get(reverse("audit:event-list"), {"before": "not-a-cursor"})

    assert response.status_code == 200
    assert response.context["page"].newer is None


def test_the_action_filter_lists_every_action_the_code_writes(client, actors):
    import re
    from pathlib import Path

    from cases.state_machine import TRANSITIONS
    from secondopinion.audit.actions import ACTIONS
    from specialists.services import REMOVABLE

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r'(?:action=|\baudit\([^"\n]*)"([a-z_]+\.[a-z_.]+)"')
    written = {
        name
        for folder in OUR_FOLDERS
        for path in (root / folder).rglob("*.py")
        for name in pattern.findall(path.read_text())
    }
    written |= {f"case.{name}" for name in TRANSITIONS}
    written |= {f"{kind}.remove" for kind in REMOVABLE}

    assert written - set(ACTIONS) == set()
    assert len(written) > 60
    client.force_login(actors.cora)
    page = client.get(reverse("audit:event-list"))
    for action in ("case.submit", "record.download", "case.search"):
        assert f'<option value="{action}">' in page.text


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


def test_an_export_of_more_events_than_one_download_holds_asks_for_narrower_filters(
    client, actors, monkeypatch
):
    from backoffice import audit_views

    case = actors.case(Status.SUBMITTED)
    for _ in range(3):
        record_event(actor=actors.cora, action="case.view", obj=case, case_id=case.pk)
    monkeypatch.setattr(audit_views, "EXPORT_MAX_ROWS", 2)
    client.force_login(actors.cora)
    chosen = {"action": "case.view", "user": actors.cora.email}

    refused = client.get(reverse("audit:event-export"), chosen, follow=True)
    monkeypatch.setattr(audit_views, "EXPORT_MAX_ROWS", 3)
    exported = client.get(reverse("audit:event-export"), chosen)

    assert refused.redirect_chain[-1][0].startswith(reverse("audit:event-list") + "?")
    assert "These filters select more than 2 events" in refused.text
    assert refused.context["form"]["user"].value() == actors.cora.email  # the filters kept
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))[1:]
    assert [(row[3], row[5]) for row in rows] == [("case.view", case.reference)] * 3


def test_the_export_reads_events_and_their_cases_references_a_batch_at_a_time(
    client, actors, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice import audit_views

    cases = [actors.case(Status.SUBMITTED) for _ in range(3)]
    for case in cases:
        record_event(actor=actors.cora, action="case.view", obj=case, case_id=case.pk)
    monkeypatch.setattr(audit_views, "EXPORT_BATCH", 2)
    client.force_login(actors.cora)

    with CaptureQueriesContext(connection) as read:
        response = client.get(reverse("audit:event-export"), {"action": "case.view"})

    references = [q for q in read.captured_queries if '"cases_case"."reference"' in q["sql"]]
    assert len(references) == 2  # three events, two at a time
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert sorted(row[5] for row in rows) == sorted(case.reference for case in cases)


def test_each_event_row_says_who_for_whom_what_and_where(client, actors):
    case = actors.case(Status.SUBMITTED)
    by_system = record_event(actor=None, action="case.reminder", obj=case, case_id=case.pk)
    token = current.set(RequestContext(ip="203.0.113.9", request_id="r1"))
    try:
        for_alice = record_event(
            actor=actors.carol,
            action="case.view",
            obj=case,
            case_id=case.pk,
            on_behalf_of=actors.alice,
        )
    finally:
        current.reset(token)
    no_case = record_event(actor=actors.cora, action="account.login", obj=actors.cora)
    client.force_login(actors.cora)

    page = client.get(reverse("audit:event-list"), {"action": ""}).text

    def row(event, who, ip, reference):
        at = timezone.localtime(event.at).strftime("%-d %b %Y, %H:%M:%S")
        return (
            f"<tr><td>{at}</td><td>{who}</td><td>{event.action}</td>"
            f"<td>{event.object_type}:{event.object_id}</td><td>{reference}</td><td>{ip}</td></tr>"
        )

    assertInHTML(row(by_system, "system", "—", case.reference), page)
    assertInHTML(
        row(
            for_alice,
            f"{actors.carol.email} for {actors.alice.email}",
            "203.0.113.9",
            case.reference,
        ),
        page,
    )
    assertInHTML(row(no_case, actors.cora.email, "—", "—"), page)
