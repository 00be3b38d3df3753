"""Integration fixtures: an S3-compatible object store of the test run's own (moto's standalone
server, from PyPI, on 127.0.0.1 and a free port) and a Celery worker that keeps its files there.

`s3_server` starts one moto server per test session (per xdist worker) and creates the bucket;
`object_storage` points the test process's default storage at it (the same S3 settings
production uses, secondopinion.settings.s3_storage); `s3_worker` is a real `celery worker` process
started with S3_BUCKET and the endpoint in its environment, consuming a queue of its own, so a
worker on local storage (tests.conftest.celery_worker_process) never takes its tasks.
"""

import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from secondopinion.settings import s3_storage
from tests.records.conftest import clamd_socket  # noqa: F401  (a fixture: the test clamd)
from tests.support import wait_for
from tests.workers import ROOT, running_worker, stop_process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str
    bucket: str
    access_key: str = "test-access-key"
    secret_key: str = "test-secret-key"  # moto accepts any key
    region: str = "us-east-1"
    process: subprocess.Popen | None = None

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )

    def storage_settings(self) -> dict:
        return s3_storage(
            bucket=self.bucket,
            endpoint_url=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
        )

    def environment(self) -> dict[str, str]:
        """The variables a process needs to keep its files in this bucket (settings.py)."""
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": self.region,
        }

    def object_keys(self) -> set[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listed.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


def start_moto(port: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as log_file:  # the child keeps its own handle
        return subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def wait_for_http(url: str, process: subprocess.Popen, *, what: str, timeout: float = 120) -> None:
    """Poll `url` until it answers; fail at once if `process` (what serves it) exits. The long
    deadline is for a loaded machine (gunicorn took over 30 s to start in CI with the suite
    running beside it); a healthy start answers in about a second."""

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (http on 127.0.0.1)
                return True
        except OSError:
            return False

    wait_for(answers, timeout=timeout, interval=0.1, what=f"{what} to answer at {url}")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server on 127.0.0.1, with the private bucket created."""
    folder = tmp_path_factory.mktemp("moto")
    port = free_port()
    process = start_moto(port, folder / "moto.log")
    server = S3Server(
        endpoint=f"http://127.0.0.1:{port}", bucket="secondopinion-test", process=process
    )
    try:
        wait_for_http(f"{server.endpoint}/moto-api/", process, what="moto's S3 server")
        server.client().create_bucket(Bucket=server.bucket)
        yield server
    finally:
        stop_process(process)


@pytest.fixture
def object_storage(s3_server, settings):
    """The test process keeps its files in the bucket (default storage is S3). Set through
    pytest-django's `settings`, so it is undone in order with the test's other settings."""
    settings.STORAGES = {
        "default": s3_server.storage_settings(),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.S3_BUCKET = s3_server.bucket
    return s3_server


@pytest.fixture(scope="session")
def s3_worker(worker_environment, tmp_path_factory, s3_server, clamd_socket):  # noqa: F811
    """A real `celery worker` keeping its files in the bucket, scanning with the test clamd, on a
    queue of its own (the app sends to it while the fixture `s3_queue` is in use)."""
    from secondopinion.celery import app

    queue = f"{app.conf.task_default_queue}-s3"
    with running_worker(
        env={**worker_environment, **s3_server.environment(), "CLAMD_SOCKET": clamd_socket},
        queue=queue,
        mail_dir=tmp_path_factory.mktemp("s3-worker-mail"),
        log=tmp_path_factory.mktemp("s3-worker-log") / "worker.log",
    ) as handle:
        yield handle


@pytest.fixture
def s3_queue(s3_worker):
    """Tasks the test process sends go to the S3 worker's queue."""
    from secondopinion.celery import app

    default = app.conf.task_default_queue
    app.conf.task_default_queue = s3_worker.queue
    try:
        yield s3_worker
    finally:
        app.conf.task_default_queue = default


NGINX = "/usr/sbin/nginx"
DEPLOY = ROOT / "deploy"


def nginx_config(folder: Path, *, port: int, nodes: list[str]) -> Path:
    """An nginx.conf in `folder` (pid, logs and temp files there too) that serves deploy/nginx's
    site on 127.0.0.1:`port` in front of `nodes` ("127.0.0.1:8001", ...): the deploy files as an
    operator installs them, with only the listening port and the upstream's servers changed."""
    site = (DEPLOY / "nginx" / "secondopinion.conf").read_text()
    assert "    listen 80;\n" in site
    site = site.replace("    listen 80;\n", f"    listen 127.0.0.1:{port};\n")
    site = site.replace("    listen [::]:80;\n", "")
    upstream_lines = []
    for line in (DEPLOY / "nginx" / "secondopinion-upstream.conf").read_text().splitlines():
        if line.strip().startswith(("server ", "# server ")):
            if not upstream_lines or not upstream_lines[-1].startswith("    server "):
                options = line.strip().lstrip("# ").split(" ", 2)[2]
                upstream_lines += [f"    server {node} {options}" for node in nodes]
            continue
        upstream_lines.append(line)
    (folder / "upstream.conf").write_text("\n".join(upstream_lines) + "\n")
    (folder / "site.conf").write_text(site)
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = folder / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        "events { worker_connections 256; }\nhttp {\n"
        f"  access_log {folder / 'access.log'};\n"
        f"  client_body_temp_path {temp['body']};\n  proxy_temp_path {temp['proxy']};\n"
        f"  fastcgi_temp_path {temp['fastcgi']};\n  uwsgi_temp_path {temp['uwsgi']};\n"
        f"  scgi_temp_path {temp['scgi']};\n"
        f"  include {folder / 'upstream.conf'};\n  include {folder / 'site.conf'};\n}}\n"
    )
    return conf
