"""Matching's database part: the filters a specialist must pass to be offered a case (verified
licence here, not away, under capacity, the report's language, the specialty), and the facts of
each candidate's score read in one narrow query, ranked, the best SHORTLIST_SIZE loaded. Python's
part (expertise, preferences, conflicts) and the service are in specialists.matching."""

# ruff: noqa: S608  (the SQL below is built from model table names and fixed text; every value
# is a parameter)

import json
from dataclasses import dataclass
from datetime import date

from django.db import connection, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from cases.models import Case, Status
from secondopinion.accounts.models import User

from . import conflicts
from .lookups import among_ids_sql, any_of_sql
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
    counted = queryset.order_by().values("specialist").annotate(n=models.Count("*")).values("n")
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


def load():
    """Cases under review plus offers waiting for an answer, counted (what
    Specialist.open_load stores; the tests compare the two)."""
    return count(Case.objects.filter(specialist=OuterRef("pk"), status__in=REVIEW_STATES)) + count(
        Offer.objects.filter(specialist=OuterRef("pk"), status=Offer.Status.OPEN)
    )


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


# The queries of every ranking (who passes, with the facts of their score; the rows, specialties
# and ties of the best) are SQL written here: composed through the ORM they cost about 10 ms of
# Python a ranking at 10,000 specialists, more than PostgreSQL spent running them. `s` is the
# specialist's row in each.
SPECIALIST = Specialist._meta.db_table
SPECIALTY_LINK = Specialist.specialties.through._meta.db_table
LICENCE = Licence._meta.db_table
AWAY = UnavailablePeriod._meta.db_table
OFFER = Offer._meta.db_table
LANGUAGE = SpecialistLanguage._meta.db_table
USER = User._meta.db_table


def has_specialty_sql(ids) -> tuple[str, list]:
    """Whether the specialist `s` has one of the specialties `ids` (a probe per row)."""
    one_of, params = any_of_sql("link.specialty_id", ids)
    return (
        f"EXISTS (SELECT 1 FROM {SPECIALTY_LINK} link "
        f"WHERE link.specialist_id = s.id AND {one_of})",
        params,
    )


def writes_sql(language: str) -> tuple[str, list]:
    """Whether the specialist `s` writes reports in `language` (a probe per row)."""
    return (
        f"EXISTS (SELECT 1 FROM {LANGUAGE} written "
        "WHERE written.specialist_id = s.id AND written.language = %s)",
        [language],
    )


def candidate_ids_sql(case, fit: Fit, today: date, language: str = "") -> tuple[str, list]:
    """The ids of the specialists with a verified licence valid today where the patient lives,
    writing the required report language, in the specialty: each set read from its index, then
    intersected. (A verified, unexpired licence here is what makes a specialist verified,
    Specialist.is_verified: one set checks both.)"""
    region = getattr(case, "patient_region", "") or ""
    here, params = any_of_sql("licence.jurisdiction", jurisdictions_covering(region))
    sets = [
        f"SELECT licence.specialist_id FROM {LICENCE} licence WHERE {here} "
        "AND licence.expires_on >= %s AND licence.verified_at IS NOT NULL"
    ]
    params.append(connection.ops.adapt_datefield_value(today))
    if language:
        sets.append(
            f"SELECT written.specialist_id FROM {LANGUAGE} written WHERE written.language = %s"
        )
        params.append(language)
    if fit.specialties:
        one_of, ids = any_of_sql("link.specialty_id", fit.specialties)
        sets.append(f"SELECT link.specialist_id FROM {SPECIALTY_LINK} link WHERE {one_of}")
        params += ids
    return " INTERSECT ".join(sets), params


def filters_sql(case, fit: Fit, today: date, language: str = "") -> list[tuple[str, list]]:
    """Among `candidate_ids_sql`'s, under capacity, not away, not offered this case before, not
    switched off (each a probe of the few rows those ids fetch)."""
    day = connection.ops.adapt_datefield_value(today)
    ids, ids_params = candidate_ids_sql(case, fit, today, language)
    return [
        (among_ids_sql("s.id", ids), ids_params),
        ("s.open_load < s.max_open_cases", []),
        (
            f"NOT EXISTS (SELECT 1 FROM {AWAY} away WHERE away.specialist_id = s.id "
            "AND away.starts_on <= %s AND away.ends_on >= %s)",
            [day, day],
        ),
        (
            f"NOT EXISTS (SELECT 1 FROM {OFFER} offer WHERE offer.specialist_id = s.id "
            "AND offer.case_id = %s)",
            [case.pk],
        ),
        # A short list, from a partial index of the switched-off accounts.
        (f"s.user_id NOT IN (SELECT off.id FROM {USER} off WHERE NOT off.is_active)", []),
    ]


def rows_of(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
    """The facts the score reads, of every specialist who passes the filters: one narrow row
    each, each semi-join evaluated once per candidate (computed in SQL inside the ORDER BY,
    every part was evaluated again for each use, over the whole table)."""
    report_language = getattr(case, "report_language", "") or ""
    subspecialty, sub_params = (
        has_specialty_sql(fit.subspecialties) if fit.subspecialties else ("FALSE", [])
    )
    writes, writes_params = writes_sql(report_language) if report_language else ("FALSE", [])
    filters = filters_sql(case, fit, today, language)
    sql = (
        "SELECT s.id, s.max_open_cases, s.open_load, s.typical_turnaround_days, "
        f"{subspecialty}, {writes} FROM {SPECIALIST} s WHERE "
        + " AND ".join(condition for condition, _ in filters)
    )
    params = [*sub_params, *writes_params, *(p for _, params in filters for p in params)]
    return [
        ScoreFacts(pk, most, load, days, bool(sub), bool(writes))
        for pk, most, load, days, sub, writes in rows_of(sql, params)
    ]


# A shortlisted specialist's columns, read with their user's name and email.
SHORTLIST_COLUMNS = [
    field.attname
    for field in Specialist._meta.concrete_fields
    if field.attname not in ("id", "user_id")
]


def specialists_with_users(ids: list[int]) -> dict[int, Specialist]:
    """The specialists of `ids` by id, each with its user's name and email loaded."""
    one_of, params = any_of_sql("s.id", ids)
    columns = ", ".join(f"s.{name}" for name in SHORTLIST_COLUMNS)
    sql = (
        f"SELECT s.id, s.user_id, {columns}, person.full_name, person.email "
        f"FROM {SPECIALIST} s JOIN {USER} person ON person.id = s.user_id WHERE {one_of}"
    )
    found = {}
    for pk, user_id, *values, full_name, email in rows_of(sql, params):
        loaded = dict(zip(SHORTLIST_COLUMNS, values, strict=True))
        topics = loaded["preferred_topics"]  # JSON text, as the ORM would have read it
        loaded["preferred_topics"] = json.loads(topics) if isinstance(topics, str) else topics
        specialist = Specialist.from_db(
            connection.alias, ["id", "user_id", *loaded], [pk, user_id, *loaded.values()]
        )
        specialist.user = user(id=user_id, full_name=full_name, email=email)
        found[pk] = specialist
    return found


def user(**values) -> User:
    """A user with these fields loaded; the others load if something reads them."""
    fields = [f.attname for f in User._meta.concrete_fields if f.attname in values]
    return User.from_db(None, fields, [values[name] for name in fields])


def shortlist(
    case, fit: Fit, today: date, language: str, *, catalogue: list[Specialty]
) -> list[Specialist]:
    """The best SHORTLIST_SIZE eligible specialists by the database's score parts, each with
    those parts, their ties for screening (`ties`) and their specialties (`specialty_list`:
    id, name, whether a subspecialty; names from `catalogue`, every specialty)."""
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
    if not best:
        return []
    by_pk = specialists_with_users([pk for _, pk, _, _ in best])
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
    # Their specialties (for the reasons) and ties (for screening) in one round trip.
    one_of, params = any_of_sql("link.specialist_id", ids)
    specialty_links = (
        "SELECT link.specialist_id, 'specialty', CAST(link.specialty_id AS text), '', '', '' "
        f"FROM {SPECIALTY_LINK} link WHERE {one_of}",
        params,
    )
    rows = conflicts.union([specialty_links, *conflicts.tie_selects(ids, case.pk)])
    named = {specialty.pk: specialty for specialty in catalogue}
    specialties: dict[int, list[tuple[int, str, bool]]] = {pk: [] for pk in ids}
    for pk, tag, a, _, _, _ in rows:
        if tag == "specialty":
            specialty = named[int(a)]
            specialties[pk].append((specialty.pk, specialty.name, bool(specialty.parent_id)))
    ties = conflicts.ties_from(shortlist, rows)
    for specialist in shortlist:
        specialist.ties = ties[specialist.pk]
        # Specialties before subspecialties, then by name.
        specialist.specialty_list = sorted(specialties[specialist.pk], key=lambda s: (s[2], s[1]))
        specialist.specialty_names = ", ".join(name for _, name, _ in specialist.specialty_list)
    return shortlist
