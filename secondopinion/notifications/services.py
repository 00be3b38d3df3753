"""The one notification service every app uses: an in-app message plus an email with no PHI."""

import logging

from django.db import transaction
from django.utils import timezone

from secondopinion.audit.services import record_event

from . import selectors
from .emails import render_email, send_email
from .models import Notification, NotificationPreference, OutboundEmail

logger = logging.getLogger(__name__)

EMAIL_TEMPLATES = frozenset({"case_update", "case_assigned", "check_in"})
# Emails a user may turn off; an offer to a specialist (case_assigned) has a deadline and is
# always sent. Turning case emails off also stops the follow-up check-in emails.
OPTIONAL_EMAIL_TEMPLATES = frozenset({"case_update", "check_in"})


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
    *, user, message: str, link: str = "", email_template: str = "case_update"
) -> Notification:
    """Tell `user` something in the app and send them a PHI-free email saying to sign in.

    `message` may mention the case (it is shown only to the signed-in user); the email never does.
    """
    if email_template not in EMAIL_TEMPLATES:
        raise ValueError(f"Unknown email template {email_template!r}")
    notification = Notification.objects.create(user=user, message=message, link=link)
    if email_template in OPTIONAL_EMAIL_TEMPLATES and not wants_case_update_emails(user):
        return notification  # the user chose in-app only
    email = OutboundEmail.objects.create(user=user, template=email_template)
    from .tasks import send_outbound_email

    # robust: a broker that is down must not fail the change; the beat task sends it later.
    transaction.on_commit(lambda: send_outbound_email.delay(email.pk), robust=True)
    return notification


def send_outbound_email(*, email_id: int) -> bool:
    """Send one queued email unless it was sent already. Returns whether it sent now."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update()
            .select_related("user")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.sent_at is not None:
            return False
        # The link is the signed-in home page, never a case: URLs in email carry nothing.
        content = render_email(
            f"notifications/email/{email.template}",
            {"link": "/", "for_patient": email.user.is_patient_side},
        )
        email.attempts += 1
        try:
            send_email(to=[email.user.email], email=content)
        except OSError as exc:
            email.last_error = type(exc).__name__
            email.save(update_fields=["attempts", "last_error"])
            logger.warning("Email %s not sent (%s); it will be retried", email.pk, email.last_error)
            raise
        email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "sent_at", "last_error"])
    logger.info("Email %s sent", email.pk)
    return True


def unsent_email_ids(*, older_than_seconds: int = 30) -> list[int]:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        OutboundEmail.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=10)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
