"""Everything that changes a case. The state machine lives here and nowhere else.

Each transition is one function named for what happens. It checks who may do it, changes the
state, writes the timeline step and the audit event in one transaction, and enqueues its side
effects (notifications, the PDF report) with `transaction.on_commit`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from records import selectors as record_selectors
from records import services as record_services
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import notify
from specialists import selectors as specialist_selectors
from specialists import services as specialist_services
from specialists.models import Offer, Specialist

from . import permissions
from .models import Case, CaseEvent, Opinion, Report, Status
from .selectors import cases_visible_to

# States from which a patient may still withdraw: before a specialist starts the review.
WITHDRAWABLE = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.TRIAGE,
        Status.NEEDS_INFO,
        Status.MATCHING,
        Status.OFFERED,
    }
)
TERMINAL = frozenset({Status.CLOSED, Status.WITHDRAWN, Status.CANCELLED})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status
    allowed: Callable[..., bool]
    verb: str  # completes "You can't … a case that is <status>."


def _coordinator(user, case: Case) -> bool:
    return permissions.is_coordinator(user)


def _assigned_specialist(user, case: Case) -> bool:
    return permissions.is_assigned_specialist(user, case)


def _system(user, case: Case) -> bool:
    return user is None


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        frozenset({Status.DRAFT}), Status.SUBMITTED, permissions.is_owner, "submit"
    ),
    "start_triage": Transition(
        frozenset({Status.SUBMITTED}), Status.TRIAGE, _coordinator, "start triage on"
    ),
    "request_patient_information": Transition(
        frozenset({Status.TRIAGE}), Status.NEEDS_INFO, _coordinator, "ask for information on"
    ),
    "provide_information": Transition(
        frozenset({Status.NEEDS_INFO}), Status.TRIAGE, permissions.is_owner, "answer on"
    ),
    "send_to_matching": Transition(
        frozenset({Status.TRIAGE}), Status.MATCHING, _coordinator, "send to matching"
    ),
    "offer": Transition(frozenset({Status.MATCHING}), Status.OFFERED, _coordinator, "offer"),
    "accept_offer": Transition(
        frozenset({Status.OFFERED}), Status.IN_REVIEW, permissions.has_open_offer, "accept"
    ),
    "decline_offer": Transition(
        frozenset({Status.OFFERED}), Status.MATCHING, permissions.has_open_offer, "decline"
    ),
    "expire_offer": Transition(frozenset({Status.OFFERED}), Status.MATCHING, _system, "expire"),
    "request_information": Transition(
        frozenset({Status.IN_REVIEW}), Status.INFO_REQUESTED, _assigned_specialist, "ask about"
    ),
    "answer_information_request": Transition(
        frozenset({Status.INFO_REQUESTED}), Status.IN_REVIEW, permissions.is_owner, "answer on"
    ),
    "submit_opinion": Transition(
        frozenset({Status.IN_REVIEW}),
        Status.OPINION_SUBMITTED,
        _assigned_specialist,
        "submit an opinion on",
    ),
    "return_opinion": Transition(
        frozenset({Status.OPINION_SUBMITTED}),
        Status.IN_REVIEW,
        _coordinator,
        "return the opinion of",
    ),
    "deliver_opinion": Transition(
        frozenset({Status.OPINION_SUBMITTED}), Status.DELIVERED, _coordinator, "deliver"
    ),
    "close": Transition(
        frozenset({Status.DELIVERED}),
        Status.CLOSED,
        lambda u, c: u is None or _coordinator(u, c),
        "close",
    ),
    "withdraw": Transition(WITHDRAWABLE, Status.WITHDRAWN, permissions.is_owner, "withdraw"),
    "cancel": Transition(
        frozenset(set(Status) - TERMINAL - {Status.DRAFT}), Status.CANCELLED, _coordinator, "cancel"
    ),
}


def available_transitions(user, case: Case) -> frozenset[str]:
    """The transitions `user` may take on `case` now: which buttons the case page shows."""
    return frozenset(
        name
        for name, transition in TRANSITIONS.items()
        if case.status in transition.sources and user is not None and transition.allowed(user, case)
    )


def _transition(case: Case, name: str, *, by, note: str = "") -> Case:
    """Move `case` along transition `name`. The only code that assigns `Case.status`."""
    transition = TRANSITIONS[name]
    # Lock the row: two people acting at once are serialised, and the second sees the new state.
    case = Case.objects.select_for_update(of=("self",)).select_related("specialist").get(pk=case.pk)
    if not transition.allowed(by, case):
        raise ApplicationError("You don't have permission to do that on this case.")
    if case.status not in transition.sources:
        raise ApplicationError(
            f"You can't {transition.verb} a case that is “{case.get_status_display().lower()}”."
        )
    previous = case.status
    case.status = transition.target
    case.save(update_fields=["status", "updated_at"])
    CaseEvent.objects.create(
        case=case, from_status=previous, to_status=case.status, actor=by, note=note
    )
    record_event(
        actor=by,
        action=f"case.{name}",
        obj=case,
        case_id=case.pk,
        detail={"from": previous, "to": case.status},
    )
    return case


def _notify_patient(case: Case, message: str) -> None:
    notify(
        user=case.owner, message=message, link=reverse("cases:case-detail", args=[case.reference])
    )


def _notify_specialist(case: Case, specialist: Specialist, message: str) -> None:
    notify(
        user=specialist.user,
        message=message,
        link=reverse("cases:case-detail", args=[case.reference]),
        email_template="case_assigned",
    )


# Reading ---------------------------------------------------------------------------------------


def view_case(*, reference: str, by) -> Case:
    """Fetch a case the user may see (else Case.DoesNotExist, a 404) and audit the read."""
    case = cases_visible_to(by).get(reference=reference)
    record_event(actor=by, action="case.view", obj=case, case_id=case.pk)
    return case


def open_report(*, case: Case, version: int, by) -> Report:
    """A report of the case for download (else Report.DoesNotExist, a 404), audited."""
    if not permissions.can_read_opinion(by, case):
        raise Report.DoesNotExist
    report = Report.objects.get(case=case, version=version)
    record_event(actor=by, action="report.download", obj=report, case_id=case.pk)
    return report


# The patient's side ----------------------------------------------------------------------------


@transaction.atomic
def create_case(
    *,
    by,
    title: str,
    diagnosis: str,
    treating_doctor: str,
    question: str,
    record: UploadedFile | None = None,
) -> Case:
    """Open a draft case, with its first record when one is given (both or neither are kept)."""
    if not permissions.is_patient_side(by):
        raise ApplicationError("Only patients and caregivers can open a case.")
    case = Case.objects.create(
        owner=by,
        title=title,
        diagnosis=diagnosis,
        treating_doctor=treating_doctor,
        question=question,
    )
    CaseEvent.objects.create(case=case, to_status=Status.DRAFT, actor=by)
    record_event(actor=by, action="case.create", obj=case, case_id=case.pk)
    if record is not None:
        try:
            record_services.add_record(case=case, by=by, upload=record)
        except ApplicationError as error:
            raise ApplicationError(error.message, field="record") from error
    return case


@transaction.atomic
def update_case(*, case: Case, by, **answers: str) -> Case:
    if not permissions.can_edit_case(by, case):
        raise ApplicationError(
            "This case has been submitted, so its answers can no longer be changed."
        )
    editable = {"title", "diagnosis", "treating_doctor", "question"}
    unknown = set(answers) - editable
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    for field, value in answers.items():
        setattr(case, field, value)
    case.save(update_fields=[*answers, "updated_at"])
    record_event(
        actor=by,
        action="case.update",
        obj=case,
        case_id=case.pk,
        detail={"fields": sorted(answers)},
    )
    return case


@transaction.atomic
def submit_case(*, case: Case, by) -> Case:
    if not record_selectors.records_for_case(case).exists():
        raise ApplicationError("Add at least one medical record before you submit your case.")
    case = _transition(case, "submit", by=by)
    case.submitted_at = timezone.now()
    case.save(update_fields=["submitted_at"])
    _notify_patient(
        case, f"Your case {case.reference} was submitted. A coordinator will check it next."
    )
    return case


@transaction.atomic
def withdraw_case(*, case: Case, by, reason: str) -> Case:
    return _transition(case, "withdraw", by=by, note=reason)


# Coordinators ----------------------------------------------------------------------------------


@transaction.atomic
def start_triage(*, case: Case, by) -> Case:
    return _transition(case, "start_triage", by=by)


@transaction.atomic
def send_to_matching(*, case: Case, by) -> Case:
    return _transition(case, "send_to_matching", by=by)


@transaction.atomic
def offer_case(*, case: Case, specialist: Specialist, by) -> Offer:
    case = _transition(case, "offer", by=by)
    offer = specialist_services.create_offer(case=case, specialist=specialist, by=by)
    record_event(actor=by, action="offer.create", obj=offer, case_id=case.pk)
    _notify_specialist(case, specialist, f"You have been offered case {case.reference}.")
    return offer


@transaction.atomic
def cancel_case(*, case: Case, by, reason: str) -> Case:
    case = _transition(case, "cancel", by=by, note=reason)
    _withdraw_open_offer(case)
    _notify_patient(case, f"Your case {case.reference} was cancelled by a coordinator.")
    return case


@transaction.atomic
def return_opinion(*, case: Case, by, comments: str) -> Case:
    case = _transition(case, "return_opinion", by=by, note=comments)
    opinion = Opinion.objects.select_for_update().get(case=case)
    opinion.quality_comments = comments
    opinion.save(update_fields=["quality_comments", "updated_at"])
    _notify_specialist(case, opinion.author, f"Your opinion on case {case.reference} was returned.")
    return case


@transaction.atomic
def deliver_opinion(*, case: Case, by) -> Case:
    from .selectors import latest_report_for

    case = _transition(case, "deliver_opinion", by=by)
    if latest_report_for(case) is None:  # raising here rolls the transition back
        raise ApplicationError(
            "The PDF report for this opinion is still being prepared. Try again in a moment."
        )
    _notify_patient(case, f"The specialist's opinion on your case {case.reference} is ready.")
    return case


def _withdraw_open_offer(case: Case) -> None:
    offer = specialist_selectors.open_offer_for_case(case.pk)
    if offer is not None:
        specialist_services.close_offer(offer=offer, status=Offer.Status.WITHDRAWN)


# Specialists -----------------------------------------------------------------------------------


@transaction.atomic
def accept_offer(*, case: Case, by) -> Case:
    offer = specialist_selectors.open_offer_for_case(case.pk)
    case = _transition(case, "accept_offer", by=by)
    specialist_services.close_offer(offer=offer, status=Offer.Status.ACCEPTED)
    case.specialist = offer.specialist
    case.save(update_fields=["specialist", "updated_at"])
    _notify_patient(case, f"A specialist has started reviewing your case {case.reference}.")
    return case


@transaction.atomic
def decline_offer(*, case: Case, by, reason: str) -> Case:
    offer = specialist_selectors.open_offer_for_case(case.pk)
    case = _transition(case, "decline_offer", by=by, note=reason)
    specialist_services.close_offer(offer=offer, status=Offer.Status.DECLINED, reason=reason)
    return case


OPINION_FIELDS = (
    "relation",
    "diagnosis",
    "reasoning",
    "recommendations",
    "plain_summary",
    "attested",
)


@transaction.atomic
def save_opinion_draft(*, case: Case, by, **answers) -> Opinion:
    if not permissions.can_write_opinion(by, case):
        raise ApplicationError("You can only write an opinion on a case you are reviewing.")
    unknown = set(answers) - set(OPINION_FIELDS)
    if unknown:
        raise ValueError(f"Not opinion fields: {sorted(unknown)}")
    opinion, _ = Opinion.objects.select_for_update().get_or_create(
        case=case, defaults={"author": case.specialist}
    )
    for field, value in answers.items():
        setattr(opinion, field, value)
    opinion.save()
    record_event(actor=by, action="opinion.save_draft", obj=opinion, case_id=case.pk)
    return opinion


@transaction.atomic
def submit_opinion(*, case: Case, by) -> Opinion:
    opinion = Opinion.objects.select_for_update().filter(case=case).first()
    if opinion is None:
        raise ApplicationError("Write your opinion before you submit it.")
    missing = [
        Opinion._meta.get_field(name).verbose_name
        for name in Opinion.REQUIRED_FIELDS_FOR_SUBMISSION
        if not getattr(opinion, name).strip()
    ]
    if missing:
        raise ApplicationError(
            "Complete these parts before you submit: " + "; ".join(missing) + "."
        )
    if not opinion.attested:
        raise ApplicationError(
            "Confirm the attestation before you submit your opinion.", field="attested"
        )
    case = _transition(case, "submit_opinion", by=by)
    opinion.revision += 1
    opinion.submitted_at = timezone.now()
    opinion.save(update_fields=["revision", "submitted_at", "updated_at"])
    from .tasks import render_report

    opinion_id, revision = opinion.pk, opinion.revision
    transaction.on_commit(lambda: render_report.delay(opinion_id, revision), robust=True)
    return opinion
