"""The pages measured at scale, as each role sees them: server time (the whole Django stack,
in process, through the test client) and the SQL each runs. Used by bench/run.py and by
tests/proofs/test_query_counts.py.
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
    timed: bool = True  # timed by the benchmark (every page is, besides being counted)


MAX_QUERIES = 12  # the goal for every page


def _offered_case(a: Actors) -> str:
    """A case offered to the named specialist, still open: the offer page they answer."""
    from specialists.models import Offer

    offer = Offer.objects.filter(specialist=a.specialist, status=Offer.Status.OPEN).first()
    return offer.case.reference


def _workspace_with_a_record(a: Actors) -> str:
    """The reviewing specialist's workspace with one of the case's files in the viewer: the
    first the viewer shows (a PDF or an image), else the first file (the pane says why not)."""
    from records.models import RecordFile

    files = RecordFile.objects.filter(case=a.case).order_by("pk")
    shown = files.filter(content_type__in=["application/pdf", "image/jpeg", "image/png"])
    record = shown.first() or files.first()
    return reverse("review:workspace", args=[a.case.reference]) + f"?record={record.pk}"


def _delivered_case(a: Actors) -> str:
    """The patient's first case with a delivered opinion: the after-the-opinion page's case."""
    from cases.choices import Status
    from cases.models import Case

    delivered = Case.objects.filter(owner=a.patient, status=Status.DELIVERED)
    return delivered.filter(opinion__isnull=False).order_by("pk").first().reference


def _specialty(a: Actors) -> str:
    return str(a.specialist.specialties.values_list("pk", flat=True).first())


def _queue(query: str = "") -> Callable[[Actors], str]:
    return lambda a: reverse("coordinator:queue") + query


PAGES = [
    Page("patient dashboard", "patient", lambda a: reverse("cases:dashboard")),
    Page("case page", "patient", lambda a: reverse("cases:case-detail", args=[a.case.reference])),
    Page(
        "case page (assigned specialist)",
        "specialist",
        lambda a: reverse("cases:case-detail", args=[a.case.reference]),
    ),
    Page(
        "case page (coordinator)",
        "coordinator",
        lambda a: reverse("cases:case-detail", args=[a.case.reference]),
    ),
    Page(
        "case messages",
        "patient",
        lambda a: reverse("messaging:case-messages", args=[a.case.reference]),
    ),
    Page(
        "after the opinion",
        "patient",
        lambda a: reverse("outcomes:after", args=[_delivered_case(a)]),
    ),
    Page("specialist home", "specialist", lambda a: reverse("specialists:home")),
    Page("workspace (a record in the viewer)", "specialist", _workspace_with_a_record),
    Page("specialist profile", "specialist", lambda a: reverse("specialists:profile")),
    Page(
        "offer to answer",
        "specialist",
        lambda a: reverse("specialists:offer-accept", args=[_offered_case(a)]),
    ),
    Page("coordinator queues", "coordinator", _queue()),
    Page(
        "coordinator queues (overdue reviews)",
        "coordinator",
        _queue("?queue=overdue_reviews&sort=urgency"),
    ),
    Page(
        "coordinator queues (a specialty)",
        "coordinator",
        lambda a: reverse("coordinator:queue") + f"?queue=matching&specialty={_specialty(a)}",
    ),
    Page("coordinator queues (last page)", "coordinator", _queue("?queue=new&page=999999")),
    Page(
        "search (a reference)",
        "coordinator",
        lambda a: reverse("coordinator:search") + f"?q={a.case.reference}",
    ),
    # Part of the patient's email, as a coordinator on the phone hears it (a handful of cases
    # match: every seeded address starts "scale", so that word alone would list them all).
    Page(
        "search (part of an email)",
        "coordinator",
        lambda a: reverse("coordinator:search") + f"?q={a.patient.email.split('@')[0]}",
    ),
    Page("metrics page", "coordinator", lambda a: reverse("coordinator:metrics")),
    Page(
        "metrics page (a specialty's outcomes, last 90 days)",
        "coordinator",
        lambda a: reverse("coordinator:metrics") + f"?specialty={_specialty(a)}&period=90d",
    ),
    Page(
        "matching page",
        "coordinator",
        lambda a: reverse("specialists:match", args=[a.matching_case.reference]),
    ),
    Page("credentials to verify", "coordinator", lambda a: reverse("specialists:credentials")),
    Page("deletion requests", "coordinator", lambda a: reverse("coordinator:deletion-requests")),
    Page("referral sources", "coordinator", lambda a: reverse("referrals:source-list")),
    Page(
        "records list",
        "patient",
        lambda a: reverse("records:case-records", args=[a.case.reference]),
    ),
    Page("records requests", "coordinator", lambda a: reverse("records:request-list")),
    Page(
        "access history",
        "patient",
        lambda a: reverse("data_rights:access-history", args=[a.case.reference]),
    ),
    Page("notifications", "patient", lambda a: reverse("notifications:list")),
    Page("notification settings", "patient", lambda a: reverse("notifications:preferences")),
    Page("new case", "patient", lambda a: reverse("cases:case-create")),
    Page("account", "patient", lambda a: reverse("accounts:account")),
    Page("audit viewer", "coordinator", lambda a: reverse("audit:event-list")),
    Page(
        "audit viewer (one case)",
        "coordinator",
        lambda a: reverse("audit:event-list") + f"?case={a.case.reference}",
    ),
]
# The URL names of the pages above, and why every other name in the URLconf is not a page a
# signed-in person opens (tests/proofs/test_query_counts.py holds the two lists to the URLconf).
PAGE_URL_NAMES = {
    "cases:dashboard",
    "cases:case-detail",
    "messaging:case-messages",
    "outcomes:after",
    "coordinator:queue",
    "cases:case-create",
    "coordinator:search",
    "coordinator:metrics",
    "coordinator:deletion-requests",
    "referrals:source-list",
    "audit:event-list",
    "data_rights:access-history",
    "records:case-records",
    "records:request-list",
    "specialists:home",
    "specialists:profile",
    "specialists:credentials",
    "specialists:match",
    "specialists:offer-accept",
    "review:workspace",
    "notifications:list",
    "notifications:preferences",
    "accounts:account",
}
NOT_PAGES = {
    "a form or an action (a POST, or the GET of a form)": {
        "accounts:language",
        "cases:authority-new",
        "coordinator:queue-bulk",
        "cases:authority-revoke",
        "cases:intake-authority",
        "cases:intake-step",
        "cases:intake-resume",
        "cases:intake-check",
        "cases:case-consent",
        "cases:consent-withdraw",
        "cases:coverage-check",
        "cases:case-submit",
        "cases:case-withdraw",
        "cases:case-start-triage",
        "cases:case-send-to-matching",
        "cases:case-cancel",
        "review:information-request",
        "review:information-answer",
        "review:opinion-edit",
        "review:opinion-autosave",
        "coordinator:specialty-fields",
        "coordinator:specialty-field-remove",
        "review:opinion-return",
        "review:opinion-deliver",
        "review:opinion-translation",
        "review:follow-up-ask",
        "review:follow-up-answer",
        "review:report-share-create",
        "coordinator:deletion-decide",
        "referrals:source-revoke",
        "referrals:referral-enter",
        "referrals:report-share",
        "data_rights:deletion-request",
        "records:record-upload",
        "records:record-describe",
        "records:tus-create",
        "records:tus-upload",
        "records:request-create",
        "records:request-resend",
        "specialists:profile-edit",
        "specialists:licence-add",
        "specialists:certification-add",
        "specialists:affiliation-add",
        "specialists:relationship-add",
        "specialists:unavailability-add",
        "specialists:conflict-declare",
        "specialists:profile-item-remove",
        "specialists:case-conflict-add",
        "specialists:match-language-waive",
        "specialists:offer-decline",
        "notifications:mark-all-read",
        "outcomes:decision",
        "outcomes:follow-up-choice",
        "outcomes:question-add",
        "outcomes:check-in",
    },
    "a file download (one row read, then bytes)": {
        "cases:authority-document",
        "review:report-download",
        "coordinator:metrics-export",
        "audit:event-export",
        "data_rights:case-export",
        "records:record-download",
        "records:record-preview",
        "records:record-inline",
        "records:record-reduced",
        "coordinator:outcomes-export",
        "coordinator:case-fhir-export",
    },
    "opened without an account (a link is the key)": {
        "home",
        "healthz",
        "review:report-share",
        "referrals:refer",
        "referrals:invitation",
        "records:provider-link",
        "records:provider-upload",
        "records:provider-tus-create",
        "records:provider-finish",
    },
    "the patient's view of their referrer (one row)": {"referrals:case-referral"},
    # Its cost is the browser's (drawing a PDF page, decoding slices): bench/viewer_bench.py.
    "a record viewer page, timed in a browser by bench/viewer_bench.py": {"records:record-view"},
    "the load balancer's readiness check (no session)": {"readyz"},
    # Django's JavaScriptCatalog: the session and the account's language, then a rendered script.
    "our scripts' texts, a script every page loads (no query of its own)": {
        "accounts:javascript-catalog"
    },
}

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


def _statement(query: dict) -> bool:
    """A statement the page sends. SAVEPOINT and RELEASE SAVEPOINT are left out: they appear
    only because a test runs inside a transaction (in production an atomic block is the
    connection's own BEGIN and COMMIT, which are not logged as queries)."""
    return not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))


def statements(queries: list[dict]) -> list[dict]:
    return [query for query in queries if _statement(query)]


def query_counts(actors: Actors, pages=PAGES) -> dict[str, int]:
    return {
        name: sum(1 for query in queries if _statement(query))
        for name, queries in queries_per_page(actors, pages).items()
    }


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


# The heavy actors' pages (scale_data.HEAVY): the case with 300 files and 150 messages, the
# busiest specialist, the patient with the most cases.
HEAVY_PAGES = [
    Page("patient dashboard (heavy)", "patient", lambda a: reverse("cases:dashboard")),
    Page(
        "case page (300 files, 150 messages)",
        "patient",
        lambda a: reverse("cases:case-detail", args=[a.case.reference]),
    ),
    Page(
        "case messages (150 messages)",
        "patient",
        lambda a: reverse("messaging:case-messages", args=[a.case.reference]),
    ),
    Page(
        "records list (300 files)",
        "patient",
        lambda a: reverse("records:case-records", args=[a.case.reference]),
    ),
    Page("specialist home (busiest)", "specialist", lambda a: reverse("specialists:home")),
    Page(
        "audit viewer (the heavy case)",
        "coordinator",
        lambda a: reverse("audit:event-list") + f"?case={a.case.reference}",
    ),
]


def _quantiles(values: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(p95(values) * 1000, 2),
        "runs": len(values),
    }


def server_times(
    actors: Actors,
    *,
    runs: int,
    heavy: Actors | None = None,
    budget_s: float = 120.0,
    progress=None,
) -> dict[str, dict]:
    """p50 and p95 (ms) of every page and of the baseline, each page's request paired with a
    baseline request just before it, round after round, so the machine's other work weighs on
    both alike; the baseline's figures are over all its samples. A page that has taken
    `budget_s` in all stops early (its row says how many runs it had)."""
    say = progress or (lambda message: None)
    signed_in = {"": clients(actors)}
    todo = [("", page) for page in PAGES if page.timed]
    if heavy is not None:
        signed_in["heavy"] = clients(heavy)
        todo += [("heavy", page) for page in HEAVY_PAGES]
    acting = {"": actors, "heavy": heavy}
    urls = {page.name: page.url(acting[who]) for who, page in todo}
    baseline_url = BASELINE.url(actors)
    times: dict[str, list[float]] = {page.name: [] for _, page in todo}
    spent: dict[str, float] = dict.fromkeys(times, 0.0)
    baseline: list[float] = []
    for who, page in todo:  # warm-up: templates, plans, caches
        for _ in range(3):
            _get(signed_in[who][page.role], urls[page.name])
            _get(signed_in[""][BASELINE.role], baseline_url)
    for n in range(runs):
        for who, page in todo:
            if spent[page.name] > budget_s and len(times[page.name]) >= 5:
                continue
            start = time.perf_counter()
            _get(signed_in[""][BASELINE.role], baseline_url)
            middle = time.perf_counter()
            _get(signed_in[who][page.role], urls[page.name])
            end = time.perf_counter()
            baseline.append(middle - start)
            times[page.name].append(end - middle)
            spent[page.name] += end - middle
        if (n + 1) % 50 == 0:
            say(f"{n + 1} of {runs} rounds")
    result = {name: _quantiles(values) for name, values in times.items()}
    result[BASELINE.name] = _quantiles(baseline)
    return result
