"""Health of one node, for whoever watches it. Both answers are JSON naming only the checks and
"ok" / "unavailable": no data, no error detail (the kind of failure is logged, nothing else).

/healthz: is this process serving and can it reach the database, the broker and file storage?
/readyz: should the load balancer send this node requests? The same services checked properly
  (the bucket itself, not one object), clamd when one is configured, and "draining": an operator
  (or the systemd unit's ExecStop) drains a node by creating READINESS_DRAIN_FILE; from then on
  it answers 503 while it still finishes the requests it has, so the load balancer moves new
  ones to the other nodes before the node stops.
"""

import logging
import tempfile
from pathlib import Path
from typing import cast

from clamav_client.clamd import ClamdNetworkSocket, ClamdUnixSocket
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app
from .files import scanning

logger = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 2


class Draining(Exception):
    """The node is being drained: it takes no new work."""


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _storage() -> None:
    default_storage.exists("healthz-probe")


def _storage_ready() -> None:
    """The bucket answers (object storage), or a file can be written in the media folder (local;
    on several nodes, a shared folder that is not mounted fails here)."""
    bucket = getattr(default_storage, "bucket", None)
    if bucket is not None:
        bucket.meta.client.head_bucket(Bucket=bucket.name)
        return
    location = Path(cast(FileSystemStorage, default_storage).location)
    location.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=location, prefix=".readyz-"):
        pass


def _clamd() -> None:
    """clamd answers a PING within 2 s (not the scans' long timeout: a hung clamd must not hang
    the load balancer's check)."""
    if not scanning.scanner_configured():
        return
    client: ClamdUnixSocket | ClamdNetworkSocket
    if settings.CLAMD_SOCKET:
        client = ClamdUnixSocket(path=settings.CLAMD_SOCKET, timeout=READY_TIMEOUT_SECONDS)
    else:
        client = ClamdNetworkSocket(
            host=settings.CLAMD_HOST, port=settings.CLAMD_PORT, timeout=READY_TIMEOUT_SECONDS
        )
    if client.ping() != "PONG":
        raise ConnectionError("clamd")


def _not_draining() -> None:
    drain_file = settings.READINESS_DRAIN_FILE
    if drain_file and Path(drain_file).exists():
        raise Draining


CHECKS = {"database": _database, "broker": _broker, "storage": _storage}
READY_CHECKS = {
    "serving": _not_draining,
    "database": _database,
    "broker": _broker,
    "storage": _storage_ready,
    "clamd": _clamd,
}


def _answer(checks: dict, *, name: str) -> JsonResponse:
    results = {}
    for check_name, check in checks.items():
        try:
            check()
            results[check_name] = "ok"
        except Draining:
            results[check_name] = "draining"
        except Exception as exc:  # any failure means "not healthy"; the kind is logged, no detail
            logger.warning("%s check %s failed: %s", name, check_name, type(exc).__name__)
            results[check_name] = "unavailable"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **results}, status=200 if healthy else 503
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return _answer(CHECKS, name="Health")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    return _answer(READY_CHECKS, name="Readiness")
