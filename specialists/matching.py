"""Matching: which specialists may review a case, ranked, each score explained in plain words.

The database does the filtering (verified, a verified licence valid today where the patient lives,
not away today, under capacity, not offered this case before, in the specialty the case needs,
writing the report language unless a coordinator waived it with a recorded reason)
and the parts of the score it can compute; it hands over the best SHORTLIST_SIZE. Python then
screens that shortlist for conflicts of interest (specialists.conflicts) and adds the parts that
read text (expertise, preferences). Equal scores are ordered by id, so a ranking is repeatable.

Score parts, out of 100: specialty 35 (25 for the specialty, 35 for a subspecialty the case
needs), expertise 20, report language 15, load 15, turnaround 10, preferences 5.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case, QuestionTopic, Status
from secondopinion.accounts.models import User

from . import conflicts
from .conflicts import CaseFacts, Reason
from .models import (
    DECLINE_SUMMARIES,
    LANGUAGE_NAMES,
    LanguageWaiver,
    Licence,
    Offer,
    Specialist,
    SpecialistLanguage,
    Specialty,
    UnavailablePeriod,
)
from .regions import jurisdictions_covering, region_name

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

_STOPWORDS = frozenset(
    ["the", "and", "of", "in", "for", "with", "a", "an", "to", "on", "or", "at", "by", "from"]
)


@dataclass(frozen=True)
class SpecialtyNeed:
    """A specialty the case needs, and why we think so."""

    specialty: Specialty
    because: str


@dataclass(frozen=True)
class ScorePart:
    name: str
    points: float
    out_of: int
    reason: str


@dataclass(frozen=True)
class Candidate:
    specialist: Specialist
    parts: tuple[ScorePart, ...]

    @property
    def score(self) -> float:
        return round(sum(part.points for part in self.parts), 1)


@dataclass(frozen=True)
class Exclusion:
    specialist: Specialist
    reasons: tuple[Reason, ...]

    @property
    def rule(self) -> str:
        return self.reasons[0].rule

    @property
    def reason(self) -> str:
        return self.reasons[0].text


@dataclass
class Ranking:
    needs: list[SpecialtyNeed]
    ranked: list[Candidate] = field(default_factory=list)
    # Screened out for a conflict of interest, then found not eligible by the database.
    excluded: list[Exclusion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def top(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None


# What the case needs ----------------------------------------------------------------------------


def _case_text(case) -> str:
    parts = (case.title, case.diagnosis, case.question, getattr(case, "treatment", ""))
    return "\n".join(part for part in parts if part)


@lru_cache(maxsize=1024)
def _keyword_pattern(keyword: str) -> re.Pattern:
    """A keyword as whole words, any case, plural or not."""
    words = keyword.split()
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"s?(?!\w)"
    return re.compile(pattern, flags=re.IGNORECASE)


def _keyword_in(text: str, keyword: str) -> bool:
    return _keyword_pattern(keyword).search(text) is not None


def needed_specialties(case, catalogue: list[Specialty] | None = None) -> list[SpecialtyNeed]:
    """The specialties whose keywords the case's title, diagnosis, question or treatment use
    (`catalogue`: the controlled list, when already loaded)."""
    text = _case_text(case)
    needs = []
    catalogue = list(Specialty.objects.all()) if catalogue is None else catalogue
    for specialty in sorted(catalogue, key=lambda s: s.name):
        keyword = next((k for k in specialty.keyword_list if _keyword_in(text, k)), None)
        if keyword:
            needs.append(SpecialtyNeed(specialty, f"the case mentions “{keyword}”"))
    return needs


# The database's part ----------------------------------------------------------------------------


def _count(queryset) -> Coalesce:
    counted = queryset.order_by().values("specialist").annotate(n=models.Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


@dataclass(frozen=True)
class _Fit:
    """The specialty ids a specialist needs one of to count as right for the case."""

    subspecialties: frozenset[int]  # the subspecialties the case needs (the best fit)
    specialties: frozenset[int]  # those, their specialties and every subspecialty of those

    @classmethod
    def of(cls, needs: list[SpecialtyNeed], catalogue: list[Specialty]) -> "_Fit":
        parents = {need.specialty.parent_id or need.specialty.pk for need in needs}
        family = {s.pk for s in catalogue if s.pk in parents or s.parent_id in parents}
        return cls(
            frozenset(need.specialty.pk for need in needs if need.specialty.parent_id),
            frozenset(family),
        )


def _licence_here(case):
    region = getattr(case, "patient_region", "") or ""
    return Licence.objects.filter(
        specialist=OuterRef("pk"), jurisdiction__in=jurisdictions_covering(region)
    )


def _away(today: date):
    return UnavailablePeriod.objects.filter(
        specialist=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today
    )


def _offered_this(case):
    return Offer.objects.filter(case_id=case.pk, specialist=OuterRef("pk"))


def _has_specialty(ids) -> Exists:
    through = Specialist.specialties.through.objects.filter(specialist=OuterRef("pk"))
    return Exists(through.filter(specialty_id__in=ids))


def _load():
    """Cases under review plus offers waiting for an answer, counted (what
    Specialist.open_load stores; the tests compare the two)."""
    return _count(
        Case.objects.filter(specialist=OuterRef("pk"), status__in=REVIEW_STATES)
    ) + _count(Offer.objects.filter(specialist=OuterRef("pk"), status=Offer.Status.OPEN))


def _under_capacity() -> Q:
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


def _writes(language: str) -> Exists:
    return Exists(SpecialistLanguage.objects.filter(specialist=OuterRef("pk"), language=language))


def _passes_filters(case, fit: "_Fit", today: date, language: str = "") -> Q:
    """Verified, licensed where the patient lives, not away, not offered this case before, in
    the specialty, writing the required report language (semi-joins on indexes). Capacity is
    checked on top, with the load. (A verified, unexpired licence here is what makes a
    specialist verified, Specialist.is_verified: one semi-join checks both.)"""
    passes = Q(
        Exists(_licence_here(case).filter(expires_on__gte=today, verified_at__isnull=False)),
        ~Exists(_away(today)),
        ~Exists(_offered_this(case)),
    ) & ~Q(user_id__in=User.objects.filter(is_active=False).values("pk"))  # a short list
    if language:
        passes &= Q(_writes(language))
    return passes & Q(_has_specialty(fit.specialties)) if fit.specialties else passes


@dataclass(frozen=True)
class _ScoreFacts:
    """What the database's score parts read of one eligible specialist."""

    pk: int
    max_open_cases: int
    load: int
    typical_turnaround_days: int
    subspecialty_fit: bool
    writes_language: bool

    def parts(self, fit: _Fit) -> dict[str, float]:
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


def _score_facts(case, fit: _Fit, today: date, language: str) -> list[_ScoreFacts]:
    """The facts the score reads, of every specialist who passes the filters and has room: one
    narrow row each, each semi-join evaluated once per candidate (computed in SQL inside the
    ORDER BY, every part was evaluated again for each use, over the whole table)."""
    report_language = getattr(case, "report_language", "") or ""
    rows = (
        Specialist.objects.filter(
            _passes_filters(case, fit, today, language), open_load__lt=F("max_open_cases")
        )
        .annotate(
            subspecialty_fit=_has_specialty(fit.subspecialties)
            if fit.subspecialties
            else Value(False),
            writes_language=_writes(report_language) if report_language else Value(False),
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
    return [_ScoreFacts(*row) for row in rows]


def _user(**values) -> User:
    """A user with these fields loaded; the others load if something reads them."""
    fields = [f.attname for f in User._meta.concrete_fields if f.attname in values]
    return User.from_db(None, fields, [values[name] for name in fields])


def _shortlist(case, fit: _Fit, today: date, language: str = "") -> list[Specialist]:
    """The best SHORTLIST_SIZE eligible specialists by the database's score parts, each with
    those parts, their ties for screening (`ties`) and their specialties (`specialty_list`:
    id, name, whether a subspecialty)."""
    # Two steps: the candidates' score facts (one narrow row each: the filters follow the
    # indexes on licences, specialties and languages), ranked here; then the rows of the best.
    scored = []
    for facts in _score_facts(case, fit, today, language):
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
            users[pk] = _user(id=int(a), full_name=b, email=c)
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


# Python's part ----------------------------------------------------------------------------------


def _significant_words(text: str) -> list[str]:
    return [
        word.removesuffix("s") if len(word) > 3 else word
        for word in re.findall(r"[^\W_]+", text.lower())
        if len(word) >= 3 and word not in _STOPWORDS
    ]


def _expertise_part(specialist: Specialist, case_words: frozenset[str]) -> ScorePart:
    matched = []
    for area in specialist.expertise_list:
        words = _significant_words(area)
        found = sum(word in case_words for word in words)
        if words and found >= math.ceil(len(words) * 2 / 3):
            matched.append(area)
    points = min(EXPERTISE_POINTS, EXPERTISE_POINTS_EACH * len(matched))
    if matched:
        reason = "Expertise in " + "; ".join(f"“{area}”" for area in matched)
        reason += " matches" if len(matched) == 1 else " match"
        reason += " the diagnosis or question."
    else:
        reason = "No listed area of expertise matches the diagnosis or question."
    return ScorePart("Expertise", points, EXPERTISE_POINTS, reason)


def _specialty_part(specialist: Specialist, needs: list[SpecialtyNeed], fit: _Fit) -> ScorePart:
    if not needs:
        return ScorePart(
            "Specialty",
            0,
            SUBSPECIALTY_POINTS,
            "We could not tell this case's specialty from its text: choose one to rank by it.",
        )
    theirs = [
        (pk, name, sub) for pk, name, sub in specialist.specialty_list if pk in fit.specialties
    ]
    subs = [name for pk, name, _ in theirs if pk in fit.subspecialties]
    if subs:
        reason = f"Subspecialty in {', '.join(subs)}, which this case needs."
    else:
        reason = f"Specialty: {', '.join(name for _, name, _ in theirs)}."
    return ScorePart(
        "Specialty", round(specialist.specialty_points, 1), SUBSPECIALTY_POINTS, reason
    )


def _language_part(specialist: Specialist, language: str) -> ScorePart:
    name = LANGUAGE_NAMES.get(language, language)
    if not language:
        reason = "The patient did not choose a report language."
    elif specialist.writes_language:
        reason = f"Writes reports in {name}, the language the patient asked for."
    else:
        reason = f"Does not write reports in {name}: the report would need translating."
    return ScorePart("Report language", specialist.language_points, LANGUAGE_POINTS, reason)


def _load_part(specialist: Specialist) -> ScorePart:
    room = specialist.max_open_cases - specialist.load
    reason = f"{specialist.load} of {specialist.max_open_cases} cases open: room for {room} more."
    return ScorePart("Current load", round(specialist.load_points, 1), LOAD_POINTS, reason)


def _turnaround_part(specialist: Specialist) -> ScorePart:
    days = specialist.typical_turnaround_days
    reason = f"Usually writes an opinion in {days} day{'s' if days != 1 else ''}."
    points = round(specialist.turnaround_points, 1)
    return ScorePart("Turnaround", points, TURNAROUND_POINTS, reason)


def _preference_part(specialist: Specialist, topics: list[str]) -> ScorePart:
    labels = dict(QuestionTopic.choices)
    shared = [labels.get(topic, topic) for topic in topics if topic in specialist.preferred_topics]
    if shared:
        reason = "Prefers questions the patient asked: " + "; ".join(f"“{t}”" for t in shared)
        return ScorePart("Preferences", PREFERENCE_POINTS, PREFERENCE_POINTS, reason + ".")
    return ScorePart(
        "Preferences", 0, PREFERENCE_POINTS, "No stated preference for this case's questions."
    )


def _candidate(specialist: Specialist, case, needs, fit: _Fit, case_words) -> Candidate:
    return Candidate(
        specialist,
        (
            _specialty_part(specialist, needs, fit),
            _expertise_part(specialist, case_words),
            _language_part(specialist, getattr(case, "report_language", "") or ""),
            _load_part(specialist),
            _turnaround_part(specialist),
            _preference_part(specialist, list(getattr(case, "question_topics", None) or [])),
        ),
    )


# Why someone is not eligible --------------------------------------------------------------------


def _not_eligible_reasons(specialist: Specialist, region: str, language: str = "") -> list[Reason]:
    """Plain reasons, from `_with_reason_facts`, why the database left a specialist out."""
    reasons = []
    if language and not specialist.writes_required_language:
        name = LANGUAGE_NAMES.get(language, language)
        reasons.append(
            Reason("Report language", f"Does not write reports in {name}, the patient's choice.")
        )
    if not specialist.user.is_active:
        reasons.append(Reason("Account", "Their account is switched off."))
    if specialist.ever_verified is None:
        reasons.append(Reason("Not verified", "A coordinator has not verified them yet."))
    if not specialist.has_valid_licence:
        place = region_name(region)
        if specialist.unverified_licence:
            text = f"Their licence for {place} is not verified yet."
        elif specialist.expired_on:
            text = f"Their licence for {place} expired on {specialist.expired_on:%-d %b %Y}."
        else:
            text = f"Holds no licence valid in {place}."
        reasons.append(Reason("Licence", text))
    if specialist.away_until:
        reasons.append(
            Reason("Unavailable", f"Unavailable until {specialist.away_until:%-d %b %Y}.")
        )
    if specialist.load >= specialist.max_open_cases:
        reasons.append(
            Reason(
                "At capacity",
                f"At capacity: {specialist.load} of {specialist.max_open_cases} cases open.",
            )
        )
    if specialist.offered_before:
        status = Offer.Status(specialist.previous_status).label.lower()
        detail = ""
        if specialist.previous_decline:
            detail = f" ({DECLINE_SUMMARIES[specialist.previous_decline]})"
        reasons.append(Reason("Offered before", f"Already offered this case: {status}{detail}."))
    return reasons


def _first(rows) -> Subquery:
    """The id of the first of `rows`, or NULL: a scalar subquery, which PostgreSQL runs for each
    specialist it reads as one index probe. Written as EXISTS inside an OR, the same test
    became a hash of the whole table (every language, every specialty link) built before the
    first row was read."""
    return Subquery(rows.order_by().values("pk")[:1])


def _with_reason_facts(specialists, case, today: date, language: str = ""):
    """What `_not_eligible_reasons` reads, computed by the database. The yes/no facts are the
    id of a row that says yes, or None (`_first`: probes for the rows returned, not hashes of
    whole tables)."""
    here = _licence_here(case)
    previous = _offered_this(case)
    writes = SpecialistLanguage.objects.filter(specialist=OuterRef("pk"), language=language)
    return specialists.annotate(
        writes_required_language=_first(writes) if language else Value(True),
        # A licence of theirs that was ever verified (none: they never were; one that lapsed
        # says so under "Licence").
        ever_verified=_first(
            Licence.objects.filter(specialist=OuterRef("pk"), verified_at__isnull=False)
        ),
        has_valid_licence=_first(here.filter(expires_on__gte=today, verified_at__isnull=False)),
        unverified_licence=_first(here.filter(expires_on__gte=today, verified_at__isnull=True)),
        expired_on=Subquery(
            here.filter(expires_on__lt=today).order_by("-expires_on").values("expires_on")[:1]
        ),
        away_until=Subquery(_away(today).order_by("-ends_on").values("ends_on")[:1]),
        load=F("open_load"),
        offered_before=_first(previous),
        previous_status=Subquery(previous.values("status")[:1]),
        previous_decline=Subquery(previous.values("decline_category")[:1]),
    ).select_related("user")


def _not_eligible(case, fit: _Fit, today: date, language: str = "") -> list[Exclusion]:
    """Specialists in the specialty the case needs (and any offered it before) whom the database
    filtered out, each with why, so that a coordinator sees why someone is missing. At most
    NOT_ELIGIBLE_SHOWN, found in id order (the database stops there), shown by name.

    The tests are `_passes_filters` and the capacity check, negated, each as a probe
    (`_first`): the scan stops after NOT_ELIGIBLE_SHOWN, so its cost follows those read."""
    probes = {
        "offered_id": _first(_offered_this(case)),
        "licensed_id": _first(
            _licence_here(case).filter(expires_on__gte=today, verified_at__isnull=False)
        ),
        "away_id": _first(_away(today)),
    }
    relevant = Q(offered_id__isnull=False)
    # (Not verified is among "no verified licence here": verification is derived from licences.)
    not_eligible = (
        Q(user__is_active=False)
        | Q(licensed_id__isnull=True)
        | Q(away_id__isnull=False)
        | Q(offered_id__isnull=False)
        | Q(open_load__gte=F("max_open_cases"))
    )
    if fit.specialties:
        through = Specialist.specialties.through.objects.filter(specialist=OuterRef("pk"))
        probes["specialty_link_id"] = _first(through.filter(specialty_id__in=fit.specialties))
        relevant |= Q(specialty_link_id__isnull=False)
        not_eligible |= Q(specialty_link_id__isnull=True)
    if language:
        writes = SpecialistLanguage.objects.filter(specialist=OuterRef("pk"), language=language)
        probes["writes_id"] = _first(writes)
        not_eligible |= Q(writes_id__isnull=True)
    found = Specialist.objects.alias(**probes).filter(relevant, not_eligible)
    specialists = _with_reason_facts(found, case, today, language).order_by("pk")[
        :NOT_ELIGIBLE_SHOWN
    ]
    region = getattr(case, "patient_region", "") or ""
    return [
        Exclusion(specialist, tuple(_not_eligible_reasons(specialist, region, language)))
        for specialist in sorted(specialists, key=lambda s: (s.user.full_name, s.pk))
    ]


# The service ------------------------------------------------------------------------------------


def rank_specialists_for(
    case,
    *,
    specialties: list[Specialty] | None = None,
    explain: bool = False,
    today: date | None = None,
    catalogue: list[Specialty] | None = None,
) -> Ranking:
    """Rank the specialists who may review `case`, best first, with those screening excluded
    and the rule that excluded each.

    `specialties` overrides what the case's text suggests it needs (a coordinator's choice).
    With `explain`, `excluded` also lists specialists of that specialty whom the database left
    out (not verified, no valid licence, away, at capacity, offered before), each with why: the
    matching page shows them; automatic mode does not need them. `catalogue`: every specialty,
    when the caller has read them already.
    """
    today = today or timezone.localdate()
    catalogue = list(Specialty.objects.all()) if catalogue is None else list(catalogue)
    if specialties:
        needs = [SpecialtyNeed(s, "a coordinator chose it") for s in specialties]
    else:
        needs = needed_specialties(case, catalogue)
    ranking = Ranking(needs=needs)
    if not getattr(case, "patient_region", ""):
        ranking.notes.append(
            "The case does not say where the patient lives, so no licence can be checked. "
            "Ask the patient, then match."
        )
        return ranking
    facts = CaseFacts.of(case)
    case_words = frozenset(_significant_words(_case_text(case)))
    fit = _Fit.of(needs, catalogue)
    language = required_language(case)
    for specialist in _shortlist(case, fit, today, language):
        found = conflicts.screen(specialist.ties, facts)
        if found:
            ranking.excluded.append(Exclusion(specialist, tuple(found)))
        else:
            ranking.ranked.append(_candidate(specialist, case, needs, fit, case_words))
    ranking.ranked.sort(key=lambda candidate: (-candidate.score, candidate.specialist.pk))
    if explain:
        ranking.excluded.extend(_not_eligible(case, fit, today, language))
    return ranking


def reasons_not_to_offer(
    case, specialist: Specialist, *, today: date | None = None
) -> list[Reason]:
    """Why `specialist` may not be offered `case` now (empty when they may): the database's
    filters, then conflict-of-interest screening."""
    today = today or timezone.localdate()
    if not getattr(case, "patient_region", ""):
        return [Reason("Licence", "The case does not say where the patient lives.")]
    language = required_language(case)
    row = _with_reason_facts(
        Specialist.objects.filter(pk=specialist.pk), case, today, language
    ).get()
    return _not_eligible_reasons(row, case.patient_region, language) + conflicts.screen_one(
        specialist.pk, case
    )
