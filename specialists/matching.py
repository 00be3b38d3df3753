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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from django.db.models import F, OuterRef, Q, Subquery, Value
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case, QuestionTopic
from secondopinion.prepared import Prepared

from . import conflicts
from .candidates import (
    EXPERTISE_POINTS,
    EXPERTISE_POINTS_EACH,
    LANGUAGE_POINTS,
    LOAD_POINTS,
    NOT_ELIGIBLE_SHOWN,
    PREFERENCE_POINTS,
    SUBSPECIALTY_POINTS,
    TURNAROUND_POINTS,
    Fit,
    SpecialtyNeed,
    away,
    licence_here,
    offered_this,
    required_language,
    shortlist,
)
from .conflicts import CaseFacts, Reason
from .models import (
    DECLINE_SUMMARIES,
    LANGUAGE_NAMES,
    Licence,
    Offer,
    Specialist,
    SpecialistLanguage,
    Specialty,
)
from .regions import region_name

_STOPWORDS = frozenset(
    ["the", "and", "of", "in", "for", "with", "a", "an", "to", "on", "or", "at", "by", "from"]
)


@dataclass(frozen=True)
class ScorePart:
    name: str
    points: float
    out_of: int
    reason: str


@dataclass(frozen=True)
class Candidate:
    """A specialist who may be offered the case, with their score. The score's parts, each
    explained in words, are written when first read: a page shows the best few of a shortlist
    of a hundred."""

    specialist: Specialist
    score: float
    explain: Callable[[], tuple[ScorePart, ...]] = field(repr=False, compare=False)

    @cached_property
    def parts(self) -> tuple[ScorePart, ...]:
        return self.explain()


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
            needs.append(
                SpecialtyNeed(
                    specialty, _("the case mentions “%(keyword)s”") % {"keyword": keyword}
                )
            )
    return needs


# Python's part ----------------------------------------------------------------------------------


def _significant_words(text: str) -> list[str]:
    return [
        word.removesuffix("s") if len(word) > 3 else word
        for word in re.findall(r"[^\W_]+", text.lower())
        if len(word) >= 3 and word not in _STOPWORDS
    ]


def _expertise_matched(specialist: Specialist, case_words: frozenset[str]) -> list[str]:
    """The specialist's areas of expertise that the case's words cover (two thirds of an
    area's significant words)."""
    matched = []
    for area in specialist.expertise_list:
        words = _significant_words(area)
        found = sum(word in case_words for word in words)
        if words and found >= math.ceil(len(words) * 2 / 3):
            matched.append(area)
    return matched


def _expertise_part(matched: list[str], points: float) -> ScorePart:
    if matched:
        reason = ngettext(
            "Expertise in %(areas)s matches the diagnosis or question.",
            "Expertise in %(areas)s match the diagnosis or question.",
            len(matched),
        ) % {"areas": "; ".join(f"“{area}”" for area in matched)}
    else:
        reason = _("No listed area of expertise matches the diagnosis or question.")
    return ScorePart(_("Expertise"), points, EXPERTISE_POINTS, reason)


def _specialty_part(
    specialist: Specialist, needs: list[SpecialtyNeed], fit: Fit, points: float
) -> ScorePart:
    if not needs:
        return ScorePart(
            _("Specialty"),
            points,
            SUBSPECIALTY_POINTS,
            _("We could not tell this case's specialty from its text: choose one to rank by it."),
        )
    theirs = [
        (pk, name, sub) for pk, name, sub in specialist.specialty_list if pk in fit.specialties
    ]
    subs = [name for pk, name, __ in theirs if pk in fit.subspecialties]
    if subs:
        reason = _("Subspecialty in %(names)s, which this case needs.") % {"names": ", ".join(subs)}
    else:
        reason = _("Specialty: %(names)s.") % {"names": ", ".join(name for __, name, __ in theirs)}
    return ScorePart(_("Specialty"), points, SUBSPECIALTY_POINTS, reason)


def _language_part(specialist: Specialist, language: str, points: float) -> ScorePart:
    name = LANGUAGE_NAMES.get(language, language)
    if not language:
        reason = _("The patient did not choose a report language.")
    elif specialist.writes_language:
        reason = _("Writes reports in %(language)s, the language the patient asked for.") % {
            "language": name
        }
    else:
        reason = _("Does not write reports in %(language)s: the report would need translating.") % {
            "language": name
        }
    return ScorePart(_("Report language"), points, LANGUAGE_POINTS, reason)


def _load_part(specialist: Specialist, points: float) -> ScorePart:
    room = specialist.max_open_cases - specialist.load
    reason = _("%(load)s of %(most)s cases open: room for %(room)s more.") % {
        "load": specialist.load,
        "most": specialist.max_open_cases,
        "room": room,
    }
    return ScorePart(_("Current load"), points, LOAD_POINTS, reason)


def _turnaround_part(specialist: Specialist, points: float) -> ScorePart:
    days = specialist.typical_turnaround_days
    reason = ngettext(
        "Usually writes an opinion in %(days)s day.",
        "Usually writes an opinion in %(days)s days.",
        days,
    ) % {"days": days}
    return ScorePart(_("Turnaround"), points, TURNAROUND_POINTS, reason)


def _preference_part(shared: list[str], points: float) -> ScorePart:
    if shared:
        labels = dict(QuestionTopic.choices)
        reason = _("Prefers questions the patient asked: %(topics)s.") % {
            "topics": "; ".join(f"“{labels.get(topic, topic)}”" for topic in shared)
        }
    else:
        reason = _("No stated preference for this case's questions.")
    return ScorePart(_("Preferences"), points, PREFERENCE_POINTS, reason)


def _candidate(specialist: Specialist, case, needs, fit: Fit, case_words) -> Candidate:
    """The specialist's score now; its parts in words when they are read."""
    language = getattr(case, "report_language", "") or ""
    matched = _expertise_matched(specialist, case_words)
    topics = list(getattr(case, "question_topics", None) or [])
    shared = [topic for topic in topics if topic in specialist.preferred_topics]
    points = (
        round(specialist.specialty_points, 1) if needs else 0,
        min(EXPERTISE_POINTS, EXPERTISE_POINTS_EACH * len(matched)),
        specialist.language_points,
        round(specialist.load_points, 1),
        round(specialist.turnaround_points, 1),
        PREFERENCE_POINTS if shared else 0,
    )
    specialty, expertise, in_language, load, turnaround, preference = points

    def explain() -> tuple[ScorePart, ...]:
        return (
            _specialty_part(specialist, needs, fit, specialty),
            _expertise_part(matched, expertise),
            _language_part(specialist, language, in_language),
            _load_part(specialist, load),
            _turnaround_part(specialist, turnaround),
            _preference_part(shared, preference),
        )

    return Candidate(specialist, round(sum(points), 1), explain)


# Why someone is not eligible --------------------------------------------------------------------


def _not_eligible_reasons(specialist: Specialist, region: str, language: str = "") -> list[Reason]:
    """Plain reasons, from `_with_reason_facts`, why the database left a specialist out."""
    reasons = []
    if language and not specialist.writes_required_language:
        name = LANGUAGE_NAMES.get(language, language)
        reasons.append(
            Reason(
                _("Report language"),
                _("Does not write reports in %(language)s, the patient's choice.")
                % {"language": name},
            )
        )
    if not specialist.user.is_active:
        reasons.append(Reason(_("Account"), _("Their account is switched off.")))
    if specialist.ever_verified is None:
        reasons.append(Reason(_("Not verified"), _("A coordinator has not verified them yet.")))
    if not specialist.has_valid_licence:
        place = region_name(region)
        if specialist.unverified_licence:
            text = _("Their licence for %(place)s is not verified yet.") % {"place": place}
        elif specialist.expired_on:
            text = _("Their licence for %(place)s expired on %(date)s.") % {
                "place": place,
                "date": dateformat.format(specialist.expired_on, "j M Y"),
            }
        else:
            text = _("Holds no licence valid in %(place)s.") % {"place": place}
        reasons.append(Reason(_("Licence"), text))
    if specialist.away_until:
        reasons.append(
            Reason(
                _("Unavailable"),
                _("Unavailable until %(date)s.")
                % {"date": dateformat.format(specialist.away_until, "j M Y")},
            )
        )
    if specialist.load >= specialist.max_open_cases:
        reasons.append(
            Reason(
                _("At capacity"),
                _("At capacity: %(load)s of %(most)s cases open.")
                % {"load": specialist.load, "most": specialist.max_open_cases},
            )
        )
    if specialist.offered_before:
        status = Offer.Status(specialist.previous_status).label.lower()
        detail = ""
        if specialist.previous_decline:
            detail = f" ({DECLINE_SUMMARIES[specialist.previous_decline]})"
        reasons.append(
            Reason(
                _("Offered before"),
                _("Already offered this case: %(status)s%(detail)s.")
                % {"status": status, "detail": detail},
            )
        )
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
    here = licence_here(case)
    previous = offered_this(case)
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
        away_until=Subquery(away(today).order_by("-ends_on").values("ends_on")[:1]),
        load=F("open_load"),
        offered_before=_first(previous),
        previous_status=Subquery(previous.values("status")[:1]),
        previous_decline=Subquery(previous.values("decline_category")[:1]),
    ).select_related("user")


def _not_eligible(case, fit: Fit, today: date, language: str = "") -> list[Exclusion]:
    """Specialists in the specialty the case needs (and any offered it before) whom the database
    filtered out, each with why, so that a coordinator sees why someone is missing. At most
    NOT_ELIGIBLE_SHOWN, found in id order (the database stops there), shown by name.

    The tests are candidates.filters_sql's (capacity included), negated, each as a probe
    (`_first`): the scan stops after NOT_ELIGIBLE_SHOWN, so its cost follows those read. The
    query is compiled once per specialty, language, region and day (secondopinion.prepared)."""
    region = getattr(case, "patient_region", "") or ""
    shape = (tuple(sorted(fit.specialties)), language, region, today, NOT_ELIGIBLE_SHOWN)
    specialists = _NOT_ELIGIBLE.run(shape, case_id=case.pk)
    return [
        Exclusion(specialist, tuple(_not_eligible_reasons(specialist, region, language)))
        for specialist in sorted(specialists, key=lambda s: (s.user.full_name, s.pk))
    ]


def _not_eligible_query(shape: tuple, *, case_id: int):
    specialties, language, region, today, shown = shape
    case = Case(pk=case_id, patient_region=region)  # what the probes read of the case
    probes = {
        "offered_id": _first(offered_this(case)),
        "licensed_id": _first(
            licence_here(case).filter(expires_on__gte=today, verified_at__isnull=False)
        ),
        "away_id": _first(away(today)),
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
    if specialties:
        through = Specialist.specialties.through.objects.filter(specialist=OuterRef("pk"))
        probes["specialty_link_id"] = _first(through.filter(specialty_id__in=specialties))
        relevant |= Q(specialty_link_id__isnull=False)
        not_eligible |= Q(specialty_link_id__isnull=True)
    if language:
        writes = SpecialistLanguage.objects.filter(specialist=OuterRef("pk"), language=language)
        probes["writes_id"] = _first(writes)
        not_eligible |= Q(writes_id__isnull=True)
    found = Specialist.objects.alias(**probes).filter(relevant, not_eligible)
    return _with_reason_facts(found, case, today, language).order_by("pk")[:shown]


_NOT_ELIGIBLE = Prepared(_not_eligible_query)


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
        needs = [SpecialtyNeed(s, _("a coordinator chose it")) for s in specialties]
    else:
        needs = needed_specialties(case, catalogue)
    ranking = Ranking(needs=needs)
    if not getattr(case, "patient_region", ""):
        ranking.notes.append(
            _(
                "The case does not say where the patient lives, so no licence can be checked. "
                "Ask the patient, then match."
            )
        )
        return ranking
    facts = CaseFacts.of(case)
    case_words = frozenset(_significant_words(_case_text(case)))
    fit = Fit.of(needs, catalogue)
    language = required_language(case)
    for specialist in shortlist(case, fit, today, language, catalogue=catalogue):
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
        return [Reason(_("Licence"), _("The case does not say where the patient lives."))]
    language = required_language(case)
    row = _with_reason_facts(
        Specialist.objects.filter(pk=specialist.pk), case, today, language
    ).get()
    return _not_eligible_reasons(row, case.patient_region, language) + conflicts.screen_one(
        specialist.pk, case
    )
