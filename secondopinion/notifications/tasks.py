"""The outbox's tasks, for every app's emails: one sender, idempotent (a sent email is never sent
again) and retried, and one beat task that catches up what the broker never carried."""

from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=8, default_retry_delay=30)
def send_outbound_email(self, email_id: int) -> bool:
    try:
        return services.send_outbound_email(email_id=email_id)
    except OSError as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def send_pending_emails() -> int:
    """Beat task: enqueue every email the outbox still holds (the broker may have been down)."""
    ids = services.unsent_email_ids()
    for email_id in ids:
        send_outbound_email.delay(email_id)
    return len(ids)
