"""Fault tolerance on real services: Redis going away and coming back, PostgreSQL dropping the
app's connections, clamd unreachable and then back.

None of this touches the shared PostgreSQL or Redis that other test runs use: Redis and clamd are
private processes started here (in a temporary folder, on a free port or socket), and the
"restart" of PostgreSQL is simulated from the app's side by terminating this test's own backend
connections to its own test database (pg_terminate_backend), which is what the app sees when the
server restarts or fails over. The server itself keeps running.
"""

import http.cookiejar
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu import pools

from cases.models import Status
from records.models import RecordFile
from review import services as review_services
from review.models import Report
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications.models import OutboundEmail
from tests.factories import OPINION, UserFactory, pdf_upload
from tests.records.conftest import CLAMD, EICAR, clamd_answers, start_clamd
from tests.support import needs_service, require_service, wait_for
from tests.workers import WorkerHandle, running_worker

REDIS_SERVER = shutil.which("redis-server")

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone: no persistence, its own port and folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.folder / "redis.log").open("ab") as log:  # the child keeps its own handle
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--dir", str(self.folder), "--save", "", "--appendonly", "no",
                 "--daemonize", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(self.answers, timeout=20, interval=0.1, what="the private redis-server to start")

    def answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"redis-server exited: {(self.folder / 'redis.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _point_celery_at(app, url: str | None, saved: dict | None = None) -> dict:
    """Make this process's Celery app publish to `url` (or back to `saved`): its connection and
    producer pools and result backend are dropped so that they are made again for the new URL."""
    keys = ("broker_url", "broker_transport", "result_backend", "broker_transport_options")
    before = {key: app.conf[key] for key in keys}
    if saved is not None:
        app.conf.update(saved)
    else:
        # Without REDIS_URL the settings name the embedded broker's transport, which would win
        # over the URL's scheme: the URL alone says Redis.
        app.conf.update(
            broker_url=url,
            broker_transport=None,
            result_backend=url,
            broker_transport_options={"visibility_timeout": 60},
        )
    if app._pool is not None:
        app._pool.force_close_all()
    # kombu keeps producer pools in a registry of its own, keyed by connection: one for the
    # previous URL would hold the pool just closed, and a later publish would find it closed.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()
    return before


@dataclass(kw_only=True)
class PrivateWorker(WorkerHandle):
    redis: PrivateRedis
    clamd_folder: Path  # where its clamd's socket is, once a test starts one


@pytest.fixture(scope="module")
def _private_rig(worker_environment, tmp_path_factory):
    """A private Redis, this process's Celery app publishing to it, and a real worker consuming
    from it (with CLAMD_SOCKET naming a clamd this module starts and stops itself)."""
    require_service("redis-server", REDIS_SERVER is not None, "apt-get install redis-server")
    from secondopinion.celery import app

    folder = tmp_path_factory.mktemp("faults")
    redis = PrivateRedis(folder)
    redis.start()
    saved = _point_celery_at(app, redis.url)
    mail_dir = folder / "mail"
    mail_dir.mkdir()
    clamd_folder = folder / "clamd"
    clamd_folder.mkdir()
    env = {
        **worker_environment,
        "REDIS_URL": redis.url,
        "CLAMD_SOCKET": str(clamd_folder / "clamd.sock"),
    }
    try:
        with running_worker(
            env=env, mail_dir=mail_dir, log=folder / "worker.log", heartbeat=False
        ) as handle:
            yield PrivateWorker(**vars(handle), redis=redis, clamd_folder=clamd_folder)
    finally:
        redis.stop()
        _point_celery_at(app, None, saved)


@pytest.fixture
def private_worker(_private_rig):
    """The module's private Redis and worker, with Redis up again after each test (a test that
    failed while Redis was down would otherwise fail the next one too)."""
    yield _private_rig
    if not _private_rig.redis.running():
        _private_rig.redis.start()


def _post(client: Client, url: str, **data):
    """POST like a browser, timing it: a page must answer promptly even with Redis down."""
    started = time.monotonic()
    response = client.post(url, data)
    return response, time.monotonic() - started


def _emails_to(worker, address: str) -> list[str]:
    return [text for text in worker.sent_emails() if f"To: {address}" in text]


SEND_EMAIL = "secondopinion.notifications.tasks.send_outbound_email"
BEAT_TASKS = (
    "secondopinion.notifications.tasks.send_pending_emails",
    "review.tasks.render_missing_reports",
)


def _run_beat(app) -> dict[str, int]:
    """What celery beat does every minute: re-send what the outbox and the reports still owe.
    Returns, once the worker has run them, how much each task found owed (and re-sent)."""
    OutboundEmail.objects.filter(sent_at__isnull=True).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    sent = {task: app.send_task(task, ignore_result=False) for task in BEAT_TASKS}
    return {task.rsplit(".", 1)[1]: result.get(timeout=90) for task, result in sent.items()}


def test_with_redis_down_pages_work_and_side_effects_go_out_once_it_is_back(actors, private_worker):
    worker, app = private_worker, private_worker.app
    patient = UserFactory(email="faults-patient@example.org", full_name="Faye Faults")
    draft = actors.case(Status.DRAFT, owner=patient)
    reviewing = actors.case(Status.IN_REVIEW, owner=patient)
    review_services.save_opinion_draft(case=reviewing, by=actors.dr_smith.user, **OPINION)
    wait_for(
        lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists(),
        timeout=60,
        what="the worker to send the emails of the setup",
    )
    sent_before = len(_emails_to(worker, patient.email))
    owed_before = OutboundEmail.objects.filter(user=patient).count()

    worker.redis.stop()
    patient_client, specialist_client, coordinator_client = Client(), Client(), Client()
    patient_client.force_login(patient)
    specialist_client.force_login(actors.dr_smith.user)
    coordinator_client.force_login(actors.cora)

    submitted, took_submit = _post(
        patient_client, reverse("cases:case-submit", args=[draft.reference])
    )
    opinion_sent, took_opinion = _post(
        specialist_client,
        reverse("review:opinion-edit", args=[reviewing.reference]),
        **{key: value for key, value in OPINION.items() if value is not None},
        submit="1",
    )
    page = patient_client.get(reverse("cases:case-detail", args=[draft.reference]))
    # Delivering needs the PDF, which waits for the broker: refused with the reason, not an error.
    too_early = coordinator_client.post(
        reverse("review:opinion-deliver", args=[reviewing.reference]), follow=True
    )

    assert submitted.status_code == 302, submitted.content[:500]
    assert opinion_sent.status_code == 302, opinion_sent.content[:500]
    assert page.status_code == 200
    assert too_early.status_code == 409
    assert "The PDF report for this opinion is still being prepared" in too_early.text
    assert max(took_submit, took_opinion) < 5, "a page waited on the broker"
    draft.refresh_from_db()
    reviewing.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert reviewing.status == Status.OPINION_SUBMITTED
    # The work is kept in the database, waiting for the broker.
    assert OutboundEmail.objects.filter(user=patient, sent_at__isnull=True).exists()
    assert not Report.objects.filter(case=reviewing).exists()

    worker.redis.start()
    from secondopinion.celery import ping

    ping.apply_async().get(timeout=90)  # the worker has reconnected
    owed_after_outage = _run_beat(app)
    assert owed_after_outage["render_missing_reports"] == 1
    assert owed_after_outage["send_pending_emails"] >= 1
    report = wait_for(
        lambda: Report.objects.filter(case=reviewing).first(),
        timeout=90,
        what="the report the broker never carried to be rendered",
    )
    delivered, _ = _post(
        coordinator_client, reverse("review:opinion-deliver", args=[reviewing.reference])
    )
    assert delivered.status_code == 302
    wait_for(
        lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists(),
        timeout=90,
        what="every email the outbox held to be sent",
    )
    # The beat comes round again: nothing is owed, nothing is sent again.
    assert _run_beat(app) == {"send_pending_emails": 0, "render_missing_reports": 0}
    # The same task delivered again for every email already sent (a broker redelivering it, two
    # beats racing): each must find its email sent and send nothing. Without that check each
    # returns True and the count of emails below grows by one per id.
    sent_ids = list(
        OutboundEmail.objects.filter(user=patient, sent_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert len(sent_ids) > 1
    resent = [app.send_task(SEND_EMAIL, args=[pk], ignore_result=False) for pk in sent_ids]
    assert [result.get(timeout=60) for result in resent] == [False] * len(sent_ids)

    owed = OutboundEmail.objects.filter(user=patient)
    assert owed.count() > owed_before + 1  # submitted, opinion delivered
    assert len(_emails_to(worker, patient.email)) - sent_before == owed.count() - owed_before
    assert Report.objects.filter(case=reviewing).count() == 1
    assert report.file.read().startswith(b"%PDF")


# PostgreSQL dropping the app's connections ---------------------------------------------------


class AppConnections:
    """The backend pids of the app's own database connections (made in any thread while the
    test runs), and a way to terminate them from a separate connection, as a restart would."""

    def __init__(self):
        self.pids: set[int] = set()
        self._lock = threading.Lock()

    def created(self, sender, connection, **kwargs):
        with self._lock:
            self.pids.add(connection.connection.info.backend_pid)

    def terminate(self, *also: int) -> int:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        params.pop("server_side_binding", None)
        with psycopg.connect(**params, autocommit=True) as killer:
            rows = killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND pid = ANY(%s)",
                [sorted(self.pids | set(also))],
            ).fetchall()
        return sum(1 for (done,) in rows if done)


@pytest.fixture
def app_connections(monkeypatch):
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "set DATABASE_URL to a PostgreSQL database (the test simulates a server restart with "
        "pg_terminate_backend; SQLite has no server to restart)",
    )
    tracker = AppConnections()
    connection_created.connect(tracker.created)
    # Keep connections between requests, as a production web process does, so that the next
    # request meets the dropped one (and the health check replaces it).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    yield tracker
    connection_created.disconnect(tracker.created)


@pytest.fixture(scope="module")
def live_server(request):
    """pytest-django's live server with a MEDIA_URL its media handler can parse (as in
    tests/browser/conftest.py: the settings have none, records are never served as media)."""
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer("localhost")
    yield server
    server.stop()


class Browser:
    """urllib with the session cookie of a signed-in user, against the live server."""

    def __init__(self, live_server, user):
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.cookie = self.session_cookie(user)
        self.base = live_server.url

    @staticmethod
    def session_cookie(user) -> str:
        client = Client()
        client.force_login(user)
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    def get(self, path: str) -> tuple[int, str, dict]:
        # The live server's own http:// address, never a URL from outside.
        request = urllib.request.Request(self.base + path, headers={"Cookie": self.cookie})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)


def test_a_request_whose_database_connection_drops_gets_a_try_again_page_and_the_next_works(
    actors, live_server, app_connections, monkeypatch
):
    case = actors.case(Status.IN_REVIEW)
    browser = Browser(live_server, actors.alice)
    page = reverse("cases:case-detail", args=[case.reference])
    assert browser.get(page)[0] == 200

    from cases import selectors

    timeline_for = selectors.timeline_for
    dropped = []

    def restart_midway(case):
        # In the server's thread, halfway through the page: the database drops every connection
        # of the app, this request's too.
        dropped.append(app_connections.terminate(connection.connection.info.backend_pid))
        return timeline_for(case)

    monkeypatch.setattr(selectors, "timeline_for", restart_midway)
    status, body, headers = browser.get(page)
    monkeypatch.setattr(selectors, "timeline_for", timeline_for)

    assert dropped and dropped[0] >= 1
    assert status == 503
    assert "We could not reach our database just now" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert headers.get("Retry-After") == "30"
    assert browser.get(page)[0] == 200


def _wsgi_get(handler, path: str, cookie: str) -> tuple[int, str]:
    """One GET through Django's WSGI handler in this thread, as a synchronous server worker
    (gunicorn's) runs it: request_started and request_finished fire, connections are kept."""
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=cookie)
    status = []
    result = handler(environ, lambda line, headers, exc_info=None: status.append(line))
    try:
        body = b"".join(result).decode()
    finally:
        result.close()
    return int(status[0].split()[0]), body


def _keep_connections(actors, app_connections):
    """A case page, a signed-in cookie and Django's WSGI handler whose kept connection has
    served two requests (so that it is the one the next request would reuse)."""
    from django.core.handlers.wsgi import WSGIHandler

    case = actors.case(Status.IN_REVIEW)
    cookie = Browser.session_cookie(actors.alice)
    page = reverse("cases:case-detail", args=[case.reference])
    handler = WSGIHandler()
    connection.close()  # the next connection is made with the kept-connection settings
    assert _wsgi_get(handler, page, cookie)[0] == 200
    assert _wsgi_get(handler, page, cookie)[0] == 200
    kept = connection.connection.info.backend_pid
    assert kept in app_connections.pids
    return case, cookie, page, handler, kept


def test_after_the_database_drops_idle_connections_the_next_request_reconnects(
    actors, app_connections
):
    """A web process that keeps its connection between requests (CONN_MAX_AGE) meets a dropped
    one at the next request: CONN_HEALTH_CHECKS finds it dead and reconnects before using it.
    (The live server above opens a connection per request, so this runs the handler itself.)"""
    case, cookie, page, handler, kept = _keep_connections(actors, app_connections)

    assert app_connections.terminate() >= 1

    status, body = _wsgi_get(handler, page, cookie)
    assert status == 200, body[:500]
    assert case.title in body
    assert connection.connection.info.backend_pid != kept


def test_without_health_checks_a_dropped_connection_costs_one_try_again_page(
    actors, app_connections, monkeypatch
):
    """The first query of a request runs in a middleware (the session), before any view: the
    handler500 view still tells the person to try again, and drops the dead connection."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    _, cookie, page, handler, _ = _keep_connections(actors, app_connections)

    assert app_connections.terminate() >= 1

    status, body = _wsgi_get(handler, page, cookie)
    assert status == 503
    assert "We could not reach our database just now" in body
    assert _wsgi_get(handler, page, cookie)[0] == 200


# clamd unreachable, then back ----------------------------------------------------------------


@needs_service("clamd", CLAMD is not None, "apt-get install clamav-daemon")
def test_uploads_wait_for_their_scan_while_clamd_is_down_and_are_scanned_when_it_is_back(
    actors, private_worker, settings
):
    worker = private_worker
    settings.CLAMD_SOCKET = str(worker.clamd_folder / "clamd.sock")  # nothing listens there yet
    case = actors.case(Status.DRAFT)
    client = Client()
    client.force_login(actors.alice)
    upload = reverse("records:record-upload", args=[case.reference])

    response = client.post(upload, {"file": [pdf_upload("waiting.pdf", b"%PDF-1.4\n% w\n")]})
    assert response.status_code == 302
    virus = client.post(upload, {"file": [pdf_upload("virus.txt", EICAR)]})
    assert virus.status_code == 302
    clean = case.records.get(original_name="waiting.pdf")
    infected = case.records.get(original_name="virus.txt")
    # The worker tried and will retry; meanwhile the files wait, shown as waiting.
    wait_for(
        lambda: "scan_record" in worker.log.read_text() and "Retry in" in worker.log.read_text(),
        timeout=60,
        what="the worker to find clamd down and schedule a retry",
    )
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Waiting for virus scan" in page
    for record in (clean, infected):
        record.refresh_from_db()
        assert record.scan_status == RecordFile.ScanStatus.PENDING
        assert client.get(reverse("records:record-download", args=[record.pk])).status_code != 200

    clamd = start_clamd(worker.clamd_folder)
    try:
        wait_for(lambda: clamd_answers(settings.CLAMD_SOCKET), timeout=60, what="clamd")
        # The beat task finds files still waiting (older than its five minutes) and scans them.
        RecordFile.objects.filter(pk__in=[clean.pk, infected.pk]).update(
            uploaded_at=timezone.now() - timedelta(minutes=10)
        )
        worker.app.send_task("records.tasks.catch_up_records", ignore_result=True)
        wait_for(
            lambda: (
                not RecordFile.objects.filter(
                    pk__in=[clean.pk, infected.pk], scan_status=RecordFile.ScanStatus.PENDING
                ).exists()
            ),
            timeout=60,
            what="the catch-up task to scan the waiting files",
        )
    finally:
        clamd.terminate()
        clamd.wait(timeout=20)

    clean.refresh_from_db()
    infected.refresh_from_db()
    assert clean.scan_status == RecordFile.ScanStatus.CLEAN
    assert infected.scan_status == RecordFile.ScanStatus.INFECTED
    assert client.get(reverse("records:record-download", args=[clean.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="record.scan", object_id=str(clean.pk)).count() == 1
