"""One way to start a real `celery worker` process: the tests' fixtures and the benchmarks use it.

A worker runs `celery -A secondopinion worker` from the repository root with the caller's
environment plus `env`, writes its output to `log` (or nowhere), and is ready once it has
answered a ping on its queue. Nothing here imports pytest or a model, so bench/ can use it too.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Long enough for a cold start on a busy 2-core machine (imports, Django setup, broker connect).
READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20
LOG_LINES_ON_DEATH = 30
# Django's file backend ends every message with this line; one file may hold several messages.
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


@dataclass
class WorkerHandle:
    """A running worker: its process, log file, mail folder (file backend) and queue."""

    process: subprocess.Popen
    mail_dir: Path | None
    log: Path | None
    app: object
    queue: str | None = None
    new_session: bool = False  # in a process group of its own

    def sent_emails(self) -> list[str]:
        """Each email the worker sent (its mail folder, Django's file backend)."""
        if self.mail_dir is None:
            return []
        return [
            message
            for path in sorted(self.mail_dir.glob("*.log"))
            for message in path.read_text().split(MAIL_SEPARATOR)
            if message.strip()
        ]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""

    def check_alive(self) -> None:
        """Raise, with the end of the worker's log, if the worker process has exited: a test
        waiting on a dead worker would otherwise wait out its timeout, and every later one too."""
        if self.process.poll() is not None:
            tail = "\n".join(self.log_text().splitlines()[-LOG_LINES_ON_DEATH:])
            raise AssertionError(
                f"The Celery worker exited (status {self.process.returncode}). "
                f"The end of its log ({self.log}):\n{tail}"
            )

    def stop(self) -> None:
        stop_process(self.process, group=self.new_session)


def worker_command(*, loglevel: str = "INFO", heartbeat: bool = True) -> list[str]:
    """The command line of a test or benchmark worker: two pool processes (this machine's two
    cores), no gossip or mingle (nothing to agree with: one worker per queue)."""
    command = [
        sys.executable, "-m", "celery", "-A", "secondopinion", "worker",
        f"--loglevel={loglevel}", "--concurrency=2", "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    if not heartbeat:
        command.append("--without-heartbeat")
    return command


def start_worker(
    *,
    env: dict[str, str] | None = None,
    mail_dir: Path | None = None,
    log: Path | None = None,
    queue: str | None = None,
    loglevel: str = "INFO",
    heartbeat: bool = True,
    new_session: bool = False,
    wait: bool = True,
) -> WorkerHandle:
    """Start a worker and, with `wait`, return once it answers a ping on `queue` (its default
    queue when None). `mail_dir` makes it write emails there as files; `new_session` puts it in a
    process group of its own (stopped whole, pool children included)."""
    from secondopinion.celery import app, ping

    environment = {**os.environ, **(env or {})}
    if queue is not None:
        environment["CELERY_QUEUE"] = queue
    if mail_dir is not None:
        environment["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
        environment["EMAIL_FILE_PATH"] = str(mail_dir)
    output = log.open("ab") if log is not None else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            worker_command(loglevel=loglevel, heartbeat=heartbeat),
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    finally:
        if log is not None:
            output.close()  # the child keeps its own handle
    handle = WorkerHandle(
        process=process,
        mail_dir=mail_dir,
        log=log,
        app=app,
        queue=queue,
        new_session=new_session,
    )
    if wait:
        try:
            options = {"queue": queue} if queue is not None else {}
            ping.apply_async(**options).get(timeout=READY_TIMEOUT_S)
        except Exception:
            handle.stop()
            raise RuntimeError(
                f"The Celery worker did not answer a ping within {READY_TIMEOUT_S} s"
                + (f"; its log:\n{handle.log_text()[-4000:]}" if log is not None else "")
            ) from None
    return handle


@contextmanager
def running_worker(**options) -> Iterator[WorkerHandle]:
    """`start_worker(**options)` for the length of a `with` block, stopped at its end."""
    handle = start_worker(**options)
    try:
        yield handle
    finally:
        handle.stop()


def stop_process(process: subprocess.Popen, *, group: bool = False) -> None:
    """SIGTERM (a warm shutdown for a worker), then SIGKILL after STOP_TIMEOUT_S."""
    if process.poll() is not None:
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        send(signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_S)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            send(signal.SIGKILL)
        process.wait()
