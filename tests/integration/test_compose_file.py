"""docker-compose.yml is checked against the Compose specification's JSON schema (compose cannot
run on the test machine: no Docker). The schema is the copy check-jsonschema ships
(`vendor.compose-spec`, from PyPI), so the check needs no network."""

import subprocess
import sys

from tests.conftest import ROOT


def check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(path)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def test_the_compose_file_follows_the_compose_specification():
    result = check(ROOT / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_refuses_a_compose_file_that_breaks_the_specification(tmp_path):
    broken = tmp_path / "compose.yml"
    broken.write_text("services:\n  web:\n    image: app\n    stop_grace_seconds: 60\n")
    assert check(broken).returncode != 0
