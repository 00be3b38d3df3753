"""Reading specialists, their credentials and offers, for other apps and for views."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseEvent, Status
from cases.page import annotated
from secondopinion.prepared import Prepared
from secondopinion.text import Text

from .matching import needed_specialties
from .models import (
    LANGUAGE_NAMES,
    ConflictDeclaration,
    LanguageWaiver,
    Licence,
    Offer,
    Specialist,
    SpecialistLanguage,
    Specialty,
    UnavailablePeriod,
)


def specialist_for_user(user) -> Specialist | None:
    if not user.is_authenticated:
        return None
    found = _SPECIALIST_FOR_USER.run(timezone.localdate(), user_id=user.pk)
    return found[0] if found else None


# Compiled once a day (secondopinion.prepared): every page of a specialist's own reads it.
_SPECIALIST_FOR_USER = Prepared(
    lambda today, *, user_id: (
        Specialist.objects.with_verification(today).filter(user_id=user_id).order_by("pk")[:1]
    )
)


def profile_for_user(user) -> Specialist | None:
    """The user's specialist profile with everything the profile page shows."""
    if not user.is_authenticated:
        return None
    return (
        Specialist.objects.filter(user=user)
        .select_related("user")
        .prefetch_related(
            "specialties__parent",
            "languages",
            "certifications",
            "licences",
            "affiliations",
            "financial_relationships",
            "unavailable_periods",
            Prefetch(
                "conflict_declarations",
                queryset=ConflictDeclaration.objects.filter(case__isnull=True),
                to_attr="doctor_declarations",
            ),
        )
        .first()
    )


def specialties() -> QuerySet[Specialty]:
    """The controlled list, by name (forms group subspecialties under their specialty)."""
    return Specialty.objects.select_related("parent").order_by("name")


def specialties_by_id(ids) -> list[Specialty]:
    return list(Specialty.objects.filter(pk__in=ids).order_by("name"))


def all_specialists() -> QuerySet[Specialist]:
    return Specialist.objects.select_related("user")


def specialty_pairs() -> list[tuple[int, int]]:
    """(specialist, specialty) for each specialty of each specialist: one row each."""
    through = Specialist.specialties.through.objects
    return list(through.values_list("specialist_id", "specialty_id"))


def specialist_by_id(pk: int) -> Specialist | None:
    return Specialist.objects.select_related("user").filter(pk=pk).first()


def open_offer_for_case(case_id: int) -> Offer | None:
    return (
        Offer.objects.filter(case_id=case_id, status=Offer.Status.OPEN)
        .select_related("specialist__user", "offered_by")
        .first()
    )


def offer_by_id(pk: int) -> Offer:
    return Offer.objects.select_related("specialist__user", "offered_by").get(pk=pk)


def offers_for_case(case_id: int) -> QuerySet[Offer]:
    return Offer.objects.filter(case_id=case_id).select_related("specialist__user", "offered_by")


def offer_of(user, reference: str) -> Offer | None:
    """The offer of the case `reference` made to `user`, whatever its status."""
    if not user.is_authenticated:
        return None
    return (
        Offer.objects.filter(specialist__user=user, case__reference=reference)
        .select_related("case", "specialist__user", "specialty")
        .first()
    )


def open_offers_for_specialist(specialist: Specialist) -> QuerySet[Offer]:
    return Offer.objects.filter(specialist=specialist, status=Offer.Status.OPEN).select_related(
        "case"
    )


@dataclass(frozen=True)
class OfferSummary:
    """What a specialist offered a case sees before accepting: enough to decide, and nothing
    that names the patient (no name, date of birth, address, diagnosis text or records)."""

    reference: str
    areas: list[str]  # the diagnosis in general terms: the specialties the case needs
    topics: list[str]
    question: str
    urgency: str
    review_type: str
    report_language: str
    record_count: int
    record_kinds: list[tuple[Text, int]]  # ("Imaging", 2), by kind, most first
    records_to_follow: bool
    respond_by: datetime


def offer_summary(offer: Offer) -> OfferSummary:
    case = offer.case
    areas = [offer.specialty.name] if offer.specialty is not None else []
    areas += [need.specialty.name for need in needed_specialties(case)]
    record_model = case.records.model
    kinds = Counter(
        record_model.Label(label).label if label else "Not described"
        for label in case.records.values_list("label", flat=True)
    )
    return OfferSummary(
        reference=case.reference,
        areas=list(dict.fromkeys(areas)),
        topics=case.get_question_topics_display(),
        question=case.question,
        urgency=case.get_urgency_display(),
        review_type=case.get_review_type_display(),
        report_language=case.get_report_language_display(),
        record_count=kinds.total(),
        record_kinds=kinds.most_common(),
        records_to_follow=case.records_to_follow,
        respond_by=offer.respond_by,
    )


def case_ids_offered_to(user) -> QuerySet:
    return Offer.objects.filter(specialist__user=user, status=Offer.Status.OPEN).values("case_id")


def overdue_offers(*, now=None) -> QuerySet[Offer]:
    """Open offers whose answer is overdue, oldest deadline first."""
    now = now or timezone.now()
    return Offer.objects.filter(status=Offer.Status.OPEN, respond_by__lt=now).order_by(
        "respond_by", "pk"
    )


def accepted_offer_for_case(case_id: int) -> Offer | None:
    return (
        Offer.objects.filter(case_id=case_id, status=Offer.Status.ACCEPTED)
        .select_related("specialist__user")
        .prefetch_related(
            "specialist__certifications", "specialist__licences", "specialist__specialties"
        )
        .first()
    )


def review_specialties(case: Case) -> QuerySet[Specialty]:
    """The specialties `case` is reviewed in, one query when read: the one the accepted offer
    was matched for (and, for a subspecialty, its specialty); when the coordinator chose none,
    the reviewing specialist's own."""
    chosen = Offer.objects.filter(
        case_id=case.pk, status=Offer.Status.ACCEPTED, specialty__isnull=False
    )
    links = Specialist.specialties.through.objects
    theirs = links.filter(specialist_id=case.specialist_id) if case.specialist_id else links.none()
    return Specialty.objects.filter(
        Q(pk__in=chosen.values("specialty_id"))
        | Q(pk__in=chosen.values("specialty__parent_id"))
        | (~Exists(chosen) & Q(pk__in=theirs.values("specialty_id")))
    )


# Coordinators' credentials page -----------------------------------------------------------------


# The page shows this many licences of each list at a time, and counts each list up to
# COUNT_SHOWN_UP_TO (a number past that would not change what a coordinator does next).
CREDENTIALS_PAGE_SIZE = 25
COUNT_SHOWN_UP_TO = 1000


@dataclass(frozen=True)
class LicencePage:
    """One page of a credentials list, by keyset: the rows after the cursor, in order, read
    from an index however many licences there are; `next` is the cursor of the page after
    (None on the last)."""

    licences: list[Licence]
    count: int  # how many the whole list holds, at most COUNT_SHOWN_UP_TO
    count_capped: bool  # more than COUNT_SHOWN_UP_TO: shown as "more than"
    next: str | None
    first: bool  # the first page (no cursor given, or one no longer valid)


_STAMP = "%Y%m%dT%H%M%S.%f"


def _cursor(value: date | datetime, pk: int) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC).strftime(_STAMP)}_{pk}"
    return f"{value.isoformat()}_{pk}"


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)


def _position(cursor: str, parse) -> tuple | None:
    """(value, id) from a cursor; None for anything else (a hand-edited link starts over)."""
    value, _, pk = cursor.rpartition("_")
    try:
        return parse(value), int(pk)
    except ValueError:
        return None


def _licence_page(
    licences: QuerySet[Licence], key: str, parse, after: str, size: int
) -> LicencePage:
    """The `size` licences after the cursor `after` in (`key`, id) order. The range starts at
    the cursor's value (an index range scan), the rows of that value up to its id dropped."""
    position = _position(after, parse) if after else None
    counted = licences.order_by().values("pk")[: COUNT_SHOWN_UP_TO + 1].count()
    page = licences.order_by(key, "pk")
    if position is not None:
        value, pk = position
        page = page.filter(**{f"{key}__gte": value}).exclude(**{key: value, "pk__lte": pk})
    rows = list(page[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return LicencePage(
        licences=rows,
        count=min(counted, COUNT_SHOWN_UP_TO),
        count_capped=counted > COUNT_SHOWN_UP_TO,
        next=_cursor(getattr(rows[-1], key), rows[-1].pk) if more else None,
        first=position is None,
    )


def _to_verify(today: date) -> QuerySet[Licence]:
    # The partial index licence_to_verify holds only unverified licences: the list follows the
    # licences waiting today, not every licence ever verified.
    return Licence.objects.filter(verified_at__isnull=True, expires_on__gte=today)


def licences_to_verify(
    *, after: str = "", size: int | None = None, today: date | None = None
) -> LicencePage:
    """Unverified licences that are still valid, oldest first, a page at a time, each with its
    specialist, their name and specialties."""
    today = today or timezone.localdate()
    verified_by_another = Licence.objects.filter(
        specialist=OuterRef("specialist"), verified_at__isnull=False, expires_on__gte=today
    )
    licences = (
        _to_verify(today)
        .annotate(specialist_verified=Exists(verified_by_another))
        .select_related("specialist__user")
        .prefetch_related("specialist__specialties")
    )
    return _licence_page(licences, "created_at", _stamp, after, size or CREDENTIALS_PAGE_SIZE)


def licences_expiring(
    *,
    within_days: int | None = None,
    today: date | None = None,
    after: str = "",
    size: int | None = None,
) -> LicencePage:
    """Verified licences that expire within `within_days` (LICENCE_EXPIRY_WARNING_DAYS), soonest
    first, a page at a time."""
    today = today or timezone.localdate()
    days = settings.LICENCE_EXPIRY_WARNING_DAYS if within_days is None else within_days
    licences = Licence.objects.filter(
        verified_at__isnull=False,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=days),
    ).select_related("specialist__user")
    page_size = size or CREDENTIALS_PAGE_SIZE
    return _licence_page(licences, "expires_on", date.fromisoformat, after, page_size)


def licence_by_id(pk) -> Licence | None:
    return Licence.objects.select_related("specialist__user").filter(pk=pk).first()


# A specialist's home ----------------------------------------------------------------------------


# The specialist's finished cases listed on their home, most recent first.
DONE_SHOWN = 20


@dataclass(frozen=True)
class WorkGroup:
    """Cases that wait on the specialist for the same thing, as one table of their home."""

    key: str
    heading: Text
    empty: Text  # what the group says when it holds nothing
    cases: list
    shows_due: bool = False  # the opinion's due date, where they are writing one
    shows_status: bool = False
    more: int = 0  # how many more wait than are listed (WORK_SHOWN)


DONE_SHOWN = 25  # the specialist home lists the latest finished cases, newest first
# Each list of open work on the home shows at most this many, the oldest or most urgent first:
# far above any specialist's capacity, so that a page never renders a backlog row by row.
WORK_SHOWN = 50


def _work_group(key: str, heading: Text, empty: Text, ids: list[int], shown: dict, **shows):
    """A group of the home: its first WORK_SHOWN cases (`shown`, loaded by id) and how many
    more wait."""
    cases = [shown[pk] for pk in ids[:WORK_SHOWN]]
    return WorkGroup(key, heading, empty, cases, more=max(0, len(ids) - WORK_SHOWN), **shows)


# What the home's tables read of a case being worked on.
WORK_COLUMNS = ("reference", "patient_name", "title", "status", "step_due_on", "updated_at")


def home_for(specialist: Specialist) -> dict:
    """What the specialist's home shows: their work grouped by what they must do next (offers
    to answer, opinions to write, opinions returned to revise, questions waiting on the patient,
    done), and their capacity."""

    today = timezone.localdate()
    # The first offers to answer, each row carrying how many are open (one query however many).
    offers = _HOME_OFFERS.run(WORK_SHOWN, specialist_id=specialist.pk)
    open_offers = annotated(offers[0], "open_offers") if offers else 0
    # The cases being worked on, grouped by status and the step each came from, read as ids
    # first: only the cases each group lists are loaded (a backlog is counted, not built row by
    # row). Of the finished ones only the latest (a specialist's history grows for years).
    working = _HOME_WORKING.run(None, specialist_id=specialist.pk)
    done = _HOME_DONE.run(DONE_SHOWN, specialist_id=specialist.pk)
    mine = Case.objects.filter(specialist=specialist)
    submitted = mine.filter(status=Status.OPINION_SUBMITTED)
    to_write: list[int] = []
    returned: list[int] = []
    waiting: list[int] = []
    for pk, status, came_from_status in working:
        if status == Status.IN_REVIEW:
            (returned if came_from_status == Status.OPINION_SUBMITTED else to_write).append(pk)
        else:
            waiting.append(pk)
    listed = [pk for ids in (to_write, returned, waiting) for pk in ids[:WORK_SHOWN]]
    shown = Case.objects.only(*WORK_COLUMNS).in_bulk(listed)
    for case in shown.values():
        case.due_on = case.step_due_on  # type: ignore[attr-defined]  # read by the work list
    awaiting_check = sum(case.status == Status.OPINION_SUBMITTED for case in done)
    if awaiting_check == DONE_SHOWN:  # more may wait than are shown: count them
        awaiting_check = submitted.count()
    groups = [
        _work_group(
            "to-write",
            _("Opinions to write"),
            _("No opinion is waiting to be written."),
            to_write,
            shown,
            shows_due=True,
        ),
        _work_group(
            "returned",
            _("Returned to you to revise"),
            _("No opinion has been returned to you."),
            returned,
            shown,
            shows_due=True,
        ),
        _work_group(
            "waiting",
            _("Your questions waiting on the patient"),
            _("No question of yours is waiting on the patient."),
            waiting,
            shown,
        ),
        WorkGroup("done", _("Done"), _("No finished cases yet."), done, shows_status=True),
    ]
    return {
        "today": today,
        "offers": offers,
        "offers_more": max(0, open_offers - WORK_SHOWN),
        "groups": groups,
        "open_count": open_offers + len(working) + awaiting_check,
        "away": _HOME_AWAY.run(today, specialist_id=specialist.pk),
        "expiring": _HOME_EXPIRING.run(
            today + timedelta(days=settings.LICENCE_EXPIRY_WARNING_DAYS),
            specialist_id=specialist.pk,
        ),
    }


# The home's queries, compiled once (a day for those that read the date): a specialist opens
# it between every two tasks.
def _home_offers(rows: int, *, specialist_id: int) -> QuerySet[Offer]:
    return (
        open_offers_for_specialist(Specialist(pk=specialist_id))
        .only("respond_by", "case__reference")
        .annotate(open_offers=Window(Count("pk")))
        .order_by("respond_by", "pk")[:rows]
    )


def _home_working(shape: None, *, specialist_id: int) -> QuerySet:
    came_from = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at", "-id")
    return (
        Case.objects.filter(
            specialist_id=specialist_id, status__in=(Status.IN_REVIEW, Status.INFO_REQUESTED)
        )
        .annotate(came_from=Subquery(came_from.values("from_status")[:1]))
        .order_by("updated_at", "id")
        .values_list("pk", "status", "came_from")
    )


def _home_done(rows: int, *, specialist_id: int) -> QuerySet[Case]:
    ended = (Status.OPINION_SUBMITTED, Status.DELIVERED, Status.CLOSED)
    return Case.objects.filter(specialist_id=specialist_id, status__in=ended).order_by(
        "-updated_at", "-id"
    )[:rows]


_HOME_OFFERS = Prepared(_home_offers)
_HOME_WORKING = Prepared(_home_working)
_HOME_DONE = Prepared(_home_done)
_HOME_AWAY = Prepared(
    lambda today, *, specialist_id: UnavailablePeriod.objects.filter(
        specialist_id=specialist_id, ends_on__gte=today
    )
)
_HOME_EXPIRING = Prepared(
    lambda until, *, specialist_id: Licence.objects.filter(
        specialist_id=specialist_id, expires_on__lte=until
    )
)


def declarations_for_case(case_id: int) -> QuerySet[ConflictDeclaration]:
    return ConflictDeclaration.objects.filter(case_id=case_id).select_related(
        "specialist__user", "declared_by"
    )


def language_waivers() -> QuerySet[LanguageWaiver]:
    return LanguageWaiver.objects.all()


def language_waiver_for(case_id: int) -> LanguageWaiver | None:
    """The coordinator's recorded waiver of the case's report language, if any."""
    return LanguageWaiver.objects.filter(case_id=case_id).select_related("waived_by").first()


def report_languages() -> list[tuple[str, str]]:
    """The languages a report can be written in now: those that verified specialists with an
    active account write in, as (code, name), by name."""
    codes = (
        SpecialistLanguage.objects.filter(
            specialist__in=Specialist.objects.verified(), specialist__user__is_active=True
        )
        .values_list("language", flat=True)
        .distinct()
    )
    return sorted(
        ((code, str(LANGUAGE_NAMES.get(code, code))) for code in set(codes)), key=lambda c: c[1]
    )


def returning_specialists(specialist_ids, *, today: date | None = None) -> list[tuple]:
    """(specialist, the day they are back) for those of `specialist_ids` who are away today,
    soonest back first."""
    today = today or timezone.localdate()
    periods = (
        UnavailablePeriod.objects.filter(
            specialist_id__in=list(specialist_ids), starts_on__lte=today, ends_on__gte=today
        )
        .select_related("specialist__user")
        .order_by("ends_on", "specialist_id")
    )
    seen, back = set(), []
    for period in periods:
        if period.specialist_id not in seen:
            seen.add(period.specialist_id)
            back.append((period.specialist, period.ends_on + timedelta(days=1)))
    return back


def is_offered_to(user, case) -> bool:
    """Whether `user` is the specialist `case` is openly offered to (the access policy's
    "offered specialist")."""
    offer = open_offer_for_case(case.pk)
    return offer is not None and offer.specialist.user_id == user.pk


def has_language_waiver() -> Exists:
    """Per case (OuterRef "pk"): whether a coordinator waived its report language."""
    return Exists(LanguageWaiver.objects.filter(case=OuterRef("pk")))


# States in which a specialist has accepted the case and the patient is told who they are.
ASSIGNED_STATES = frozenset(
    {
        Status.IN_REVIEW,
        Status.INFO_REQUESTED,
        Status.OPINION_SUBMITTED,
        Status.DELIVERED,
        Status.CLOSED,
    }
)


def case_page_section(user, case, timeline) -> dict:
    """The case page's offer line, the specialist who accepted the case (with the screening the
    patient is shown) once the review began, and the language waiver (cases.page)."""
    assigned = case.status in ASSIGNED_STATES and case.specialist_id is not None
    return {
        "offer": open_offer_for_case(case.pk) if case.status == Status.OFFERED else None,
        "accepted_offer": accepted_offer_for_case(case.pk) if assigned else None,
        "language_waiver": language_waiver_for(case.pk)
        if getattr(case, "has_language_waiver", False)
        else None,
    }


def dashboard_for(user) -> dict:
    """The specialist's work list, for the dashboard (the same as their home page)."""
    specialist = specialist_for_user(user)
    return home_for(specialist) if specialist else {}


def writes_language(specialist, code: str) -> bool:
    """Whether `specialist` writes reports in the language `code`."""
    return SpecialistLanguage.objects.filter(specialist=specialist, language=code).exists()


def languages_written_by(specialist) -> list[str]:
    """The codes of the languages `specialist` writes reports in."""
    return list(
        SpecialistLanguage.objects.filter(specialist=specialist).values_list("language", flat=True)
    )
