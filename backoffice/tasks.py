"""Back-office jobs run by the worker's beat schedule: thin and idempotent."""

from celery import shared_task

from . import coordination, metrics


@shared_task
def send_sla_alerts() -> int:
    """Beat task: remind whoever a case waits on as its step nears its service level, and tell
    coordinators once it is past it (each once per case and stage entry)."""
    return len(coordination.send_sla_alerts())


@shared_task
def refresh_metrics() -> float:
    """Beat task: recompute the metrics page's figures. Returns the seconds it took."""
    return metrics.refresh_snapshot().seconds_taken
