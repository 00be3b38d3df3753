"""A case with more records than its page shows: "Show all" puts every record in place on the
case page (htmx, reading its data-hx-* attributes), and the same address opened on its own is a
whole page with the site around it and a way back."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Status
from records.selectors import RECORDS_ON_CASE_PAGE
from tests.factories import record_rows

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_show_all_records_in_place_and_as_a_page_of_its_own(new_page, actors):
    case = actors.case(Status.IN_REVIEW)
    record_rows(case, actors.alice, RECORDS_ON_CASE_PAGE + 5)
    last = f"letter-{RECORDS_ON_CASE_PAGE + 4:03d}.pdf"

    alice = new_page()
    sign_in(alice, actors.alice.email)
    case_url = reverse("cases:case-detail", args=[case.reference])
    alice.goto(case_url)
    records = alice.locator("#records-list")
    expect(records.get_by_role("link", name=last)).to_have_count(0)
    assert_accessible(alice)

    records.get_by_role("link", name=f"Show all {RECORDS_ON_CASE_PAGE + 6} records").click()

    expect(records.get_by_role("link", name=last)).to_be_visible()
    assert alice.url.endswith(case_url)  # in place: still the case page
    assert_accessible(alice)

    alice.goto(reverse("records:case-records", args=[case.reference]))
    expect(alice).to_have_title("Medical records · Second Opinion")
    expect(alice.get_by_role("heading", name="Medical records", level=1)).to_be_visible()
    expect(alice.get_by_role("link", name=last)).to_be_visible()
    assert_accessible(alice)
    alice.get_by_role("link", name=f"Back to case {case.reference}").click()
    expect(alice).to_have_url(f"{alice.url.split('/cases/')[0]}{case_url}")
    assert_accessible(alice)
