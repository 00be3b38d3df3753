"""The coordinator's case queue: queues by state with counts, filters, sorting, pages."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services
from cases.models import Case, CaseEvent, Coverage, Status, Urgency
from cases.state import seeding_case_states
from review import services as review_services
from secondopinion.accounts.models import Role
from specialists.models import Offer
from tests.factories import UserFactory, entered_days_ago


def queue_page(client, **params):
    return client.get(reverse("coordinator:queue"), params)


def test_a_new_submission_shows_in_new_submissions_with_why_and_what_next(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    response = queue_page(client)

    assert response.status_code == 200
    assert case.reference in response.text
    assert "Submitted, not yet triaged" in response.text
    assert "Triage the case" in response.text
    assert response.context["result"].counts["new"] == 1


def test_each_queue_holds_its_cases(client, actors):
    matching = actors.case(Status.MATCHING)
    quality = actors.case(Status.OPINION_SUBMITTED)
    client.force_login(actors.cora)

    counts = queue_page(client).context["result"].counts

    assert counts["matching"] == 1
    assert counts["quality"] == 1
    assert matching.reference in queue_page(client, queue="matching").text
    assert quality.reference in queue_page(client, queue="quality").text
    assert quality.reference not in queue_page(client, queue="matching").text


@pytest.mark.any_day
def test_an_offer_due_within_the_warning_window_is_about_to_expire(client, actors, settings):
    case = actors.case(Status.OFFERED)
    client.force_login(actors.cora)
    assert queue_page(client).context["result"].counts["offers_expiring"] == 0

    Offer.objects.filter(case=case).update(respond_by=timezone.now() + timedelta(hours=2))

    response = queue_page(client, queue="offers_expiring")
    assert response.context["result"].counts["offers_expiring"] == 1
    assert case.reference in response.text


def test_a_review_past_its_service_level_is_overdue(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.cora)
    assert queue_page(client).context["result"].counts["overdue_reviews"] == 0

    entered_days_ago(case, Status.IN_REVIEW, 30)

    response = queue_page(client, queue="overdue_reviews")
    assert response.context["result"].counts["overdue_reviews"] == 1
    assert "(overdue)" in response.text
    assert queue_page(client, sla="on_track").context["result"].counts["overdue_reviews"] == 0


def test_an_insured_case_without_a_coverage_check_waits_for_one(client, actors):
    case = actors.case(Status.TRIAGE)
    Case.objects.filter(pk=case.pk).update(coverage=Coverage.INSURANCE, insurance_payer="Aetna")
    client.force_login(actors.cora)

    response = queue_page(client, queue="coverage")

    assert case.reference in response.text
    assert "Insurance not yet checked (Aetna)" in response.text


def test_a_recorded_coverage_check_takes_the_case_out_of_the_coverage_queue(client, actors):

    case = actors.case(Status.TRIAGE)
    Case.objects.filter(pk=case.pk).update(coverage=Coverage.INSURANCE, insurance_payer="Aetna")
    client.force_login(actors.cora)
    assert queue_page(client, queue="coverage").context["result"].counts["coverage"] == 1

    services.record_coverage_check(
        case=Case.objects.get(pk=case.pk),
        by=actors.cora,
        result="covered",
        preauthorization="not_needed",
    )

    response = queue_page(client, queue="coverage")
    assert case.reference not in response.text
    assert Case.objects.get(pk=case.pk).coverage_checked


def test_filters_narrow_the_queue(client, actors):
    urgent = actors.case(Status.SUBMITTED)
    routine = actors.case(Status.SUBMITTED)
    Case.objects.filter(pk=urgent.pk).update(urgency=Urgency.URGENT)
    Case.objects.filter(pk=routine.pk).update(urgency=Urgency.ROUTINE)
    client.force_login(actors.cora)

    response = queue_page(client, urgency="urgent")

    assert urgent.reference in response.text
    assert routine.reference not in response.text
    old = queue_page(client, age="7")
    assert old.context["result"].counts["new"] == 0


def test_sorting_by_urgency_puts_urgent_cases_first(client, actors):
    routine = actors.case(Status.SUBMITTED)
    urgent = actors.case(Status.SUBMITTED)
    Case.objects.filter(pk=routine.pk).update(urgency=Urgency.ROUTINE)
    Case.objects.filter(pk=urgent.pk).update(urgency=Urgency.URGENT)
    client.force_login(actors.cora)

    text = queue_page(client, sort="urgency").text

    assert text.index(urgent.reference) < text.index(routine.reference)


def test_an_invalid_filter_value_gets_a_clear_message_not_an_error(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    response = queue_page(client, urgency="whenever", specialty="abc", sort="sideways")

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert case.reference in response.text


def test_a_page_past_the_end_shows_the_last_page_and_says_so(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    response = queue_page(client, page="99")

    assert response.status_code == 200
    assert "There is no such page: showing page 1 of 1" in response.text
    assert case.reference in response.text


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0", "WyJ4IiwgIjEiXQ"])
def test_a_hand_edited_cursor_starts_over_at_the_page_named(client, actors, cursor):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    for direction in ("after", "before"):
        response = queue_page(client, **{direction: cursor})

        assert response.status_code == 200
        assert case.reference in response.text


def _clone_submitted_cases(template: Case, count: int) -> None:
    """`count` more submitted cases like `template`, written in bulk (fast)."""
    clones = []
    for _ in range(count):
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.reference = Case._meta.get_field("reference").default()
        clones.append(clone)
    with seeding_case_states():
        created = Case.objects.bulk_create(clones)
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, from_status=Status.DRAFT, to_status=Status.SUBMITTED)
        for case in created
    )


@pytest.mark.parametrize("sort", ["oldest", "newest", "urgency", "reference"])
def test_next_and_previous_follow_the_order_by_keyset_with_no_offset(client, actors, sort):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backoffice import queues

    template = actors.case(Status.SUBMITTED)
    _clone_submitted_cases(template, 69)  # 70 cases: pages of 25, 25 and 20
    Case.objects.filter(pk__in=list(Case.objects.values_list("pk", flat=True)[::3])).update(
        urgency=Urgency.URGENT
    )
    expected = list(
        queues.with_row_details(queues.cases_in_queue("new"))
        .order_by(*queues.SORTS[sort])
        .values_list("pk", flat=True)
    )
    client.force_login(actors.cora)

    def follow(**params):
        with CaptureQueriesContext(connection) as captured:
            response = queue_page(client, sort=sort, **params)
        assert not [q["sql"] for q in captured if "OFFSET" in q["sql"].upper()]
        return response.context["result"].page

    pages = [follow()]
    while pages[-1].has_next:
        pages.append(follow(page=pages[-1].next_page_number(), after=pages[-1].next_cursor))
    back = [pages[-1]]
    while back[-1].has_previous:
        back.append(follow(page=back[-1].previous_page_number(), before=back[-1].previous_cursor))
    last = follow(page=3)

    assert [page.number for page in pages] == [1, 2, 3]
    assert [case.pk for page in pages for case in page.object_list] == expected
    assert [case.pk for page in back[::-1] for case in page.object_list] == expected
    assert [case.pk for case in last.object_list] == expected[50:]
    assert back[-1].number == 1 and not last.has_next


def test_the_links_to_other_pages_keep_the_filters_and_the_queue(client, actors):
    _clone_submitted_cases(actors.case(Status.SUBMITTED), 29)  # 30 cases: pages of 25 and 5
    client.force_login(actors.cora)

    first = queue_page(client, queue="new", sort="newest").text
    next_query = re.search(r'href="\?([^"]*)">Next page', first).group(1)
    second = client.get(reverse("coordinator:queue") + "?" + html.unescape(next_query))
    back = {name: query for query, name in re.findall(r'href="\?([^"]*)">(\w+) page', second.text)}

    assert next_query.startswith("sort=newest&amp;queue=new&amp;page=2&amp;after=")
    assert 'href="?sort=newest&amp;queue=new&amp;page=2">Last page' in first
    assert second.context["result"].page.number == 2
    assert back["First"] == "sort=newest&amp;queue=new"
    assert back["Previous"].startswith("sort=newest&amp;queue=new&amp;page=1&amp;before=")


def test_the_queue_page_runs_the_same_number_of_queries_for_10_or_200_cases(client, actors):
    template = actors.case(Status.SUBMITTED)
    # Every row shows its coordinator: assigned cases must not cost a query each.
    cole = UserFactory(email="cole@example.org", full_name="Cole Ordinator", role=Role.COORDINATOR)
    Case.objects.filter(pk=template.pk).update(coordinator=cole)
    client.force_login(actors.cora)
    # The first page after signing in renews the session and checks two-factor set-up (then
    # at most once a minute): count from the second, as every later page runs.
    assert queue_page(client, sort="urgency").status_code == 200

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = queue_page(client, sort="urgency")
            assert response.status_code == 200
            assert "Cole Ordinator" in response.text
        return len(captured)

    _clone_submitted_cases(template, 9)
    at_ten = queries()
    _clone_submitted_cases(template, 190)
    at_two_hundred = queries()

    assert Case.objects.exclude(status=Status.DRAFT).count() == 200
    assert at_ten == at_two_hundred


def test_each_row_says_who_the_case_is_assigned_to_and_the_queue_filters_by_it(client, actors):
    cole = UserFactory(email="cole@example.org", full_name="Cole Ordinator", role=Role.COORDINATOR)
    mine, coles, nobodys = (actors.case(Status.SUBMITTED) for _ in range(3))
    Case.objects.filter(pk=mine.pk).update(coordinator=actors.cora)
    Case.objects.filter(pk=coles.pk).update(coordinator=cole)
    client.force_login(actors.cora)

    everyone = queue_page(client)
    assert "Assigned to" in everyone.text
    assert "Cole Ordinator" in everyone.text
    assert everyone.context["result"].counts["new"] == 3

    for assigned, shown in [("me", mine), ("unassigned", nobodys)]:
        response = queue_page(client, assigned=assigned)
        assert response.context["result"].counts["new"] == 1
        assert shown.reference in response.text
        assert coles.reference not in response.text


@pytest.mark.pinned_clock
def test_a_review_paused_for_the_patients_answer_is_not_overdue_for_the_wait(
    client, actors, settings
):
    """The queue counts as the timeline does: days waiting on the patient move the due date."""
    settings.SERVICE_LEVELS = {**settings.SERVICE_LEVELS, "review": 10}
    case = entered_days_ago(actors.case(Status.IN_REVIEW), Status.IN_REVIEW, 20)
    review_services.request_information(case=case, by=actors.dr_smith.user, question="Any fever?")
    entered_days_ago(case, Status.INFO_REQUESTED, 19)  # the question waited 19 days
    client.force_login(actors.cora)
    assert queue_page(client).context["result"].counts["overdue_reviews"] == 0  # paused

    review_services.answer_information_request(case=case, by=actors.alice, answer="No fever.")

    case.refresh_from_db()
    assert case.step_due_on == selectors.expected_steps(case)[0].expected_by
    assert case.step_due_on >= timezone.localdate()  # 1 working day used, 9 left
    assert queue_page(client).context["result"].counts["overdue_reviews"] == 0


def test_the_specialty_filter_keeps_cases_whose_specialist_or_offer_has_that_specialty(
    client, actors
):
    from specialists import offers
    from specialists.models import Specialty
    from tests.factories import SpecialistFactory

    reviewed = actors.case(Status.OPINION_SUBMITTED)  # dr_smith: medical oncology
    cardiologist = SpecialistFactory(specialty="Cardiology")
    offered = actors.case(Status.MATCHING)
    cardiology = Specialty.objects.get(name="Cardiology")
    offers.offer_case(case=offered, specialist=cardiologist, by=actors.cora, specialty=cardiology)
    offers.decline_offer(
        case=offered, by=cardiologist.user, reason_code=Offer.DeclineReason.NO_CAPACITY
    )
    unmatched = actors.case(Status.MATCHING)
    oncology = Specialty.objects.get(name="Medical oncology")
    client.force_login(actors.cora)

    by_oncology = queue_page(client, queue="quality", specialty=oncology.pk)
    by_cardiology = queue_page(client, queue="matching", specialty=cardiology.pk)

    assert by_oncology.context["result"].counts["quality"] == 1
    assert by_oncology.context["result"].counts["matching"] == 0
    assert reviewed.reference in by_oncology.text
    assert by_cardiology.context["result"].counts["matching"] == 1
    assert by_cardiology.context["result"].counts["quality"] == 0
    assert offered.reference in by_cardiology.text
    assert unmatched.reference not in by_cardiology.text
