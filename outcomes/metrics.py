"""Outcome figures in the published studies' terms, each beside the published figure.

Every figure counts cases, each case once: a case is one delivered opinion, at most one decision
per moment and one check-in per interval (unique constraints). A figure whose denominator is
fewer than MIN_GROUP cases is suppressed, so no one's answer can be told from a small group.
"""

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
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


def outcome_figures(*, specialty: int | None = None, period: str = "", now=None) -> dict:
    """The figures, each counted by the database: one aggregate row each from the opinions, the
    decisions and the check-ins of the delivered cases (no row per case reaches Python)."""
    cases = delivered_cases(specialty=specialty, period=period, now=now)
    case_ids = cases.values("pk")
    opinion = review_selectors.delivered_opinions().filter(case_id__in=case_ids).order_by()
    supported = ~Q(treatment_supported="") & ~Q(treatment_supported=TreatmentSupport.NOT_APPLICABLE)
    o = opinion.aggregate(
        total=Count("*"),
        **{
            relation.value: Count("pk", filter=Q(relation=relation))
            for relation in (
                Opinion.Relation.AGREE,
                Opinion.Relation.REFINE,
                Opinion.Relation.CHANGE,
            )
        },
        supports=Count("pk", filter=supported & Q(treatment_supported__isnull=False)),
        not_supported=Count(
            "pk",
            filter=Q(treatment_supported__in=(TreatmentSupport.NO, TreatmentSupport.PARTLY)),
        ),
    )
    settled = Q(**{name: True for name, _ in SURE_ITEMS})
    d = Decision.objects.filter(case_id__in=case_ids).aggregate(
        before=Count("pk", filter=Q(moment=Moment.BEFORE)),
        after=Count("pk", filter=Q(moment=Moment.AFTER)),
        follow=Count("pk", filter=Q(moment=Moment.AFTER, intention=Intention.FOLLOW)),
        settled_before=Count("pk", filter=Q(moment=Moment.BEFORE) & settled),
        settled_after=Count("pk", filter=Q(moment=Moment.AFTER) & settled),
    )
    answered = Q(answered_at__isnull=False)
    c = CheckIn.objects.filter(case_id__in=case_ids).aggregate(
        **{f"sent_{days}": Count("pk", filter=Q(interval_days=days)) for days in CheckIn.INTERVALS},
        **{
            f"answered_{days}": Count("pk", filter=Q(interval_days=days) & answered)
            for days in CheckIn.INTERVALS
        },
        followed_90=Count(
            "pk", filter=Q(interval_days=90, followed_advice=Followed.YES) & answered
        ),
    )
    total = o["total"]
    figures = [
        _figure(
            "diagnosis_confirmed",
            gettext_noop("Diagnosis confirmed"),
            o["agree"],
            total,
            12.0,
            VAN_SUCH,
        ),
        _figure(
            "diagnosis_refined",
            gettext_noop("Diagnosis refined"),
            o["refine"],
            total,
            66.0,
            VAN_SUCH,
        ),
        _figure(
            "diagnosis_changed",
            gettext_noop("Diagnosis changed"),
            o["change"],
            total,
            21.0,
            VAN_SUCH,
        ),
        _figure(
            "diagnosis_changed_meyer",
            gettext_noop("Diagnosis changed (Best Doctors comparison)"),
            o["change"],
            total,
            14.8,
            MEYER,
        ),
        _figure(
            "treatment_not_or_partly_supported",
            gettext_noop("Proposed treatment not or only partly supported"),
            o["not_supported"],
            o["supports"],
            37.4,
            TREATMENT_CHANGED % {"source": MEYER},
        ),
        _figure(
            "plan_to_follow",
            gettext_noop("Plan to follow the second opinion"),
            d["follow"],
            d["after"],
            61.2,
            MEYER,
        ),
        _figure(
            "followed_at_90_days",
            gettext_noop("Followed the advice at 90 days"),
            c["followed_90"],
            c["answered_90"],
        ),
        _figure(
            "no_conflict_before",
            gettext_noop("No decisional conflict before the opinion (SURE 4 of 4)"),
            d["settled_before"],
            d["before"],
        ),
        _figure(
            "no_conflict_after",
            gettext_noop("No decisional conflict after the opinion (SURE 4 of 4)"),
            d["settled_after"],
            d["after"],
        ),
        _figure(
            "decision_response",
            gettext_noop("Response: decision recorded after the opinion"),
            d["after"],
            total,
        ),
        _figure(
            "check_in_30_response",
            gettext_noop("Response: 30-day check-in"),
            c["answered_30"],
            c["sent_30"],
        ),
        _figure(
            "check_in_90_response",
            gettext_noop("Response: 90-day check-in"),
            c["answered_90"],
            c["sent_90"],
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


def saved(figures: dict) -> dict:
    """The unfiltered figures as JSON, for the metrics snapshot the back office keeps."""
    return {"figures": as_dicts(figures), "cases": figures["cases"]}


def from_saved(kept: dict) -> dict:
    """Figures `saved` earlier, as outcome_figures gives them (all specialties, all time)."""
    names = Figure.__dataclass_fields__
    return {
        "figures": [Figure(**{n: f[n] for n in names}) for f in kept["figures"]],
        "cases": kept["cases"],
        "min_group": MIN_GROUP,
        "specialty": None,
        "period": "",
        "period_label": PERIODS[""][0],
    }


def as_dicts(figures: dict) -> list[dict]:
    return [asdict(f) | {"suppressed": f.suppressed} for f in figures["figures"]]
