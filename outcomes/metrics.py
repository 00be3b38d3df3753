"""Outcome figures in the published studies' terms, each beside the published figure.

Every figure counts cases, each case once: a case is one delivered opinion, at most one decision
per moment and one check-in per interval (unique constraints). A figure whose denominator is
fewer than MIN_GROUP cases is suppressed, so no one's answer can be told from a small group.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from cases.models import Case
from review import selectors as review_selectors
from review.models import Opinion, TreatmentSupport
from specialists import selectors as specialist_selectors

from .models import SURE_ITEMS, CheckIn, Decision, Followed, Intention, Moment

MIN_GROUP = 10
# The published sources, kept in English with the figures (translated where they are shown).
MEYER = gettext_noop("Meyer et al., Am J Med 2015 (6,791 Best Doctors opinions)")
VAN_SUCH = gettext_noop("Van Such et al., J Eval Clin Pract 2017 (286 Mayo Clinic referrals)")
TREATMENT_CHANGED = gettext_noop("%(source)s: treatment changed")
PERIODS = {
    "": (gettext_noop("All time"), None),
    "90d": (gettext_noop("Last 90 days"), 90),
    "365d": (gettext_noop("Last 12 months"), 365),
}
CSV_HEADER = [
    "figure",
    "cases counted",
    "cases in figure",
    "our share (%)",
    "published share (%)",
    "published source",
]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    numerator: int | None
    denominator: int | None  # None when suppressed (fewer than MIN_GROUP cases)
    share: float | None
    published: float | None
    source: str

    @property
    def suppressed(self) -> bool:
        return self.denominator is None


def _figure(key, label, numerator, denominator, published=None, source="") -> Figure:
    if denominator < MIN_GROUP:
        return Figure(key, label, None, None, None, published, source)
    return Figure(
        key,
        label,
        numerator,
        denominator,
        round(100 * numerator / denominator, 1),
        published,
        source,
    )


def filters_from(query) -> dict:
    """The page's and the CSV's filters from a query string; anything unknown means "all"."""
    specialty = query.get("specialty", "")
    period = query.get("period", "")
    return {
        "specialty": int(specialty) if specialty.isdigit() else None,
        "period": period if period in PERIODS else "",
    }


def delivered_cases(*, specialty: int | None = None, period: str = "", now=None) -> QuerySet[Case]:
    """The delivered cases counted: delivered in `period`, their specialist in `specialty`."""
    days = PERIODS[period][1]
    since = (now or timezone.now()) - timedelta(days=days) if days else None
    cases = review_selectors.delivered_cases(since=since)
    if specialty:
        # A subquery, not a join: a specialist with two specialties must not count a case twice.
        by_specialty = specialist_selectors.all_specialists().filter(specialties__id=specialty)
        cases = cases.filter(specialist__in=by_specialty.values("pk"))
    return cases


def _what_is_counted() -> list[tuple[QuerySet, dict[str, Count]]]:
    """The figures' counts: from the delivered opinions, the decisions and the check-ins."""
    supported = ~Q(treatment_supported="") & ~Q(treatment_supported=TreatmentSupport.NOT_APPLICABLE)
    settled = Q(**{name: True for name, _ in SURE_ITEMS})
    answered = Q(answered_at__isnull=False)
    relations = (Opinion.Relation.AGREE, Opinion.Relation.REFINE, Opinion.Relation.CHANGE)
    return [
        (
            review_selectors.delivered_opinions(),
            {
                "total": Count("*"),
                **{r.value: Count("pk", filter=Q(relation=r)) for r in relations},
                "supports": Count("pk", filter=supported & Q(treatment_supported__isnull=False)),
                "not_supported": Count(
                    "pk",
                    filter=Q(
                        treatment_supported__in=(TreatmentSupport.NO, TreatmentSupport.PARTLY)
                    ),
                ),
            },
        ),
        (
            Decision.objects.all(),
            {
                "before": Count("pk", filter=Q(moment=Moment.BEFORE)),
                "after": Count("pk", filter=Q(moment=Moment.AFTER)),
                "follow": Count("pk", filter=Q(moment=Moment.AFTER, intention=Intention.FOLLOW)),
                "settled_before": Count("pk", filter=Q(moment=Moment.BEFORE) & settled),
                "settled_after": Count("pk", filter=Q(moment=Moment.AFTER) & settled),
            },
        ),
        (
            CheckIn.objects.all(),
            {
                **{f"sent_{d}": Count("pk", filter=Q(interval_days=d)) for d in CheckIn.INTERVALS},
                **{
                    f"answered_{d}": Count("pk", filter=Q(interval_days=d) & answered)
                    for d in CheckIn.INTERVALS
                },
                "followed_90": Count(
                    "pk", filter=Q(interval_days=90, followed_advice=Followed.YES) & answered
                ),
            },
        ),
    ]


def _counted(case_ids: QuerySet) -> dict[str, int]:
    """The counts for the cases `case_ids`: one aggregate row from each of the three tables
    (each case once; no row per case reaches Python)."""
    counts: dict[str, int] = {}
    for rows, aggregates in _what_is_counted():
        counts |= rows.filter(case_id__in=case_ids).order_by().aggregate(**aggregates)
    return counts


def _nothing_counted() -> dict[str, int]:
    return {name: 0 for _, aggregates in _what_is_counted() for name in aggregates}


def _counted_by_specialist(case_ids: QuerySet) -> dict[int | None, dict[str, int]]:
    """The same counts, one row per specialist of the cases (a case has one)."""
    nothing = _nothing_counted()
    counts: dict[int | None, dict[str, int]] = {}
    for rows, aggregates in _what_is_counted():
        chosen = rows.filter(case_id__in=case_ids).order_by()
        for row in chosen.values(specialist=F("case__specialist_id")).annotate(**aggregates):
            counts.setdefault(row.pop("specialist"), dict(nothing)).update(row)
    return counts


def outcome_figures(*, specialty: int | None = None, period: str = "", now=None) -> dict:
    """The figures of the delivered cases of `specialty` in `period`, counted now for that one
    choice (three aggregate queries). No request counts: pages and the CSV read the snapshot's
    `kept_counts`, which the tests hold equal to this for every choice."""
    cases = delivered_cases(specialty=specialty, period=period, now=now)
    return figures_from(_counted(cases.values("pk")), specialty=specialty, period=period)


def kept_counts(*, now=None) -> dict[str, dict[str, dict[str, int]]]:
    """What every choice of the page's filters counts, for the metrics snapshot: for each period
    (key `all` for all time), the counts of all specialties (`all`) and of each specialty (by
    its id). Three grouped queries a period, whatever the number of specialties: each
    specialist's counts, added up in Python to each of their specialties (a case has one
    specialist, so a case counts once in a specialty; `all` adds up specialists, so once there
    too)."""
    specialties_of: dict[int, list[int]] = {}
    for specialist, specialty in specialist_selectors.specialty_pairs():
        specialties_of.setdefault(specialist, []).append(specialty)
    choices = ["all", *(str(s.pk) for s in specialist_selectors.specialties())]
    nothing = _nothing_counted()
    kept = {}
    for period in PERIODS:
        cases = delivered_cases(period=period, now=now).values("pk")
        totals = {choice: dict(nothing) for choice in choices}
        for whose, counts in _counted_by_specialist(cases).items():
            for key in ["all", *map(str, specialties_of.get(whose or 0, []))]:
                added = totals.setdefault(key, dict(nothing))
                for name, n in counts.items():
                    added[name] += n
        kept[period or "all"] = totals
    return kept


def kept_path(*, specialty: int | None, period: str) -> list[str]:
    """Where `kept_counts` keeps the counts of one choice of the filters."""
    return [period or "all", str(specialty) if specialty else "all"]


def figures_from(counts: dict[str, int], *, specialty: int | None, period: str) -> dict:
    """The figures from what `_counted` counted (or the snapshot kept) for one choice."""
    total = counts["total"]
    figures = [
        _figure(
            "diagnosis_confirmed",
            gettext_noop("Diagnosis confirmed"),
            counts["agree"],
            total,
            12.0,
            VAN_SUCH,
        ),
        _figure(
            "diagnosis_refined",
            gettext_noop("Diagnosis refined"),
            counts["refine"],
            total,
            66.0,
            VAN_SUCH,
        ),
        _figure(
            "diagnosis_changed",
            gettext_noop("Diagnosis changed"),
            counts["change"],
            total,
            21.0,
            VAN_SUCH,
        ),
        _figure(
            "diagnosis_changed_meyer",
            gettext_noop("Diagnosis changed (Best Doctors comparison)"),
            counts["change"],
            total,
            14.8,
            MEYER,
        ),
        _figure(
            "treatment_not_or_partly_supported",
            gettext_noop("Proposed treatment not or only partly supported"),
            counts["not_supported"],
            counts["supports"],
            37.4,
            TREATMENT_CHANGED % {"source": MEYER},
        ),
        _figure(
            "plan_to_follow",
            gettext_noop("Plan to follow the second opinion"),
            counts["follow"],
            counts["after"],
            61.2,
            MEYER,
        ),
        _figure(
            "followed_at_90_days",
            gettext_noop("Followed the advice at 90 days"),
            counts["followed_90"],
            counts["answered_90"],
        ),
        _figure(
            "no_conflict_before",
            gettext_noop("No decisional conflict before the opinion (SURE 4 of 4)"),
            counts["settled_before"],
            counts["before"],
        ),
        _figure(
            "no_conflict_after",
            gettext_noop("No decisional conflict after the opinion (SURE 4 of 4)"),
            counts["settled_after"],
            counts["after"],
        ),
        _figure(
            "decision_response",
            gettext_noop("Response: decision recorded after the opinion"),
            counts["after"],
            total,
        ),
        _figure(
            "check_in_30_response",
            gettext_noop("Response: 30-day check-in"),
            counts["answered_30"],
            counts["sent_30"],
        ),
        _figure(
            "check_in_90_response",
            gettext_noop("Response: 90-day check-in"),
            counts["answered_90"],
            counts["sent_90"],
        ),
    ]
    return {
        "figures": figures,
        "cases": total,
        "min_group": MIN_GROUP,
        "specialty": specialty,
        "period": period,
        "period_label": PERIODS[period][0],
    }


def specialty_choices() -> list[tuple[str, str]]:
    return [("", gettext("All specialties"))] + [
        (str(s.pk), s.name) for s in specialist_selectors.specialties()
    ]


def csv_rows(figures: dict) -> list[list]:
    return [
        [
            f.label,
            f.denominator if not f.suppressed else f"fewer than {MIN_GROUP}",
            f.numerator if not f.suppressed else "",
            f.share if not f.suppressed else "",
            f.published if f.published is not None else "",
            f.source,
        ]
        for f in figures["figures"]
    ]


def chart_data(figures: dict) -> dict:
    """Only figures with a published one to compare with, and not suppressed."""
    shown = [f for f in figures["figures"] if f.published is not None]
    return {
        "labels": [f.label for f in shown],
        "ours": [f.share for f in shown],
        "published": [f.published for f in shown],
    }
