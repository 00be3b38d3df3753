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
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncQuarter
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, pgettext_lazy

from cases.models import STAFF_STATUS_LABEL, Case, CaseEvent, Status
from cases.service_levels import STAGES
from data_rights.services import ENDED
from outcomes import metrics as outcome_metrics
from referrals.models import Referral
from review.models import Opinion
from secondopinion.text import Text
from specialists.models import Offer, Specialist

from . import page_figures, tasks
from .models import CaseFirstEntry, MetricsSnapshot, StepTimeCount
from .queues import submitted_cases

# The steps timed, each from the first time a case entered one state to the first time after
# that it entered the next: (label, start, end, key). Each case's time for a step is kept on its
# CaseFirstEntry as `<key>_tenths`, and counted in StepTimeCount under the key.
STEPS = (
    (gettext_noop("Triage"), Status.SUBMITTED, Status.MATCHING, "triage"),
    (gettext_noop("Matching"), Status.MATCHING, Status.OFFERED, "matching"),
    (gettext_noop("Specialist's answer"), Status.OFFERED, Status.IN_REVIEW, "answer"),
    (gettext_noop("Review"), Status.IN_REVIEW, Status.OPINION_SUBMITTED, "review"),
    (gettext_noop("Quality check"), Status.OPINION_SUBMITTED, Status.DELIVERED, "quality_check"),
    (gettext_noop("End to end"), Status.SUBMITTED, Status.DELIVERED, "end_to_end"),
)
# The figures are stored in English (a snapshot); the page translates these labels as it shows
# them. The service-level steps' labels (the stages' keys, capitalised) are named here for that.
SLA_STEP_LABELS = (
    pgettext_lazy("service level step", "Triage"),
    pgettext_lazy("service level step", "Matching"),
    pgettext_lazy("service level step", "Offer"),
    pgettext_lazy("service level step", "Review"),
    pgettext_lazy("service level step", "Quality check"),
)
OUTCOMES = (Opinion.Relation.AGREE, Opinion.Relation.REFINE, Opinion.Relation.CHANGE)
# Van Such et al., J Eval Clin Pract 2017 (Mayo Clinic): the final diagnosis confirmed the
# referral diagnosis in 12% of cases, refined it in 66% and changed it in 21%.
MAYO_REFERENCE = {"agree": 12, "refine": 66, "change": 21}


def cases_by_state() -> list[tuple[str, int]]:
    counts = dict(
        Case.objects.exclude(status=Status.DRAFT)
        .values_list("status")
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    # Staff read these (on the metrics page and in the CSV): the staff's words for each state.
    return [
        (str(STAFF_STATUS_LABEL[value]), counts.get(value, 0))
        for value in Status.values
        if value != Status.DRAFT
    ]


# How far back each refresh looks again besides the steps written since the last one: a step
# whose transaction committed after the last refresh read the newest id may have a lower id.
# Taking a step in twice changes nothing (the earliest time is kept).
EVENTS_LOOKED_AT_AGAIN = 10_000


def _first_entry_states() -> list[str]:
    return sorted({state for _, start, end, _ in STEPS for state in (start, end)})


def take_in_timeline(*, after_event: int) -> int:
    """Keep CaseFirstEntry, with each case's step times, and the step-time counts up to date
    with the timeline steps after `after_event` (less a margin); return the newest step's id.

    Only the cases those steps belong to are read: their stored step times are taken out of the
    counts, their first entries updated by one grouped upsert, their step times computed again
    and put back in. Taking a case in twice changes nothing. One refresh at a time (a lock)."""
    states = _first_entry_states()
    newest = CaseEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0
    if newest <= after_event:
        return newest
    events = connection.ops.quote_name(CaseEvent._meta.db_table)
    entries = connection.ops.quote_name(CaseFirstEntry._meta.db_table)
    firsts = ", ".join("MIN(CASE WHEN to_status = %s THEN at END)" for _ in states)
    # The earlier of the two, a missing one giving way (portable: SQLite's MIN(a, b) is NULL
    # when either is).
    keep = ", ".join(
        f"{s} = CASE WHEN {entries}.{s} IS NULL THEN excluded.{s}"
        f" WHEN excluded.{s} IS NULL OR {entries}.{s} <= excluded.{s} THEN {entries}.{s}"
        f" ELSE excluded.{s} END"
        for s in states
    )
    marks = ", ".join(["%s"] * len(states))
    stepped = f"FROM {events} WHERE id > %s AND id <= %s AND to_status IN ({marks})"
    stepped_params = [max(after_event - EVENTS_LOOKED_AT_AGAIN, 0), newest, *states]
    upsert = (
        f"INSERT INTO {entries} (case_id, {', '.join(states)})"
        f" SELECT case_id, {firsts} {stepped} GROUP BY case_id"
        f" ON CONFLICT (case_id) DO UPDATE SET {keep}"
    )
    touched = f"{entries}.case_id IN (SELECT case_id {stepped})"
    with transaction.atomic(), connection.cursor() as cursor:
        _one_counter_at_a_time(cursor)
        _count_step_times(cursor, touched, stepped_params, sign=-1)
        cursor.execute(upsert, [*states, *stepped_params])
        times = f"UPDATE {entries} SET {_step_times(entries)} WHERE {touched}"  # noqa: S608
        cursor.execute(times, stepped_params)
        _count_step_times(cursor, touched, stepped_params, sign=1)
    return newest


# Any number no other advisory lock of ours uses.
STEP_TIMES_LOCK = 20261207


def _one_counter_at_a_time(cursor) -> None:
    """Serialise the writers of the step-time counts till the transaction ends (two refreshes
    at once would each take a case's times out). SQLite allows one writer at a time anyway."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STEP_TIMES_LOCK])


def _step_times(entries: str) -> str:
    """SQL setting each step's time on the rows of `entries` (the quoted table), in tenths of a
    day, from the first entries.

    A step runs from a case's first entry into its start state to its first entry into its end
    state. The state machine only enters a step's end state after its start state; a timeline
    that says otherwise (an end entered before the start) looks up the first end after the
    start for that case alone."""
    events = connection.ops.quote_name(CaseEvent._meta.db_table)
    assignments = []
    for _, start, end, key in STEPS:
        began, ended = f"{entries}.{start}", f"{entries}.{end}"
        later_end = (
            f"(SELECT MIN(e.at) FROM {events} e WHERE e.case_id = {entries}.case_id"  # noqa: S608
            f" AND e.to_status = '{end}' AND e.at >= {began})"
        )
        assignments.append(
            f"{key}_tenths = CASE WHEN {began} IS NULL OR {ended} IS NULL THEN NULL"
            f" WHEN {ended} >= {began} THEN {_tenths_between(began, ended)}"
            f" ELSE {_tenths_between(began, later_end)} END"
        )
    # Only our own state names, column and table names are spliced in.
    return ", ".join(assignments)


def _tenths_between(start: str, end: str) -> str:
    return f"CAST(ROUND({_days_between(start, end)} * 10) AS INTEGER)"


def _count_step_times(cursor, cases_where: str, params: list, *, sign: int) -> None:
    """Add (sign 1) or take out (sign -1) the step times stored on the rows of CaseFirstEntry
    that `cases_where` selects (SQL, with `params`) to the counts."""
    entries = connection.ops.quote_name(CaseFirstEntry._meta.db_table)
    counts = connection.ops.quote_name(StepTimeCount._meta.db_table)
    each_step = " UNION ALL ".join(
        f"SELECT '{key}' AS step, {key}_tenths AS tenths FROM cases"  # noqa: S608
        f" WHERE {key}_tenths IS NOT NULL"
        for _, _, _, key in STEPS
    )
    sql = (
        f"WITH cases AS (SELECT * FROM {entries} WHERE {cases_where})"  # noqa: S608
        f" INSERT INTO {counts} (step, tenths, cases)"
        f" SELECT step, tenths, {int(sign)} * COUNT(*) FROM ({each_step}) t"
        " WHERE true GROUP BY step, tenths"  # (SQLite reads ON CONFLICT after a WHERE only)
        f" ON CONFLICT (step, tenths) DO UPDATE SET cases = {counts}.cases + excluded.cases"
    )
    cursor.execute(sql, params)
    cursor.execute(f"DELETE FROM {counts} WHERE cases = 0")  # noqa: S608


def step_durations() -> list[dict]:
    """Median and 90th percentile, in days (to a tenth), of each step across the cases that
    completed it: the nearest rank, walked along the step-time counts (a few hundred rows
    whatever the number of cases), after taking in the timeline written since the last
    refresh."""
    last = MetricsSnapshot.objects.order_by("-computed_at").values_list("events_through").first()
    take_in_timeline(after_event=last[0] if last else 0)
    counted: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for step, tenths, cases in StepTimeCount.objects.order_by("step", "tenths").values_list(
        "step", "tenths", "cases"
    ):
        counted[step].append((tenths, cases))
    rows = []
    for label, _, _, key in STEPS:
        counts = counted.get(key, [])
        total = sum(cases for _, cases in counts)
        median, p90 = (nearest_rank(counts, total, share) for share in (0.5, 0.9))
        rows.append({"step": label, "cases": total, "median_days": median, "p90_days": p90})
    return rows


def nearest_rank(counts: list[tuple[int, int]], total: int, share: float) -> float | None:
    """The nearest-rank percentile (share between 0 and 1) of the times `counts` holds (tenths of
    a day and how many cases took each, in order), in days."""
    rank = max(math.ceil(share * total), 1)
    seen = 0
    for tenths, cases in counts:
        seen += cases
        if seen >= rank:
            return tenths / 10
    return None


def _settings_for_aggregates() -> None:
    """For the rest of the transaction, on PostgreSQL: no JIT (compiling the aggregates over the
    whole history cost more than running them: 3 of 6 s at 100,000 cases) and room for their
    sorts in memory."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _days_between(start: str, end: str) -> str:
    """SQL for the days (with their fraction) from column `start` to column `end`."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"
    return f"(julianday({end}) - julianday({start}))"


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


def declined_offers() -> list[tuple[Text, int]]:
    """Offers declined, by the reason given, and offers that expired unanswered."""
    counts = dict(
        Offer.objects.filter(status=Offer.Status.DECLINED)
        .values_list("decline_category")
        .annotate(n=Count("*"))
        .values_list("decline_category", "n")
    )
    rows: list[tuple[Text, int]] = [
        (label, counts.get(value, 0)) for value, label in Offer.DeclineReason.choices
    ]
    rows.append(
        (gettext_noop("Expired without an answer"), Offer.objects.filter(status="expired").count())
    )
    return rows


REVIEWING = (Status.IN_REVIEW, Status.INFO_REQUESTED)


def specialists_load() -> list[dict]:
    """Each specialist with work: cases under review and offers waiting, against capacity.

    Two counts grouped by specialist over the live states only (on the specialist-and-state
    indexes), then the names of those specialists: never a join of every specialist with every
    case and offer they ever had."""
    reviewing = dict(
        Case.objects.filter(status__in=REVIEWING)
        .order_by()
        .values_list("specialist_id")
        .annotate(n=Count("*"))
    )
    offers_open = dict(
        Offer.objects.filter(status=Offer.Status.OPEN)
        .order_by()
        .values_list("specialist_id")
        .annotate(n=Count("*"))
    )
    specialists = (
        Specialist.objects.filter(
            Q(pk__in=Case.objects.filter(status__in=REVIEWING).values("specialist_id"))
            | Q(pk__in=Offer.objects.filter(status=Offer.Status.OPEN).values("specialist_id"))
        )
        .order_by("user__full_name", "id")
        .values_list("pk", "user__full_name", "max_open_cases")
    )
    return [
        {
            "name": name,
            "reviewing": reviewing.get(pk, 0),
            "offers_open": offers_open.get(pk, 0),
            "capacity": capacity,
        }
        for pk, name, capacity in specialists
    ]


def outcomes() -> dict:
    """How delivered opinions relate to the original diagnosis, by the specialist's specialty,
    overall and by quarter of submission: counted by the database, grouped by specialty, quarter
    and relation (a few hundred rows whatever the number of opinions)."""
    delivered = Opinion.objects.filter(
        case__status__in=(Status.DELIVERED, Status.CLOSED), submitted_at__isnull=False
    )
    by_specialty: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_quarter: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        delivered.annotate(quarter=TruncQuarter("submitted_at"))
        .order_by()
        .values_list("relation", "quarter", "author__specialties__name")
        .annotate(n=Count("*"))
    )
    for relation, quarter_start, specialty, n in rows:
        specialty = specialty or gettext_noop("No specialty")
        quarter = f"{quarter_start.year} Q{(quarter_start.month - 1) // 3 + 1}"
        by_specialty[specialty][relation] += n
        by_quarter[(specialty, quarter)][relation] += n

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
            label = gettext_noop("Referred, entered by a coordinator")
        else:
            label = gettext_noop("Not referred (the patient came on their own)")
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
        # The outcomes section's counts for every choice of its filters (specialty, period)
        "outcome_counts": outcome_metrics.kept_counts(),
        "generated_at": timezone.now(),
    }


def refresh_snapshot() -> MetricsSnapshot:
    """Compute every figure now and keep them (older snapshots are dropped). The page's list of
    the busiest specialists and its latest quarters of outcomes are kept apart from the whole
    load and every quarter, which only the CSV reads."""
    started = time.perf_counter()
    events_through = CaseEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0
    # Kept in English (the page translates the labels as it shows them), whatever language the
    # process that computes them last spoke.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        _settings_for_aggregates()
        figures = all_metrics()  # its step times take in the timeline up to events_through

    computed_at = figures.pop("generated_at")
    outcome_counts = figures.pop("outcome_counts")
    # What the page shows of the two figures that grow with the service and its history, kept
    # apart: the busiest specialists (of how many with work), and the latest quarters' outcomes.
    figures["busiest"] = busiest(figures["load"])
    figures["specialists_with_work"] = len(figures["load"])
    figures["recent_quarters"] = recent_quarters(figures["outcomes"]["by_quarter"])
    with translation.override(settings.LANGUAGE_CODE):
        kept = json.loads(json.dumps(figures, cls=DjangoJSONEncoder))
    snapshot = MetricsSnapshot.objects.create(
        computed_at=computed_at,
        figures=kept,
        outcome_counts=outcome_counts,
        seconds_taken=time.perf_counter() - started,
        events_through=events_through,
    )
    MetricsSnapshot.objects.filter(computed_at__lt=computed_at).delete()
    cache.delete(REFRESH_LOCK)
    return snapshot


REFRESH_LOCK = "metrics:refresh-enqueued"


def current_metrics(*, for_page: bool = False, outcome_filters: dict | None = None) -> dict | None:
    """The figures of the newest snapshot, never computed inside a request: when it is older
    than METRICS_MAX_AGE_SECONDS (the beat task refreshes them sooner) it is still shown, marked
    `stale`, and one refresh is enqueued (a lock in the cache keeps many pages from enqueueing
    many). None before the first snapshot: the page says the figures are being computed.

    `for_page` leaves out every specialist's load (one row per busy specialist, which grows
    with the service), the outcomes of every quarter (which grow with the history) and the
    outcome counts of every choice of specialty and period: the page shows the busiest, the
    latest quarters and, as `outcome_counts`, the counts of the `outcome_filters` chosen
    (`outcome_metrics.filters_from`; None in a snapshot older than them), so it reads the same
    few kilobytes whatever the size and age of the service; `snapshot` says which (its id and
    time), for what is kept by snapshot (`page_figures.tables`)."""
    cutoff = timezone.now() - timedelta(seconds=settings.METRICS_MAX_AGE_SECONDS)
    snapshot: tuple | None
    if for_page:
        filters = outcome_filters or outcome_metrics.filters_from({})
        snapshot = page_figures.newest(outcome_metrics.kept_path(**filters))
    else:
        newest = MetricsSnapshot.objects.order_by("-computed_at")
        snapshot = newest.values_list("pk", "computed_at", "figures").first()
    stale = snapshot is None or snapshot[1] < cutoff
    if stale:
        request_refresh()
    if snapshot is None:
        return None
    if for_page:
        head, computed_at, figures, chosen = snapshot
        shown = {"outcome_counts": chosen, "snapshot": head}
    else:
        __, computed_at, figures = snapshot
        shown = {}
    return figures | shown | {"generated_at": computed_at, "stale": stale}


def request_refresh() -> bool:
    """Enqueue one refresh of the snapshot unless one is already on its way."""
    if not cache.add(REFRESH_LOCK, 1, timeout=settings.METRICS_MAX_AGE_SECONDS):
        return False
    transaction.on_commit(tasks.refresh_metrics.delay)
    return True


BUSIEST_SHOWN = 25
RECENT_QUARTERS = 4  # the page's outcomes by quarter; the CSV has every quarter


def recent_quarters(rows: list[dict], count: int = RECENT_QUARTERS) -> list[dict]:
    """The outcome rows of the latest `count` quarters ("2026 Q3" sorts as it reads): the page's
    table stays the same length however many years of history there are."""
    kept = set(sorted({row["quarter"] for row in rows})[-count:])
    return [row for row in rows if row["quarter"] in kept]


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
            "labels": [gettext(label) for label, _ in figures["cases_by_state"]],
            "values": [n for _, n in figures["cases_by_state"]],
        },
        "steps": {
            "labels": [gettext(row["step"]) for row in figures["steps"]],
            "median": [row["median_days"] for row in figures["steps"]],
            "p90": [row["p90_days"] for row in figures["steps"]],
        },
        "declines": {
            "labels": [gettext(label) for label, _ in figures["declined_offers"]],
            "values": [n for _, n in figures["declined_offers"]],
        },
        "outcomes": {
            "labels": [gettext(row["specialty"]) for row in outcomes["by_specialty"]]
            + [gettext("Mayo Clinic study")],
            "agree": [row["agree"] for row in outcomes["by_specialty"]]
            + [outcomes["reference"]["agree"]],
            "refine": [row["refine"] for row in outcomes["by_specialty"]]
            + [outcomes["reference"]["refine"]],
            "change": [row["change"] for row in outcomes["by_specialty"]]
            + [outcomes["reference"]["change"]],
        },
    }
