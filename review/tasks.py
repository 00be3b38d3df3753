"""Review side effects run by the worker: thin, idempotent, ids only."""

from celery import shared_task

from . import reports, services


@shared_task
def render_report(opinion_id: int, revision: int, addenda: int = 0) -> int | None:
    """Render and store the report of one revision (another worker's copy wins a race; the
    beat task below picks up what failed)."""
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
    return len(services.close_cases_after_follow_up_window())
