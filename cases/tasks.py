"""Case side effects run by the worker: thin, idempotent, ids only."""

from celery import shared_task

from . import reports


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
    from . import services

    return len(services.close_cases_after_follow_up_window())


@shared_task
def forget_expired_referrals() -> int:
    """Beat task: blank the patient's details on invitations that expired unclaimed."""
    from . import referrals

    return referrals.forget_expired_referrals()


@shared_task
def forget_old_form_drafts() -> int:
    """Beat task: drop form drafts kept across an idle sign-out that nobody came back to."""
    from . import drafts

    return drafts.forget_old_form_drafts()


@shared_task
def send_sla_alerts() -> int:
    """Beat task: remind whoever a case waits on as its step nears its service level, and tell
    coordinators once it is past it (each once per case and stage entry)."""
    from . import coordination

    return len(coordination.send_sla_alerts())


@shared_task
def refresh_metrics() -> float:
    """Beat task: recompute the metrics page's figures. Returns the seconds it took."""
    from . import metrics

    return metrics.refresh_snapshot().seconds_taken


@shared_task(bind=True, max_retries=8, default_retry_delay=30)
def scan_authority_document(self, authority_id: int) -> str | None:
    from records import scanning

    from . import services

    try:
        authority = services.scan_authority_document(authority_id=authority_id)
    except scanning.ScannerUnavailable as exc:
        raise self.retry(exc=exc) from exc
    return authority.scan_status if authority else None


@shared_task
def catch_up_authority_scans() -> int:
    """Beat task: scan any authority document whose task never reached a worker."""
    from . import services

    ids = services.authority_documents_waiting_for_scan()
    for authority_id in ids:
        scan_authority_document.delay(authority_id)
    return len(ids)
