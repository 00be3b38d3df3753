"""Case side effects run by the worker: thin, idempotent, ids only."""

from celery import shared_task

from secondopinion.files import scanning

from . import drafts, services


@shared_task
def forget_old_form_drafts() -> int:
    """Beat task: drop form drafts kept across an idle sign-out that nobody came back to."""
    return drafts.forget_old_form_drafts()


@shared_task(bind=True, max_retries=8, default_retry_delay=30)
def scan_authority_document(self, authority_id: int) -> str | None:
    try:
        authority = services.scan_authority_document(authority_id=authority_id)
    except scanning.ScannerUnavailable as exc:
        raise self.retry(exc=exc) from exc
    return authority.scan_status if authority else None


@shared_task
def catch_up_authority_scans() -> int:
    """Beat task: scan any authority document whose task never reached a worker."""
    ids = services.authority_documents_waiting_for_scan()
    for authority_id in ids:
        scan_authority_document.delay(authority_id)
    return len(ids)
