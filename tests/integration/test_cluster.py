"""Two web nodes behind a real load balancer: Debian's nginx, configured with deploy/nginx's site,
round-robin in front of two gunicorn nodes (gunicorn.conf.py) that share nothing but PostgreSQL,
Redis and the object store (moto): each node its own process group and its own temporary folders.
A Celery worker and beat run beside them.

The patient signs in through nginx and uploads a 200 MB scan in 8 MiB chunks, which alternate
between the nodes; halfway (100 MB stored), one node is killed (SIGKILL, no goodbye) while a
chunk is in flight. The upload finishes through the other node; the file in the bucket is
exactly the one sent. The specialist's opinion is
rendered to PDF by the worker, and the patient downloads it through the surviving node.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), as CI has; skipped, saying so, without.
"""

import contextlib
import hashlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Status
from records.models import RecordFile, Upload
from review import services as review_services
from review.models import Report
from secondopinion.audit.models import AuditEvent
from tests.browser.conftest import (  # noqa: F401  (fixtures: the test process's Chromium)
    browser,
    chromium,
    sign_in,
)
from tests.conftest import ROOT, _test_database_url
from tests.factories import OPINION
from tests.support import needs_service, wait_for
from tests.workers import start_worker

from .conftest import NGINX, free_port, nginx_config, wait_for_http

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_service(
        "PostgreSQL and Redis",
        bool(os.environ.get("REDIS_URL"))
        and os.environ.get("DATABASE_URL", "").startswith("postgres"),
        "set DATABASE_URL to a PostgreSQL database and REDIS_URL (two nodes share only those)",
    ),
    needs_service("nginx", Path(NGINX).exists(), "apt-get install nginx, or `make nginx`"),
]

MIB = 1024 * 1024
FILE_BYTES = 200 * 1000 * 1000
CHUNK_BYTES = 8 * MIB
# Slow enough that "halfway" is seen within a chunk or two, fast enough for a short test.
UPLOAD_BYTES_PER_SECOND = 16 * MIB


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as log_file:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole, workers included
        )  # fmt: skip


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _big_pdf(path: Path) -> str:
    """A PDF-looking file of FILE_BYTES random bytes; its SHA-256."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%"
    digest = hashlib.sha256(head)
    with path.open("wb") as out:
        out.write(head)
        left = FILE_BYTES - len(head)
        while left:
            piece = os.urandom(min(8 * MIB, left))
            out.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


@pytest.fixture
def cluster(tmp_path, s3_server, object_storage, django_db_blocker):
    from secondopinion.celery import app

    queue = f"{app.conf.task_default_queue}-cluster"
    common = {
        **os.environ,
        **s3_server.environment(),
        "DJANGO_SETTINGS_MODULE": "tests.integration.cluster_settings",
        # One key for every node: each reads the sessions and signed cookies of the others.
        "SECRET_KEY": "cluster-test-" + "k" * 50,
        "DATABASE_URL": _test_database_url(),
        "CELERY_QUEUE": queue,
        "RECORD_UPLOAD_CHUNK_BYTES": str(CHUNK_BYTES),
        "CLAMD_SOCKET": "",
        "TRUSTED_PROXY_COUNT": "1",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    processes: dict[str, subprocess.Popen] = {}

    def node_env(name: str) -> dict:
        folder = tmp_path / name
        folder.mkdir()
        return {
            **common,
            "VAR_DIR": str(folder / "var"),
            "MEDIA_ROOT": str(folder / "media"),
            "RECORD_UPLOAD_DIR": str(folder / "uploads"),
            "EMAIL_FILE_PATH": str(folder / "mail"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        }

    ports = {"web1": free_port(), "web2": free_port()}
    try:
        for name, port in ports.items():
            processes[name] = _start(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{port}", "secondopinion.wsgi"],
                node_env(name),
                tmp_path / f"{name}.log",
            )  # fmt: skip
        processes["worker"] = start_worker(
            env=node_env("worker"), queue=queue, log=tmp_path / "worker.log", new_session=True
        ).process
        processes["beat"] = _start(
            [sys.executable, "-m", "celery", "-A", "secondopinion", "beat", "--loglevel=INFO",
             "--schedule", str(tmp_path / "beat-schedule")],
            node_env("beat"),
            tmp_path / "beat.log",
        )  # fmt: skip
        nginx_folder = tmp_path / "nginx"
        nginx_folder.mkdir()
        nginx_port = free_port()
        conf = nginx_config(
            nginx_folder, port=nginx_port, nodes=[f"127.0.0.1:{p}" for p in ports.values()]
        )
        processes["nginx"] = _start(
            [NGINX, "-p", str(nginx_folder), "-c", str(conf), "-e", str(nginx_folder / "error.log"),
             "-g", "daemon off;"],
            os.environ.copy(),
            nginx_folder / "stdout.log",
        )  # fmt: skip
        for name, port in ports.items():
            wait_for_http(f"http://127.0.0.1:{port}/readyz", processes[name], what=name, timeout=60)
        url = f"http://127.0.0.1:{nginx_port}"
        wait_for_http(f"{url}/healthz", processes["nginx"], what="nginx")
        default_queue = app.conf.task_default_queue
        app.conf.task_default_queue = queue  # the test's own tasks go to the cluster's worker
        try:
            yield url, processes, tmp_path
        finally:
            app.conf.task_default_queue = default_queue
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _kill_group(process)


def _node_of_patches(log: Path) -> int:
    return len(re.findall(r'"PATCH /records/uploads/', log.read_text(errors="replace")))


def test_an_upload_survives_a_node_killed_halfway_and_the_pdf_comes_from_the_other(
    cluster,
    browser,  # noqa: F811
    actors,
    tmp_path,
):
    url, processes, folder = cluster
    case = actors.case(Status.IN_REVIEW)
    scan = tmp_path / "ct-scan.pdf"
    sha256 = _big_pdf(scan)
    # A client that claims another address: the app must take the one nginx saw
    # (deploy/nginx appends it; TRUSTED_PROXY_COUNT=1 reads the last entry).
    context = browser.new_context(
        base_url=url, accept_downloads=True, extra_http_headers={"X-Forwarded-For": "203.0.113.9"}
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, actors.alice.email)
    page.goto(f"/cases/{case.reference}/")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1,
         "uploadThroughput": UPLOAD_BYTES_PER_SECOND},
    )  # fmt: skip

    page.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(scan)
    page.locator(".uppy-StatusBar-actionBtn--upload").click()

    def offset() -> int:
        upload = Upload.objects.filter(name=scan.name).first()
        return upload.offset if upload else 0

    wait_for(lambda: offset() >= FILE_BYTES // 2, timeout=60, interval=0.05, what="half stored")
    both = {name: _node_of_patches(folder / f"{name}.log") for name in ("web1", "web2")}
    assert all(count >= 3 for count in both.values()), f"chunks did not alternate: {both}"
    _kill_group(processes["web1"])  # halfway: one node dies, its chunk in flight is lost
    killed_at = offset()
    assert killed_at < FILE_BYTES * 3 // 4

    expect(page.locator(".uppy-StatusBar")).to_contain_text("Complete", timeout=120_000)
    record = RecordFile.objects.get(case=case, original_name=scan.name)
    assert record.size == FILE_BYTES
    assert record.sha256 == sha256
    assert s3_sha256(record.file.name) == sha256
    assert _node_of_patches(folder / "web2.log") > both["web2"]  # the rest came through web2
    uploaded = AuditEvent.objects.get(action="record.upload", object_id=str(record.pk))
    assert uploaded.ip == "127.0.0.1"  # nginx's view of the client, not the forged header

    # The opinion: the worker renders the PDF into the bucket; the patient downloads it through
    # nginx, which has only web2 left.
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)
    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    report = wait_for(
        lambda: Report.objects.filter(opinion=opinion).first(),
        timeout=90,
        what="the cluster's worker to render the PDF",
    )
    review_services.deliver_opinion(case=case, by=actors.cora)
    page.goto(f"/cases/{case.reference}/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Download report, version \d+")).first.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == report.sha256
    context.close()


def s3_sha256(key: str) -> str:
    """The SHA-256 of an object in the bucket, read in pieces."""
    from django.core.files.storage import default_storage

    digest = hashlib.sha256()
    with default_storage.open(key, "rb") as stored:
        for piece in stored.chunks(8 * MIB):
            digest.update(piece)
    return digest.hexdigest()
