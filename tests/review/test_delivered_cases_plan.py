"""On PostgreSQL, which cases were delivered (and since when) is read from the deliveries' own
index, not from every step of every case's timeline: at 1,000,000 cases the timeline holds 7.7
million steps, and the outcome figures' count of delivered cases fell from 2.9 to 1.8 s.

The test database is small, so the planner is told not to read whole tables or use a bitmap
(which it would rightly prefer for a few rows): what is left is the choice of index, which is what
the test is about."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from review import selectors
from tests.support import needs_service

pytestmark = needs_service(
    "PostgreSQL", connection.vendor == "postgresql", "the plans are PostgreSQL's: set DATABASE_URL"
)


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:  # SET LOCAL: this transaction's
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("since", [None, "now"])
def test_delivered_cases_read_the_deliveries_index(since):
    chosen = timezone.now() if since else None

    plan = _plan(selectors.delivered_cases(since=chosen).values("pk"))

    timeline_reads = [line for line in plan.splitlines() if "on cases_caseevent" in line]
    assert timeline_reads, plan
    assert all("using case_event_delivered" in line for line in timeline_reads), plan
