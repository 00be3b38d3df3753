"""Shared fixtures: the named actors, and a real Celery worker for the tests that need one.

alice the patient, bob another patient, carol a caregiver, dr_smith (assigned when a case gets a
specialist) and dr_jones (never assigned), cora the coordinator.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from cases.models import Case, ProxyAuthority
from secondopinion.accounts.models import Role, User
from specialists.models import Specialist

from .factories import SpecialistFactory, UserFactory, case_in_state

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Actors:
    alice: User
    bob: User
    carol: User
    dr_smith: Specialist
    dr_jones: Specialist
    cora: User

    def case(
        self,
        status: str = "draft",
        owner: User | None = None,
        authority: ProxyAuthority | None = None,
    ) -> Case:
        """A complete case in `status`; with `authority`, opened by its caregiver (`owner`)."""
        return case_in_state(
            status,
            owner=owner or self.alice,
            specialist=self.dr_smith,
            coordinator=self.cora,
            authority=authority,
        )


@pytest.fixture
def proxy(db) -> User:
    """dan, a caregiver who records an authority to act for alice where a test needs one."""
    return UserFactory(email="dan@example.org", full_name="Dan Proxy", role=Role.CAREGIVER)


@pytest.fixture
def actors(db) -> Actors:
    return Actors(
        alice=UserFactory(email="alice@example.org", full_name="Alice Patient"),
        bob=UserFactory(email="bob@example.org", full_name="Bob Patient"),
        carol=UserFactory(
            email="carol@example.org", full_name="Carol Caregiver", role=Role.CAREGIVER
        ),
        dr_smith=SpecialistFactory(
            user__email="dr.smith@example.org", user__full_name="Dr Sarah Smith"
        ),
        dr_jones=SpecialistFactory(
            user__email="dr.jones@example.org",
            user__full_name="Dr Tom Jones",
            specialty="Cardiology",
        ),
        cora=UserFactory(
            email="cora@example.org", full_name="Cora Coordinator", role=Role.COORDINATOR
        ),
    )


def _test_database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on the test database and the test run's own queue.

    It uses Redis when REDIS_URL is set, else the filesystem broker. Emails it sends are files
    in the returned object's `mail_dir`.
    """
    from secondopinion.celery import app, ping

    with django_db_blocker.unblock():
        database_url = _test_database_url()
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    log = tmp_path_factory.mktemp("worker-log") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "secondopinion",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            ping.apply_async().get(timeout=60)
            yield WorkerHandle(process=process, mail_dir=mail_dir, log=log, app=app)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class WorkerHandle:
    process: subprocess.Popen
    mail_dir: Path
    log: Path
    app: object

    def sent_emails(self) -> list[str]:
        """Each email the worker sent. Django's file backend may append several messages to one
        file (same second, same backend object), separated by a line of 79 dashes."""
        separator = "\n" + "-" * 79 + "\n"
        return [
            message
            for path in sorted(self.mail_dir.glob("*.log"))
            for message in path.read_text().split(separator)
            if message.strip()
        ]


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    """Poll until `predicate()` is truthy; fail the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}")


_MATRIX_MODULE = "tests.test_authorization_matrix"


def _matrix_checks_here() -> int:
    """The authorization matrix's count of checks made in this process."""
    import sys

    matrix = sys.modules.get(_MATRIX_MODULE)
    return matrix.CHECKS["count"] if matrix is not None else 0


def pytest_sessionfinish(session):
    """An xdist worker hands its count of matrix checks to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["authorization_matrix_checks"] = _matrix_checks_here()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """(xdist's controller) add up the workers' counts."""
    config = node.config
    config.authorization_matrix_checks = getattr(config, "authorization_matrix_checks", 0) + (
        getattr(node, "workeroutput", {}).get("authorization_matrix_checks", 0)
    )


def pytest_terminal_summary(terminalreporter):
    """How many answers the authorization matrix compared with its expectations, when it ran."""
    config = terminalreporter.config
    checks = _matrix_checks_here() + getattr(config, "authorization_matrix_checks", 0)
    if checks:
        terminalreporter.write_line(f"authorization matrix: {checks} checks")
