"""deploy/: the nginx site is valid nginx (checked by Debian's nginx itself), and the systemd
units run the processes the way the rest of the project does (gunicorn with gunicorn.conf.py,
a graceful stop). The two-node test (test_cluster.py) runs these same nginx files."""

import re
import subprocess
from pathlib import Path

from tests.support import needs_service

from .conftest import DEPLOY, NGINX, free_port, nginx_config

needs_nginx = needs_service("nginx", Path(NGINX).exists(), "apt-get install nginx, or `make nginx`")


@needs_nginx
def test_the_nginx_site_is_valid_nginx(tmp_path):
    conf = nginx_config(tmp_path, port=free_port(), nodes=["127.0.0.1:8001", "127.0.0.1:8002"])

    result = subprocess.run(
        [NGINX, "-t", "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    upstream = (tmp_path / "upstream.conf").read_text()
    assert "server 127.0.0.1:8001 max_fails" in upstream
    assert "server 127.0.0.1:8002 max_fails" in upstream


def test_the_nginx_site_streams_upload_chunks_with_room_for_one():
    site = (DEPLOY / "nginx" / "secondopinion.conf").read_text()
    tus = re.search(r"location \^~ /records/uploads/ \{(.*?)\}", site, re.S).group(1)
    limit_mib = int(re.search(r"client_max_body_size (\d+)m;", tus).group(1))

    assert "proxy_request_buffering off;" in tus
    assert limit_mib * 1024 * 1024 > 50 * 1024 * 1024  # RECORD_UPLOAD_CHUNK_BYTES's default
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site


def test_the_units_run_gunicorn_with_the_projects_config_and_stop_gracefully():
    web = (DEPLOY / "systemd" / "secondopinion-web.service").read_text()
    worker = (DEPLOY / "systemd" / "secondopinion-worker.service").read_text()
    beat = (DEPLOY / "systemd" / "secondopinion-beat.service").read_text()

    assert "gunicorn --config gunicorn.conf.py" in web
    assert "KillSignal=SIGTERM" in web and "KillSignal=SIGTERM" in worker
    assert "READINESS_DRAIN_FILE" in web
    assert "celery -A secondopinion worker" in worker
    assert "celery -A secondopinion beat" in beat
    for unit in (web, worker, beat):
        assert "EnvironmentFile=/etc/secondopinion/secondopinion.env" in unit
        assert "User=secondopinion" in unit
