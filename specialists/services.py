"""Writing specialists' profiles, credentials, declared conflicts and offers.

Offers are written by cases.services inside a case transition (offer_case, accept_offer,
decline_offer, expire_offer), never by views; an offer's status changes only through
`move_offer`, which follows `models.OFFER_TRANSITIONS`.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from secondopinion.accounts.models import Role, User
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import lazy_text, notify

from . import conflicts, matching
from .candidates import REVIEW_STATES
from .models import (
    OFFER_TRANSITIONS,
    Affiliation,
    BoardCertification,
    ConflictDeclaration,
    FinancialRelationship,
    LanguageWaiver,
    Licence,
    Offer,
    Specialist,
    SpecialistLanguage,
    Specialty,
    UnavailablePeriod,
)
from .regions import region_name

# What a specialist can remove from their profile, by the name the profile page posts.
REMOVABLE = {
    "licence": Licence,
    "certification": BoardCertification,
    "affiliation": Affiliation,
    "relationship": FinancialRelationship,
    "unavailable": UnavailablePeriod,
    "declaration": ConflictDeclaration,
}


def _day(value: date) -> str:
    return dateformat.format(value, "j M Y")


def _when(moment) -> str:
    moment = timezone.localtime(moment)
    return _("%(time)s on %(date)s") % {"time": f"{moment:%H:%M}", "date": _day(moment)}


def _own(specialist: Specialist, by: User) -> None:
    if specialist.user_id != by.pk:
        raise ApplicationError(_("You can only change your own profile."))


# The profile ------------------------------------------------------------------------------------


@transaction.atomic
def save_profile(
    *,
    by: User,
    specialties: list[Specialty],
    expertise: str,
    languages: list[str],
    institution: str,
    bio: str,
    max_open_cases: int,
    typical_turnaround_days: int,
    preferred_topics: list[str],
) -> Specialist:
    """Create or update the signed-in specialist's own profile."""
    if by.role != Role.SPECIALIST:
        raise ApplicationError(_("Only specialists keep a specialist profile."))
    if max_open_cases < 1:
        raise ApplicationError(_("Take at least one case at a time."), field="max_open_cases")
    if not specialties:
        raise ApplicationError(_("Choose at least one specialty."), field="specialties")
    specialist, created = Specialist.objects.select_for_update().get_or_create(user=by)
    specialist.expertise = expertise.strip()
    specialist.institution = institution.strip()
    specialist.bio = bio.strip()
    specialist.max_open_cases = max_open_cases
    specialist.typical_turnaround_days = typical_turnaround_days
    specialist.preferred_topics = list(preferred_topics)
    specialist.save()
    specialist.specialties.set(specialties)
    specialist.languages.exclude(language__in=languages).delete()
    for language in languages:
        SpecialistLanguage.objects.get_or_create(specialist=specialist, language=language)
    record_event(
        actor=by, action="specialist.create" if created else "specialist.update", obj=specialist
    )
    return specialist


@transaction.atomic
def add_licence(
    *, specialist: Specialist, by: User, jurisdiction: str, number: str, expires_on: date
) -> Licence:
    """Add a licence; it counts for matching once a coordinator has verified it."""
    _own(specialist, by)
    if expires_on < timezone.localdate():
        raise ApplicationError(
            _(
                "That licence expired on %(date)s. Add a licence that is valid today, with the "
                "expiry date printed on it."
            )
            % {"date": _day(expires_on)},
            field="expires_on",
        )
    number = number.strip()
    if Licence.objects.filter(
        specialist=specialist, jurisdiction=jurisdiction, number__iexact=number
    ).exists():
        raise ApplicationError(
            _("Your licence %(number)s for %(region)s is already on your profile.")
            % {"number": number, "region": region_name(jurisdiction)},
            field="number",
        )
    licence = Licence.objects.create(
        specialist=specialist, jurisdiction=jurisdiction, number=number, expires_on=expires_on
    )
    record_event(actor=by, action="licence.add", obj=licence)
    return licence


@transaction.atomic
def add_certification(
    *, specialist: Specialist, by: User, name: str, board: str, year: int | None
) -> BoardCertification:
    _own(specialist, by)
    if year and year > timezone.localdate().year:
        raise ApplicationError(_("The year certified can't be in the future."), field="year")
    certification = BoardCertification.objects.create(
        specialist=specialist, name=name.strip(), board=board.strip(), year=year
    )
    record_event(actor=by, action="certification.add", obj=certification)
    return certification


@transaction.atomic
def add_affiliation(
    *, specialist: Specialist, by: User, institution: str, start_year: int, end_year: int | None
) -> Affiliation:
    _own(specialist, by)
    this_year = timezone.localdate().year
    if start_year > this_year:
        raise ApplicationError(_("The first year can't be in the future."), field="start_year")
    if end_year is not None and end_year < start_year:
        raise ApplicationError(_("The last year can't be before the first year."), field="end_year")
    if end_year is not None and end_year > this_year:
        raise ApplicationError(
            _("The last year can't be in the future: leave it empty if you still work there."),
            field="end_year",
        )
    affiliation = Affiliation.objects.create(
        specialist=specialist,
        institution=institution.strip(),
        start_year=start_year,
        end_year=end_year,
    )
    record_event(actor=by, action="affiliation.add", obj=affiliation)
    return affiliation


@transaction.atomic
def add_financial_relationship(
    *, specialist: Specialist, by: User, company: str, kind: str, products: str
) -> FinancialRelationship:
    _own(specialist, by)
    relationship = FinancialRelationship.objects.create(
        specialist=specialist, company=company.strip(), kind=kind, products=products.strip()
    )
    record_event(actor=by, action="financial_relationship.add", obj=relationship)
    return relationship


@transaction.atomic
def add_unavailable_period(
    *, specialist: Specialist, by: User, starts_on: date, ends_on: date, note: str = ""
) -> UnavailablePeriod:
    """Add a period away. Periods may not overlap: change or remove the existing one instead."""
    _own(specialist, by)
    if ends_on < starts_on:
        raise ApplicationError(_("The last day can't be before the first day."), field="ends_on")
    if ends_on < timezone.localdate():
        raise ApplicationError(_("That period is already over."), field="ends_on")
    # Lock the specialist so that two periods added at once are checked one after the other.
    Specialist.objects.select_for_update().filter(pk=specialist.pk).first()
    overlapping = (
        UnavailablePeriod.objects.filter(
            specialist=specialist, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        .order_by("starts_on")
        .first()
    )
    if overlapping is not None:
        raise ApplicationError(
            _(
                "This overlaps the time away you already added, %(period)s. Change the dates, "
                "or remove that period first."
            )
            % {"period": overlapping},
            field="starts_on",
        )
    period = UnavailablePeriod.objects.create(
        specialist=specialist, starts_on=starts_on, ends_on=ends_on, note=note.strip()
    )
    record_event(actor=by, action="unavailable_period.add", obj=period)
    return period


@transaction.atomic
def remove_profile_item(*, specialist: Specialist, by: User, kind: str, item_id: int) -> None:
    _own(specialist, by)
    model = REMOVABLE.get(kind)
    item = (
        model._default_manager.filter(specialist=specialist, pk=item_id).first() if model else None
    )
    if item is None:
        raise ApplicationError(_("That item is no longer on your profile."))
    if isinstance(item, ConflictDeclaration) and item.case_id is not None:
        raise ApplicationError(_("A conflict recorded against a case can't be removed."))
    record_event(actor=by, action=f"{kind}.remove", obj=item)
    item.delete()


@transaction.atomic
def declare_conflict(
    *,
    specialist: Specialist,
    by: User,
    kind: str,
    case=None,
    doctor_name: str = "",
    details: str = "",
) -> ConflictDeclaration:
    """Record a family or practice relationship: by the specialist (against a named doctor), or
    by a coordinator (against a case or a named doctor). Matching then keeps them apart."""
    is_coordinator = by.role == Role.COORDINATOR
    if not is_coordinator:
        _own(specialist, by)
        if case is not None:
            raise ApplicationError(_("Decline the offer with “conflict of interest” instead."))
    doctor_name = doctor_name.strip()
    if case is None and not doctor_name:
        raise ApplicationError(_("Give the doctor's name."), field="doctor_name")
    declaration = ConflictDeclaration.objects.create(
        specialist=specialist,
        kind=kind,
        case=case,
        doctor_name=doctor_name,
        details=details.strip(),
        declared_by=by,
    )
    record_event(
        actor=by,
        action="conflict.declare",
        obj=declaration,
        case_id=case.pk if case is not None else None,
    )
    return declaration


@transaction.atomic
def verify_licence(*, licence: Licence, by: User) -> Licence:
    """A coordinator has checked a licence with its register: the specialist can be matched."""
    if by.role != Role.COORDINATOR:
        raise ApplicationError(_("Only coordinators verify licences."))
    licence = (
        Licence.objects.select_for_update().select_related("specialist__user").get(pk=licence.pk)
    )
    if licence.verified_at is not None:
        raise ApplicationError(
            _("%(specialist)s's licence %(number)s was already verified.")
            % {"specialist": licence.specialist, "number": licence.number}
        )
    if licence.expires_on < timezone.localdate():
        raise ApplicationError(
            _(
                "%(specialist)s's licence %(number)s expired on %(date)s: ask them for their "
                "current one."
            )
            % {
                "specialist": licence.specialist,
                "number": licence.number,
                "date": _day(licence.expires_on),
            }
        )
    now = timezone.now()
    licence.verified_at, licence.verified_by = now, by
    licence.save(update_fields=["verified_at", "verified_by"])
    specialist = licence.specialist  # verified from now on: derived from this licence
    record_event(actor=by, action="licence.verify", obj=licence)
    notify(
        user=specialist.user,
        message=lazy_text(
            _(
                "Your licence %(number)s for %(region)s was verified. You can now be offered "
                "cases there."
            ),
            number=licence.number,
            region=region_name(licence.jurisdiction),
        ),
    )
    return licence


# Offers -----------------------------------------------------------------------------------------


def recount_loads() -> None:
    """Store every specialist's open load, counted: for data written around the services (the
    benchmark's bulk seed). Two grouped counts and one UPDATE per specialist with work."""
    loads: dict[int, int] = {}
    reviewing = Case.objects.filter(status__in=REVIEW_STATES, specialist__isnull=False)
    open_offers = Offer.objects.filter(status=Offer.Status.OPEN)
    for rows in (reviewing, open_offers):
        for specialist_id, n in rows.order_by().values_list("specialist_id").annotate(n=Count("*")):
            loads[specialist_id] = loads.get(specialist_id, 0) + n
    with transaction.atomic():
        Specialist.objects.exclude(pk__in=loads).exclude(open_load=0).update(open_load=0)
        for specialist_id, n in loads.items():
            Specialist.objects.filter(pk=specialist_id).update(open_load=n)


def keep_open_load(case, name: str) -> None:
    """A case moved (subscribed to the case state machine): its specialist's load follows."""
    refresh_load(case.specialist_id)


def refresh_load(specialist_id: int | None) -> None:
    """Store the specialist's open load (cases under review plus open offers), counted now.

    Called by every service that opens or closes an offer or moves a case with a specialist,
    inside its transaction, after its change: the row is locked first, so a concurrent change
    for the same specialist waits and then counts what the other committed."""
    if specialist_id is None:
        return
    Specialist.objects.select_for_update().filter(pk=specialist_id).values_list("pk").first()
    reviewing = Case.objects.filter(specialist_id=specialist_id, status__in=REVIEW_STATES)
    offers = Offer.objects.filter(specialist_id=specialist_id, status=Offer.Status.OPEN)
    Specialist.objects.filter(pk=specialist_id).update(open_load=reviewing.count() + offers.count())


def create_offer(
    *,
    case,
    specialist: Specialist,
    by: User,
    automatic: bool = False,
    specialty: Specialty | None = None,
) -> Offer:
    if not specialist.is_verified:
        raise ApplicationError(_("This specialist's credentials have not been verified yet."))
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                case=case,
                specialist=specialist,
                offered_by=by,
                automatic=automatic,
                specialty=specialty,
                respond_by=timezone.now() + timedelta(hours=settings.OFFER_RESPONSE_HOURS),
            )
            refresh_load(specialist.pk)
            return offer
    except IntegrityError as exc:
        if Offer.objects.filter(case=case, specialist=specialist).exists():
            raise ApplicationError(
                _(
                    "%(specialist)s was offered this case before: a case is never offered to "
                    "the same specialist twice."
                )
                % {"specialist": specialist}
            ) from exc
        raise ApplicationError(
            _(
                "Another coordinator offered this case at the same moment. Reload the page to see "
                "who it went to."
            )
        ) from exc


def move_offer(*, offer: Offer, to: str, **changes) -> Offer:
    """Move `offer` to status `to`, saving `changes` (other fields) with it, if OFFER_TRANSITIONS
    allows the move; refuse any other. The only code that assigns `Offer.status`."""
    if to not in OFFER_TRANSITIONS[offer.status]:
        raise ApplicationError(
            f"An offer that is “{offer.get_status_display().lower()}” can't become "
            f"“{Offer.Status(to).label.lower()}”."
        )
    offer.status = to
    for name, value in changes.items():
        setattr(offer, name, value)
    offer.save(update_fields=["status", *changes])
    refresh_load(offer.specialist_id)
    return offer


def close_offer(*, offer: Offer, status: str, reason: str = "", category: str = "") -> Offer:
    """Close an open offer without an acceptance: declined, expired or withdrawn."""
    return move_offer(
        offer=offer,
        to=status,
        responded_at=timezone.now(),
        decline_reason=reason,
        decline_category=category,
    )


def record_acceptance(*, offer: Offer, screened: list[str]) -> Offer:
    """Close the offer as accepted, keeping what screening checked and the attestation time."""
    now = timezone.now()
    return move_offer(
        offer=offer,
        to=Offer.Status.ACCEPTED,
        responded_at=now,
        attested_at=now,
        screening={
            "rules": screened,
            "affiliation_years": settings.COI_AFFILIATION_YEARS,
            "at": now.isoformat(),
        },
    )


def check_offerable(*, case, specialist: Specialist) -> None:
    """Refuse, with every reason, to offer `case` to a specialist who may not have it."""
    reasons = matching.reasons_not_to_offer(case, specialist)
    if reasons:
        raise ApplicationError(
            _("%(specialist)s can't be offered this case: %(reasons)s")
            % {"specialist": specialist, "reasons": " ".join(reason.text for reason in reasons)}
        )


def top_match(*, case, specialty: Specialty | None = None) -> Specialist:
    """The best-ranked specialist for `case` (automatic mode), or a refusal when no one is left."""
    ranking = matching.rank_specialists_for(case, specialties=[specialty] if specialty else None)
    if ranking.top is None:
        raise ApplicationError(
            _("No eligible specialist is left to offer this case to. %(notes)s")
            % {"notes": " ".join(str(note) for note in ranking.notes)}
        )
    return ranking.top.specialist


def screen_for_acceptance(*, case, offer: Offer) -> list[str]:
    """Screen the offered specialist again as they accept (a tie may have been recorded since the
    offer): refuse on a conflict, else return the rules that were checked."""
    found = conflicts.screen_one(offer.specialist_id, case)
    if found:
        raise ApplicationError(
            _(
                "We found a possible conflict of interest, so you can't accept this case: "
                "%(reasons)s Decline it with “I have a conflict of interest” as the reason."
            )
            % {"reasons": " ".join(reason.text for reason in found)}
        )
    return list(conflicts.SCREENED)


def offer_to_answer(*, case, by: User, answer: str) -> Offer:
    """The open offer of `case` that `by` may answer now (`answer`: "accept" or "decline"), or
    an ApplicationError saying plainly why not. Call with the case row locked."""
    if by is None or getattr(by, "role", None) != Role.SPECIALIST:
        raise ApplicationError(_("You don't have permission to do that on this case."))
    offer = Offer.objects.filter(case=case, specialist__user=by).first()
    current = Offer.objects.filter(case=case, status=Offer.Status.OPEN).first()
    if offer is None:
        if current is not None:
            raise ApplicationError(
                _(
                    "This case was offered to another specialist, so you don't have permission "
                    "to accept it."
                )
                if answer == "accept"
                else _(
                    "This case was offered to another specialist, so you don't have permission "
                    "to decline it."
                )
            )
        raise ApplicationError(
            _("There is no offer on this case for you to accept.")
            if answer == "accept"
            else _("There is no offer on this case for you to decline.")
        )
    if offer.status == Offer.Status.EXPIRED:
        raise ApplicationError(
            (
                _(
                    "Your offer expired at %(when)s without an answer, so it can no longer be "
                    "accepted. A coordinator is finding another specialist."
                )
                if answer == "accept"
                else _(
                    "Your offer expired at %(when)s without an answer, so it can no longer be "
                    "declined. A coordinator is finding another specialist."
                )
            )
            % {"when": _when(offer.respond_by)}
        )
    if offer.status != Offer.Status.OPEN:
        raise ApplicationError(
            {
                Offer.Status.ACCEPTED: _("You have already accepted this case."),
                Offer.Status.DECLINED: _("You have already declined this case."),
                Offer.Status.WITHDRAWN: _(
                    "This offer was withdrawn: the case was cancelled or taken back by the patient."
                ),
            }[Offer.Status(offer.status)]
        )
    if answer == "accept" and offer.respond_by < timezone.now():
        raise ApplicationError(
            _(
                "The time to answer this offer ended at %(when)s, so it can no longer be "
                "accepted. A coordinator will find another specialist."
            )
            % {"when": _when(offer.respond_by)}
        )
    return offer


@transaction.atomic
def waive_report_language(*, case, by: User, reason: str) -> LanguageWaiver:
    """A coordinator lets `case` go to specialists who do not write its report language, with a
    reason that is recorded, audited and shown on the case. Matching requires the language
    otherwise."""
    if by.role != Role.COORDINATOR:
        raise ApplicationError(_("Only coordinators can waive the report language."))
    if case.status != "matching":
        raise ApplicationError(_("The report language can be waived while the case is matched."))
    if not case.report_language:
        raise ApplicationError(_("The patient did not choose a report language: nothing to waive."))
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Say why the report may be written in another language."), field="reason"
        )
    waiver, _created = LanguageWaiver.objects.update_or_create(
        case=case,
        defaults={"language": case.report_language, "reason": reason, "waived_by": by},
    )
    record_event(
        actor=by,
        action="matching.waive_language",
        obj=waiver,
        case_id=case.pk,
        detail={"language": case.report_language},
    )
    return waiver


def record_offer_view(*, offer: Offer, by: User) -> None:
    """Audit that the offered specialist was shown the case's summary (the caller checked they
    may see it)."""
    record_event(
        actor=by,
        action="offer.view",
        obj=offer,
        case_id=offer.case_id,
        detail={"specialist": offer.specialist_id},
    )
