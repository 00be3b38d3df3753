"""The case page lists a case's first records, not all of them: a case with hundreds of files
costs its page the same as one with a few, and the whole list is a click away."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Status
from records.models import RecordFile
from records.selectors import RECORDS_ON_CASE_PAGE
from tests.factories import record_rows


def _case_page(client, case):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("cases:case-detail", args=[case.reference]))
    assert response.status_code == 200
    return response, len(captured)


def test_a_case_with_many_records_shows_the_first_and_links_to_all(client, actors):
    few = actors.case(Status.IN_REVIEW)
    many = actors.case(Status.IN_REVIEW)
    record_rows(few, actors.alice, 3)
    record_rows(many, actors.alice, RECORDS_ON_CASE_PAGE + 40)
    client.force_login(actors.alice)
    _case_page(client, few)  # the session's first page renews it

    few_page, few_queries = _case_page(client, few)
    many_page, many_queries = _case_page(client, many)
    everything = client.get(reverse("records:case-records", args=[many.reference])).text

    assert "letter-002.pdf" in few_page.text and 'id="records-more"' not in few_page.text
    in_order = list(RecordFile.objects.filter(case=many).order_by("uploaded_at", "id"))
    assert many_page.context["records"] == in_order[:RECORDS_ON_CASE_PAGE]
    assert in_order[RECORDS_ON_CASE_PAGE].original_name not in many_page.text
    assert f"Show all {len(in_order)} records" in many_page.text
    assert all(record.original_name in everything for record in in_order)
    assert many_queries == few_queries


def test_show_all_opened_without_javascript_is_a_whole_page_and_htmx_gets_the_list_alone(
    client, actors
):
    """The link's address is a page of its own (a new tab, a browser without JavaScript), with
    the site's header and a way back; htmx, which says so in HX-Request, gets the list to put in
    place. Its htmx attributes are data-hx-*, which HTML allows (hx-* it does not)."""
    many = actors.case(Status.IN_REVIEW)
    record_rows(many, actors.alice, RECORDS_ON_CASE_PAGE + 5)
    client.force_login(actors.alice)
    url = reverse("records:case-records", args=[many.reference])

    case_page = client.get(reverse("cases:case-detail", args=[many.reference])).text
    page = client.get(url).text
    in_place = client.get(url, headers={"HX-Request": "true"}).text
    last = f"letter-{RECORDS_ON_CASE_PAGE + 4:03d}.pdf"  # beyond what the case page shows

    assert f'data-hx-get="{url}"' in case_page and ' hx-get="' not in case_page
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "<title>Medical records · Second Opinion</title>" in page
    assert f"Back to case {many.reference}" in page
    assert last in page and last not in case_page
    assert "<!doctype" not in in_place.lower() and "<title>" not in in_place
    assert last in in_place
