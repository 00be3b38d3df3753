"""A coordinator's day in a real browser: the queues with filters, opening a case from a queue,
searching by reference, the metrics page (charts drawn by Chart.js) and the audit viewer.
axe-core checks every page.
"""

import pytest
from playwright.sync_api import expect

from backoffice import metrics
from cases.models import Case, Status, Urgency

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_filters_the_queue_opens_a_case_searches_and_reads_metrics_and_audit(
    new_page, actors
):
    urgent = actors.case(Status.SUBMITTED)
    routine = actors.case(Status.SUBMITTED, owner=actors.bob)
    Case.objects.filter(pk=urgent.pk).update(urgency=Urgency.URGENT)
    Case.objects.filter(pk=routine.pk).update(urgency=Urgency.ROUTINE)
    delivered = actors.case(Status.DELIVERED)

    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    expect(cora.get_by_role("heading", level=1)).to_have_text("Case queue")
    assert_accessible(cora)

    # Filter the new submissions to the urgent ones.
    cora.get_by_text("Filter and sort").click()
    cora.get_by_label("Urgency").select_option(Urgency.URGENT)
    cora.get_by_role("button", name="Show cases").click()
    table = cora.get_by_role("table")
    expect(table).to_contain_text(urgent.reference)
    expect(table).not_to_contain_text(routine.reference)
    expect(table).to_contain_text("Submitted, not yet triaged")
    assert_accessible(cora)

    # Open the case from the queue.
    cora.get_by_role("link", name=urgent.reference).click()
    expect(cora.get_by_text(f"Case {urgent.reference}")).to_be_visible()
    assert_accessible(cora)

    # Search by reference.
    cora.get_by_role("navigation").get_by_role("link", name="Search").click()
    assert_accessible(cora)
    cora.get_by_label("Case reference, patient name or email, or specialist name").fill(
        delivered.reference
    )
    cora.get_by_role("button", name="Search").click()
    expect(cora.get_by_role("heading", name="1 case found")).to_be_visible()
    assert_accessible(cora)
    cora.get_by_role("link", name=delivered.reference).click()
    expect(cora.get_by_text(f"Case {delivered.reference}")).to_be_visible()
    assert_accessible(cora)

    # Metrics: the charts are drawn, and the figures are in tables too.
    metrics.refresh_snapshot()  # what the beat task does every two minutes
    cora.get_by_role("navigation").get_by_role("link", name="Metrics").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Metrics")
    # The chart script is deferred: wait for it to have drawn (fails after the timeout).
    cora.wait_for_function("() => typeof Chart !== 'undefined' && !!Chart.getChart('chart-states')")
    expect(cora.get_by_role("table").first).to_contain_text("Opinion delivered")
    assert_accessible(cora)

    # The audit viewer, filtered to the case she opened.
    cora.get_by_role("navigation").get_by_role("link", name="Audit log").click()
    assert_accessible(cora)
    cora.get_by_label("Case reference").fill(urgent.reference)
    cora.get_by_label("Action").select_option("case.view")
    cora.get_by_role("button", name="Show events").click()
    expect(cora.get_by_role("table")).to_contain_text(actors.cora.email)
    expect(cora.get_by_role("table")).to_contain_text(urgent.reference)
    assert_accessible(cora)
