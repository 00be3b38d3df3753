"""Case side effects run by the worker: thin, idempotent, ids only."""

from celery import shared_task

from . import reports


@shared_task(bind=True, max_retries=5, default_retry_delay=20)
def render_report(self, opinion_id: int, revision: int, addenda: int = 0) -> int | None:
    report = reports.render_report(opinion_id=opinion_id, revision=revision, addenda=addenda)
    return report.pk if report else None


@shared_task
def render_missing_reports() -> int:
    """Beat task: render any report whose task never reached a worker (broker was down)."""
    missing = reports.opinions_missing_reports()
    for opinion_id, revision, addenda in missing:
        render_report.delay(opinion_id, revision, addenda)
    return len(missing)


@shared_task
def close_cases_after_follow_up_window() -> int:
    """Beat task: close delivered cases whose follow-up window has ended."""
    from . import services

    return len(services.close_cases_after_follow_up_window())
