"""The metrics page: cases by state, time per step, SLA breaches, declines, load, outcomes."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse

from backoffice import metrics
from backoffice import tasks as backoffice_tasks
from cases.models import CaseEvent, Status


def _end_to_end(case, days: float) -> None:
    events = CaseEvent.objects.filter(case=case)
    submitted = events.get(to_status=Status.SUBMITTED).at
    events.filter(to_status=Status.DELIVERED).update(at=submitted + timedelta(days=days))


@pytest.mark.pinned_clock
def test_time_per_step_comes_from_the_timeline(actors):
    _end_to_end(actors.case(Status.DELIVERED), 4)

    steps = {row["step"]: row for row in metrics.step_durations()}

    assert steps["End to end"] == {
        "step": "End to end",
        "cases": 1,
        "median_days": 4.0,
        "p90_days": 4.0,
    }
    assert steps["Review"]["cases"] == 1


@pytest.mark.pinned_clock
def test_each_refresh_takes_in_only_the_steps_written_since_the_last(actors, monkeypatch):
    from backoffice.models import CaseFirstEntry

    first = actors.case(Status.DELIVERED)
    snapshot = metrics.refresh_snapshot()
    monkeypatch.setattr(metrics, "EVENTS_LOOKED_AT_AGAIN", 0)
    # A step of the first case rewritten in place is not looked at again: proof that the
    # second refresh reads only the newer steps.
    CaseEvent.objects.filter(case=first, to_status=Status.DELIVERED).update(
        at=CaseEvent.objects.get(case=first, to_status=Status.SUBMITTED).at
    )
    second = actors.case(Status.DELIVERED)

    again = metrics.refresh_snapshot()

    steps = {row["step"]: row for row in again.figures["steps"]}
    assert steps["End to end"]["cases"] == 2
    assert again.events_through > snapshot.events_through
    assert CaseFirstEntry.objects.get(case=second).delivered is not None
    assert (
        CaseFirstEntry.objects.get(case=first).delivered
        > CaseFirstEntry.objects.get(case=first).submitted
    )


def test_percentiles_use_the_nearest_rank():
    one_case_each = [(tenths, 1) for tenths in range(10, 110, 10)]  # 1, 2, ... 10 days

    assert metrics.nearest_rank(one_case_each, 10, 0.5) == 5
    assert metrics.nearest_rank(one_case_each, 10, 0.9) == 9
    assert metrics.nearest_rank([(20, 3), (45, 1)], 4, 0.9) == 4.5
    assert metrics.nearest_rank([], 0, 0.5) is None


def test_outcomes_are_shares_of_delivered_opinions_by_specialty(actors):
    actors.case(Status.DELIVERED)  # the factory's opinion changes the diagnosis
    actors.case(Status.OPINION_SUBMITTED)  # not delivered: not counted

    outcomes = metrics.outcomes()

    [row] = outcomes["by_specialty"]
    assert row["total"] == 1
    assert row["change"] == 100
    assert outcomes["reference"] == {"agree": 12, "refine": 66, "change": 21}


def test_the_metrics_page_shows_each_figure_as_a_table_and_chart_data(client, actors):
    actors.case(Status.DELIVERED)
    metrics.refresh_snapshot()  # what the beat task does every few minutes
    client.force_login(actors.cora)

    response = client.get(reverse("coordinator:metrics"))

    assert response.status_code == 200
    text = response.text
    for heading in ("Cases by state", "Time per step", "Offers declined", "Specialists' load"):
        assert heading in text
    assert "refined in 66%" in text
    assert '<script id="metrics-data" type="application/json">' in text
    charts = response.context["charts"]
    assert charts["states"]["values"][charts["states"]["labels"].index("Opinion delivered")] == 1
    assert charts["outcomes"]["labels"][-1] == "Mayo Clinic study"
    json.dumps(charts)
    assert "<script>" not in text  # no inline scripts (CSP)


def test_the_metrics_export_is_csv(client, actors):
    actors.case(Status.DELIVERED)
    metrics.refresh_snapshot()  # what the beat task does every few minutes
    client.force_login(actors.cora)

    response = client.get(reverse("coordinator:metrics-export"))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["figure", "item", "measure", "value"]
    assert ["cases by state", "Opinion delivered", "cases", "1"] in rows
    assert any(row[0] == "outcomes (% of opinions)" for row in rows)


def _submitted(figures: dict) -> int:
    return dict(figures["cases_by_state"])["Submitted"]


def test_the_page_reads_a_recent_snapshot_and_recomputes_an_old_one(
    client, actors, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache
    from django.utils import timezone

    from backoffice.models import MetricsSnapshot

    enqueued = []
    monkeypatch.setattr(backoffice_tasks.refresh_metrics, "delay", lambda: enqueued.append(1))
    cache.delete(metrics.REFRESH_LOCK)
    settings.METRICS_MAX_AGE_SECONDS = 300
    actors.case(Status.SUBMITTED)
    metrics.refresh_snapshot()
    client.force_login(actors.cora)
    page = client.get(reverse("coordinator:metrics"))
    assert _submitted(page.context["metrics"]) == 1
    actors.case(Status.SUBMITTED)

    # Within the age limit the page shows the snapshot, saying when it was computed …
    page = client.get(reverse("coordinator:metrics"))
    assert _submitted(page.context["metrics"]) == 1
    assert "recomputed every few minutes" in page.text
    assert enqueued == []

    # … and once it is older, the page still shows it, never recomputing inside the request,
    # and one refresh is enqueued however many pages ask.
    MetricsSnapshot.objects.update(computed_at=timezone.now() - timedelta(seconds=301))
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("coordinator:metrics"))
        again = client.get(reverse("coordinator:metrics"))
    assert _submitted(page.context["metrics"]) == 1
    assert "newer figures are being computed now" in again.text
    assert enqueued == [1]

    # The worker's refresh brings the new figures and frees the lock.
    backoffice_tasks.refresh_metrics()
    page = client.get(reverse("coordinator:metrics"))
    assert _submitted(page.context["metrics"]) == 2
    assert MetricsSnapshot.objects.count() == 1  # the old one is dropped
    assert cache.add(metrics.REFRESH_LOCK, 1)
    cache.delete(metrics.REFRESH_LOCK)


def test_before_the_first_snapshot_the_page_says_the_figures_are_coming(
    client, actors, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.cache import cache

    enqueued = []
    monkeypatch.setattr(backoffice_tasks.refresh_metrics, "delay", lambda: enqueued.append(1))
    cache.delete(metrics.REFRESH_LOCK)
    client.force_login(actors.cora)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("coordinator:metrics"))

    assert page.status_code == 200
    assert "being computed for the first time" in page.text
    assert enqueued == [1]
    cache.delete(metrics.REFRESH_LOCK)


def test_the_beat_task_refreshes_the_figures(actors):
    from backoffice.models import MetricsSnapshot
    from backoffice.tasks import refresh_metrics

    metrics.refresh_snapshot()
    actors.case(Status.SUBMITTED)

    refresh_metrics()

    assert _submitted(metrics.current_metrics()) == 1
    assert MetricsSnapshot.objects.count() == 1


def test_the_page_lists_the_busiest_specialists_and_the_csv_everyone():
    load = [
        {"name": f"Dr {n:02d}", "reviewing": n % 5, "offers_open": 0, "capacity": 5}
        for n in range(40)
    ]

    shown = metrics.busiest(load)

    assert len(shown) == metrics.BUSIEST_SHOWN
    assert all(row["reviewing"] == 4 for row in shown[:8])  # 4 of 5: the nearest capacity
    assert len(
        [r for r in metrics.csv_rows(_figures_with(load)) if r[0] == "specialists' load"]
    ) == 3 * len(load)


def _figures_with(load: list[dict]) -> dict:
    return {
        "cases_by_state": [],
        "steps": [],
        "sla_breaches": [],
        "declined_offers": [],
        "load": load,
        "outcomes": {"by_quarter": []},
    }


@pytest.mark.pinned_clock
def test_step_percentiles_are_the_nearest_rank_of_every_case_to_a_tenth_of_a_day(actors):
    for days in (1, 2.46, 7):
        _end_to_end(actors.case(Status.DELIVERED), days)

    steps = {row["step"]: row for row in metrics.refresh_snapshot().figures["steps"]}

    assert steps["End to end"] == {
        "step": "End to end",
        "cases": 3,
        "median_days": 2.5,
        "p90_days": 7.0,
    }


@pytest.mark.pinned_clock
def test_a_case_taken_in_again_is_counted_once_with_its_new_times(actors, monkeypatch):
    from backoffice.models import StepTimeCount

    case = actors.case(Status.DELIVERED)
    _end_to_end(case, 3)
    metrics.refresh_snapshot()
    counted = list(StepTimeCount.objects.values_list("step", "tenths", "cases").order_by("step"))
    # Every step written since the first refresh is looked at again, this case's among them.
    monkeypatch.setattr(metrics, "EVENTS_LOOKED_AT_AGAIN", 10**9)
    metrics.refresh_snapshot()

    assert (
        list(StepTimeCount.objects.values_list("step", "tenths", "cases").order_by("step"))
        == counted
    )
    # Its first delivery moves earlier (a correction of the timeline, taken in with a new step):
    # the old time leaves the counts, the new one replaces it.
    CaseEvent.objects.filter(case=case, to_status=Status.DELIVERED).update(
        at=CaseEvent.objects.get(case=case, to_status=Status.SUBMITTED).at + timedelta(days=2)
    )
    CaseEvent.objects.create(case=case, from_status=Status.DELIVERED, to_status=Status.CLOSED)
    steps = {row["step"]: row for row in metrics.refresh_snapshot().figures["steps"]}

    assert steps["End to end"]["cases"] == 1
    assert steps["End to end"]["median_days"] == 2.0
    assert not StepTimeCount.objects.filter(cases__lte=0).exists()


@pytest.mark.pinned_clock
def test_a_step_entered_out_of_order_is_timed_to_its_first_end_after_its_start(actors):
    case = actors.case(Status.DELIVERED)
    events = CaseEvent.objects.filter(case=case)
    in_review = events.get(to_status=Status.IN_REVIEW).at
    # The timeline says the offer came a day after the review began, and a second review began
    # three days after that offer.
    events.filter(to_status=Status.OFFERED).update(at=in_review + timedelta(days=1))
    later = CaseEvent.objects.create(
        case=case, from_status=Status.OFFERED, to_status=Status.IN_REVIEW
    )
    CaseEvent.objects.filter(pk=later.pk).update(at=in_review + timedelta(days=4))

    steps = {row["step"]: row for row in metrics.step_durations()}

    assert steps["Specialist's answer"]["cases"] == 1
    assert steps["Specialist's answer"]["median_days"] == 3.0


def test_the_page_shows_the_specialists_with_work_and_reads_neither_all_load_nor_all_quarters(
    client, actors
):
    actors.case(Status.IN_REVIEW)  # dr_smith reviews it
    actors.case(Status.DELIVERED)
    metrics.refresh_snapshot()
    client.force_login(actors.cora)

    page = client.get(reverse("coordinator:metrics"))

    assert "No specialist has a case or an offer now." not in page.text
    assert "Every specialist with a case or an offer, nearest their capacity first." in page.text
    assert f'<th scope="row">{actors.dr_smith.user.full_name}</th>' in page.text
    figures = page.context["metrics"]
    assert "load" not in figures and "by_quarter" not in figures["outcomes"]
    [quarter] = {row["quarter"] for row in figures["recent_quarters"]}
    assert quarter in page.text


def test_the_pages_figures_are_read_once_a_snapshot(actors, django_assert_num_queries):
    actors.case(Status.SUBMITTED)
    metrics.refresh_snapshot()
    first = metrics.current_metrics(for_page=True)
    with django_assert_num_queries(1):  # which snapshot is the newest, and nothing more
        assert metrics.current_metrics(for_page=True) == first

    # A newer snapshot is read as soon as it is written.
    actors.case(Status.SUBMITTED)
    metrics.refresh_snapshot()
    assert _submitted(metrics.current_metrics(for_page=True)) == _submitted(first) + 1


def test_the_pages_tables_are_rendered_once_a_snapshot_and_language(client, actors):
    actors.case(Status.SUBMITTED)
    metrics.refresh_snapshot()
    client.force_login(actors.cora)
    tables = "backoffice/metrics_tables.html"

    def rendered(response) -> bool:
        return tables in [template.name for template in response.templates]

    first = client.get(reverse("coordinator:metrics"))
    again = client.get(reverse("coordinator:metrics"))
    spanish = client.get(reverse("coordinator:metrics"), HTTP_ACCEPT_LANGUAGE="es")

    assert rendered(first) and not rendered(again)
    assert '<h2 id="states-heading">Cases by state</h2>' in again.text
    assert rendered(spanish) and '<h2 id="states-heading">Casos por estado</h2>' in spanish.text

    # A newer snapshot's tables are rendered as soon as it is written.
    actors.case(Status.SUBMITTED, owner=actors.bob)
    metrics.refresh_snapshot()
    newer = client.get(reverse("coordinator:metrics"))
    assert rendered(newer)
    submitted = _submitted(metrics.current_metrics(for_page=True))
    assert f'<th scope="row">Submitted</th><td>{submitted}</td>' in newer.text
