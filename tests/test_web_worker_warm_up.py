"""A web worker loads at start what the request that finishes its first upload would otherwise
load (secondopinion/wsgi.py), and opens no connection doing so."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT_WSGI = (
    "import json, sys, secondopinion.wsgi; from secondopinion.celery import app; "
    "print(json.dumps({'finalized': app.finalized, "
    "'magic': 'magic' in sys.modules, 'redis': 'redis' in sys.modules}))"
)


def test_the_task_registry_and_the_broker_client_are_ready_before_the_first_request():
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_WSGI],
        cwd=ROOT,
        # A broker nobody listens on: the warm-up must not try to reach it.
        env={**clean, "DJANGO_SETTINGS_MODULE": "secondopinion.settings"}
        | {"REDIS_URL": "redis://127.0.0.1:1/0"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "Warming up the web worker failed" not in result.stderr
    ready = json.loads(result.stdout.strip().splitlines()[-1])
    assert ready == {"finalized": True, "magic": True, "redis": True}
