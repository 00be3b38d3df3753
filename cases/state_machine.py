"""The case's state machine: which transitions exist, who may take each, and the one function
that takes them. Nothing else writes `Case.status`.

A transition locks the case, checks who is acting and from which state, writes the new state, the
timeline step and the audit event in the caller's transaction, then tells the subscribers other
apps registered (`on_transition`): specialists keep their open load, referrals tell the referrer.
Cases imports none of them; they import this module.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy

from secondopinion.accounts.models import User
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import notify
from secondopinion.text import Text
from secondopinion.words import Words

from . import access, permissions, selectors, service_levels
from .models import Case, CaseEvent, Status
from .state import state_machine_writes

# Called with the case (its new state saved) and the transition's name, inside the transaction.
Subscriber = Callable[[Case, str], None]
_subscribers: list[Subscriber] = []


def on_transition(subscriber: Subscriber) -> Subscriber:
    """Register `subscriber` to hear of every transition (from an AppConfig.ready); usable as a
    decorator. Registering the same function twice keeps one."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


# States from which a patient may still withdraw: before a specialist starts the review.
WITHDRAWABLE = frozenset(access.PHASES[: access.PHASES.index(Status.OFFERED) + 1])


TERMINAL = frozenset({Status.CLOSED, Status.WITHDRAWN, Status.CANCELLED})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status
    allowed: Callable[..., bool]
    verb: Text  # completes "You can't … a case that is <status>."


def _assigned_specialist(user, case: Case) -> bool:
    return permissions.is_assigned_specialist(user, case)


def _system(user, case: Case) -> bool:
    return user is None


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        frozenset({Status.DRAFT}),
        Status.SUBMITTED,
        permissions.is_owner,
        pgettext_lazy("You can't … a case", "submit"),
    ),
    "start_triage": Transition(
        frozenset({Status.SUBMITTED}),
        Status.TRIAGE,
        permissions.is_coordinator_of,
        pgettext_lazy("You can't … a case", "start triage on"),
    ),
    "request_patient_information": Transition(
        frozenset({Status.TRIAGE}),
        Status.NEEDS_INFO,
        permissions.is_coordinator_of,
        pgettext_lazy("You can't … a case", "ask for information on"),
    ),
    "provide_information": Transition(
        frozenset({Status.NEEDS_INFO}),
        Status.TRIAGE,
        permissions.is_owner,
        pgettext_lazy("You can't … a case", "answer on"),
    ),
    "send_to_matching": Transition(
        frozenset({Status.TRIAGE}),
        Status.MATCHING,
        permissions.is_coordinator_of,
        pgettext_lazy("You can't … a case", "send to matching"),
    ),
    "offer": Transition(
        frozenset({Status.MATCHING}),
        Status.OFFERED,
        permissions.is_coordinator_of,
        pgettext_lazy("You can't … a case", "offer"),
    ),
    "accept_offer": Transition(
        frozenset({Status.OFFERED}),
        Status.IN_REVIEW,
        permissions.has_open_offer,
        pgettext_lazy("You can't … a case", "accept"),
    ),
    "decline_offer": Transition(
        frozenset({Status.OFFERED}),
        Status.MATCHING,
        permissions.has_open_offer,
        pgettext_lazy("You can't … a case", "decline"),
    ),
    "expire_offer": Transition(
        frozenset({Status.OFFERED}),
        Status.MATCHING,
        _system,
        pgettext_lazy("You can't … a case", "expire"),
    ),
    "request_information": Transition(
        frozenset({Status.IN_REVIEW}),
        Status.INFO_REQUESTED,
        _assigned_specialist,
        pgettext_lazy("You can't … a case", "ask about"),
    ),
    "answer_information_request": Transition(
        frozenset({Status.INFO_REQUESTED}),
        Status.IN_REVIEW,
        permissions.is_owner,
        pgettext_lazy("You can't … a case", "answer on"),
    ),
    "submit_opinion": Transition(
        frozenset({Status.IN_REVIEW}),
        Status.OPINION_SUBMITTED,
        _assigned_specialist,
        pgettext_lazy("You can't … a case", "submit an opinion on"),
    ),
    "return_opinion": Transition(
        frozenset({Status.OPINION_SUBMITTED}),
        Status.IN_REVIEW,
        permissions.is_coordinator_of,
        pgettext_lazy("You can't … a case", "return the opinion of"),
    ),
    "deliver_opinion": Transition(
        frozenset({Status.OPINION_SUBMITTED}),
        Status.DELIVERED,
        permissions.is_coordinator_of,
        pgettext_lazy("You can't … a case", "deliver"),
    ),
    "close": Transition(
        frozenset({Status.DELIVERED}),
        Status.CLOSED,
        lambda u, c: u is None or permissions.is_coordinator_of(u, c),
        pgettext_lazy("You can't … a case", "close"),
    ),
    "withdraw": Transition(
        WITHDRAWABLE,
        Status.WITHDRAWN,
        permissions.is_owner,
        pgettext_lazy("You can't … a case", "withdraw"),
    ),
    "cancel": Transition(
        frozenset(set(Status) - TERMINAL - {Status.DRAFT}),
        Status.CANCELLED,
        permissions.is_coordinator_of,
        pgettext_lazy("You can't … a case", "cancel"),
    ),
}


def available_transitions(user, case: Case) -> frozenset[str]:
    """The transitions `user` may take on `case` now: which buttons the case page shows."""
    return frozenset(
        name
        for name, transition in TRANSITIONS.items()
        if case.status in transition.sources and user is not None and transition.allowed(user, case)
    )


def check(case: Case, name: str, *, by: User | None) -> None:
    """Raise the error `transition` would raise for `by` taking `name` on `case` now, changing
    nothing: services validate their own input after this and before the transition."""
    step = TRANSITIONS[name]
    if not step.allowed(by, case):
        raise ApplicationError(gettext("You don't have permission to do that on this case."))
    if case.status not in step.sources:
        raise ApplicationError(
            gettext("You can't %(action)s a case that is “%(status)s”.")
            % {"action": step.verb, "status": case.get_status_display().lower()}
        )


def lock(case: Case) -> Case:
    """The case re-read under a row lock: two people acting at once are serialised, and the
    second sees the first one's state."""
    return Case.objects.select_for_update(of=("self",)).select_related("specialist").get(pk=case.pk)


def transition(
    case: Case, name: str, *, by: User | None, note: str = "", words: Words | None = None
) -> Case:
    """Move `case` along transition `name` (in the caller's transaction). The only code that
    assigns `Case.status`. `note`: the person's own words, as typed; `words`: what the code says
    about the step, kept to be shown in each reader's language."""
    case = lock(case)
    check(case, name, by=by)
    previous = case.status
    with state_machine_writes():
        case.status = TRANSITIONS[name].target
    CaseEvent.objects.create(
        case=case,
        from_status=previous,
        to_status=case.status,
        actor=by,
        note=note,
        note_words=words.stored() if words else {},
    )
    case.step_due_on = service_levels.step_due_on(case, case.events.all())
    case.save(update_fields=["status", "step_due_on", "updated_at"])
    audit(case, by, f"case.{name}", **{"from": previous, "to": case.status})
    for subscriber in _subscribers:
        subscriber(case, name)
    return case


def notify_patient(case: Case, message: Text) -> None:
    """Tell the patient's side, linking to the case page (the message names no PHI)."""
    notify(
        user=case.owner, message=message, link=reverse("cases:case-detail", args=[case.reference])
    )


def notify_specialist(case: Case, user, message: Text, *, page: str = "cases:case-detail") -> None:
    """Tell a specialist's account about `case`, linking to `page` (the case page by default)."""
    notify(
        user=user,
        message=message,
        link=reverse(page, args=[case.reference]),
        email_template="case_assigned",
    )


def audit(case: Case, by: User | None, action: str, obj=None, **detail) -> None:
    """An audit event on `case`, naming the patient when `by` acts for them."""
    record_event(
        actor=by,
        action=action,
        obj=obj or case,
        case_id=case.pk,
        on_behalf_of=selectors.acting_for(case, by),
        detail=detail or None,
    )
