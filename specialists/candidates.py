"""Matching's database part: the filters a specialist must pass to be offered a case (verified
licence here, not away, under capacity, the report's language, the specialty), and the facts of
each candidate's score read in one narrow query, ranked, the best SHORTLIST_SIZE loaded. Python's
part (expertise, preferences, conflicts) and the service are in specialists.matching."""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from cases.models import Case, Status
from secondopinion.accounts.models import User

from . import conflicts
from .models import (
    LanguageWaiver,
    Licence,
    Offer,
    Specialist,
    SpecialistLanguage,
    Specialty,
    UnavailablePeriod,
)
from .regions import jurisdictions_covering

SHORTLIST_SIZE = 100
NOT_ELIGIBLE_SHOWN = 50
# A specialist's load: the cases they are working on plus the offers waiting for their answer.
REVIEW_STATES = (Status.IN_REVIEW, Status.INFO_REQUESTED, Status.OPINION_SUBMITTED)

SPECIALTY_POINTS, SUBSPECIALTY_POINTS = 25, 35
EXPERTISE_POINTS_EACH, EXPERTISE_POINTS = 10, 20
LANGUAGE_POINTS = 15
LOAD_POINTS = 15
TURNAROUND_POINTS = 10
PREFERENCE_POINTS = 5
# Turnaround: full points up to this many days, then one point less for every two days more.
FAST_TURNAROUND_DAYS = 5


@dataclass(frozen=True)
class SpecialtyNeed:
    """A specialty the case needs, and why we think so."""

    specialty: Specialty
    because: str


def count(queryset) -> Coalesce:
    counted = queryset.order_by().values("specialist").annotate(n=models.Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


@dataclass(frozen=True)
class Fit:
    """The specialty ids a specialist needs one of to count as right for the case."""

    subspecialties: frozenset[int]  # the subspecialties the case needs (the best fit)
    specialties: frozenset[int]  # those, their specialties and every subspecialty of those

    @classmethod
    def of(cls, needs: list[SpecialtyNeed], catalogue: list[Specialty]) -> "Fit":
        parents = {need.specialty.parent_id or need.specialty.pk for need in needs}
        family = {s.pk for s in catalogue if s.pk in parents or s.parent_id in parents}
        return cls(
            frozenset(need.specialty.pk for need in needs if need.specialty.parent_id),
            frozenset(family),
        )


def licence_here(case):
    region = getattr(case, "patient_region", "") or ""
    return Licence.objects.filter(
        specialist=OuterRef("pk"), jurisdiction__in=jurisdictions_covering(region)
    )


def away(today: date):
    return UnavailablePeriod.objects.filter(
        specialist=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
    )


def offered_this(case):
    return Offer.objects.filter(case_id=case.pk, specialist=OuterRef("pk"))


def has_specialty(ids) -> Exists:
    through = Specialist.specialties.through.objects.filter(specialist=OuterRef("pk"))
    return Exists(through.filter(specialty_id__in=ids))


def load():
    """Cases under review plus offers waiting for an answer, counted (what
    Specialist.open_load stores; the tests compare the two)."""
    return count(Case.objects.filter(specialist=OuterRef("pk"), status__in=REVIEW_STATES)) + count(
        Offer.objects.filter(specialist=OuterRef("pk"), status=Offer.Status.OPEN)
    )


def under_capacity() -> Q:
    return Q(load__lt=F("max_open_cases"))


def required_language(case) -> str:
    """The report language every specialist offered `case` must write in: the patient's choice,
    unless a coordinator waived it (with a recorded reason); "" when nothing is required."""
    language = getattr(case, "report_language", "") or ""
    if not language or getattr(case, "pk", None) is None:
        return language
    if getattr(case, "has_language_waiver", None) is False:  # read with the case: none
        return language
    waived = LanguageWaiver.objects.filter(case_id=case.pk, language=language).exists()
    return "" if waived else language


def writes(language: str) -> Exists:
    return Exists(SpecialistLanguage.objects.filter(specialist=OuterRef("pk"), language=language))


def passes_filters(case, fit: "Fit", today: date, language: str = "") -> Q:
    """Verified, licensed where the patient lives, not away, not offered this case before, in
    the specialty, writing the required report language (semi-joins on indexes). Capacity is
    checked on top, with the load. (A verified, unexpired licence here is what makes a
    specialist verified, Specialist.is_verified: one semi-join checks both.)"""
    passes = Q(
        Exists(licence_here(case).filter(expires_on__gte=today, verified_at__isnull=False)),
        ~Exists(away(today)),
        ~Exists(offered_this(case)),
    ) & ~Q(user_id__in=User.objects.filter(is_active=False).values("pk"))  # a short list
    if language:
        passes &= Q(writes(language))
    return passes & Q(has_specialty(fit.specialties)) if fit.specialties else passes


@dataclass(frozen=True)
class ScoreFacts:
    """What the database's score parts read of one eligible specialist."""

    pk: int
    max_open_cases: int
    load: int
    typical_turnaround_days: int
    subspecialty_fit: bool
    writes_language: bool

    def parts(self, fit: Fit) -> dict[str, float]:
        """The score parts computed from the facts (floats, added in this order, so that equal
        facts give equal scores)."""
        if self.subspecialty_fit:
            specialty = float(SUBSPECIALTY_POINTS)
        else:
            specialty = float(SPECIALTY_POINTS if fit.specialties else 0)
        turnaround = (
            float(TURNAROUND_POINTS)
            - (float(self.typical_turnaround_days) - float(FAST_TURNAROUND_DAYS)) / 2.0
        )
        return {
            # Everyone eligible has the specialty when the case needs one (a filter): only the
            # subspecialty is left to tell apart.
            "specialty_points": specialty,
            "language_points": float(LANGUAGE_POINTS if self.writes_language else 0),
            "load_points": float(LOAD_POINTS)
            * (float(self.max_open_cases) - float(self.load))
            / float(self.max_open_cases),
            "turnaround_points": max(0.0, min(float(TURNAROUND_POINTS), turnaround)),
        }


def score_facts(case, fit: Fit, today: date, language: str) -> list[ScoreFacts]:
    """The facts the score reads, of every specialist who passes the filters and has room: one
    narrow row each, each semi-join evaluated once per candidate (computed in SQL inside the
    ORDER BY, every part was evaluated again for each use, over the whole table)."""
    report_language = getattr(case, "report_language", "") or ""
    rows = (
        Specialist.objects.filter(
            passes_filters(case, fit, today, language), open_load__lt=F("max_open_cases")
        )
        .annotate(
            subspecialty_fit=has_specialty(fit.subspecialties)
            if fit.subspecialties
            else Value(False),
            writes_language=writes(report_language) if report_language else Value(False),
        )
        .order_by()
        .values_list(
            "pk",
            "max_open_cases",
            "open_load",
            "typical_turnaround_days",
            "subspecialty_fit",
            "writes_language",
        )
    )
    return [ScoreFacts(*row) for row in rows]


def user(**values) -> User:
    """A user with these fields loaded; the others load if something reads them."""
    fields = [f.attname for f in User._meta.concrete_fields if f.attname in values]
    return User.from_db(None, fields, [values[name] for name in fields])


def shortlist(case, fit: Fit, today: date, language: str = "") -> list[Specialist]:
    """The best SHORTLIST_SIZE eligible specialists by the database's score parts, each with
    those parts, their ties for screening (`ties`) and their specialties (`specialty_list`:
    id, name, whether a subspecialty)."""
    # Two steps: the candidates' score facts (one narrow row each: the filters follow the
    # indexes on licences, specialties and languages), ranked here; then the rows of the best.
    scored = []
    for facts in score_facts(case, fit, today, language):
        parts = facts.parts(fit)
        prescore = 0.0
        for points in parts.values():
            prescore += points
        scored.append((-prescore, facts.pk, facts, parts))
    scored.sort(key=lambda item: (item[0], item[1]))
    best = scored[:SHORTLIST_SIZE]
    by_pk = Specialist.objects.in_bulk([pk for _, pk, _, _ in best])
    shortlist = []
    for negative, pk, facts, parts in best:
        specialist = by_pk[pk]
        specialist.load = facts.load
        specialist.subspecialty_fit = facts.subspecialty_fit
        specialist.writes_language = facts.writes_language
        for name, points in parts.items():
            setattr(specialist, name, points)
        specialist.prescore = -negative
        shortlist.append(specialist)
    ids = [specialist.pk for specialist in shortlist]
    # Their names, ties (for screening) and specialties (for the reasons) in one round trip.
    named = conflicts.as_rows(
        Specialist.objects.filter(pk__any_of=ids),
        "user",
        owner="pk",
        a="user_id",
        b="user__full_name",
        c="user__email",
    )
    specialties_of = conflicts.as_rows(
        Specialist.specialties.through.objects.filter(specialist__any_of=ids),
        "specialty",
        a="specialty_id",
        b="specialty__name",
        c="specialty__parent_id",
    )
    rows = conflicts.union([named, specialties_of, *conflicts.tie_queries(ids, case.pk)])
    users: dict[int, User] = {}
    specialties: dict[int, list[tuple[int, str, bool]]] = {pk: [] for pk in ids}
    for pk, tag, a, b, c, _ in rows:
        if tag == "user":
            users[pk] = user(id=int(a), full_name=b, email=c)
        elif tag == "specialty":
            specialties[pk].append((int(a), b, bool(c)))
    for specialist in shortlist:
        specialist.user = users[specialist.pk]
    ties = conflicts.ties_from(shortlist, rows)
    for specialist in shortlist:
        specialist.ties = ties[specialist.pk]
        # Specialties before subspecialties, then by name.
        specialist.specialty_list = sorted(specialties[specialist.pk], key=lambda s: (s[2], s[1]))
        specialist.specialty_names = ", ".join(name for _, name, _ in specialist.specialty_list)
    return shortlist
