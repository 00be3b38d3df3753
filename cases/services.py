"""Everything that changes a case. The state machine lives here and nowhere else.

Each transition is one function named for what happens. It checks who may do it, changes the
state, writes the timeline step and the audit event in one transaction, and enqueues its side
effects (notifications, the PDF report) with `transaction.on_commit`.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from secondopinion.accounts.models import User
from secondopinion.audit import context as audit_context
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.files import checks
from secondopinion.files.checks import ScanStatus
from secondopinion.notifications.services import lazy_text, notify
from secondopinion.words import Words

from . import hooks, intake, permissions, selectors, state_machine, tasks
from .models import (
    Case,
    CaseEvent,
    CaseFor,
    Consent,
    Coverage,
    CoverageCheck,
    ProxyAuthority,
    Status,
)

# Reading ---------------------------------------------------------------------------------------


def view_case(*, reference: str, by: User) -> Case:
    """Fetch a case the user may see (else Case.DoesNotExist, a 404) and audit the read; the case
    carries what its page shows besides (see selectors.case_page_cases)."""
    case = selectors.case_for_page(by, reference)
    record_case_read(case=case, by=by)
    return case


def record_case_read(*, case: Case, by: User) -> None:
    """Audit that `by` was shown the case (the caller has checked they may see it)."""
    state_machine.audit(case, by, "case.view")


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


def _document_type(document: UploadedFile) -> str:
    name = checks.display_name(document.name or "")
    checks.check_size(name, document.size or 0, field="document")
    content_type = checks.detect_type(document)
    if content_type not in AUTHORITY_DOCUMENT_TYPES:
        raise ApplicationError(
            gettext(
                "“%(name)s” is not a PDF or an image. Upload the document as a PDF, or a photo "
                "or scan of it (JPEG, PNG, TIFF or HEIC)."
            )
            % {"name": name},
            field="document",
        )
    return content_type


@transaction.atomic
def record_proxy_authority(
    *, by: User, patient_email: str, basis: str, document: UploadedFile
) -> ProxyAuthority:
    """Record a caregiver's authority to act for a patient, with the document that shows it."""
    if not permissions.is_patient_side(by):
        raise ApplicationError(gettext("Only patients and caregivers can act for a patient."))
    if basis not in ProxyAuthority.Basis.values:
        raise ApplicationError(
            gettext("Choose what gives you the authority to act for them."), field="basis"
        )
    patient_email = patient_email.strip().lower()
    if patient_email == by.email.lower():
        raise ApplicationError(
            gettext(
                "This is your own email address. Give the email address of the person you act for."
            ),
            field="patient_email",
        )
    authority = ProxyAuthority(
        caregiver=by,
        patient_email=patient_email,
        basis=basis,
        document_name=checks.display_name(document.name or ""),
        document_type=_document_type(document),
        scan_status=checks.initial_scan_status(),
    )
    authority.document.save("authority", document, save=True)
    record_event(
        actor=by,
        action="authority.create",
        obj=authority,
        on_behalf_of=selectors.patient_account_of(authority),
    )
    if authority.scan_status == ScanStatus.PENDING:
        transaction.on_commit(
            lambda: tasks.scan_authority_document.delay(authority.pk), robust=True
        )
    return authority


def scan_authority_document(*, authority_id: int) -> ProxyAuthority | None:
    """Scan an authority document waiting for clamd. Idempotent; raises
    scanning.ScannerUnavailable when clamd cannot answer (the task retries)."""
    authority = ProxyAuthority.objects.filter(pk=authority_id).first()
    if authority is None or authority.scan_status != ScanStatus.PENDING:
        return authority
    status, _detail = checks.scan_stored_file(authority.document)
    with transaction.atomic():
        authority = ProxyAuthority.objects.select_for_update().get(pk=authority_id)
        if authority.scan_status != ScanStatus.PENDING:
            return authority
        authority.scan_status, authority.scanned_at = status, timezone.now()
        authority.save(update_fields=["scan_status", "scanned_at"])
        record_event(actor=None, action="authority.scan", obj=authority, detail={"result": status})
        if status == ScanStatus.INFECTED:
            notify(
                user=authority.caregiver,
                message=_(
                    "The document you gave for your authority to act for a patient was "
                    "quarantined: our virus scanner found a virus in it, so no one can open it. "
                    "Record your authority again with a clean copy."
                ),
            )
    return authority


def authority_documents_waiting_for_scan() -> list[int]:
    return list(
        ProxyAuthority.objects.filter(scan_status=ScanStatus.PENDING).values_list("pk", flat=True)
    )


@transaction.atomic
def revoke_proxy_authority(*, authority: ProxyAuthority, by: User) -> ProxyAuthority:
    """The patient stops a caregiver acting for them: the caregiver loses every case it opened."""
    authority = ProxyAuthority.objects.select_for_update().get(pk=authority.pk)
    if not permissions.can_revoke_authority(by, authority):
        raise ApplicationError(gettext("Only the patient can stop someone acting for them."))
    authority.revoked_at = timezone.now()
    authority.revoked_by = by
    authority.save(update_fields=["revoked_at", "revoked_by"])
    record_event(actor=by, action="authority.revoke", obj=authority)
    notify(
        user=authority.caregiver,
        message=_(
            "A patient you acted for has withdrawn your authority. You can no longer see "
            "the requests you opened for them."
        ),
    )
    return authority


def open_authority_document(*, authority: ProxyAuthority, by: User):
    """The document, for download, once the virus scanner has passed it (else ApplicationError)."""
    if not authority.is_downloadable:
        raise ApplicationError(
            gettext("The authority document can't be opened: %(status)s.")
            % {"status": authority.get_scan_status_display()}
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


def _check_authority(by: User, authority: ProxyAuthority | None) -> None:
    if authority is None or authority.caregiver_id != by.pk or not authority.is_active:
        raise ApplicationError(
            gettext("Record your authority to act for the patient first."), field="proxy_authority"
        )


@transaction.atomic
def create_case(*, by: User, case_for: str, authority: ProxyAuthority | None = None) -> Case:
    """Open a draft case. A case for someone else needs the caregiver's standing authority."""
    if not permissions.is_patient_side(by):
        raise ApplicationError(gettext("Only patients and caregivers can open a case."))
    if case_for == CaseFor.SOMEONE_ELSE:
        _check_authority(by, authority)
    else:
        authority = None
    case = Case.objects.create(owner=by, case_for=case_for, proxy_authority=authority)
    if case_for == CaseFor.SELF:
        case.patient_name = by.full_name
        case.save(update_fields=["patient_name"])
    CaseEvent.objects.create(case=case, to_status=Status.DRAFT, actor=by)
    state_machine.audit(case, by, "case.create")
    return case


@transaction.atomic
def open_case_for_patient(
    *, by: User, patient_email: str, basis: str, document: UploadedFile
) -> Case:
    """A caregiver records their authority and opens a draft case for the patient."""
    authority = record_proxy_authority(
        by=by, patient_email=patient_email, basis=basis, document=document
    )
    return create_case(by=by, case_for=CaseFor.SOMEONE_ELSE, authority=authority)


@transaction.atomic
def update_case(*, case: Case, by: User, **answers) -> Case:
    """Save some of the intake's answers on a draft."""
    if not permissions.can_edit_case(by, case):
        raise ApplicationError(
            gettext("This case has been submitted, so its answers can no longer be changed.")
        )
    unknown = set(answers) - intake.INTAKE_ANSWERS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    if "case_for" in answers and not permissions.can_change_who_case_is_for(by, case):
        raise ApplicationError(
            gettext("Only the person who opened this draft can change who it is for.")
        )
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
    state_machine.audit(case, by, "case.update", fields=sorted(answers))
    return case


@transaction.atomic
def set_proxy_authority(
    *,
    case: Case,
    by: User,
    authority: ProxyAuthority | None = None,
    patient_email: str = "",
    basis: str = "",
    document: UploadedFile | None = None,
) -> Case:
    """Put a draft under one of the caregiver's authorities, or a newly recorded one."""
    if not permissions.can_change_who_case_is_for(by, case):
        raise ApplicationError(
            gettext("Only the person who opened this draft can change who it is for.")
        )
    if authority is None:
        if document is None:
            raise ApplicationError(
                gettext("Choose the document that shows your authority."), field="document"
            )
        authority = record_proxy_authority(
            by=by, patient_email=patient_email, basis=basis, document=document
        )
    _check_authority(by, authority)
    case.case_for = CaseFor.SOMEONE_ELSE
    case.proxy_authority = authority
    case.save(update_fields=["case_for", "proxy_authority", "updated_at"])
    state_machine.audit(case, by, "case.update", fields=["proxy_authority"])
    return case


def missing_for_submission(case: Case) -> list[Missing]:
    """What `case` still lacks before it can be submitted, in the order the intake asks."""
    missing = []
    if case.case_for == CaseFor.SOMEONE_ELSE and not (
        case.proxy_authority and case.proxy_authority.is_active
    ):
        missing.append(Missing("proxy_authority", gettext("Your authority to act for the patient")))
    required = dict(intake.REQUIRED_ANSWERS)
    if case.coverage == Coverage.INSURANCE:
        required |= intake.REQUIRED_INSURANCE_ANSWERS
    for answer, text in required.items():
        if getattr(case, answer) in ("", None):
            missing.append(Missing(answer, str(text)))
    if not case.records_to_follow and not hooks.has_records(case):
        missing.append(
            Missing("records", gettext("At least one medical record, or say they will follow"))
        )
    if case.review_type and selectors.price_for(case) is None:
        missing.append(Missing("review_type", gettext("A price for this kind of review (ask us)")))
    if not selectors.has_current_consent(case):
        missing.append(Missing("consent", gettext("Your signed consent")))
    return missing


@transaction.atomic
def sign_consent(
    *, case: Case, by: User, signed_name: str, user_agent: str = "", language: str = ""
) -> Consent:
    """Sign the current consent version for `case`, with the time, IP and browser, and the
    language of the wording the signer was shown for `language` (ConsentText.wording)."""
    if not permissions.can_sign_consent(by, case):
        raise ApplicationError(gettext("This case no longer takes a consent signature."))
    text = selectors.current_consent_text()
    if text is None:
        raise ApplicationError(gettext("We can't take consent right now. Try again later."))
    signed_name = signed_name.strip()
    if not signed_name:
        raise ApplicationError(gettext("Type your full name to sign."), field="signed_name")
    consent = Consent.objects.create(
        case=case,
        text=text,
        signed_by=by,
        on_behalf_of=selectors.acting_for(case, by),
        signed_name=signed_name,
        language=text.wording(language or settings.LANGUAGE_CODE)[0],
        ip=audit_context.current.get().ip,
        user_agent=user_agent[:400],
    )
    state_machine.audit(case, by, "consent.sign", consent, version=text.version)
    return consent


@transaction.atomic
def withdraw_consent(*, case: Case, by: User, reason: str = "") -> Case:
    """Withdraw the case's consent. Before the review starts, this also withdraws the case."""
    if not permissions.is_owner(by, case):
        raise ApplicationError(gettext("You don't have permission to do that on this case."))
    if case.status not in state_machine.WITHDRAWABLE:
        raise ApplicationError(
            gettext(
                "A specialist has already started reviewing your records, so consent can no "
                "longer be withdrawn here. Write to the coordinator on your case page."
            )
        )
    withdrawn = Consent.objects.filter(case=case, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=by
    )
    if not withdrawn:
        raise ApplicationError(gettext("There is no signed consent on this case to withdraw."))
    state_machine.audit(case, by, "consent.withdraw", consent_count=withdrawn)
    if case.status != Status.DRAFT:
        case = state_machine.transition(
            case, "withdraw", by=by, note=reason, words=Words(gettext_noop("Consent withdrawn"))
        )
    return case


@transaction.atomic
def submit_case(*, case: Case, by: User) -> Case:
    case = state_machine.transition(case, "submit", by=by)
    missing = missing_for_submission(case)
    if missing:  # raising here rolls the transition back
        raise ApplicationError(
            gettext("Your request is not complete. Still needed: %(missing)s.")
            % {"missing": "; ".join(item.text for item in missing)}
        )
    price = selectors.price_for(case)
    assert price is not None, "a complete request has a price (missing_answers checks it)"
    case.submitted_at = timezone.now()
    case.price_amount, case.price_currency = price.amount, price.currency
    case.save(update_fields=["submitted_at", "price_amount", "price_currency"])
    state_machine.notify_patient(
        case,
        lazy_text(
            _("Your case %(reference)s was submitted. A coordinator will check it next."),
            reference=case.reference,
        ),
    )
    return case


@transaction.atomic
def withdraw_case(*, case: Case, by: User, reason: str) -> Case:
    case = state_machine.transition(case, "withdraw", by=by, note=reason)
    return case


# Coordinators ----------------------------------------------------------------------------------


@transaction.atomic
def start_triage(*, case: Case, by: User) -> Case:
    return state_machine.transition(case, "start_triage", by=by)


@transaction.atomic
def send_to_matching(*, case: Case, by: User) -> Case:
    return state_machine.transition(case, "send_to_matching", by=by)


@transaction.atomic
def cancel_case(*, case: Case, by: User, reason: str) -> Case:
    case = state_machine.transition(case, "cancel", by=by, note=reason)
    state_machine.notify_patient(
        case,
        lazy_text(
            _("Your case %(reference)s was cancelled by a coordinator."), reference=case.reference
        ),
    )
    return case


def assign_specialist(*, case: Case, specialist) -> Case:
    """The specialist who accepted the offer reviews the case (called by specialists' offers,
    inside the acceptance's transaction)."""
    case.specialist = specialist
    case.save(update_fields=["specialist", "updated_at"])
    return case


@transaction.atomic
def record_coverage_check(
    *,
    case: Case,
    by: User,
    result: str,
    preauthorization: str,
    preauthorization_reference: str = "",
    patient_share: Decimal | None = None,
) -> CoverageCheck:
    """A coordinator records how the case is paid for; the patient sees it on the case page."""
    if not permissions.can_check_coverage(by, case):
        raise ApplicationError(gettext("Coverage can only be checked on a submitted, open case."))
    if (
        preauthorization == CoverageCheck.PreAuthorization.APPROVED
        and not preauthorization_reference.strip()
    ):
        raise ApplicationError(
            gettext("Enter the insurer's reference for the approval."),
            field="preauthorization_reference",
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
    state_machine.audit(case, by, "coverage.check", check)
    state_machine.notify_patient(
        case,
        lazy_text(
            _("The cover for your case %(reference)s has been checked."), reference=case.reference
        ),
    )
    return check


# Specialists -----------------------------------------------------------------------------------


# Information requests --------------------------------------------------------------------------


# After delivery: follow-up questions, addenda, closing, sharing the report --------------------


# Messages ----------------------------------------------------------------------------------------
