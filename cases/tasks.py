"""Case side effects run by the worker: thin, idempotent, ids only."""

from celery import shared_task

from . import reports


@shared_task(bind=True, max_retries=5, default_retry_delay=20)
def render_report(self, opinion_id: int, revision: int) -> int | None:
    report = reports.render_report(opinion_id=opinion_id, revision=revision)
    return report.pk if report else None


@shared_task
def render_missing_reports() -> int:
    """Beat task: render any report whose task never reached a worker (broker was down)."""
    missing = reports.opinions_missing_reports()
    for opinion_id, revision in missing:
        render_report.delay(opinion_id, revision)
    return len(missing)
