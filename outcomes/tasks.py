"""Beat task: open the 30- and 90-day check-ins that are due (idempotent)."""

from celery import shared_task

from . import services


@shared_task(name="outcomes.tasks.open_due_check_ins")
def open_due_check_ins() -> int:
    return len(services.open_due_check_ins())
