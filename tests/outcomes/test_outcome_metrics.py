"""Outcome figures on the metrics page and in their CSV: each beside the published figure with its
citation, filterable by specialty and period, each case counted once, groups under 10 suppressed."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backoffice import metrics as backoffice_metrics
from cases.models import CaseEvent, Status
from outcomes import metrics, services, tasks
from outcomes.models import CheckIn, Decision, Moment
from specialists.models import Specialty

from .helpers import delivered_case

SURE = ("sure_of_myself", "understand_information", "risk_benefit_ratio", "encouragement")
RELATIONS = ["agree"] * 2 + ["refine"] * 5 + ["change"] * 3
SUPPORT = ["yes"] * 4 + ["partly"] * 3 + ["no"] * 2 + ["not_applicable"]


def _record(case, actors, n: int) -> None:
    services.record_decision(
        case=case,
        by=actors.alice,
        moment=Moment.AFTER,
        intention="follow" if n < 6 else "discuss",
        **{item: n < 7 for item in SURE},  # 7 of 10 settled after
    )


@pytest.fixture
def ten_delivered(actors):
    """Ten delivered cases by dr_smith, who has two specialties (each case must count once)."""
    actors.dr_smith.specialties.add(Specialty.objects.get(name="Cardiology"))
    cases = []
    for n in range(10):
        case = delivered_case(
            actors,
            relation=RELATIONS[n],
            treatment_supported=SUPPORT[n],
            sure_before={item: n < 3 for item in SURE},  # 3 of 10 settled before
        )
        _record(case, actors, n)
        cases.append(case)
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        tasks.open_due_check_ins()
    for n, case in enumerate(cases):
        for days in (30, 90):
            if days == 30 and n >= 8:
                continue  # two patients never answered the 30-day check-in
            services.answer_check_in(
                check_in=CheckIn.objects.get(case=case, interval_days=days),
                by=actors.alice,
                diagnosis_changed="no",
                treatment_changed="yes" if n < 4 else "no",
                followed_advice="yes" if n < 5 else "no",
            )
    return cases


def _by_key(figures):
    return {f.key: f for f in figures["figures"]}


def test_each_figure_is_computed_over_cases_and_set_beside_the_published_one(ten_delivered):
    figures = _by_key(metrics.outcome_figures())

    expected = {
        "diagnosis_confirmed": (2, 10, 20.0, 12.0),
        "diagnosis_refined": (5, 10, 50.0, 66.0),
        "diagnosis_changed": (3, 10, 30.0, 21.0),
        "diagnosis_changed_meyer": (3, 10, 30.0, 14.8),
        "treatment_not_or_partly_supported": (5, 9, None, 37.4),  # 9 applicable: suppressed
        "plan_to_follow": (6, 10, 60.0, 61.2),
        "followed_at_90_days": (5, 10, 50.0, None),
        "no_conflict_before": (3, 10, 30.0, None),
        "no_conflict_after": (7, 10, 70.0, None),
        "decision_response": (10, 10, 100.0, None),
        "check_in_30_response": (8, 10, 80.0, None),
        "check_in_90_response": (10, 10, 100.0, None),
    }
    for key, (numerator, denominator, share, published) in expected.items():
        figure = figures[key]
        assert figure.published == published, key
        if share is None:
            assert figure.suppressed and figure.numerator is None, key
        else:
            assert (figure.numerator, figure.denominator, figure.share) == (
                numerator,
                denominator,
                share,
            ), key
    assert "Van Such" in figures["diagnosis_changed"].source
    assert "Meyer" in figures["plan_to_follow"].source


def test_a_group_of_fewer_than_ten_cases_is_suppressed(actors):
    for n in range(9):
        case = delivered_case(actors, relation=RELATIONS[n])
        _record(case, actors, n)

    figures = metrics.outcome_figures()

    assert figures["cases"] == 9
    assert all(f.suppressed for f in figures["figures"])
    assert all(f.numerator is None and f.share is None for f in figures["figures"])


def test_filters_by_specialty_and_period_count_each_case_once(ten_delivered, actors):
    cardiology = Specialty.objects.get(name="Cardiology").pk
    oncology = Specialty.objects.get(name="Medical oncology").pk
    neurology = Specialty.objects.filter(name__icontains="neuro").first().pk

    assert metrics.outcome_figures(specialty=cardiology)["cases"] == 10
    assert metrics.outcome_figures(specialty=oncology)["cases"] == 10
    assert metrics.outcome_figures(specialty=neurology)["cases"] == 0
    assert metrics.outcome_figures(period="90d")["cases"] == 10
    later = timezone.now() + timedelta(days=120)
    assert metrics.outcome_figures(period="90d", now=later)["cases"] == 0
    assert metrics.outcome_figures(period="365d", now=later)["cases"] == 10


def test_the_metrics_page_and_the_csv_show_the_figures(client, ten_delivered, actors):
    backoffice_metrics.refresh_snapshot()
    client.force_login(actors.cora)

    page = client.get(reverse("coordinator:metrics")).text
    response = client.get(reverse("coordinator:outcomes-export"), {"period": "365d"})

    assert "After the opinion: outcomes beside the published figures" in page
    assert "Plan to follow the second opinion" in page
    assert "6 of 10" in page and "61.2%" in page
    assert "Meyer et al., Am J Med 2015" in page
    assert 'id="outcome-metrics-data"' in page
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == metrics.CSV_HEADER
    by_label = {row[0]: row for row in rows[1:]}
    assert by_label["Diagnosis changed"][1:5] == ["10", "3", "30.0", "21.0"]
    assert by_label["Proposed treatment not or only partly supported"][1:4] == [
        "fewer than 10",
        "",
        "",
    ]


def test_a_patient_or_specialist_cannot_download_the_figures(client, actors):
    for user in (actors.alice, actors.dr_smith.user):
        client.force_login(user)
        assert client.get(reverse("coordinator:outcomes-export")).status_code == 404


def test_the_figures_take_three_queries_whatever_the_number_of_cases(
    ten_delivered, django_assert_num_queries
):
    cardiology = Specialty.objects.get(name="Cardiology").pk

    with django_assert_num_queries(3):  # opinions, decisions, check-ins: each case once
        figures = metrics.outcome_figures(specialty=cardiology)

    assert figures["cases"] == 10


def _counting(queries) -> list[dict]:
    """The statements that count decisions (what the figures read from the history)."""
    return [q for q in queries if Decision._meta.db_table in q["sql"]]


def test_the_page_and_the_csv_read_every_choice_from_the_snapshot(client, ten_delivered, actors):
    cardiology = Specialty.objects.get(name="Cardiology").pk
    backoffice_metrics.refresh_snapshot()
    client.force_login(actors.cora)
    client.get(reverse("coordinator:metrics"))  # the session's first page renews it
    url = reverse("coordinator:metrics")

    with CaptureQueriesContext(connection) as read:
        page = client.get(url).text
        chosen = client.get(url, {"period": "365d", "specialty": cardiology}).text
        recent = client.get(url, {"period": "90d"}).text
        export = client.get(reverse("coordinator:outcomes-export"), {"period": "90d"})

    assert "6 of 10" in page and "6 of 10" in chosen and "6 of 10" in recent
    assert "Diagnosis changed,10,3,30.0,21.0" in export.content.decode()
    assert _counting(read.captured_queries) == []


def test_before_the_first_snapshot_the_section_says_its_figures_are_being_counted(
    client, ten_delivered, actors
):
    client.force_login(actors.cora)
    client.get(reverse("accounts:account"))  # the session's first page renews it

    with CaptureQueriesContext(connection) as read:
        page = client.get(reverse("coordinator:metrics"), {"period": "90d"}).text
        export = client.get(reverse("coordinator:outcomes-export"))

    assert 'id="outcome-figures-pending"' in page
    assert "6 of 10" not in page
    assert list(csv.reader(io.StringIO(export.content.decode()))) == [metrics.CSV_HEADER]
    assert _counting(read.captured_queries) == []


def test_the_kept_counts_give_what_counting_each_choice_gives(ten_delivered, actors):
    """Every specialty and period, kept by the snapshot's grouped counts, against the filtered
    count; with cases first delivered 100 and 400 days ago (the older delivered again today),
    two specialists, and a specialist with two specialties."""
    cardiology = Specialty.objects.get(name="Cardiology")
    actors.dr_jones.specialties.add(cardiology)
    for days, specialist in ((100, actors.dr_jones), (400, actors.dr_smith)):
        case = delivered_case(actors, specialist=specialist, relation="change")
        _record(case, actors, days)
        case.events.filter(to_status=Status.DELIVERED).update(  # delivered `days` ago
            at=timezone.now() - timedelta(days=days)
        )
    # Delivered again today (an addendum): a period counts a case by its first delivery.
    CaseEvent.objects.create(case=case, from_status=Status.IN_REVIEW, to_status=Status.DELIVERED)

    kept = metrics.kept_counts()

    choices = [None, *Specialty.objects.values_list("pk", flat=True)]
    for specialty in choices:
        for period in metrics.PERIODS:
            where = metrics.kept_path(specialty=specialty, period=period)
            counted = metrics.outcome_figures(specialty=specialty, period=period)
            counts = kept[where[0]][where[1]]
            assert metrics.figures_from(counts, specialty=specialty, period=period) == counted
    assert [kept[p]["all"]["total"] for p in ("90d", "365d", "all")] == [10, 11, 12]
    assert kept["all"][str(cardiology.pk)]["total"] == 12
