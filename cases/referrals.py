"""Referrals: a doctor or organisation refers a patient (through its own revocable link, or a
coordinator enters the referral); the patient is invited by email to sign up and claim a draft
case pre-filled from it; the referrer hears how it goes only with the patient's consent.

Links carry a token derived from a stored nonce and the secret key; only the token's SHA-256 is
stored to find the row. Emails to people without an account go through `ReferralEmail`, an
outbox written in the same transaction, and never carry health information.
"""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.emails import RenderedEmail, render_email, send_email

from . import permissions, selectors
from .models import (
    Case,
    CaseFor,
    Referral,
    ReferralEmail,
    ReferralSource,
    ReportShare,
    Status,
)

# How long an invitation to claim a referral stays valid.
INVITATION_DAYS = 30
# The fields a referrer fills in, copied onto the patient's draft (case field: referral field).
PRE_FILLED = {
    "patient_name": "patient_name",
    "diagnosis": "diagnosis",
    "treating_doctor": "treating_doctor",
    "treating_institution": "treating_institution",
    "question": "question",
}
REFERRAL_FIELDS = (
    "referrer_name",
    "referrer_email",
    "patient_name",
    "patient_email",
    "diagnosis",
    "treating_doctor",
    "treating_institution",
    "question",
)


class LinkNotValid(ApplicationError):
    def __init__(self):
        super().__init__(
            "This referral link does not work. Check that you copied the whole link, or ask "
            "Second Opinion for a new one."
        )


class LinkRevoked(ApplicationError):
    def __init__(self):
        super().__init__(
            "This referral link no longer works: it has been withdrawn. Nothing was sent. "
            "Ask Second Opinion for a new link, or email us the referral."
        )


class InvitationNotValid(ApplicationError):
    def __init__(self):
        super().__init__(
            "This invitation link does not work. Check that you copied the whole link from the "
            "email."
        )


class InvitationExpired(ApplicationError):
    def __init__(self):
        super().__init__(
            "This invitation has expired. Ask the doctor who referred you to refer you again, or "
            "start a request yourself."
        )


class InvitationUsed(ApplicationError):
    def __init__(self):
        super().__init__(
            "This invitation has already been used to open a request, so it no longer works."
        )


class InvitationForSomeoneElse(ApplicationError):
    def __init__(self):
        super().__init__(
            "This invitation was sent to another email address. Sign in with that address to "
            "accept it. The invitation still works for the person it was sent to."
        )


class InvitationEmailNotConfirmed(ApplicationError):
    def __init__(self):
        super().__init__(
            "Confirm your email address first: open the link in the email we sent you when you "
            "created your account, then follow this invitation again."
        )


def _token(purpose: str, nonce: str) -> str:
    return salted_hmac(f"cases.referrals.{purpose}", nonce, algorithm="sha256").hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_nonce_and_hash(purpose: str) -> tuple[str, str]:
    nonce = secrets.token_hex(32)
    return nonce, _hash(_token(purpose, nonce))


def _require_coordinator(by) -> None:
    if not permissions.is_coordinator(by):
        raise ApplicationError("Only coordinators can manage referrals.")


# Referral sources and their links --------------------------------------------------------------


def source_path(source: ReferralSource) -> str:
    """The path of a source's referral link (rebuilt from its nonce; it names no one)."""
    return reverse("referrals:refer", args=[_token("source", source.nonce)])


def referral_sources() -> QuerySet[ReferralSource]:
    """Every source, active ones first, each with its number of referrals (`referral_count`)."""
    return ReferralSource.objects.annotate(referral_count=Count("referrals")).order_by(
        F("revoked_at").asc(nulls_first=True), "name", "id"
    )


@transaction.atomic
def create_referral_source(*, by, name: str, contact_email: str) -> ReferralSource:
    """A coordinator adds a referring organisation or doctor, with its own referral link."""
    _require_coordinator(by)
    name = name.strip()
    if not name:
        raise ApplicationError("Give the organisation's or doctor's name.", field="name")
    nonce, token_hash = _new_nonce_and_hash("source")
    source = ReferralSource.objects.create(
        name=name,
        contact_email=contact_email.strip().lower(),
        nonce=nonce,
        token_hash=token_hash,
        created_by=by,
    )
    record_event(actor=by, action="referral_source.create", obj=source)
    return source


@transaction.atomic
def revoke_referral_source(*, source: ReferralSource, by) -> ReferralSource:
    """The source's link stops working at once; its past referrals are kept."""
    _require_coordinator(by)
    source = ReferralSource.objects.select_for_update().get(pk=source.pk)
    if source.revoked_at is None:
        source.revoked_at = timezone.now()
        source.revoked_by = by
        source.save(update_fields=["revoked_at", "revoked_by"])
        record_event(actor=by, action="referral_source.revoke", obj=source)
    return source


def source_for_token(token: str) -> ReferralSource:
    """The active source a referral link names, or LinkNotValid / LinkRevoked."""
    if not token or len(token) > 128:
        raise LinkNotValid
    source = ReferralSource.objects.filter(token_hash=_hash(token)).first()
    if source is None:
        raise LinkNotValid
    if not source.is_active:
        raise LinkRevoked
    return source


# Referrals --------------------------------------------------------------------------------------


def _create_referral(*, source: ReferralSource | None, entered_by, answers: dict) -> Referral:
    unknown = set(answers) - set(REFERRAL_FIELDS)
    if unknown:
        raise ValueError(f"Not referral fields: {sorted(unknown)}")
    cleaned = {name: str(value).strip() for name, value in answers.items()}
    for email_field in ("referrer_email", "patient_email"):
        cleaned[email_field] = cleaned.get(email_field, "").lower()
    if cleaned["patient_email"] == cleaned["referrer_email"]:
        raise ApplicationError(
            "This is the referrer's own email address. Give the patient's email address, so we "
            "can invite them.",
            field="patient_email",
        )
    nonce, token_hash = _new_nonce_and_hash("invitation")
    referral = Referral.objects.create(
        source=source,
        entered_by=entered_by,
        nonce=nonce,
        token_hash=token_hash,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        **cleaned,
    )
    _queue_email(referral, ReferralEmail.Kind.INVITATION)
    return referral


@transaction.atomic
def submit_referral(*, token: str, **answers) -> Referral:
    """A referrer (no account) sends a referral through their organisation's link. A revoked or
    unknown link stores nothing."""
    source = ReferralSource.objects.select_for_update().get(pk=source_for_token(token).pk)
    if not source.is_active:  # revoked while the form was open
        raise LinkRevoked
    referral = _create_referral(source=source, entered_by=None, answers=answers)
    record_event(actor=None, action="referral.submit", obj=referral, detail={"source": source.pk})
    return referral


@transaction.atomic
def enter_referral(*, by, source: ReferralSource | None = None, **answers) -> Referral:
    """A coordinator enters a referral received by phone, letter or fax."""
    _require_coordinator(by)
    if source is not None and not source.is_active:
        raise ApplicationError("That referral source's link is withdrawn.", field="source")
    referral = _create_referral(source=source, entered_by=by, answers=answers)
    record_event(actor=by, action="referral.enter", obj=referral)
    return referral


def invitation_path(referral: Referral) -> str:
    return reverse("referrals:invitation", args=[_token("invitation", referral.nonce)])


def invitation_for_token(token: str) -> Referral:
    """The referral an invitation link names if it can still be claimed, else
    InvitationNotValid / InvitationUsed / InvitationExpired."""
    if not token or len(token) > 128:
        raise InvitationNotValid
    referral = Referral.objects.filter(token_hash=_hash(token)).first()
    if referral is None:
        raise InvitationNotValid
    if referral.claimed_at is not None:
        raise InvitationUsed
    if referral.expires_at <= timezone.now():
        raise InvitationExpired
    return referral


def check_invited(user, referral: Referral) -> None:
    """Only the account whose verified email is the invited address may see or claim an
    invitation: InvitationForSomeoneElse, or InvitationEmailNotConfirmed when the account has
    that address but has not confirmed it yet."""
    invited = referral.patient_email.strip().lower()
    if invited and selectors.verified_emails_of(user).filter(address=invited).exists():
        return
    if invited and EmailAddress.objects.filter(user=user, email__iexact=invited).exists():
        raise InvitationEmailNotConfirmed
    raise InvitationForSomeoneElse


def claimed_case_for(token: str, user) -> Case | None:
    """The case `user` already opened from this invitation (following the link again)."""
    referral = Referral.objects.filter(token_hash=_hash(token), claimed_by=user).first()
    return referral.case if referral and referral.case_id else None


@transaction.atomic
def claim_referral(*, token: str, by) -> Case:
    """The invited patient, signed in, opens a draft case pre-filled from the referral. An
    invitation is claimed once, and only by the account whose verified email it was sent to:
    anyone else is refused and the invitation stays usable."""
    from . import services  # services calls back into this module on each transition

    if not permissions.is_patient_side(by):
        raise ApplicationError(
            "Sign in with a patient account to accept this invitation: staff accounts cannot "
            "open a request."
        )
    referral = Referral.objects.select_for_update().get(pk=invitation_for_token(token).pk)
    if referral.claimed_at is not None:  # two claims at once: the second loses
        raise InvitationUsed
    check_invited(by, referral)
    case = services.create_case(by=by, case_for=CaseFor.SELF)
    answers = {
        case_field: getattr(referral, referral_field)
        for case_field, referral_field in PRE_FILLED.items()
        if getattr(referral, referral_field)
    }
    services.update_case(case=case, by=by, **answers)
    referral.case = case
    referral.claimed_at = timezone.now()
    referral.claimed_by = by
    # The case holds them now: the referral keeps only what reaching the referrer needs, so that
    # deleting the case's information leaves no copy behind.
    for field in PRE_FILLED.values():
        setattr(referral, field, "")
    referral.save(update_fields=["case", "claimed_at", "claimed_by", *PRE_FILLED.values()])
    record_event(actor=by, action="referral.claim", obj=referral, case_id=case.pk)
    return Case.objects.get(pk=case.pk)


def forget_expired_referrals(*, now=None) -> int:
    """Blank the patient's details on invitations that expired unclaimed: nobody will use them,
    and they should not outlive their purpose. Returns how many were blanked."""
    now = now or timezone.now()
    forgotten = {field: "" for field in PRE_FILLED.values()} | {"patient_email": ""}
    return (
        Referral.objects.filter(claimed_at__isnull=True, expires_at__lt=now)
        .exclude(patient_email="")
        .update(**forgotten)
    )


def referral_for_case(case: Case) -> Referral | None:
    return Referral.objects.select_related("source").filter(case=case).first()


@transaction.atomic
def set_referrer_updates(*, case: Case, by, consent: bool) -> Referral:
    """The patient's side chooses whether the referrer gets an email when the case moves on."""
    if not permissions.is_owner(by, case):
        raise ApplicationError("Only the patient can choose what the referrer is told.")
    referral = Referral.objects.select_for_update().filter(case=case).first()
    if referral is None:
        raise ApplicationError("This case did not come from a referral.")
    referral.referrer_updates = consent
    referral.referrer_updates_changed_at = timezone.now()
    referral.save(update_fields=["referrer_updates", "referrer_updates_changed_at"])
    record_event(
        actor=by,
        action="referral.updates_consent",
        obj=referral,
        case_id=case.pk,
        on_behalf_of=selectors.acting_for(case, by),
        detail={"consent": consent},
    )
    return referral


def case_status_changed(*, case: Case) -> ReferralEmail | None:
    """Called by every transition, inside its transaction: queue a status email to the referrer
    when the case came from a referral and the patient consents (else nothing)."""
    referral = Referral.objects.filter(case_id=case.pk, referrer_updates=True).first()
    if referral is None:
        return None
    return _queue_email(referral, ReferralEmail.Kind.STATUS, status=case.status)


@transaction.atomic
def share_report_with_referrer(*, case: Case, by) -> ReportShare:
    """Email the referrer a single-use, expiring link to the current report (the same share
    link a patient can give their own doctor)."""
    if not permissions.can_share_report(by, case):
        raise ApplicationError("You can share the report once the opinion is delivered to you.")
    referral = referral_for_case(case)
    if referral is None:
        raise ApplicationError("This case did not come from a referral.")
    if selectors.latest_report_for(case) is None:
        raise ApplicationError("The PDF report is still being prepared. Try again in a moment.")
    nonce, token_hash = _new_nonce_and_hash("report")
    share = ReportShare.objects.create(
        case=case,
        created_by=by,
        token_hash=token_hash,
        expires_at=timezone.now() + timedelta(days=settings.REPORT_SHARE_DAYS),
    )
    _queue_email(referral, ReferralEmail.Kind.REPORT, nonce=nonce, report_share=share)
    record_event(
        actor=by,
        action="report.share",
        obj=share,
        case_id=case.pk,
        on_behalf_of=selectors.acting_for(case, by),
        detail={"to": "referrer", "referral": referral.pk},
    )
    return share


# Emails -----------------------------------------------------------------------------------------


def _queue_email(referral: Referral, kind: str, **fields) -> ReferralEmail:
    email = ReferralEmail.objects.create(referral=referral, kind=kind, **fields)
    from .tasks import send_referral_email

    # robust: a broker that is down must not fail the change; the outbox keeps the email.
    transaction.on_commit(lambda: send_referral_email.delay(email.pk), robust=True)
    return email


def _email_content(email: ReferralEmail) -> tuple[str, RenderedEmail]:
    """(recipient, email) of a queued email. Links are rebuilt from nonces, and nothing names the
    patient or their health."""
    referral = email.referral
    context = {"reference": referral.reference}
    if email.kind == ReferralEmail.Kind.INVITATION:
        recipient = referral.patient_email
        context["link"] = settings.SITE_URL + invitation_path(referral)
        context["expires_at"] = referral.expires_at
    elif email.kind == ReferralEmail.Kind.STATUS:
        recipient = referral.referrer_email
        context["status"] = Status(email.status).label if email.status else ""
    else:
        recipient = referral.referrer_email
        token = _token("report", email.nonce)
        context["link"] = settings.SITE_URL + reverse("cases:report-share", args=[token])
        context["days"] = settings.REPORT_SHARE_DAYS
    return recipient, render_email(f"cases/referrals/email/{email.kind}", context)


def send_referral_email(*, email_id: int) -> bool:
    """Send one queued referral email unless it was sent already. Returns whether it sent now."""
    with transaction.atomic():
        email = (
            ReferralEmail.objects.select_for_update(of=("self",))
            .select_related("referral")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.sent_at is not None:
            return False
        recipient, content = _email_content(email)
        email.attempts += 1
        try:
            send_email(to=[recipient], email=content)
        except OSError as exc:
            email.last_error = type(exc).__name__
            email.save(update_fields=["attempts", "last_error"])
            raise
        email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "sent_at", "last_error"])
    return True


def unsent_referral_email_ids(*, older_than_seconds: int = 30) -> list[int]:
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ReferralEmail.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=10)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
