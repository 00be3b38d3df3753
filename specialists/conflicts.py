"""Conflict-of-interest screening: a list of rules, each giving a plain reason when it finds a tie
between a specialist and a case.

The rules read the case's `treating_doctor`, `treating_institution`, `excluded_doctors` and
`treatment`, and the specialist's institution, affiliations, financial relationships and declared
relationships. A match on any rule keeps the specialist away from the case. Name and word
matching is deliberately generous: a false alarm costs a coordinator a glance, a missed tie costs
the patient an independent opinion.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from secondopinion.text import Text

from .lookups import any_of_sql
from .models import Affiliation, ConflictDeclaration, FinancialRelationship, Specialist

# Matching a name or a place is pure string work, repeated for every specialist of a ranking:
# the helpers below remember their recent answers.
_TITLES = frozenset(
    [
        "dr",
        "doctor",
        "prof",
        "professor",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "sir",
        "dame",
        "md",
        "phd",
        "frcp",
        "frcs",
        "facs",
        "facp",
    ]
)
_INSTITUTION_FILLER = frozenset({"the", "of", "and"})
_COMPANY_SUFFIXES = frozenset(
    [
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "plc",
        "llc",
        "lp",
        "ag",
        "gmbh",
        "sa",
        "nv",
        "bv",
        "spa",
        "corp",
        "corporation",
        "co",
        "company",
        "group",
        "holdings",
        "pharma",
        "pharmaceutical",
        "pharmaceuticals",
        "laboratories",
        "labs",
    ]
)


@dataclass(frozen=True)
class Reason:
    """Why a specialist is kept off a case: the rule, and what it found, in plain words."""

    rule: str
    text: str


@dataclass(frozen=True)
class CaseFacts:
    """What screening reads from a case, read once per ranking."""

    case_id: int | None
    treating_doctor: str
    treating_institution: str
    excluded_doctors: tuple[str, ...]
    treatment: str
    affiliation_years: int  # COI_AFFILIATION_YEARS when screening began
    this_year: int

    @classmethod
    def of(cls, case) -> "CaseFacts":
        excluded = getattr(case, "excluded_doctors", "") or ""
        return cls(
            case_id=case.pk,
            treating_doctor=case.treating_doctor or "",
            treating_institution=getattr(case, "treating_institution", "") or "",
            excluded_doctors=tuple(line.strip() for line in excluded.splitlines() if line.strip()),
            treatment=getattr(case, "treatment", "") or "",
            affiliation_years=settings.COI_AFFILIATION_YEARS,
            this_year=timezone.localdate().year,
        )


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


@lru_cache(maxsize=8192)
def _name_tokens(text: str) -> tuple[str, ...]:
    return tuple(word for word in _words(text) if word not in _TITLES)


def _contains_run(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return size > 0 and any(
        haystack[i : i + size] == needle for i in range(len(haystack) - size + 1)
    )


@lru_cache(maxsize=8192)
def same_person(full_name: str, mentioned: str) -> bool:
    """Whether `mentioned` (e.g. "Dr A. Brown", "Dr Ada Brown, City Hospital") may name the person
    called `full_name`: the whole name appears in it, or a part of it has the same surname and
    given names or initials that fit."""
    name = _name_tokens(full_name)
    if not name:
        return False
    if len(name) >= 2 and _contains_run(_name_tokens(mentioned), name):
        return True
    for part in re.split(r"[,;()/]|\s-\s", mentioned):
        tokens = _name_tokens(part)
        if not tokens or tokens[-1] != name[-1]:
            continue
        if all(
            any(
                given == token or (len(given) == 1 and token.startswith(given))
                for token in name[:-1]
            )
            for given in tokens[:-1]
        ):
            return True
    return False


@lru_cache(maxsize=8192)
def _institution_tokens(text: str) -> tuple[str, ...]:
    words = ["saint" if word == "st" else word for word in _words(text)]
    return tuple(word for word in words if word not in _INSTITUTION_FILLER)


@lru_cache(maxsize=8192)
def same_institution(ours: str, theirs: str) -> bool:
    """Whether two institution names name the same place: equal, or the shorter (of two words or
    more) inside the longer ("City Hospital" and "City Hospital NHS Trust")."""
    a, b = _institution_tokens(ours), _institution_tokens(theirs)
    if not a or not b:
        return False
    shorter, longer = sorted((a, b), key=len)
    return shorter == longer or (len(shorter) >= 2 and _contains_run(longer, shorter))


@lru_cache(maxsize=8192)
def _whole_words(term: str) -> re.Pattern | None:
    words = term.split()
    if not words or len(term.strip()) < 3:
        return None
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(word) for word in words) + r"(?!\w)"
    return re.compile(pattern, flags=re.IGNORECASE)


def mentions(text: str, term: str) -> bool:
    """Whether `term` appears in `text` as whole words, ignoring case."""
    pattern = _whole_words(term)
    return pattern is not None and pattern.search(text) is not None


@lru_cache(maxsize=8192)
def company_name(company: str) -> str:
    """The company's name without "Inc.", "Ltd", "Pharmaceuticals" and the like."""
    words = company.replace(",", " ").split()
    while len(words) > 1 and words[-1].lower().strip(".") in _COMPANY_SUFFIXES:
        words.pop()
    return " ".join(words)


# What screening reads about specialists ---------------------------------------------------------


@dataclass(frozen=True)
class Affiliated:
    institution: str
    until: int | None  # None: still works there


@dataclass(frozen=True)
class Relationship:
    company: str
    kind: Text  # the declared type, in words
    products: tuple[str, ...]


@dataclass(frozen=True)
class Declared:
    kind: Text  # the relationship, in words
    case_id: int | None
    doctor_name: str
    details: str


@dataclass
class Ties:
    """A specialist's ties that screening checks, as plain data (loaded in bulk by `ties_for`)."""

    full_name: str
    places: list[Affiliated] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    declarations: list[Declared] = field(default_factory=list)


def tie_selects(specialist_ids: list[int], case_id: int | None) -> list[tuple[str, list]]:
    """SELECTs (SQL, parameters) of the ties of `specialist_ids`, each row (specialist id, tag,
    a, b, c, d) of text, for `ties_from` once run as one UNION (one round trip to the database,
    not three). Declarations count when they are about this case or about a named doctor.
    (SQL by hand: composed through the ORM, they cost more Python than the database's work.)"""
    one_of, ids = any_of_sql("tie.specialist_id", specialist_ids)
    tables = (Affiliation, FinancialRelationship, ConflictDeclaration)
    affiliations, relationships, declarations = (model._meta.db_table for model in tables)
    # (S608: the names put into the SQL are the models' tables; every value is a parameter.)
    return [
        (
            "SELECT tie.specialist_id, 'affiliation', tie.institution, "  # noqa: S608
            f"CAST(tie.end_year AS text), '', '' FROM {affiliations} tie WHERE {one_of}",
            ids,
        ),
        (
            "SELECT tie.specialist_id, 'relationship', tie.company, tie.kind, tie.products, '' "  # noqa: S608
            f"FROM {relationships} tie WHERE {one_of}",
            ids,
        ),
        (
            "SELECT tie.specialist_id, 'declaration', tie.kind, CAST(tie.case_id AS text), "  # noqa: S608
            f"tie.doctor_name, tie.details FROM {declarations} tie "
            f"WHERE {one_of} AND (tie.case_id = %s OR tie.doctor_name <> '')",
            [*ids, case_id],
        ),
    ]


def ties_from(specialists: list[Specialist], rows) -> dict[int, Ties]:
    """Each specialist's ties, from their user and institution and the rows of `tie_selects`."""
    ties = {
        specialist.pk: Ties(
            full_name=specialist.user.full_name,
            places=[Affiliated(specialist.institution, None)] if specialist.institution else [],
        )
        for specialist in specialists
    }
    kinds = dict(FinancialRelationship.Kind.choices)
    relationships = dict(ConflictDeclaration.Kind.choices)
    for pk, tag, a, b, c, d in rows:
        if tag == "affiliation":
            ties[pk].places.append(Affiliated(a, int(b) if b else None))
        elif tag == "relationship":
            listed = tuple(line.strip() for line in c.splitlines() if line.strip())
            ties[pk].relationships.append(Relationship(a, kinds[b], listed))
        elif tag == "declaration":
            ties[pk].declarations.append(Declared(relationships[a], int(b) if b else None, c, d))
    return ties


def union(selects: list[tuple[str, list]]) -> list[tuple]:
    """The rows of `selects` (SQL, parameters; from `tie_selects`) in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(sql for sql, _ in selects),
            [param for _, params in selects for param in params],
        )
        return cursor.fetchall()


def ties_for(specialists: list[Specialist], case_id: int | None) -> dict[int, Ties]:
    """The ties of each of `specialists` (with their users loaded), in one query."""
    ids = [specialist.pk for specialist in specialists]
    return ties_from(specialists, union(tie_selects(ids, case_id)))


# The rules --------------------------------------------------------------------------------------


def treating_institution_rule(ties: Ties, facts: CaseFacts) -> list[Reason]:
    """Works, or worked within COI_AFFILIATION_YEARS, where the patient is treated."""
    years = facts.affiliation_years
    since = facts.this_year - years
    treated_at = [text for text in (facts.treating_institution, facts.treating_doctor) if text]
    reasons = []
    for place in ties.places:
        if place.until is not None and place.until < since:
            continue
        where = next(
            (text for text in treated_at if same_institution(place.institution, text)), None
        )
        if where is None and facts.treating_doctor:
            tokens = _institution_tokens(place.institution)
            if len(tokens) >= 2 and _contains_run(
                _institution_tokens(facts.treating_doctor), tokens
            ):
                where = facts.treating_doctor
        if where is None:
            continue
        if place.until is None:
            text = _("Works at %(place)s, where the patient is treated.")
        else:
            text = _(
                "Worked until %(until)s (within %(years)s years) at %(place)s, where the patient "
                "is treated."
            )
        reasons.append(
            Reason(
                _("Treating hospital"),
                text % {"until": place.until, "years": years, "place": place.institution},
            )
        )
    return reasons


def named_doctor_rule(ties: Ties, facts: CaseFacts) -> list[Reason]:
    """Is the treating doctor, or a doctor the patient asked to leave out."""
    reasons = []
    if facts.treating_doctor and same_person(ties.full_name, facts.treating_doctor):
        reasons.append(
            Reason(
                _("Treating doctor"),
                _("May be the patient's treating doctor (%(doctor)s).")
                % {"doctor": facts.treating_doctor},
            )
        )
    for excluded in facts.excluded_doctors:
        if same_person(ties.full_name, excluded):
            reasons.append(
                Reason(
                    _("Excluded by the patient"),
                    _("The patient asked that %(doctor)s not review this case.")
                    % {"doctor": excluded},
                )
            )
    return reasons


def financial_relationship_rule(ties: Ties, facts: CaseFacts) -> list[Reason]:
    """Has a declared financial relationship with a maker of the treatment in question."""
    if not facts.treatment:
        return []
    reasons = []
    for relationship in ties.relationships:
        named = [product for product in relationship.products if mentions(facts.treatment, product)]
        company = company_name(relationship.company)
        if mentions(facts.treatment, company):
            named.insert(0, company)
        if named:
            reasons.append(
                Reason(
                    _("Financial relationship"),
                    _(
                        "Declared %(kind)s from %(company)s, and the treatment in question "
                        "names %(named)s."
                    )
                    % {
                        "kind": relationship.kind.lower(),
                        "company": relationship.company,
                        "named": ", ".join(named),
                    },
                )
            )
    return reasons


def declared_relationship_rule(ties: Ties, facts: CaseFacts) -> list[Reason]:
    """A family or practice relationship declared against this case or the treating doctor."""
    reasons = []
    for declaration in ties.declarations:
        kind = declaration.kind.lower()
        details = f": {declaration.details}" if declaration.details else ""
        if declaration.case_id is not None and declaration.case_id == facts.case_id:
            reasons.append(
                Reason(
                    _("Declared relationship"),
                    _("A %(kind)s with this case was declared%(details)s.")
                    % {"kind": kind, "details": details},
                )
            )
        elif (
            declaration.doctor_name
            and facts.treating_doctor
            and same_person(declaration.doctor_name, facts.treating_doctor)
        ):
            reasons.append(
                Reason(
                    _("Declared relationship"),
                    _("Declared a %(kind)s with %(doctor)s, the treating doctor%(details)s.")
                    % {"kind": kind, "doctor": declaration.doctor_name, "details": details},
                )
            )
    return reasons


RULES: list[Callable[[Ties, CaseFacts], list[Reason]]] = [
    treating_institution_rule,
    named_doctor_rule,
    financial_relationship_rule,
    declared_relationship_rule,
]
# What the patient is told was checked, one line per rule (see the assigned specialist partial).
SCREENED = [rule.__name__.removesuffix("_rule") for rule in RULES]


def screen(ties: Ties, facts: CaseFacts) -> list[Reason]:
    """Every conflict the rules find, in rule order (empty when there is none)."""
    return [reason for rule in RULES for reason in rule(ties, facts)]


def screen_one(specialist_id: int, case) -> list[Reason]:
    """Screen one specialist against `case`."""
    specialist = Specialist.objects.select_related("user").get(pk=specialist_id)
    return screen(ties_for([specialist], case.pk)[specialist_id], CaseFacts.of(case))
