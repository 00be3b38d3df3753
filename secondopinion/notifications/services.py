"""The one notification service every app uses: an in-app message plus an email with no PHI."""

import logging
from datetime import timedelta
from typing import cast

from django.db import transaction
from django.utils import dateformat, timezone, translation
from django.utils.functional import Promise, lazy

from secondopinion.audit.services import record_event
from secondopinion.languages import language_of
from secondopinion.text import Text

from . import outbox, selectors, tasks
from .emails import RenderedEmail, render_email, send_email
from .models import Notification, NotificationPreference, OutboundEmail

logger = logging.getLogger(__name__)

EMAIL_TEMPLATES = frozenset({"case_update", "case_assigned", "check_in"})
# Emails a user may turn off; an offer to a specialist (case_assigned) has a deadline and is
# always sent. Turning case emails off also stops the follow-up check-in emails.
OPTIONAL_EMAIL_TEMPLATES = frozenset({"case_update", "check_in"})


def _formatted(message, params: dict) -> str:
    return str(message) % params


_lazy_formatted = lazy(_formatted, str)


def lazy_text(message, **params) -> Text:
    """`message % params`, translated only when it is read: give notify() a message marked with
    gettext_lazy (or ngettext_lazy) this way and it is written in the recipient's language, not the
    language of the page that caused it."""
    return cast("Text", _lazy_formatted(message, params))


# A date in a lazy message, e.g. lazy_date(when, "j M Y"): its month named in the reader's language.
lazy_date = lazy(dateformat.format, str)


def wants_case_update_emails(user) -> bool:
    return selectors.preference_for(user).email_case_updates


@transaction.atomic
def set_notification_preference(*, user, email_case_updates: bool) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email_case_updates": email_case_updates}
    )
    record_event(
        actor=user,
        action="notifications.preference",
        obj=preference,
        detail={"email_case_updates": email_case_updates},
    )
    return preference


@transaction.atomic
def notify(
    *, user, message: str | Promise, link: str = "", email_template: str = "case_update"
) -> Notification:
    """Tell `user` something in the app and send them a PHI-free email saying to sign in.

    `message` may mention the case (it is shown only to the signed-in user); the email never does.
    A lazy `message` (gettext_lazy, lazy_text) is written in the recipient's language.
    """
    if email_template not in EMAIL_TEMPLATES:
        raise ValueError(f"Unknown email template {email_template!r}")
    with translation.override(language_of(user)):
        message = str(message)[: Notification._meta.get_field("message").max_length]
    notification = Notification.objects.create(user=user, message=message, link=link)
    if email_template in OPTIONAL_EMAIL_TEMPLATES and not wants_case_update_emails(user):
        return notification  # the user chose in-app only
    enqueue_email(kind=email_template, key=f"notification:{notification.pk}", user=user)
    return notification


def compose_update_email(email: OutboundEmail) -> RenderedEmail:
    """A user's "there is an update, sign in" email. The link is the signed-in home page, never
    a case: URLs in email carry nothing."""
    assert email.user is not None, "update emails are addressed to a user"
    return render_email(
        f"notifications/email/{email.kind}",
        {"link": "/", "for_patient": email.user.is_patient_side},
    )


# The outbox -------------------------------------------------------------------------------------


def enqueue_email(
    *,
    kind: str,
    key: str,
    user=None,
    to_address: str = "",
    object_id: int | None = None,
    params: dict | None = None,
) -> OutboundEmail:
    """Queue one email in the caller's transaction; a task sends it after commit and the beat
    task catches up if the broker is down. `key` names the logical email: queuing the same key
    again returns the queued row and sends nothing more. Address a user, or a bare address for
    someone without an account."""
    outbox.email_kind(kind)  # an unknown kind is a programming error, caught here, not at send
    if (user is None) == (not to_address):
        raise ValueError("An email goes to a user or to an address")
    email, created = OutboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "user": user,
            "to_address": to_address,
            "object_id": object_id,
            "params": params or {},
        },
    )
    if created:
        # robust: a broker that is down must not fail the change; the beat task sends it later.
        transaction.on_commit(lambda: tasks.send_outbound_email.delay(email.pk), robust=True)
    return email


def send_outbound_email(*, email_id: int) -> bool:
    """Send one queued email unless it was sent already. Returns whether it sent now.

    The row stays locked while the email goes out and is marked sent in the same transaction:
    a second sender skips it (or, once the lock is gone, sees it sent); a crash between sending
    and marking leaves it unsent, so it is sent again rather than lost (at least once).
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=email_id, sent_at__isnull=True, dropped_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        kind = outbox.email_kind(email.kind)
        # In the recipient's language: their account's, or English for a bare address.
        with translation.override(language_of(email.user)):
            content = kind.compose(email)
        if content is None:
            email.dropped_at = timezone.now()
            email.to_address = ""  # no longer needed
            email.save(update_fields=["dropped_at", "to_address"])
            logger.info("Email %s no longer needed; dropped", email.pk)
            return False
        email.attempts += 1
        try:
            send_email(to=[email.recipient], email=content)
        except OSError as exc:
            email.last_error = type(exc).__name__
            email.save(update_fields=["attempts", "last_error"])
            logger.warning("Email %s not sent (%s); it will be retried", email.pk, email.last_error)
            raise
        _mark_sent(email, kind)
    logger.info("Email %s sent", email.pk)
    return True


def _mark_sent(email: OutboundEmail, kind: outbox.EmailKind) -> None:
    email.sent_at = timezone.now()
    # The outbox keeps a bare address only while the email is owed (the row still says what
    # was sent and about what, by kind and id).
    email.to_address = ""
    email.save(update_fields=["attempts", "sent_at", "last_error", "to_address"])
    if kind.after_sent is not None:
        kind.after_sent(email)


def unsent_email_ids(*, older_than_seconds: int = 30) -> list[int]:
    """Emails the beat task should enqueue again: unsent, not dropped, not given up on."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        OutboundEmail.objects.filter(
            sent_at__isnull=True, dropped_at__isnull=True, created_at__lt=cutoff, attempts__lt=10
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
