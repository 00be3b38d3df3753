"""On PostgreSQL the coordinator's queue reads the status index alone (an index-only scan: the
case's id is in the index) for its counts by state, for the cases of an offer about to expire and
for choosing a page's cases, never the cases' rows. At 100,000 cases the count by state read
15,000 rows from the table (13 ms) for five numbers, for want of the id.

The test database is small, so the planner is told not to read the whole table or use a bitmap
(which it would rightly prefer for a few rows): what is left to choose between is the index with
or without the table's rows, which is what the test is about."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Status
from tests.support import needs_service, wait_for

pytestmark = needs_service(
    "PostgreSQL", connection.vendor == "postgresql", "the plans are PostgreSQL's: set DATABASE_URL"
)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _reads_of_cases(plan: str, table: str) -> list[str]:
    """How the plan reads `table` ('cases_case', or the subquery's 'cases_case "U0"'): one scan
    per line, e.g. "Index Only Scan using ... on cases_case"."""
    return [
        line.strip(" ->").split(" using ")[0]
        for line in plan.splitlines()
        if line.rstrip().endswith(f"on {table}") or f"on {table}  (" in line
    ]


def _reads(sql: str, table: str) -> list[str]:
    with transaction.atomic():  # the planner settings are SET LOCAL: this transaction's only
        return _reads_of_cases(_plan(sql), table)


def _cases_in(actors, *states: str) -> None:
    """Three cases in each state, then VACUUM until every page of the table is in the visibility
    map, which an index-only scan reads (with too few of them the planner rightly reads the rows).

    The test settings commit without waiting for the disk, and VACUUM may leave a page out while
    a commit on it is not on disk yet: one commit that waits first puts every earlier one there.
    """
    for status in states:
        for _ in range(3):
            actors.case(status)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = on")
        cursor.execute("SELECT txid_current()")  # a transaction of its own, committed to disk
        cursor.execute("RESET synchronous_commit")

    def all_visible() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute(
                "SELECT relallvisible >= relpages FROM pg_class WHERE oid = 'cases_case'::regclass"
            )
            return cursor.fetchone()[0]

    wait_for(all_visible, timeout=20, interval=0.5, what="VACUUM to mark every page all-visible")


def _queue_queries(client, actors, **params) -> list[str]:
    client.force_login(actors.cora)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("coordinator:queue"), params).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_the_queue_counts_and_chooses_its_page_from_the_status_index_alone(client, actors):
    _cases_in(actors, Status.SUBMITTED, Status.TRIAGE, Status.MATCHING, Status.OFFERED)

    queries = _queue_queries(client, actors)

    by_state = next(sql for sql in queries if "GROUP BY" in sql and '"status"' in sql)
    expiring = next(sql for sql in queries if "specialists_offer" in sql and "COUNT(*)" in sql)
    page = next(sql for sql in queries if "LIMIT" in sql and '"U0"."submitted_at"' in sql)
    for sql, table in (
        (by_state, "cases_case"),
        (expiring, "cases_case"),
        (page, 'cases_case "U0"'),
    ):
        assert _reads(sql, table) == ["Index Only Scan"], sql


@pytest.mark.django_db(transaction=True)
def test_a_specialty_filter_counts_from_the_status_index_alone(client, actors):
    """The specialist is in the index too: the cases of a specialty's specialists are counted
    without reading the cases' rows (at 100,000 cases: 12 ms from the rows, 3 from the index)."""
    _cases_in(actors, Status.SUBMITTED, Status.MATCHING, Status.OPINION_SUBMITTED)
    oncology = actors.dr_smith.specialties.get()

    queries = _queue_queries(client, actors, queue="quality", specialty=oncology.pk)

    by_state = next(sql for sql in queries if "GROUP BY" in sql and '"status"' in sql)
    assert _reads(by_state, "cases_case") == ["Index Only Scan"], by_state
