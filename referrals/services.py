"""Referrals: a doctor or organisation refers a patient (through its own revocable link, or a
coordinator enters the referral); the patient is invited by email to sign up and claim a draft
case pre-filled from it; the referrer hears how it goes only with the patient's consent.

Links follow the one link scheme (secondopinion.links): a token derived from a stored nonce and
the secret key, of which only the SHA-256 is stored. Emails to people without an account go
through the one outbox (notifications), written in the same transaction; this module composes
them at send time, and they never carry health information.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import permissions, selectors
from cases import services as case_services
from cases.models import Case, CaseEvent, CaseFor, Status
from review import selectors as review_selectors
from review import services as review_services
from review.models import ReportShare
from secondopinion import links
from secondopinion.accounts.models import User
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.emails import RenderedEmail, render_email
from secondopinion.notifications.services import enqueue_email

from .models import Referral, ReferralSource

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
            _(
                "This referral link does not work. Check that you copied the whole link, or ask "
                "Second Opinion for a new one."
            )
        )


class LinkRevoked(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "This referral link no longer works: it has been withdrawn. Nothing was sent. "
                "Ask Second Opinion for a new link, or email us the referral."
            )
        )


class InvitationNotValid(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "This invitation link does not work. Check that you copied the whole link from the "
                "email."
            )
        )


class InvitationExpired(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "This invitation has expired. Ask the doctor who referred you to refer you again, or "
                "start a request yourself."
            )
        )


class InvitationUsed(ApplicationError):
    def __init__(self):
        super().__init__(
            _("This invitation has already been used to open a request, so it no longer works.")
        )


class InvitationForSomeoneElse(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "This invitation was sent to another email address. Sign in with that address to "
                "accept it. The invitation still works for the person it was sent to."
            )
        )


class InvitationEmailNotConfirmed(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "Confirm your email address first: open the link in the email we sent you when you "
                "created your account, then follow this invitation again."
            )
        )


# Salts and token formats unchanged since the first links were sent, so those links still work.
SOURCE_LINK = links.LinkKind(
    salt="cases.referrals.source",
    not_found=LinkNotValid,
    revoked_field="revoked_at",
    errors={"revoked": LinkRevoked},
)
INVITATION_LINK = links.LinkKind(
    salt="cases.referrals.invitation",
    not_found=InvitationNotValid,
    used_field="claimed_at",
    expires_field="expires_at",
    errors={"used": InvitationUsed, "expired": InvitationExpired},
)


def _require_coordinator(by: User) -> None:
    if not permissions.is_coordinator(by):
        raise ApplicationError(_("Only coordinators can manage referrals."))


# Referral sources and their links --------------------------------------------------------------


def source_path(source: ReferralSource) -> str:
    """The path of a source's referral link (rebuilt from its nonce; it names no one)."""
    return reverse("referrals:refer", args=[SOURCE_LINK.token(source.nonce)])


def referral_sources() -> QuerySet[ReferralSource]:
    """Every source, active ones first, each with its number of referrals (`referral_count`)."""
    return ReferralSource.objects.annotate(referral_count=Count("referrals")).order_by(
        F("revoked_at").asc(nulls_first=True), "name", "id"
    )


@transaction.atomic
def create_referral_source(*, by: User, name: str, contact_email: str) -> ReferralSource:
    """A coordinator adds a referring organisation or doctor, with its own referral link."""
    _require_coordinator(by)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the organisation's or doctor's name."), field="name")
    nonce, token_hash = SOURCE_LINK.new()
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
def revoke_referral_source(*, source: ReferralSource, by: User) -> ReferralSource:
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
    return SOURCE_LINK.find(ReferralSource.objects.all(), token)


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
            _(
                "This is the referrer's own email address. Give the patient's email address, so we "
                "can invite them."
            ),
            field="patient_email",
        )
    nonce, token_hash = INVITATION_LINK.new()
    referral = Referral.objects.create(
        source=source,
        entered_by=entered_by,
        nonce=nonce,
        token_hash=token_hash,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        **cleaned,
    )
    enqueue_email(
        kind=INVITATION_EMAIL,
        key=f"{INVITATION_EMAIL}:{referral.pk}",
        to_address=referral.patient_email,
        object_id=referral.pk,
    )
    return referral


@transaction.atomic
def submit_referral(*, token: str, **answers) -> Referral:
    """A referrer (no account) sends a referral through their organisation's link. A revoked or
    unknown link stores nothing."""
    source = ReferralSource.objects.select_for_update().get(pk=source_for_token(token).pk)
    SOURCE_LINK.check(source)  # revoked while the form was open
    referral = _create_referral(source=source, entered_by=None, answers=answers)
    record_event(actor=None, action="referral.submit", obj=referral, detail={"source": source.pk})
    return referral


@transaction.atomic
def enter_referral(*, by: User, source: ReferralSource | None = None, **answers) -> Referral:
    """A coordinator enters a referral received by phone, letter or fax."""
    _require_coordinator(by)
    if source is not None and not source.is_active:
        raise ApplicationError(_("That referral source's link is withdrawn."), field="source")
    referral = _create_referral(source=source, entered_by=by, answers=answers)
    record_event(actor=by, action="referral.enter", obj=referral)
    return referral


def invitation_path(referral: Referral) -> str:
    return reverse("referrals:invitation", args=[INVITATION_LINK.token(referral.nonce)])


def invitation_for_token(token: str) -> Referral:
    """The referral an invitation link names if it can still be claimed, else
    InvitationNotValid / InvitationUsed / InvitationExpired."""
    return INVITATION_LINK.find(Referral.objects.all(), token)


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
    referral = Referral.objects.filter(token_hash=links.hash_token(token), claimed_by=user).first()
    return referral.case if referral and referral.case_id else None


@transaction.atomic
def claim_referral(*, token: str, by: User) -> Case:
    """The invited patient, signed in, opens a draft case pre-filled from the referral. An
    invitation is claimed once, and only by the account whose verified email it was sent to:
    anyone else is refused and the invitation stays usable."""
    if not permissions.is_patient_side(by):
        raise ApplicationError(
            _(
                "Sign in with a patient account to accept this invitation: staff accounts cannot "
                "open a request."
            )
        )
    referral = Referral.objects.select_for_update().get(pk=invitation_for_token(token).pk)
    INVITATION_LINK.check(referral)  # two claims at once: the second loses
    check_invited(by, referral)
    case = case_services.create_case(by=by, case_for=CaseFor.SELF)
    answers = {
        case_field: getattr(referral, referral_field)
        for case_field, referral_field in PRE_FILLED.items()
        if getattr(referral, referral_field)
    }
    case_services.update_case(case=case, by=by, **answers)
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
def set_referrer_updates(*, case: Case, by: User, consent: bool) -> Referral:
    """The patient's side chooses whether the referrer gets an email when the case moves on."""
    if not permissions.is_owner(by, case):
        raise ApplicationError(_("Only the patient can choose what the referrer is told."))
    referral = Referral.objects.select_for_update().filter(case=case).first()
    if referral is None:
        raise ApplicationError(_("This case did not come from a referral."))
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


def case_status_changed(case: Case, name: str) -> None:
    """Subscribed to every transition, inside its transaction: queue a status email to the referrer
    when the case came from a referral and the patient consents (else nothing)."""
    referral = Referral.objects.filter(case_id=case.pk, referrer_updates=True).first()
    if referral is None:
        return
    event = CaseEvent.objects.filter(case=case).order_by("-pk").first()  # this transition's
    enqueue_email(
        kind=STATUS_EMAIL,
        key=f"{STATUS_EMAIL}:{event.pk if event else case.status}",
        to_address=referral.referrer_email,
        object_id=referral.pk,
        params={"status": case.status},
    )


@transaction.atomic
def share_report_with_referrer(*, case: Case, by: User) -> ReportShare:
    """Email the referrer a single-use, expiring link to the current report (the same share
    link a patient can give their own doctor, made by the same service)."""
    if not permissions.can_share_report(by, case):
        raise ApplicationError(_("You can share the report once the opinion is delivered to you."))
    referral = referral_for_case(case)
    if referral is None:
        raise ApplicationError(_("This case did not come from a referral."))
    share, _token = review_services.share_report(
        case=case, by=by, to="referrer", referral=referral.pk
    )
    enqueue_email(
        kind=REPORT_EMAIL,
        key=f"{REPORT_EMAIL}:{share.pk}",
        to_address=referral.referrer_email,
        object_id=referral.pk,
        params={"share": share.pk},
    )
    return share


# Emails (composed by the outbox at send time) ---------------------------------------------------

INVITATION_EMAIL = "referrals.invitation"
STATUS_EMAIL = "referrals.status"
REPORT_EMAIL = "referrals.report"
EMAIL_KINDS = (INVITATION_EMAIL, STATUS_EMAIL, REPORT_EMAIL)


def compose_referral_email(email) -> RenderedEmail | None:
    """A queued email about a referral. Links are rebuilt from nonces, and nothing names the
    patient or their health."""
    referral = Referral.objects.filter(pk=email.object_id).first()
    if referral is None:
        return None
    context: dict[str, object] = {"reference": referral.reference}
    if email.kind == INVITATION_EMAIL:
        context["link"] = settings.SITE_URL + invitation_path(referral)
        context["expires_at"] = referral.expires_at
    elif email.kind == STATUS_EMAIL:
        status = email.params.get("status")
        context["status"] = Status(status).label if status else ""
    else:
        share = review_selectors.report_share_by_id(email.params.get("share"))
        if share is None:
            return None
        context["link"] = settings.SITE_URL + review_services.report_share_path(share)
        context["days"] = settings.REPORT_SHARE_DAYS
    template = email.kind.removeprefix("referrals.")
    return render_email(f"referrals/email/{template}", context)
