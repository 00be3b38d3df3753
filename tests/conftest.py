"""Shared fixtures: the named actors, and a real Celery worker (tests/workers.py) for the tests
that need one.

alice the patient, bob another patient, carol a caregiver, dr_smith (assigned when a case gets a
specialist) and dr_jones (never assigned), cora the coordinator.

Tests marked `any_day` run once per instant in ANY_DAY_INSTANTS, each with the clock pinned there
(time-machine, ticking), so one run proves they pass on a weekday, at the weekend, late on a
Friday, on 31 December and across a daylight-saving switch, whatever day it really is. Each of
those runs costs time, so tests that depend on the date in the same way as a marked one (or are
slow) are marked `pinned_clock` instead: one run, at the weekday instant.
"""

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django.utils import translation
from pytest_django.live_server_helper import LiveServer

from backoffice import page_figures
from cases.models import Case, ProxyAuthority
from secondopinion.accounts.models import Role, User
from specialists.models import Specialist

from .factories import SpecialistFactory, UserFactory, case_in_state
from .i18n.catalogs import compile_catalogs_if_stale
from .support import NEEDS_SERVICE, in_ci, require_service, wait_for
from .workers import ROOT, WorkerHandle, running_worker

# Re-exported: tests import them from here.
__all__ = ["ROOT", "WorkerHandle", "wait_for"]


@dataclass(frozen=True)
class Instant:
    """A wall-clock time in the project's TIME_ZONE, or in `time_zone` where the day needs one
    (UTC, the default, has no daylight-saving switch)."""

    wall: datetime
    time_zone: str | None = None

    def aware(self) -> datetime:
        return self.wall.replace(tzinfo=ZoneInfo(self.time_zone or settings.TIME_ZONE))


def _next_day(after: date, matches) -> date:
    day = after + timedelta(days=1)
    while not matches(day):
        day += timedelta(days=1)
    return day


def _next_daylight_saving_switch(after: date, zone: ZoneInfo) -> date:
    def offset(day: date):
        return datetime.combine(day, wall_time(12, 0), tzinfo=zone).utcoffset()

    return _next_day(after, lambda day: offset(day) != offset(day - timedelta(days=1)))


def _any_day_instants(today: date) -> dict[str, Instant]:
    """The next of each kind of day after `today`: always ahead of the real clock, so whatever
    migrations or the database stamped with the real time (the published consent text, say) is
    already in the past."""

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, wall_time(hour, minute))

    weekday = _next_day(today, lambda day: day.weekday() == 2)
    saturday = _next_day(today, lambda day: day.weekday() == 5)
    friday = _next_day(today, lambda day: day.weekday() == 4)
    new_years_eve = _next_day(today, lambda day: (day.month, day.day) == (12, 31))
    switch = _next_daylight_saving_switch(today, ZoneInfo(DAYLIGHT_SAVING_ZONE))
    return {
        "wednesday": Instant(at(weekday, 10)),
        "saturday": Instant(at(saturday, 10)),
        "sunday": Instant(at(saturday + timedelta(days=1), 10)),
        "friday-23h30": Instant(at(friday, 23, 30)),
        "31-december-23h30": Instant(at(new_years_eve, 23, 30)),
        # Just after the clocks moved (03:30 exists on both switch days, once).
        "dst-switch": Instant(at(switch, 3, 30), time_zone=DAYLIGHT_SAVING_ZONE),
    }


DAYLIGHT_SAVING_ZONE = "Europe/Berlin"
ANY_DAY_INSTANTS = _any_day_instants(date.today())


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "any_day: depends on the date; runs with the clock at each of conftest.ANY_DAY_INSTANTS",
    )
    config.addinivalue_line(
        "markers",
        "pinned_clock: depends on the date; runs once, the clock at ANY_DAY_INSTANTS['wednesday']",
    )
    config.addinivalue_line(
        "markers",
        f"{NEEDS_SERVICE}(name, available, how): skipped locally without the service, fails in CI",
    )
    # Before any page is rendered: a catalog compiled later would not be read by this process.
    compile_catalogs_if_stale()


def pytest_runtest_setup(item):
    for mark in item.iter_markers(NEEDS_SERVICE):
        require_service(**mark.kwargs)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test that commits to the database restores the seeded rows it found (serialized
    rollback). A transactional test without it empties the tables at its end and Django then
    re-creates content types, which the next serialized test's restore collides with."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        commits = kwargs.get("transaction") or {"transactional_db", "live_server"} & set(
            item.fixturenames
        )
        if commits and not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("any_day"):
        if {"celery_worker_process", "live_server", "page"} & set(metafunc.fixturenames):
            # A worker process or a browser keeps the real clock: such a test pins differently.
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: any_day needs one process")
        metafunc.parametrize(
            "_any_day_clock",
            list(ANY_DAY_INSTANTS.values()),
            ids=list(ANY_DAY_INSTANTS),
            indirect=True,
        )


@pytest.fixture(autouse=True)
def _any_day_clock(request):
    """For an `any_day` test: its instant's time zone and a clock that starts there and ticks; for
    a `pinned_clock` test, the same at the weekday instant."""
    instant = getattr(request, "param", None)
    if instant is None and request.node.get_closest_marker("pinned_clock"):
        instant = ANY_DAY_INSTANTS["wednesday"]
    if instant is None:
        yield None
        return
    with (
        override_settings(TIME_ZONE=instant.time_zone or settings.TIME_ZONE),
        time_machine.travel(instant.aware(), tick=True),
    ):
        yield instant


@pytest.fixture(autouse=True)
def _no_metrics_read_by_an_earlier_test():
    """A process keeps the metrics page's figures by snapshot (backoffice.page_figures); a rolled-back
    test's snapshot id and pinned time may come back in the next test with other figures."""
    page_figures.forget()


@pytest.fixture(autouse=True)
def _english_until_asked():
    """Each test starts in the default language, as each request of a real server does: the test
    client leaves the last request's language active in the thread, so a test after a Spanish
    page would otherwise meet Spanish in the services it calls directly."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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
def worker_environment(django_db_setup, django_db_blocker) -> dict[str, str]:
    """What a process the tests start (a worker, a web node) needs to use the test database."""
    with django_db_blocker.unblock():
        return {"DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": _test_database_url()}


@pytest.fixture(scope="session")
def run_worker(worker_environment, tmp_path_factory) -> Iterator[WorkerHandle]:
    """A real `celery worker` process on the test database and this xdist process's own queue:
    one for the whole run (per xdist process), shared by every test that needs one.

    It uses Redis when REDIS_URL is set, else the filesystem broker. Emails it sends are files
    in the returned handle's `mail_dir`.
    """
    with running_worker(
        env=worker_environment,
        mail_dir=tmp_path_factory.mktemp("worker-mail"),
        log=tmp_path_factory.mktemp("worker-log") / "worker.log",
    ) as handle:
        yield handle


@pytest.fixture
def celery_worker_process(run_worker: WorkerHandle) -> Iterator[WorkerHandle]:
    """The run's worker, checked alive before and after each test that uses it: a worker that
    died fails that test at once with the end of its log, instead of each later test waiting a
    minute for tasks nobody takes (a local run once lost two journeys that way)."""
    run_worker.check_alive()
    yield run_worker
    run_worker.check_alive()


# A migrated SQLite test database kept between local runs -------------------------------------

TEST_DATABASE_TEMPLATES = ROOT / "var" / "test-db-templates"


def _keeps_a_template(config) -> bool:
    """`--reuse-db` (what `make test` passes outside CI) on SQLite: each run starts from a copy of
    a database migrated once. PostgreSQL (CI's) and `--create-db` build it from scratch."""
    return (
        bool(config.getvalue("reuse_db"))
        and not config.getvalue("create_db")
        and not in_ci()
        and settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    )


def _migrations_digest() -> str:
    """Changes whenever a migration (ours or a package's) or the list of apps does, so that a
    kept database never has an old schema."""
    from django.apps import apps

    digest = hashlib.sha256("\n".join(settings.INSTALLED_APPS).encode())
    for app_config in apps.get_app_configs():
        for path in sorted((Path(app_config.path) / "migrations").glob("*.py")):
            digest.update(f"{app_config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _template_path() -> Path:
    return TEST_DATABASE_TEMPLATES / f"{_migrations_digest()}.sqlite3"


@pytest.fixture(scope="session")
def django_db_keepdb(request) -> bool:
    """pytest-django keeps the test database with --reuse-db; here only where it is a copy of
    the template (it is deleted at the end instead: see django_db_setup below)."""
    return _keeps_a_template(request.config)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request) -> None:
    """Start this process's test database (a file of its own per run and xdist process) as a
    copy of the migrated template when there is one; Django then only checks it is migrated."""
    if not _keeps_a_template(request.config):
        return
    test_database = Path(connection.settings_dict["TEST"]["NAME"])
    test_database.unlink(missing_ok=True)
    template = _template_path()
    if template.exists():
        shutil.copyfile(template, test_database)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, request, django_db_blocker):
    """pytest-django's set-up; then, when keeping a template and there is none yet for these
    migrations, this freshly migrated database becomes it (older templates are removed)."""
    if not _keeps_a_template(request.config):
        yield
        return
    test_database = Path(connection.settings_dict["NAME"])
    template = _template_path()
    if not template.exists():
        TEST_DATABASE_TEMPLATES.mkdir(parents=True, exist_ok=True)
        partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
        with (
            closing(sqlite3.connect(test_database)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
        partial.replace(template)  # atomic: another process never reads half a template
        for old in TEST_DATABASE_TEMPLATES.glob("*.sqlite3"):
            if old != template:
                old.unlink(missing_ok=True)
    yield
    with django_db_blocker.unblock():
        connections.close_all()
    test_database.unlink(missing_ok=True)


_MATRIX_MODULE = "tests.proofs.matrix"


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


@pytest.fixture(scope="session")
def live_server(request) -> Iterator[LiveServer]:
    """pytest-django's live server, started with a MEDIA_URL that its media handler can parse.

    The settings have MEDIA_URL = None (records are never served as media), but Django's live
    server thread wraps every request in a media-files handler that calls urlparse(MEDIA_URL) and
    fails on None. A URL on another host makes that handler pass every request through and serve
    nothing; the override lasts only while the thread builds its handlers.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="http://media.invalid/"):
        server = LiveServer(addr)
    yield server
    server.stop()
