"""Record side effects run by the worker: thin, idempotent, ids only."""

from celery import shared_task

from secondopinion.files import scanning

from . import provider_requests, services, uploads


@shared_task(bind=True, max_retries=10, default_retry_delay=30)
def scan_record(self, record_id: int) -> str | None:
    try:
        record = services.scan_record(record_id=record_id)
    except scanning.ScannerUnavailable as exc:
        raise self.retry(exc=exc) from exc
    return record.scan_status if record else None


@shared_task
def read_record(record_id: int) -> str | None:
    record = services.read_record(record_id=record_id)
    return record.read_status if record else None


@shared_task
def catch_up_records() -> int:
    """Beat task: scan or read any file whose task never reached a worker (the broker was
    down). Emails to providers are caught up by the outbox's one beat task."""
    to_scan, to_read = services.records_needing_work()
    for record_id in to_scan:
        scan_record.delay(record_id)
    for record_id in to_read:
        read_record.delay(record_id)
    return len(to_scan) + len(to_read)


@shared_task
def remind_records_requests() -> int:
    return provider_requests.remind_records_requests()


@shared_task
def remove_expired_uploads() -> int:
    return uploads.remove_expired_uploads()
