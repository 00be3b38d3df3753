"""A test that uses the run's Celery worker is told at once, with the end of the worker's log,
when the worker has died (tests.workers.WorkerHandle.check_alive, called by the
celery_worker_process fixture before and after each such test)."""

import subprocess
import sys

import pytest

from tests.workers import WorkerHandle


def _handle(code: str, log) -> WorkerHandle:
    process = subprocess.Popen([sys.executable, "-c", code])
    return WorkerHandle(process=process, mail_dir=None, log=log, app=None)


def test_a_dead_worker_fails_with_the_end_of_its_log(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)) + "CRITICAL Unrecoverable error\n")
    handle = _handle("raise SystemExit(1)", log)
    handle.process.wait()

    with pytest.raises(AssertionError) as failure:
        handle.check_alive()

    message = str(failure.value)
    assert "exited (status 1)" in message
    assert message.endswith("CRITICAL Unrecoverable error")
    assert "line 70" not in message  # the end of the log, not all of it


def test_a_live_worker_passes(tmp_path):
    handle = _handle("import time; time.sleep(30)", tmp_path / "worker.log")
    try:
        handle.check_alive()
    finally:
        handle.process.kill()
        handle.process.wait()
