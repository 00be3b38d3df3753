"""Bulk actions on the coordinator's queues: assign the selected cases to a coordinator, or
remind whoever each waits on; each audited per case, with a clear message, by a plain form POST."""

from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import Case, Status
from secondopinion.accounts.models import Role
from secondopinion.audit.models import AuditEvent
from secondopinion.notifications.models import Notification
from tests.factories import UserFactory, entered_days_ago


def bulk(client, *, queue: str, action: str, cases=(), **extra):
    data = {"queue": queue, "action": action, "case": [case.reference for case in cases], **extra}
    return client.post(reverse("coordinator:queue-bulk"), data)


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_coordinator_assigns_the_selected_cases_to_themselves(client, actors):
    cases = [actors.case(Status.SUBMITTED) for _ in range(3)]
    client.force_login(actors.cora)

    response = bulk(
        client, queue="new", action="assign", cases=cases, return_query="queue=new&sort=newest"
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("coordinator:queue") + "?queue=new&sort=newest"
    assert said(response) == ["3 cases assigned to you."]
    for case in cases:
        case.refresh_from_db()
        assert case.coordinator == actors.cora
        assert case.status == Status.SUBMITTED  # assignment never moves the case
    assert AuditEvent.objects.filter(action="case.assign_coordinator").count() == 3
    page = client.get(reverse("coordinator:queue"), {"assigned": "me"})
    assert page.context["result"].counts["new"] == 3


def test_a_coordinator_assigns_cases_to_another_coordinator_who_is_told(client, actors):
    cole = UserFactory(email="cole@example.org", full_name="Cole Ordinator", role=Role.COORDINATOR)
    case = actors.case(Status.MATCHING)
    client.force_login(actors.cora)

    response = bulk(client, queue="matching", action="assign", cases=[case], assign_to=cole.pk)

    assert said(response) == ["1 case assigned to Cole Ordinator."]
    case.refresh_from_db()
    assert case.coordinator == cole
    assert Notification.objects.filter(user=cole, message__contains="assigned 1 case").exists()
    assert "Cole Ordinator" in client.get(reverse("coordinator:queue"), {"queue": "matching"}).text


def test_cases_cannot_be_assigned_to_someone_who_is_not_a_coordinator(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    response = bulk(
        client, queue="new", action="assign", cases=[case], assign_to=actors.dr_smith.user.pk
    )

    assert "Choose an action" in said(response)[0]
    case.refresh_from_db()
    assert case.coordinator is None


def test_nothing_selected_is_refused_with_a_message(client, actors):
    actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    response = bulk(client, queue="new", action="assign")

    assert response.status_code == 302
    assert said(response) == ["Select at least one case first."]
    assert not AuditEvent.objects.filter(action="case.assign_coordinator").exists()


def test_a_case_no_longer_in_the_queue_is_left_alone_and_named(client, actors):
    still_new = actors.case(Status.SUBMITTED)
    moved_on = actors.case(Status.MATCHING)  # someone triaged it meanwhile
    client.force_login(actors.cora)

    response = bulk(client, queue="new", action="assign", cases=[still_new, moved_on])

    assert said(response) == [
        "1 case assigned to you.",
        f"Nothing was done to {moved_on.reference}: it is no longer in this queue.",
    ]
    moved_on.refresh_from_db()
    assert moved_on.coordinator is None


def test_a_reminder_goes_to_whoever_each_case_waits_on(client, actors):
    waiting_on_patient = actors.case(Status.NEEDS_INFO)
    client.force_login(actors.cora)

    response = bulk(client, queue="needs_info", action="remind", cases=[waiting_on_patient])

    assert said(response) == ["Reminder sent on 1 case."]
    assert Notification.objects.filter(
        user=actors.alice, message__startswith="Reminder: a question on your case"
    ).exists()
    event = AuditEvent.objects.get(action="case.remind")
    assert event.case_id == waiting_on_patient.pk
    assert event.detail == {"to": "patient"}


def test_a_late_review_reminds_its_specialist(client, actors):

    case = actors.case(Status.IN_REVIEW)
    entered_days_ago(case, Status.IN_REVIEW, 30)
    client.force_login(actors.cora)

    response = bulk(client, queue="overdue_reviews", action="remind", cases=[case])

    assert said(response) == ["Reminder sent on 1 case."]
    assert Notification.objects.filter(
        user=actors.dr_smith.user, message__startswith="Reminder: your opinion"
    ).exists()


def test_a_case_that_waits_on_a_coordinator_gets_no_reminder_and_says_why(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    response = bulk(client, queue="new", action="remind", cases=[case])

    assert said(response) == [
        f"Nothing was done to {case.reference}: it waits on a coordinator, not on someone else."
    ]
    assert not AuditEvent.objects.filter(action="case.remind").exists()


def test_the_queue_page_has_a_checkbox_per_row_and_the_action_bar(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    page = client.get(reverse("coordinator:queue")).text

    assert f'name="case" value="{case.reference}"' in page
    assert f'action="{reverse("coordinator:queue-bulk")}"' in page
    assert "csrfmiddlewaretoken" in page
    assert 'value="assign"' in page and 'value="remind"' in page


def test_only_coordinators_may_act_in_bulk(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.dr_smith.user)

    response = bulk(client, queue="new", action="assign", cases=[case])

    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).coordinator is None


def test_the_bulk_form_is_csrf_protected(actors):
    from django.test import Client

    case = actors.case(Status.SUBMITTED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.cora)

    response = bulk(client, queue="new", action="assign", cases=[case])

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).coordinator is None
