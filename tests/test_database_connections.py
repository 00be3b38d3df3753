"""PostgreSQL connections are kept between requests by default (no new connection per request),
checked before reuse, and bind parameters in the server (so repeated queries are prepared); each
can be turned off from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT_DB = (
    "import json; from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps({'age': d['CONN_MAX_AGE'], 'checks': d['CONN_HEALTH_CHECKS'], "
    "'server_binding': d.get('OPTIONS', {}).get('server_side_binding'), "
    "'prepare_after': d.get('OPTIONS', {}).get('prepare_threshold')}))"
)


def _database_settings(**env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DJANGO_SETTINGS_MODULE",
            "DATABASE_URL",
            "DATABASE_CONN_MAX_AGE",
            "DATABASE_SERVER_SIDE_BINDING",
        }
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_DB],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "secondopinion.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_connections_are_kept_and_health_checked_by_default():
    settings = _database_settings(DATABASE_URL="postgres://so@127.0.0.1:5432/so")

    assert settings == {"age": 600, "checks": True, "server_binding": True, "prepare_after": 5}


def test_kept_connections_can_be_turned_off():
    settings = _database_settings(
        DATABASE_URL="postgres://so@127.0.0.1:5432/so", DATABASE_CONN_MAX_AGE="0"
    )

    assert settings["age"] == 0


def test_server_side_binding_can_be_turned_off_for_a_pooler():
    settings = _database_settings(
        DATABASE_URL="postgres://so@127.0.0.1:5432/so", DATABASE_SERVER_SIDE_BINDING="0"
    )

    assert (settings["server_binding"], settings["prepare_after"]) == (None, None)


def test_sqlite_opens_its_file_per_request():
    assert _database_settings()["age"] == 0
