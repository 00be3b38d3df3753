"""The pages measured at scale, as each role sees them: server time (the whole Django stack,
in process, through the test client) and the SQL each runs. Used by bench/run.py and by
tests/test_query_counts.py.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.scale_data import Actors


@dataclass(frozen=True)
class Page:
    name: str
    role: str  # "patient", "specialist" or "coordinator": the actor who opens it
    url: Callable[[Actors], str]
    timed: bool = True  # one of the pages with a server-time goal


PAGES = [
    Page("patient dashboard", "patient", lambda a: reverse("cases:dashboard")),
    Page("case page", "patient", lambda a: reverse("cases:case-detail", args=[a.case.reference])),
    Page("specialist home", "specialist", lambda a: reverse("specialists:home")),
    Page("coordinator queues", "coordinator", lambda a: reverse("cases:queue")),
    Page(
        "coordinator queues (overdue reviews)",
        "coordinator",
        lambda a: reverse("cases:queue") + "?queue=overdue_reviews&sort=urgency",
    ),
    Page("metrics page", "coordinator", lambda a: reverse("coordinator:metrics")),
    Page(
        "matching page",
        "coordinator",
        lambda a: reverse("specialists:match", args=[a.matching_case.reference]),
    ),
    Page(
        "records list",
        "patient",
        lambda a: reverse("records:case-records", args=[a.case.reference]),
        timed=False,
    ),
    Page("notifications", "patient", lambda a: reverse("notifications:list"), timed=False),
    Page("audit viewer", "coordinator", lambda a: reverse("audit:event-list"), timed=False),
]
BASELINE = Page(
    "baseline: bare view, one indexed query",
    "patient",
    lambda a: f"/bench/baseline/{a.case.reference}/",
)


def clients(actors: Actors) -> dict[str, Client]:
    """A signed-in client per role (the staff actors have MFA set up, as the middleware asks)."""
    signed_in = {}
    for role, user in (
        ("patient", actors.patient),
        ("specialist", actors.specialist.user),
        ("coordinator", actors.coordinator),
    ):
        client = Client()
        client.force_login(user)
        signed_in[role] = client
    return signed_in


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise AssertionError(f"{url} answered {response.status_code}")
    return response


def queries_per_page(actors: Actors, pages=PAGES) -> dict[str, list[dict]]:
    """The SQL each page runs (after one warm-up request), with each statement's time."""
    signed_in = clients(actors)
    captured = {}
    for page in pages:
        url = page.url(actors)
        _get(signed_in[page.role], url)
        with CaptureQueriesContext(connection) as context:
            _get(signed_in[page.role], url)
        captured[page.name] = list(context.captured_queries)
    return captured


def query_counts(actors: Actors, pages=PAGES) -> dict[str, int]:
    return {name: len(queries) for name, queries in queries_per_page(actors, pages).items()}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def server_times(actors: Actors, *, runs: int, budget_s: float = 20.0) -> dict[str, dict]:
    """p50 and p95 of each timed page and of the baseline, in ms, rounds interleaved so that
    the machine's other work weighs on every page alike. A page that has taken `budget_s` in
    all stops after at least 5 runs (a page of seconds needs no 30 runs to show it)."""
    signed_in = clients(actors)
    pages = [BASELINE, *(page for page in PAGES if page.timed)]
    urls = {page.name: page.url(actors) for page in pages}
    times: dict[str, list[float]] = {page.name: [] for page in pages}
    for page in pages:  # warm-up: templates, plans, caches
        for _ in range(2):
            _get(signed_in[page.role], urls[page.name])
    for _ in range(runs):
        for page in pages:
            if len(times[page.name]) >= 5 and sum(times[page.name]) > budget_s:
                continue
            start = time.perf_counter()
            _get(signed_in[page.role], urls[page.name])
            times[page.name].append(time.perf_counter() - start)
    return {
        name: {
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(p95(values) * 1000, 1),
            "runs": len(values),
        }
        for name, values in times.items()
    }
