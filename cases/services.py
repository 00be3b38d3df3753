"""Everything that changes a case. The state machine lives here and nowhere else.

Each transition is one function named for what happens. It checks who may do it, changes the
state, writes the timeline step and the audit event in one transaction, and enqueues its side
effects (notifications, the PDF report) with `transaction.on_commit`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from records import selectors as record_selectors
from records import services as record_services
from records.models import RecordFile
from secondopinion import links
from secondopinion.audit import context as audit_context
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.services import notify
from specialists import selectors as specialist_selectors
from specialists import services as specialist_services
from specialists.models import Offer, Specialist

from . import intake, permissions, selectors, service_levels
from .models import (
    Case,
    CaseEvent,
    CaseFor,
    Consent,
    Coverage,
    CoverageCheck,
    FollowUpQuestion,
    InformationRequest,
    Message,
    MessageReadMarker,
    Opinion,
    ProxyAuthority,
    Report,
    ReportShare,
    Status,
    doctor_question_lines,
)
from .state import state_machine_writes

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


def _assigned_specialist(user, case: Case) -> bool:
    return permissions.is_assigned_specialist(user, case)


def _system(user, case: Case) -> bool:
    return user is None


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        frozenset({Status.DRAFT}), Status.SUBMITTED, permissions.is_owner, "submit"
    ),
    "start_triage": Transition(
        frozenset({Status.SUBMITTED}),
        Status.TRIAGE,
        permissions.is_coordinator_of,
        "start triage on",
    ),
    "request_patient_information": Transition(
        frozenset({Status.TRIAGE}),
        Status.NEEDS_INFO,
        permissions.is_coordinator_of,
        "ask for information on",
    ),
    "provide_information": Transition(
        frozenset({Status.NEEDS_INFO}), Status.TRIAGE, permissions.is_owner, "answer on"
    ),
    "send_to_matching": Transition(
        frozenset({Status.TRIAGE}),
        Status.MATCHING,
        permissions.is_coordinator_of,
        "send to matching",
    ),
    "offer": Transition(
        frozenset({Status.MATCHING}), Status.OFFERED, permissions.is_coordinator_of, "offer"
    ),
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
        permissions.is_coordinator_of,
        "return the opinion of",
    ),
    "deliver_opinion": Transition(
        frozenset({Status.OPINION_SUBMITTED}),
        Status.DELIVERED,
        permissions.is_coordinator_of,
        "deliver",
    ),
    "close": Transition(
        frozenset({Status.DELIVERED}),
        Status.CLOSED,
        lambda u, c: u is None or permissions.is_coordinator_of(u, c),
        "close",
    ),
    "withdraw": Transition(WITHDRAWABLE, Status.WITHDRAWN, permissions.is_owner, "withdraw"),
    "cancel": Transition(
        frozenset(set(Status) - TERMINAL - {Status.DRAFT}),
        Status.CANCELLED,
        permissions.is_coordinator_of,
        "cancel",
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
    with state_machine_writes():
        case.status = transition.target
    CaseEvent.objects.create(
        case=case, from_status=previous, to_status=case.status, actor=by, note=note
    )
    case.step_due_on = service_levels.step_due_on(case, case.events.all())
    case.save(update_fields=["status", "step_due_on", "updated_at"])
    specialist_services.refresh_load(case.specialist_id)
    _audit(case, by, f"case.{name}", **{"from": previous, "to": case.status})
    from .referrals import case_status_changed  # emails the referrer only if the patient agreed

    case_status_changed(case=case)
    return case


def _notify_patient(case: Case, message: str) -> None:
    notify(
        user=case.owner, message=message, link=reverse("cases:case-detail", args=[case.reference])
    )


def _notify_specialist(
    case: Case, specialist: Specialist, message: str, *, page: str = "cases:case-detail"
) -> None:
    notify(
        user=specialist.user,
        message=message,
        link=reverse(page, args=[case.reference]),
        email_template="case_assigned",
    )


# Reading ---------------------------------------------------------------------------------------


def view_case(*, reference: str, by) -> Case:
    """Fetch a case the user may see (else Case.DoesNotExist, a 404) and audit the read; the case
    carries what its page shows besides (see selectors.case_page_cases)."""
    case = selectors.case_page_cases(by).get(reference=reference)
    record_case_read(case=case, by=by)
    return case


def record_case_read(*, case: Case, by) -> None:
    """Audit that `by` was shown the case (the caller has checked they may see it)."""
    _audit(case, by, "case.view")


def open_report(*, case: Case, version: int, by) -> Report:
    """A report of the case for download (else Report.DoesNotExist, a 404), audited."""
    if not permissions.can_read_opinion(by, case):
        raise Report.DoesNotExist
    report = selectors.reports_visible_to(by, case).get(version=version)
    _audit(case, by, "report.download", report)
    return report


# The patient's side ----------------------------------------------------------------------------

# Types an authority document may be, detected from its bytes: a PDF or a photo or scan.
AUTHORITY_DOCUMENT_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/tiff": "TIFF image",
    "image/heic": "HEIC image",
}


@dataclass(frozen=True)
class Missing:
    """Something a case lacks before it can be submitted: an answer's name, or records,
    consent or proxy_authority."""

    answer: str
    text: str


def _audit(case: Case, by, action: str, obj=None, **detail) -> None:
    """An audit event on `case`, naming the patient when `by` acts for them."""
    record_event(
        actor=by,
        action=action,
        obj=obj or case,
        case_id=case.pk,
        on_behalf_of=selectors.acting_for(case, by),
        detail=detail or None,
    )


def _document_type(document: UploadedFile) -> str:
    name = record_services.display_name(document.name or "")
    record_services.check_size(name, document.size, field="document")
    content_type = record_services.detect_type(document)
    if content_type not in AUTHORITY_DOCUMENT_TYPES:
        raise ApplicationError(
            f"“{name}” is not a PDF or an image. Upload the document as a PDF, or a photo or "
            "scan of it (JPEG, PNG, TIFF or HEIC).",
            field="document",
        )
    return content_type


@transaction.atomic
def record_proxy_authority(
    *, by, patient_email: str, basis: str, document: UploadedFile
) -> ProxyAuthority:
    """Record a caregiver's authority to act for a patient, with the document that shows it."""
    if not permissions.is_patient_side(by):
        raise ApplicationError("Only patients and caregivers can act for a patient.")
    if basis not in ProxyAuthority.Basis.values:
        raise ApplicationError(
            "Choose what gives you the authority to act for them.", field="basis"
        )
    patient_email = patient_email.strip().lower()
    if patient_email == by.email.lower():
        raise ApplicationError(
            "This is your own email address. Give the email address of the person you act for.",
            field="patient_email",
        )
    authority = ProxyAuthority(
        caregiver=by,
        patient_email=patient_email,
        basis=basis,
        document_name=record_services.display_name(document.name or ""),
        document_type=_document_type(document),
        scan_status=record_services.initial_scan_status(),
    )
    authority.document.save("authority", document, save=True)
    record_event(
        actor=by,
        action="authority.create",
        obj=authority,
        on_behalf_of=selectors.patient_account_of(authority),
    )
    if authority.scan_status == RecordFile.ScanStatus.PENDING:
        from .tasks import scan_authority_document

        transaction.on_commit(lambda: scan_authority_document.delay(authority.pk), robust=True)
    return authority


def scan_authority_document(*, authority_id: int) -> ProxyAuthority | None:
    """Scan an authority document waiting for clamd. Idempotent; raises
    scanning.ScannerUnavailable when clamd cannot answer (the task retries)."""
    authority = ProxyAuthority.objects.filter(pk=authority_id).first()
    if authority is None or authority.scan_status != RecordFile.ScanStatus.PENDING:
        return authority
    status, _detail = record_services.scan_stored_file(authority.document)
    with transaction.atomic():
        authority = ProxyAuthority.objects.select_for_update().get(pk=authority_id)
        if authority.scan_status != RecordFile.ScanStatus.PENDING:
            return authority
        authority.scan_status, authority.scanned_at = status, timezone.now()
        authority.save(update_fields=["scan_status", "scanned_at"])
        record_event(actor=None, action="authority.scan", obj=authority, detail={"result": status})
        if status == RecordFile.ScanStatus.INFECTED:
            notify(
                user=authority.caregiver,
                message="The document you gave for your authority to act for a patient was "
                "quarantined: our virus scanner found a virus in it, so no one can open it. "
                "Record your authority again with a clean copy.",
            )
    return authority


def authority_documents_waiting_for_scan() -> list[int]:
    return list(
        ProxyAuthority.objects.filter(scan_status=RecordFile.ScanStatus.PENDING).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def revoke_proxy_authority(*, authority: ProxyAuthority, by) -> ProxyAuthority:
    """The patient stops a caregiver acting for them: the caregiver loses every case it opened."""
    authority = ProxyAuthority.objects.select_for_update().get(pk=authority.pk)
    if not permissions.can_revoke_authority(by, authority):
        raise ApplicationError("Only the patient can stop someone acting for them.")
    authority.revoked_at = timezone.now()
    authority.revoked_by = by
    authority.save(update_fields=["revoked_at", "revoked_by"])
    record_event(actor=by, action="authority.revoke", obj=authority)
    notify(
        user=authority.caregiver,
        message="A patient you acted for has withdrawn your authority. You can no longer see "
        "the requests you opened for them.",
    )
    return authority


def open_authority_document(*, authority: ProxyAuthority, by):
    """The document, for download, once the virus scanner has passed it (else ApplicationError)."""
    if not authority.is_downloadable:
        raise ApplicationError(
            f"The authority document can't be opened: {authority.get_scan_status_display()}."
        )
    record_event(
        actor=by,
        action="authority.document_download",
        obj=authority,
        on_behalf_of=selectors.patient_account_of(authority)
        if by.pk == authority.caregiver_id
        else None,
    )
    return authority.document.open("rb")


def _check_authority(by, authority: ProxyAuthority | None) -> None:
    if authority is None or authority.caregiver_id != by.pk or not authority.is_active:
        raise ApplicationError(
            "Record your authority to act for the patient first.", field="proxy_authority"
        )


@transaction.atomic
def create_case(*, by, case_for: str, authority: ProxyAuthority | None = None) -> Case:
    """Open a draft case. A case for someone else needs the caregiver's standing authority."""
    if not permissions.is_patient_side(by):
        raise ApplicationError("Only patients and caregivers can open a case.")
    if case_for == CaseFor.SOMEONE_ELSE:
        _check_authority(by, authority)
    else:
        authority = None
    case = Case.objects.create(owner=by, case_for=case_for, proxy_authority=authority)
    if case_for == CaseFor.SELF:
        case.patient_name = by.full_name
        case.save(update_fields=["patient_name"])
    CaseEvent.objects.create(case=case, to_status=Status.DRAFT, actor=by)
    _audit(case, by, "case.create")
    return case


@transaction.atomic
def open_case_for_patient(*, by, patient_email: str, basis: str, document: UploadedFile) -> Case:
    """A caregiver records their authority and opens a draft case for the patient."""
    authority = record_proxy_authority(
        by=by, patient_email=patient_email, basis=basis, document=document
    )
    return create_case(by=by, case_for=CaseFor.SOMEONE_ELSE, authority=authority)


@transaction.atomic
def update_case(*, case: Case, by, **answers) -> Case:
    """Save some of the intake's answers on a draft."""
    if not permissions.can_edit_case(by, case):
        raise ApplicationError(
            "This case has been submitted, so its answers can no longer be changed."
        )
    unknown = set(answers) - intake.INTAKE_ANSWERS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    if "case_for" in answers and not permissions.can_change_who_case_is_for(by, case):
        raise ApplicationError("Only the person who opened this draft can change who it is for.")
    for field, value in answers.items():
        setattr(case, field, value)
    fields = set(answers)
    if answers.get("case_for") == CaseFor.SELF and case.proxy_authority_id:
        case.proxy_authority = None
        fields.add("proxy_authority")
    if answers.get("coverage") == Coverage.SELF_PAY:
        for field in intake.REQUIRED_INSURANCE_ANSWERS.keys() | {"insurance_plan"}:
            setattr(case, field, "")
            fields.add(field)
    case.save(update_fields=[*sorted(fields), "updated_at"])
    _audit(case, by, "case.update", fields=sorted(answers))
    return case


@transaction.atomic
def set_proxy_authority(
    *,
    case: Case,
    by,
    authority: ProxyAuthority | None = None,
    patient_email: str = "",
    basis: str = "",
    document: UploadedFile | None = None,
) -> Case:
    """Put a draft under one of the caregiver's authorities, or a newly recorded one."""
    if not permissions.can_change_who_case_is_for(by, case):
        raise ApplicationError("Only the person who opened this draft can change who it is for.")
    if authority is None:
        authority = record_proxy_authority(
            by=by, patient_email=patient_email, basis=basis, document=document
        )
    _check_authority(by, authority)
    case.case_for = CaseFor.SOMEONE_ELSE
    case.proxy_authority = authority
    case.save(update_fields=["case_for", "proxy_authority", "updated_at"])
    _audit(case, by, "case.update", fields=["proxy_authority"])
    return case


def missing_for_submission(case: Case) -> list[Missing]:
    """What `case` still lacks before it can be submitted, in the order the intake asks."""
    missing = []
    if case.case_for == CaseFor.SOMEONE_ELSE and not (
        case.proxy_authority and case.proxy_authority.is_active
    ):
        missing.append(Missing("proxy_authority", "Your authority to act for the patient"))
    required = dict(intake.REQUIRED_ANSWERS)
    if case.coverage == Coverage.INSURANCE:
        required |= intake.REQUIRED_INSURANCE_ANSWERS
    for answer, text in required.items():
        if getattr(case, answer) in ("", None):
            missing.append(Missing(answer, text))
    if not case.records_to_follow and not record_selectors.records_for_case(case).exists():
        missing.append(Missing("records", "At least one medical record, or say they will follow"))
    if case.review_type and selectors.price_for(case) is None:
        missing.append(Missing("review_type", "A price for this kind of review (ask us)"))
    if not selectors.has_current_consent(case):
        missing.append(Missing("consent", "Your signed consent"))
    return missing


@transaction.atomic
def sign_consent(*, case: Case, by, signed_name: str, user_agent: str = "") -> Consent:
    """Sign the current consent version for `case`, with the time, IP and browser."""
    if not permissions.can_sign_consent(by, case):
        raise ApplicationError("This case no longer takes a consent signature.")
    text = selectors.current_consent_text()
    if text is None:
        raise ApplicationError("We can't take consent right now. Try again later.")
    signed_name = signed_name.strip()
    if not signed_name:
        raise ApplicationError("Type your full name to sign.", field="signed_name")
    consent = Consent.objects.create(
        case=case,
        text=text,
        signed_by=by,
        on_behalf_of=selectors.acting_for(case, by),
        signed_name=signed_name,
        ip=audit_context.current.get().ip,
        user_agent=user_agent[:400],
    )
    _audit(case, by, "consent.sign", consent, version=text.version)
    return consent


@transaction.atomic
def withdraw_consent(*, case: Case, by, reason: str = "") -> Case:
    """Withdraw the case's consent. Before the review starts, this also withdraws the case."""
    if not permissions.is_owner(by, case):
        raise ApplicationError("You don't have permission to do that on this case.")
    if case.status not in WITHDRAWABLE:
        raise ApplicationError(
            "A specialist has already started reviewing your records, so consent can no "
            "longer be withdrawn here. Write to the coordinator on your case page."
        )
    withdrawn = Consent.objects.filter(case=case, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=by
    )
    if not withdrawn:
        raise ApplicationError("There is no signed consent on this case to withdraw.")
    _audit(case, by, "consent.withdraw", consent_count=withdrawn)
    if case.status != Status.DRAFT:
        note = "Consent withdrawn" + (f": {reason}" if reason else "")
        case = _transition(case, "withdraw", by=by, note=note)
    return case


@transaction.atomic
def submit_case(*, case: Case, by) -> Case:
    case = _transition(case, "submit", by=by)
    missing = missing_for_submission(case)
    if missing:  # raising here rolls the transition back
        raise ApplicationError(
            "Your request is not complete. Still needed: "
            + "; ".join(item.text for item in missing)
            + "."
        )
    price = selectors.price_for(case)
    case.submitted_at = timezone.now()
    case.price_amount, case.price_currency = price.amount, price.currency
    case.save(update_fields=["submitted_at", "price_amount", "price_currency"])
    _notify_patient(
        case, f"Your case {case.reference} was submitted. A coordinator will check it next."
    )
    return case


@transaction.atomic
def withdraw_case(*, case: Case, by, reason: str) -> Case:
    case = _transition(case, "withdraw", by=by, note=reason)
    _withdraw_open_offer(case)  # a specialist must not accept a case the patient took back
    return case


# Coordinators ----------------------------------------------------------------------------------


@transaction.atomic
def start_triage(*, case: Case, by) -> Case:
    return _transition(case, "start_triage", by=by)


@transaction.atomic
def send_to_matching(*, case: Case, by) -> Case:
    return _transition(case, "send_to_matching", by=by)


@transaction.atomic
def offer_case(
    *,
    case: Case,
    by,
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
    current = specialist_selectors.open_offer_for_case(locked.pk)
    if permissions.is_coordinator(by) and current is not None:
        raise ApplicationError(
            f"You can't offer a case that is “offered to a specialist”: {current.offered_by} "
            f"offered it to {current.specialist} at "
            f"{timezone.localtime(current.created_at):%H:%M on %-d %b %Y}. A case goes to one "
            "specialist at a time."
        )
    case = _transition(locked, "offer", by=by)
    if specialist is None:
        specialist = specialist_services.top_match(case=case, specialty=specialty)
    else:
        specialist_services.check_offerable(case=case, specialist=specialist)
    offer = specialist_services.create_offer(
        case=case, specialist=specialist, by=by, automatic=automatic, specialty=specialty
    )
    record_event(
        actor=by,
        action="offer.create",
        obj=offer,
        case_id=case.pk,
        detail={"specialist": specialist.pk, "automatic": automatic},
    )
    _notify_specialist(
        case,
        specialist,
        f"You have been offered case {case.reference}. Please answer by "
        f"{timezone.localtime(offer.respond_by):%H:%M on %-d %b %Y}.",
        page="specialists:offer-accept",  # the case itself opens only once they accept
    )
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
    case = _transition(case, "deliver_opinion", by=by)
    if selectors.latest_report_for(case) is None:  # raising here rolls the transition back
        raise ApplicationError(
            "The PDF report for this opinion is still being prepared. Try again in a moment."
        )
    _notify_patient(case, f"The specialist's opinion on your case {case.reference} is ready.")
    return case


@transaction.atomic
def record_coverage_check(
    *,
    case: Case,
    by,
    result: str,
    preauthorization: str,
    preauthorization_reference: str = "",
    patient_share: Decimal | None = None,
) -> CoverageCheck:
    """A coordinator records how the case is paid for; the patient sees it on the case page."""
    if not permissions.can_check_coverage(by, case):
        raise ApplicationError("Coverage can only be checked on a submitted, open case.")
    if (
        preauthorization == CoverageCheck.PreAuthorization.APPROVED
        and not preauthorization_reference.strip()
    ):
        raise ApplicationError(
            "Enter the insurer's reference for the approval.", field="preauthorization_reference"
        )
    check = CoverageCheck.objects.create(
        case=case,
        result=result,
        preauthorization=preauthorization,
        preauthorization_reference=preauthorization_reference.strip(),
        patient_share=patient_share,
        checked_by=by,
    )
    Case.objects.filter(pk=case.pk).update(coverage_checked=True)
    case.coverage_checked = True
    _audit(case, by, "coverage.check", check)
    _notify_patient(case, f"The cover for your case {case.reference} has been checked.")
    return check


def _withdraw_open_offer(case: Case) -> None:
    offer = specialist_selectors.open_offer_for_case(case.pk)
    if offer is not None:
        specialist_services.close_offer(offer=offer, status=Offer.Status.WITHDRAWN)


# Specialists -----------------------------------------------------------------------------------


@transaction.atomic
def accept_offer(*, case: Case, by, attested_no_conflict: bool = False) -> Case:
    """The offered specialist accepts, attesting that they have no conflict of interest.

    Refused, saying why, without the attestation, after the deadline, on an offer made to someone
    else or one no longer open, and when screening (run again now) finds a conflict.
    """
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    offer = specialist_services.offer_to_answer(case=locked, by=by, answer="accept")
    if not attested_no_conflict:
        raise ApplicationError(
            "Confirm that you have no conflict of interest with this case before you accept it.",
            field="attested_no_conflict",
        )
    screened = specialist_services.screen_for_acceptance(case=locked, offer=offer)
    case = _transition(locked, "accept_offer", by=by)
    specialist_services.record_acceptance(offer=offer, screened=screened)
    case.specialist = offer.specialist
    case.save(update_fields=["specialist", "updated_at"])
    specialist_services.refresh_load(case.specialist_id)
    record_event(
        actor=by,
        action="offer.accept",
        obj=offer,
        case_id=case.pk,
        detail={"attested_no_conflict": True},
    )
    _notify_patient(case, f"A specialist has started reviewing your case {case.reference}.")
    return case


@transaction.atomic
def decline_offer(
    *, case: Case, by, reason: str = "", reason_code: str = Offer.DeclineReason.OTHER
) -> Case:
    """The offered specialist declines: a conflict, no capacity, outside their expertise, or
    another reason (which they must give). The case goes back to matching."""
    if reason_code not in Offer.DeclineReason.values:
        raise ApplicationError("Choose why you are declining.", field="reason_code")
    reason = reason.strip()
    if reason_code == Offer.DeclineReason.OTHER and not reason:
        raise ApplicationError("Tell us why you are declining.", field="reason")
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    offer = specialist_services.offer_to_answer(case=locked, by=by, answer="decline")
    label = Offer.DeclineReason(reason_code).label
    note = f"Declined: {label}" + (f" ({reason})" if reason else "")
    case = _transition(locked, "decline_offer", by=by, note=note)
    specialist_services.close_offer(
        offer=offer, status=Offer.Status.DECLINED, reason=reason, category=reason_code
    )
    record_event(
        actor=by,
        action="offer.decline",
        obj=offer,
        case_id=case.pk,
        detail={"reason": reason_code},
    )
    _offer_next_after(case, offer, "declined")
    return Case.objects.get(pk=case.pk)


@transaction.atomic
def expire_offer(*, offer: Offer) -> Case | None:
    """Close an open offer whose deadline has passed and put the case back into matching (the
    beat task's service). Does nothing when the offer was answered or withdrawn meanwhile."""
    locked = Case.objects.select_for_update(of=("self",)).get(pk=offer.case_id)
    offer = specialist_selectors.offer_by_id(offer.pk)
    if offer.status != Offer.Status.OPEN or offer.respond_by >= timezone.now():
        return None
    if locked.status != Status.OFFERED:  # the case left "offered" another way (withdrawn)
        specialist_services.close_offer(offer=offer, status=Offer.Status.WITHDRAWN)
        record_event(actor=None, action="offer.withdraw", obj=offer, case_id=locked.pk)
        return locked
    case = _transition(
        locked, "expire_offer", by=None, note=f"{offer.specialist} did not answer in time"
    )
    specialist_services.close_offer(offer=offer, status=Offer.Status.EXPIRED)
    record_event(actor=None, action="offer.expire", obj=offer, case_id=case.pk)
    notify(
        user=offer.specialist.user,
        message=f"The offer of case {case.reference} expired before you answered it.",
        link=reverse("specialists:home"),
    )
    _offer_next_after(case, offer, "did not answer in time")
    return Case.objects.get(pk=case.pk)


def _offer_next_after(case: Case, ended: Offer, what: str) -> None:
    """After an offer is declined or expires: in automatic mode, offer the next match; tell the
    coordinator who made the offer what happened, and that they must act when no one is left."""
    coordinator = ended.offered_by
    link = reverse("specialists:match", args=[case.reference])
    message = f"{ended.specialist} {what} on case {case.reference}. Choose another specialist."
    if ended.automatic:
        try:
            offer = offer_case(case=case, by=coordinator, automatic=True, specialty=ended.specialty)
        except ApplicationError as error:
            message = (
                f"Case {case.reference} needs you: {ended.specialist} {what}, and it could not "
                f"be offered automatically. {error.message}"
            )
        else:
            message = (
                f"{ended.specialist} {what} on case {case.reference}; it was offered "
                f"automatically to {offer.specialist}, the next match."
            )
    notify(user=coordinator, message=message[:300], link=link)


@transaction.atomic
def save_opinion_draft(*, case: Case, by, **answers) -> Opinion:
    if not permissions.can_write_opinion(by, case):
        raise ApplicationError("You can only write an opinion on a case you are reviewing.")
    unknown = set(answers) - set(Opinion.ANSWER_FIELDS)
    if unknown:
        raise ValueError(f"Not opinion fields: {sorted(unknown)}")
    questions = doctor_question_lines(answers.get("doctor_questions", ""))
    if len(questions) > Opinion.MAX_DOCTOR_QUESTIONS:
        raise ApplicationError(
            f"Write at most {Opinion.MAX_DOCTOR_QUESTIONS} questions for the patient's doctor, "
            f"one a line (there are {len(questions)}).",
            field="doctor_questions",
        )
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


# Information requests --------------------------------------------------------------------------

# Who asks, in which state, by which transition; and the transition that answers it.
_ASK_TRANSITION = {
    Status.IN_REVIEW: "request_information",
    Status.TRIAGE: "request_patient_information",
}
_ANSWER_TRANSITION = {
    Status.INFO_REQUESTED: "answer_information_request",
    Status.NEEDS_INFO: "provide_information",
}


@transaction.atomic
def request_information(
    *, case: Case, by, question: str, requested_record_kind: str = ""
) -> InformationRequest:
    """The specialist (reviewing) or a coordinator (in triage) asks the patient's side a question,
    or for a record. The case waits on the patient (the review's clock pauses) until answered."""
    question = question.strip()
    if not question:
        raise ApplicationError("Write your question for the patient.", field="question")
    if requested_record_kind and requested_record_kind not in RecordFile.Label.values:
        raise ApplicationError(
            "Choose the kind of record from the list.", field="requested_record_kind"
        )
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    name = _ASK_TRANSITION.get(locked.status, "request_information")
    case = _transition(locked, name, by=by)
    information_request = InformationRequest.objects.create(
        case=case, asked_by=by, question=question, requested_record_kind=requested_record_kind
    )
    _audit(case, by, "information_request.create", information_request)
    who = "The specialist" if name == "request_information" else "A coordinator"
    _notify_patient(case, f"{who} has a question about your case {case.reference}.")
    return information_request


@transaction.atomic
def answer_information_request(
    *, case: Case, by, answer: str = "", files: Iterable[File] = ()
) -> InformationRequest:
    """The patient's side answers the open question with text and/or records; the case goes back
    to whoever asked. A file that is refused refuses the whole answer, saying which and why."""
    answer, files = answer.strip(), list(files)
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    name = _ANSWER_TRANSITION.get(locked.status, "answer_information_request")
    case = _transition(locked, name, by=by)  # raising below rolls the transition back
    information_request = selectors.open_information_request(case)
    if information_request is None:
        raise ApplicationError("There is no open question on this case.")
    if not answer and not files:
        raise ApplicationError("Write an answer or add a file.", field="answer")
    for upload in files:
        record = record_services.add_record(case=case, by=by, upload=upload)
        if information_request.requested_record_kind:
            record_services.describe_record(
                record=record, by=by, label=information_request.requested_record_kind, note=""
            )
    information_request.answer = answer
    information_request.answered_by = by
    information_request.answered_at = timezone.now()
    information_request.save(update_fields=["answer", "answered_by", "answered_at"])
    _audit(case, by, "information_request.answer", information_request, files=len(files))
    notify(
        user=information_request.asked_by,
        message=f"The patient answered your question on case {case.reference}.",
        link=reverse("cases:case-detail", args=[case.reference]),
    )
    return information_request


# After delivery: follow-up questions, addenda, closing, sharing the report --------------------


@transaction.atomic
def ask_follow_up(*, case: Case, by, question: str) -> FollowUpQuestion:
    """The patient's side asks the specialist a follow-up question about a delivered opinion:
    up to FOLLOW_UP_MAX_QUESTIONS, within FOLLOW_UP_DAYS of delivery."""
    case = Case.objects.select_for_update(of=("self",)).select_related("specialist").get(pk=case.pk)
    if not permissions.is_owner(by, case):
        raise ApplicationError("You don't have permission to do that on this case.")
    if case.status != Status.DELIVERED:
        raise ApplicationError(
            "Follow-up questions can be asked only once the opinion is delivered, until the case "
            "closes."
        )
    deadline = selectors.follow_up_deadline(case)
    if deadline is not None and timezone.now() > deadline:
        raise ApplicationError(
            "Follow-up questions could be asked until "
            f"{timezone.localtime(deadline):%-d %B %Y}; that time has passed."
        )
    if selectors.follow_ups_left(case) == 0:
        raise ApplicationError(
            f"You have asked the {settings.FOLLOW_UP_MAX_QUESTIONS} follow-up questions your "
            "opinion includes. Write to the coordinator if you need more help."
        )
    question = question.strip()
    if not question:
        raise ApplicationError("Write your question.", field="question")
    follow_up = FollowUpQuestion.objects.create(case=case, asked_by=by, question=question)
    _audit(case, by, "follow_up.ask", follow_up)
    notify(
        user=case.specialist.user,
        message=f"The patient asked a follow-up question on case {case.reference}.",
        link=reverse("cases:case-detail", args=[case.reference]),
    )
    return follow_up


@transaction.atomic
def answer_follow_up(*, follow_up: FollowUpQuestion, by, answer: str) -> FollowUpQuestion:
    """The specialist answers a follow-up question: an addendum to the delivered opinion (which
    is never edited otherwise), and a new version of the PDF report."""
    follow_up = FollowUpQuestion.objects.select_for_update().get(pk=follow_up.pk)
    case = Case.objects.select_related("specialist").get(pk=follow_up.case_id)
    if not permissions.is_assigned_specialist(by, case):
        raise ApplicationError("Only the specialist who wrote the opinion can answer.")
    if not follow_up.is_open:
        raise ApplicationError("This question is already answered.")
    answer = answer.strip()
    if not answer:
        raise ApplicationError("Write your answer.", field="answer")
    follow_up.answer = answer
    follow_up.answered_by = by
    follow_up.answered_at = timezone.now()
    follow_up.save(update_fields=["answer", "answered_by", "answered_at"])
    _audit(case, by, "follow_up.answer", follow_up)
    _notify_patient(case, f"The specialist answered your follow-up question on {case.reference}.")
    opinion = Opinion.objects.get(case=case)
    addenda = FollowUpQuestion.objects.filter(case=case, answered_at__isnull=False).count()
    from .tasks import render_report

    opinion_id, revision = opinion.pk, opinion.revision
    transaction.on_commit(lambda: render_report.delay(opinion_id, revision, addenda), robust=True)
    return follow_up


def close_cases_after_follow_up_window() -> list[Case]:
    """Close each delivered case whose follow-up window has ended and whose follow-up questions
    are all answered (the beat task's service)."""
    closed = []
    for case in selectors.delivered_cases_to_close(timezone.now()):
        with transaction.atomic():
            closed.append(_transition(case, "close", by=None, note="The follow-up window ended"))
            _notify_patient(case, f"Your case {case.reference} is now closed.")
    return closed


class ShareLinkNotFound(ApplicationError):
    """No share has this token (as against one used up or expired)."""

    def __init__(self):
        super().__init__("This link is not valid. Ask the patient for a new one.")


class ShareLinkUsed(ApplicationError):
    def __init__(self):
        super().__init__(
            "This link has been used already: it works once. Ask the patient for a new one."
        )


class ShareLinkExpired(ApplicationError):
    def __init__(self):
        super().__init__("This link has expired. Ask the patient for a new one.")


# The salt referrers' report links were first made with; a patient's shares made before it have
# a random token, found by the same hash.
REPORT_SHARE_LINK = links.LinkKind(
    salt="cases.referrals.report",
    not_found=ShareLinkNotFound,
    used_field="used_at",
    expires_field="expires_at",
    errors={"used": ShareLinkUsed, "expired": ShareLinkExpired},
)


@transaction.atomic
def share_report(*, case: Case, by, **audit_detail) -> tuple[ReportShare, str]:
    """A single-use link, valid REPORT_SHARE_DAYS, for the patient's own doctor (or, through
    referrals, the referrer) to download the current report. Returns the share and the token
    (only its hash and nonce are stored; the patient sees the link once, an email rebuilds it)."""
    if not permissions.can_share_report(by, case):
        raise ApplicationError("You can share the report once the opinion is delivered to you.")
    if not selectors.delivered_reports_for(case).exists():
        raise ApplicationError("The PDF report is still being prepared. Try again in a moment.")
    nonce, token_hash = REPORT_SHARE_LINK.new()
    share = ReportShare.objects.create(
        case=case,
        created_by=by,
        nonce=nonce,
        token_hash=token_hash,
        expires_at=timezone.now() + timezone.timedelta(days=settings.REPORT_SHARE_DAYS),
    )
    _audit(case, by, "report.share", share, **audit_detail)
    return share, REPORT_SHARE_LINK.token(nonce)


def report_share_path(share: ReportShare) -> str:
    """The path of a share's link, rebuilt from its nonce (for the email to a referrer)."""
    return reverse("cases:report-share", args=[REPORT_SHARE_LINK.token(share.nonce)])


def shared_report(*, token: str) -> ReportShare:
    """The share a link names, if it can still be used (else ApplicationError saying why)."""
    share = REPORT_SHARE_LINK.find(ReportShare.objects.all(), token)
    if not permissions.can_open_shared_report(share.case):
        raise ApplicationError("This report is no longer shared. Ask the patient about it.")
    return share


@transaction.atomic
def open_shared_report(*, token: str) -> Report:
    """Use a share link: the current report, once; audited."""
    share = shared_report(token=token)
    share = ReportShare.objects.select_for_update().get(pk=share.pk)
    if share.used_at is not None:  # two clicks at once: the second loses
        raise ApplicationError("This link has been used already: it works once.")
    report = selectors.delivered_reports_for(share.case).first()  # the current delivered one
    if report is None:
        raise ApplicationError("The report is not available. Ask the patient for a new link.")
    share.used_at = timezone.now()
    share.report = report
    share.save(update_fields=["used_at", "report"])
    record_event(
        actor=None,
        action="report.share_download",
        obj=report,
        case_id=share.case_id,
        detail={"share": share.pk},
    )
    return report


# Messages ----------------------------------------------------------------------------------------


@transaction.atomic
def post_message(*, case: Case, by, body: str, files: Iterable[File] = ()) -> Message:
    """A message on the case; the other parties are told there is one (never what it says).

    Files come through the records pipeline (type, size, duplicate, scan) as records of the case,
    linked from the message; a file that is refused refuses the message, saying which and why.
    """
    if not permissions.can_message(by, case):
        raise ApplicationError("You can't send messages on this case.")
    files = list(files)
    if files and not permissions.can_add_records(by, case):
        raise ApplicationError(
            "Only the patient's side can attach records, while the case is open.", field="file"
        )
    body = body.strip()
    if not body:
        raise ApplicationError("Write your message.", field="body")
    if len(body) > Message.MAX_LENGTH:
        raise ApplicationError(
            f"Your message must be {Message.MAX_LENGTH} characters or fewer (it has {len(body)}).",
            field="body",
        )
    message = Message.objects.create(case=case, author=by, body=body)
    for upload in files:
        try:
            message.attachments.add(record_services.add_record(case=case, by=by, upload=upload))
        except ApplicationError as error:
            raise ApplicationError(error.message, field="file") from error
    _audit(case, by, "message.post", message, files=len(files))
    link = reverse("cases:case-messages", args=[case.reference])
    text = f"There is a new message on case {case.reference}."
    if not permissions.is_owner(by, case):
        notify(user=case.owner, message=text, link=link)
    if case.specialist_id and case.specialist.user_id != by.pk:
        notify(user=case.specialist.user, message=text, link=link)
    return message


@transaction.atomic
def read_messages(*, case: Case, by) -> list[Message]:
    """The case's messages for `by`, who has now read them all (audited)."""
    if not permissions.can_message(by, case):
        raise ApplicationError("You can't read messages on this case.")
    messages = list(selectors.messages_for(case))
    MessageReadMarker.objects.update_or_create(
        case=case, user=by, defaults={"read_up_to": timezone.now()}
    )
    _audit(case, by, "message.read", count=len(messages))
    return messages
