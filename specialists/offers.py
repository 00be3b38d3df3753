"""Offers: a coordinator (or automatic matching) offers a case to one specialist at a time, who
accepts it, attesting no conflict of interest, or declines; an unanswered offer expires. Each
moves the case through the case state machine; the offer's own state through services."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cases import permissions, state_machine
from cases import services as case_services
from cases.models import Case, Status
from secondopinion.accounts.models import User
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.languages import language_of
from secondopinion.notifications.services import lazy_date, lazy_text, notify
from secondopinion.text import Text
from secondopinion.words import Words

from . import selectors, services
from .models import Offer, Specialist


@transaction.atomic
def offer_case(
    *,
    case: Case,
    by: User,
    specialist: Specialist | None = None,
    automatic: bool = False,
    specialty=None,
) -> Offer:
    """Offer the case to `specialist`, or (automatic mode) to the best match of the ranking.

    Refused with the reason when the specialist may not have it (not eligible, or a conflict of
    interest), when no one is left, or when another coordinator offered it first. An automatic
    offer that is declined or expires is followed by the next match (see `_offer_next_after`).
    """
    if specialist is None and not automatic:
        raise ValueError("Name a specialist, or offer in automatic mode.")
    # Two coordinators offering at once queue on this lock; the second is told who was first.
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    current = selectors.open_offer_for_case(locked.pk)
    if permissions.is_coordinator(by) and current is not None:
        raise ApplicationError(
            _(
                "You can't offer a case that is “offered to a specialist”: %(by)s offered it to "
                "%(specialist)s at %(when)s. A case goes to one specialist at a time."
            )
            % {
                "by": current.offered_by,
                "specialist": current.specialist,
                "when": services._when(current.created_at),
            }
        )
    state_machine.check(locked, "offer", by=by)
    if specialist is None:
        specialist = services.top_match(case=locked, specialty=specialty)
    else:
        services.check_offerable(case=locked, specialist=specialist)
    case = state_machine.transition(locked, "offer", by=by)
    offer = services.create_offer(
        case=case, specialist=specialist, by=by, automatic=automatic, specialty=specialty
    )
    record_event(
        actor=by,
        action="offer.create",
        obj=offer,
        case_id=case.pk,
        detail={"specialist": specialist.pk, "automatic": automatic},
    )
    state_machine.notify_specialist(
        case,
        specialist.user,
        lazy_text(
            _("You have been offered case %(reference)s. Please answer by %(time)s on %(date)s."),
            reference=case.reference,
            time=f"{timezone.localtime(offer.respond_by):%H:%M}",
            date=lazy_date(timezone.localtime(offer.respond_by), "j M Y"),
        ),
        page="specialists:offer-accept",  # the case itself opens only once they accept
    )
    return offer


def withdraw_open_offer(case: Case, name: str) -> None:
    """A case withdrawn or cancelled while offered (subscribed to the case state machine): the
    specialist must not accept a case the patient took back."""
    if name not in ("withdraw", "cancel"):
        return
    offer = selectors.open_offer_for_case(case.pk)
    if offer is not None:
        services.close_offer(offer=offer, status=Offer.Status.WITHDRAWN)


@transaction.atomic
def accept_offer(*, case: Case, by: User, attested_no_conflict: bool = False) -> Case:
    """The offered specialist accepts, attesting that they have no conflict of interest.

    Refused, saying why, without the attestation, after the deadline, on an offer made to someone
    else or one no longer open, and when screening (run again now) finds a conflict.
    """
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    offer = services.offer_to_answer(case=locked, by=by, answer="accept")
    if not attested_no_conflict:
        raise ApplicationError(
            _("Confirm that you have no conflict of interest with this case before you accept it."),
            field="attested_no_conflict",
        )
    screened = services.screen_for_acceptance(case=locked, offer=offer)
    case = state_machine.transition(locked, "accept_offer", by=by)
    services.record_acceptance(offer=offer, screened=screened)
    case = case_services.assign_specialist(case=case, specialist=offer.specialist)
    services.refresh_load(case.specialist_id)
    record_event(
        actor=by,
        action="offer.accept",
        obj=offer,
        case_id=case.pk,
        detail={"attested_no_conflict": True},
    )
    state_machine.notify_patient(
        case,
        lazy_text(
            _("A specialist has started reviewing your case %(reference)s."),
            reference=case.reference,
        ),
    )
    return case


@transaction.atomic
def decline_offer(
    *, case: Case, by: User, reason: str = "", reason_code: str = Offer.DeclineReason.OTHER
) -> Case:
    """The offered specialist declines: a conflict, no capacity, outside their expertise, or
    another reason (which they must give). The case goes back to matching."""
    if reason_code not in Offer.DeclineReason.values:
        raise ApplicationError(_("Choose why you are declining."), field="reason_code")
    reason = reason.strip()
    if reason_code == Offer.DeclineReason.OTHER and not reason:
        raise ApplicationError(_("Tell us why you are declining."), field="reason")
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    offer = services.offer_to_answer(case=locked, by=by, answer="decline")
    # The reason as chosen, in each reader's language; the specialist's own words, as typed.
    declined = Words(
        gettext_noop("Declined: %(category)s"),
        {"category": Words.of(Offer.DeclineReason(reason_code).label)},
    )
    case = state_machine.transition(locked, "decline_offer", by=by, note=reason, words=declined)
    services.close_offer(
        offer=offer, status=Offer.Status.DECLINED, reason=reason, category=reason_code
    )
    record_event(
        actor=by,
        action="offer.decline",
        obj=offer,
        case_id=case.pk,
        detail={"reason": reason_code},
    )
    _offer_next_after(case, offer, _("declined"))
    return Case.objects.get(pk=case.pk)


@transaction.atomic
def expire_offer(*, offer: Offer) -> Case | None:
    """Close an open offer whose deadline has passed and put the case back into matching (the
    beat task's service). Does nothing when the offer was answered or withdrawn meanwhile."""
    locked = Case.objects.select_for_update(of=("self",)).get(pk=offer.case_id)
    offer = selectors.offer_by_id(offer.pk)
    if offer.status != Offer.Status.OPEN or offer.respond_by >= timezone.now():
        return None
    if locked.status != Status.OFFERED:  # the case left "offered" another way (withdrawn)
        services.close_offer(offer=offer, status=Offer.Status.WITHDRAWN)
        record_event(actor=None, action="offer.withdraw", obj=offer, case_id=locked.pk)
        return locked
    case = state_machine.transition(
        locked,
        "expire_offer",
        by=None,
        words=Words(
            gettext_noop("%(specialist)s did not answer in time"),
            {"specialist": str(offer.specialist)},
        ),
    )
    services.close_offer(offer=offer, status=Offer.Status.EXPIRED)
    record_event(actor=None, action="offer.expire", obj=offer, case_id=case.pk)
    notify(
        user=offer.specialist.user,
        message=lazy_text(
            _("The offer of case %(reference)s expired before you answered it."),
            reference=case.reference,
        ),
        link=reverse("specialists:home"),
    )
    _offer_next_after(case, offer, _("did not answer in time"))
    return Case.objects.get(pk=case.pk)


def _offer_next_after(case: Case, ended: Offer, what: Text) -> None:
    """After an offer is declined or expires: in automatic mode, offer the next match; tell the
    coordinator who made the offer what happened, and that they must act when no one is left."""
    coordinator = ended.offered_by
    link = reverse("specialists:match", args=[case.reference])
    names = {"specialist": ended.specialist, "what": what, "reference": case.reference}
    message = lazy_text(
        _("%(specialist)s %(what)s on case %(reference)s. Choose another specialist."), **names
    )
    if ended.automatic:
        try:
            # A refusal is written into the coordinator's notification as it is raised: in
            # their language, not the beat task's.
            with translation.override(language_of(coordinator)):
                offer = offer_case(
                    case=case, by=coordinator, automatic=True, specialty=ended.specialty
                )
        except ApplicationError as error:
            message = lazy_text(
                _(
                    "Case %(reference)s needs you: %(specialist)s %(what)s, and it could not "
                    "be offered automatically. %(error)s"
                ),
                error=error.message,
                **names,
            )
        else:
            message = lazy_text(
                _(
                    "%(specialist)s %(what)s on case %(reference)s; it was offered "
                    "automatically to %(next)s, the next match."
                ),
                next=offer.specialist,
                **names,
            )
    notify(user=coordinator, message=message, link=link)  # notify cuts it to 300 characters
