"""Figures for the coordinators' metrics page: where cases are, how long each step takes, SLA
breaches, declined offers, specialists' load, and how opinions relate to the original diagnosis.

Each figure is a few grouped queries, whatever the number of cases; durations come from the
status timeline (CaseEvent).
"""

import json
import math
import time
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import STAFF_STATUS_LABEL, Case, CaseEvent, Status
from cases.service_levels import STAGES
from data_rights.services import ENDED
from referrals.models import Referral
from review.models import Opinion
from specialists.models import Offer, Specialist

from .models import MetricsSnapshot
from .queues import submitted_cases

# The steps timed, each from the first time a case entered one state to the first time after
# that it entered the next.
STEPS = (
    ("Triage", Status.SUBMITTED, Status.MATCHING),
    ("Matching", Status.MATCHING, Status.OFFERED),
    ("Specialist's answer", Status.OFFERED, Status.IN_REVIEW),
    ("Review", Status.IN_REVIEW, Status.OPINION_SUBMITTED),
    ("Quality check", Status.OPINION_SUBMITTED, Status.DELIVERED),
    ("End to end", Status.SUBMITTED, Status.DELIVERED),
)
OUTCOMES = (Opinion.Relation.AGREE, Opinion.Relation.REFINE, Opinion.Relation.CHANGE)
# Van Such et al., J Eval Clin Pract 2017 (Mayo Clinic): the final diagnosis confirmed the
# referral diagnosis in 12% of cases, refined it in 66% and changed it in 21%.
MAYO_REFERENCE = {"agree": 12, "refine": 66, "change": 21}


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share between 0 and 1) of `values`."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def cases_by_state() -> list[tuple[str, int]]:
    counts = dict(
        Case.objects.exclude(status=Status.DRAFT)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    # Staff read these (on the metrics page and in the CSV): the staff's words for each state.
    return [
        (STAFF_STATUS_LABEL[value], counts.get(value, 0))
        for value in Status.values
        if value != Status.DRAFT
    ]


def step_durations() -> list[dict]:
    """Median and 90th percentile, in days, of each step across the cases that completed it."""
    first_entered: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for case_id, status, at in CaseEvent.objects.order_by("at", "id").values_list(
        "case_id", "to_status", "at"
    ):
        first_entered[case_id][status].append(at)
    rows = []
    for label, start, end in STEPS:
        days = []
        for entered in first_entered.values():
            if not entered.get(start):
                continue
            began = entered[start][0]
            finished = next((at for at in entered.get(end, []) if at >= began), None)
            if finished is not None:
                days.append((finished - began).total_seconds() / 86400)
        rows.append(
            {
                "step": label,
                "cases": len(days),
                "median_days": _round(percentile(days, 0.5)),
                "p90_days": _round(percentile(days, 0.9)),
            }
        )
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def sla_breaches() -> list[tuple[str, int]]:
    """Cases now past their step's service level, by step."""
    today = timezone.localdate()
    cases = submitted_cases()
    counts = cases.aggregate(
        **{
            stage.key: Count(
                "pk",
                filter=Q(status__in=stage.states, step_due_on__lt=today),
            )
            for stage in STAGES
        }
    )
    return [(stage.key.replace("_", " ").capitalize(), counts[stage.key]) for stage in STAGES]


def declined_offers() -> list[tuple[str, int]]:
    """Offers declined, by the reason given, and offers that expired unanswered."""
    counts = dict(
        Offer.objects.filter(status=Offer.Status.DECLINED)
        .values_list("decline_category")
        .annotate(n=Count("pk"))
        .values_list("decline_category", "n")
    )
    rows = [(label, counts.get(value, 0)) for value, label in Offer.DeclineReason.choices]
    rows.append(("Expired without an answer", Offer.objects.filter(status="expired").count()))
    return rows


def specialists_load() -> list[dict]:
    """Each specialist with work: cases under review and offers waiting, against capacity."""
    specialists = (
        Specialist.objects.annotate(
            reviewing=Count(
                "cases",
                filter=Q(cases__status__in=(Status.IN_REVIEW, Status.INFO_REQUESTED)),
                distinct=True,
            ),
            offers_open=Count("offers", filter=Q(offers__status=Offer.Status.OPEN), distinct=True),
        )
        .filter(Q(reviewing__gt=0) | Q(offers_open__gt=0))
        .select_related("user")
        .order_by("user__full_name", "id")
    )
    return [
        {
            "name": specialist.user.full_name,
            "reviewing": specialist.reviewing,
            "offers_open": specialist.offers_open,
            "capacity": specialist.max_open_cases,
        }
        for specialist in specialists
    ]


def outcomes() -> dict:
    """How delivered opinions relate to the original diagnosis, by the specialist's specialty,
    overall and by quarter of submission."""
    delivered = Opinion.objects.filter(
        case__status__in=(Status.DELIVERED, Status.CLOSED), submitted_at__isnull=False
    )
    by_specialty: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_quarter: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = delivered.values_list("relation", "submitted_at", "author__specialties__name")
    for relation, submitted_at, specialty in rows:
        specialty = specialty or "No specialty"
        local = timezone.localtime(submitted_at)
        quarter = f"{local.year} Q{(local.month - 1) // 3 + 1}"
        by_specialty[specialty][relation] += 1
        by_quarter[(specialty, quarter)][relation] += 1

    def shares(counts: dict[str, int]) -> dict:
        total = sum(counts.values())
        return {
            "total": total,
            **{
                relation.value: round(100 * counts.get(relation.value, 0) / total) if total else 0
                for relation in Opinion.Relation
            },
        }

    return {
        "by_specialty": [
            {"specialty": name, **shares(counts)} for name, counts in sorted(by_specialty.items())
        ],
        "by_quarter": [
            {"specialty": name, "quarter": quarter, **shares(counts)}
            for (name, quarter), counts in sorted(by_quarter.items())
        ],
        "reference": MAYO_REFERENCE,
    }


def cases_by_referral_source() -> list[dict]:
    """Submitted cases by where they came from: each referral source, referrals a coordinator
    entered without one, and patients who came on their own; with how many are still open."""
    rows = (
        Case.objects.exclude(status=Status.DRAFT)
        .values("referral__source__name", "referral__id")
        .annotate(n=Count("pk"), open=Count("pk", filter=~Q(status__in=ENDED)))
    )
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"cases": 0, "open": 0})
    for row in rows:
        if row["referral__source__name"]:
            label = row["referral__source__name"]
        elif row["referral__id"]:
            label = "Referred, entered by a coordinator"
        else:
            label = "Not referred (the patient came on their own)"
        totals[label]["cases"] += row["n"]
        totals[label]["open"] += row["open"]
    for name in (
        Referral.objects.filter(source__isnull=False)
        .values_list("source__name", flat=True)
        .distinct()
    ):
        totals.setdefault(name, {"cases": 0, "open": 0})  # referred, not yet submitted
    return [{"source": label, **counts} for label, counts in sorted(totals.items())]


def all_metrics() -> dict:
    return {
        "cases_by_state": cases_by_state(),
        "steps": step_durations(),
        "sla_breaches": sla_breaches(),
        "declined_offers": declined_offers(),
        "load": specialists_load(),
        "outcomes": outcomes(),
        "referral_sources": cases_by_referral_source(),
        "generated_at": timezone.now(),
    }


def refresh_snapshot() -> MetricsSnapshot:
    """Compute every figure now and keep them (older snapshots are dropped)."""
    started = time.perf_counter()
    figures = all_metrics()
    computed_at = figures.pop("generated_at")
    snapshot = MetricsSnapshot.objects.create(
        computed_at=computed_at,
        figures=json.loads(json.dumps(figures, cls=DjangoJSONEncoder)),
        seconds_taken=time.perf_counter() - started,
    )
    MetricsSnapshot.objects.filter(computed_at__lt=computed_at).delete()
    cache.delete(REFRESH_LOCK)
    return snapshot


REFRESH_LOCK = "metrics:refresh-enqueued"


def current_metrics() -> dict | None:
    """The figures of the newest snapshot, never computed inside a request: when it is older
    than METRICS_MAX_AGE_SECONDS (the beat task refreshes them sooner) it is still shown, marked
    `stale`, and one refresh is enqueued (a lock in the cache keeps many pages from enqueueing
    many). None before the first snapshot: the page says the figures are being computed."""
    cutoff = timezone.now() - timedelta(seconds=settings.METRICS_MAX_AGE_SECONDS)
    snapshot = MetricsSnapshot.objects.first()
    stale = snapshot is None or snapshot.computed_at < cutoff
    if stale:
        request_refresh()
    if snapshot is None:
        return None
    return snapshot.figures | {"generated_at": snapshot.computed_at, "stale": stale}


def request_refresh() -> bool:
    """Enqueue one refresh of the snapshot unless one is already on its way."""
    from . import tasks

    if not cache.add(REFRESH_LOCK, 1, timeout=settings.METRICS_MAX_AGE_SECONDS):
        return False
    transaction.on_commit(tasks.refresh_metrics.delay)
    return True


BUSIEST_SHOWN = 25


def busiest(load: list[dict], count: int = BUSIEST_SHOWN) -> list[dict]:
    """The specialists nearest their capacity, for the page (the CSV export lists everyone)."""
    return sorted(
        load,
        key=lambda row: (
            -(row["reviewing"] + row["offers_open"]) / max(row["capacity"], 1),
            row["name"],
        ),
    )[:count]


def csv_rows(metrics: dict) -> list[list]:
    """The metrics as rows of (figure, item, measure, value) for the CSV export."""
    rows = [["cases by state", label, "cases", n] for label, n in metrics["cases_by_state"]]
    for step in metrics["steps"]:
        for measure in ("cases", "median_days", "p90_days"):
            rows.append(["time per step", step["step"], measure, step[measure]])
    rows += [["SLA breaches now", label, "cases", n] for label, n in metrics["sla_breaches"]]
    rows += [["offers declined", label, "offers", n] for label, n in metrics["declined_offers"]]
    for load in metrics["load"]:
        for measure in ("reviewing", "offers_open", "capacity"):
            rows.append(["specialists' load", load["name"], measure, load[measure]])
    for row in metrics["outcomes"]["by_quarter"]:
        for measure in ("total", "agree", "refine", "change", "cannot_determine"):
            label = f"{row['specialty']} {row['quarter']}"
            rows.append(["outcomes (% of opinions)", label, measure, row[measure]])
    for row in metrics.get("referral_sources", []):
        rows.append(["cases by referral source", row["source"], "cases", row["cases"]])
        rows.append(["cases by referral source", row["source"], "open", row["open"]])
    return rows


def chart_data(figures: dict) -> dict:
    """What the page's charts draw (passed with json_script; each chart has a table too)."""
    outcomes = figures["outcomes"]
    return {
        "states": {
            "labels": [label for label, _ in figures["cases_by_state"]],
            "values": [n for _, n in figures["cases_by_state"]],
        },
        "steps": {
            "labels": [row["step"] for row in figures["steps"]],
            "median": [row["median_days"] for row in figures["steps"]],
            "p90": [row["p90_days"] for row in figures["steps"]],
        },
        "declines": {
            "labels": [label for label, _ in figures["declined_offers"]],
            "values": [n for _, n in figures["declined_offers"]],
        },
        "outcomes": {
            "labels": [row["specialty"] for row in outcomes["by_specialty"]]
            + ["Mayo Clinic study"],
            "agree": [row["agree"] for row in outcomes["by_specialty"]]
            + [outcomes["reference"]["agree"]],
            "refine": [row["refine"] for row in outcomes["by_specialty"]]
            + [outcomes["reference"]["refine"]],
            "change": [row["change"] for row in outcomes["by_specialty"]]
            + [outcomes["reference"]["change"]],
        },
    }
