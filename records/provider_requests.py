"""Records requests to providers: a single-use, expiring link a provider (who has no account)
uses to send the patient's records, the emails that carry it (through the one outbox) and their
reminders."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from cases import permissions as case_permissions
from secondopinion import links
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.notifications.emails import RenderedEmail, render_email
from secondopinion.notifications.services import enqueue_email, lazy_text, notify

from . import selectors
from .models import RecordsRequest


class LinkNotValid(ApplicationError):
    def __init__(self):
        super().__init__(
            _("This link is not valid. Check that you copied the whole link from the email.")
        )


class LinkExpired(ApplicationError):
    def __init__(self):
        super().__init__(
            _("This link has expired. Ask the patient to send you a new one from Second Opinion.")
        )


class LinkUsed(ApplicationError):
    def __init__(self):
        super().__init__(
            _(
                "This link has already been used to send records, so it no longer works. "
                "If you have more to send, ask the patient for a new link."
            )
        )


# Salt and token format unchanged since the first links were sent, so those links still work.
PROVIDER_LINK = links.LinkKind(
    salt="records.RecordsRequest.link",
    not_found=LinkNotValid,
    used_field="received_at",
    expires_field="expires_at",
    errors={"used": LinkUsed, "expired": LinkExpired},
)


def _new_link(records_request: RecordsRequest) -> None:
    records_request.nonce, records_request.token_hash = PROVIDER_LINK.new()
    records_request.expires_at = timezone.now() + timedelta(days=settings.RECORDS_REQUEST_LINK_DAYS)


def provider_link(records_request: RecordsRequest) -> str:
    """The link emailed to the provider (never stored; rebuilt from the nonce for each email)."""
    token = PROVIDER_LINK.token(records_request.nonce)
    return settings.SITE_URL + reverse("records:provider-link", args=[token])


REQUEST_EMAIL = "records.request"


REMINDER_EMAIL = "records.reminder"


def _queue_provider_email(records_request: RecordsRequest, kind: str) -> None:
    # One email per link (a resend makes a new link) and per reminder of that link.
    link_id = records_request.token_hash[:16]
    key = f"{kind}:{records_request.pk}:{link_id}"
    if kind == REMINDER_EMAIL:
        key += f":{records_request.reminders_sent}"
    enqueue_email(
        kind=kind, key=key, to_address=records_request.provider_email, object_id=records_request.pk
    )


@transaction.atomic
def create_records_request(
    *,
    case,
    by,
    provider_name: str,
    provider_organisation: str,
    provider_email: str,
    records_wanted: str,
) -> RecordsRequest:
    if not case_permissions.can_add_records(by, case):
        raise ApplicationError(_("This case is not accepting new records."))
    patient = selectors.patient_identity_for(case=case, asker=by)
    if not (patient.name and patient.date_of_birth):
        # The provider finds the records by the patient's name and date of birth.
        raise ApplicationError(
            _(
                "First give the patient's full name and date of birth in the request: the provider "
                "needs both to find the right records."
            )
        )
    records_request = RecordsRequest(
        case=case,
        requested_by=by,
        provider_name=provider_name,
        provider_organisation=provider_organisation,
        provider_email=provider_email,
        records_wanted=records_wanted,
    )
    _new_link(records_request)
    records_request.save()
    record_event(actor=by, action="records_request.create", obj=records_request, case_id=case.pk)
    _queue_provider_email(records_request, REQUEST_EMAIL)
    return records_request


@transaction.atomic
def resend_records_request(*, records_request: RecordsRequest, by) -> RecordsRequest:
    """Send the provider a new link (the old one stops working) with a new expiry date."""
    records_request = RecordsRequest.objects.select_for_update().get(pk=records_request.pk)
    case = records_request.case
    if not case_permissions.can_add_records(by, case):
        raise ApplicationError(_("This case is not accepting new records."))
    if records_request.received_at:
        raise ApplicationError(_("The provider has already sent these records."))
    _new_link(records_request)
    records_request.opened_at = None
    records_request.reminders_sent = 0
    records_request.save()
    record_event(actor=by, action="records_request.resend", obj=records_request, case_id=case.pk)
    _queue_provider_email(records_request, REQUEST_EMAIL)
    return records_request


def records_request_for_token(token: str) -> RecordsRequest:
    """The open request a link's token names, or LinkNotValid / LinkExpired / LinkUsed."""
    records_request = PROVIDER_LINK.find(
        RecordsRequest.objects.select_related("case__owner"), token
    )
    return check_records_request_open(records_request)


def check_records_request_open(records_request: RecordsRequest) -> RecordsRequest:
    PROVIDER_LINK.check(records_request)
    if not case_permissions.can_take_provider_records(records_request.case):
        raise ApplicationError(
            _("This patient's case is no longer accepting records, so this link no longer works.")
        )
    return records_request


@transaction.atomic
def open_records_request(*, token: str) -> RecordsRequest:
    """A provider followed the emailed link: check it and note the first time it was opened."""
    records_request = records_request_for_token(token)
    if records_request.opened_at is None:
        records_request.opened_at = timezone.now()
        records_request.save(update_fields=["opened_at"])
    record_event(
        actor=None,
        action="records_request.open",
        obj=records_request,
        case_id=records_request.case_id,
    )
    return records_request


@transaction.atomic
def finish_records_request(*, records_request: RecordsRequest) -> RecordsRequest:
    """The provider has sent what they have: the link is used up and the patient is told."""
    records_request = (
        RecordsRequest.objects.select_for_update()
        .select_related("case__owner")
        .get(pk=records_request.pk)
    )
    check_records_request_open(records_request)
    received = records_request.records.count() + len(records_request.duplicates_received)
    if received == 0:
        raise ApplicationError(_("Add at least one file before you finish."))
    records_request.received_at = timezone.now()
    records_request.save(update_fields=["received_at"])
    case = records_request.case
    record_event(
        actor=None,
        action="records_request.receive",
        obj=records_request,
        case_id=case.pk,
        detail={"files": received},
    )
    notify(
        user=case.owner,
        message=lazy_text(
            ngettext_lazy(
                "%(provider)s sent %(count)s file to your case %(reference)s.",
                "%(provider)s sent %(count)s files to your case %(reference)s.",
                received,
            ),
            provider=records_request.provider_name,
            count=received,
            reference=case.reference,
        ),
        link=reverse("cases:case-detail", args=[case.reference]),
    )
    return records_request


def compose_provider_email(email) -> RenderedEmail | None:
    """The outbox's request or reminder to a provider, or None once the request is closed."""
    records_request = RecordsRequest.objects.filter(pk=email.object_id).first()
    if records_request is None or not records_request.is_open:
        return None
    # The provider must know whose records: the patient's name and date of birth (and who asked
    # for them), never anything about their health.
    return render_email(
        "records/email/provider_request",
        {
            "patient": selectors.patient_identity(records_request),
            "link": provider_link(records_request),
            "expires_at": records_request.expires_at,
            "reminder": email.kind == REMINDER_EMAIL,
        },
    )


def provider_email_sent(email) -> None:
    """Note when the provider was last emailed (reminders count from it) and first sent to."""
    RecordsRequest.objects.filter(pk=email.object_id).update(last_emailed_at=email.sent_at)
    RecordsRequest.objects.filter(pk=email.object_id, sent_at__isnull=True).update(
        sent_at=email.sent_at
    )


@transaction.atomic
def remind_records_requests() -> int:
    """Queue a reminder for each open request not answered within the reminder interval."""
    now = timezone.now()
    due = RecordsRequest.objects.select_for_update().filter(
        received_at__isnull=True,
        expires_at__gt=now,
        last_emailed_at__lte=now - timedelta(days=settings.RECORDS_REQUEST_REMINDER_DAYS),
        reminders_sent__lt=settings.RECORDS_REQUEST_MAX_REMINDERS,
    )
    count = 0
    for records_request in due:
        records_request.reminders_sent += 1
        records_request.last_emailed_at = now  # not again before the next interval
        records_request.save(update_fields=["reminders_sent", "last_emailed_at"])
        _queue_provider_email(records_request, REMINDER_EMAIL)
        count += 1
    return count
