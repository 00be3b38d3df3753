"""Coordinators find a case by reference, patient name or email, or specialist name."""

from django.urls import reverse

from cases.models import Status
from secondopinion.audit.models import AuditEvent


def search(client, query):
    return client.get(reverse("coordinator:search"), {"q": query})


def test_a_coordinator_finds_a_case_by_its_reference(client, actors):
    case = actors.case(Status.SUBMITTED)
    other = actors.case(Status.SUBMITTED, owner=actors.bob)
    client.force_login(actors.cora)

    response = search(client, case.reference.lower())

    assert case.reference in response.text
    assert other.reference not in response.text


def test_a_whole_reference_is_found_on_its_index_alone(
    client, actors, django_assert_max_num_queries
):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)
    search(client, "warm-up")  # the session's first page renews it

    with django_assert_max_num_queries(5) as captured:  # session, user, the case, audit
        response = search(client, case.reference)

    assert case.reference in response.text
    assert not [q for q in captured.captured_queries if "LIKE" in q["sql"].upper()]


def test_a_coordinator_finds_cases_by_patient_name_email_or_specialist(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.cora)

    for query in (case.patient_name.split()[0], actors.alice.email, "Sarah Smith"):
        assert case.reference in search(client, query).text, query


def test_drafts_are_never_found(client, actors):
    draft = actors.case(Status.DRAFT)
    client.force_login(actors.cora)

    response = search(client, draft.reference)

    assert response.context["results"] == []
    assert "No case matches" in response.text


def test_a_search_that_shows_cases_is_audited_with_its_length_not_its_text(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)

    search(client, actors.alice.email)

    event = AuditEvent.objects.get(action="case.search")
    assert event.actor == actors.cora
    assert event.case_id == case.pk  # so the patient's access history shows the search
    assert event.detail == {"query_length": len(actors.alice.email), "results": 1}
    assert actors.alice.email not in str(event.detail)


def test_a_too_short_query_is_explained(client, actors):
    client.force_login(actors.cora)

    response = search(client, "a")

    assert response.status_code == 200
    assert "at least 2 characters" in response.text
    assert not AuditEvent.objects.filter(action="case.search").exists()


def test_patients_and_specialists_cannot_search(client, actors):
    for user in (actors.alice, actors.dr_smith.user):
        client.force_login(user)
        assert search(client, "SO-").status_code == 404


def test_a_coordinator_finds_a_case_by_part_of_the_patients_email(client, actors):
    case = actors.case(Status.SUBMITTED)
    other = actors.case(Status.SUBMITTED, owner=actors.bob)
    client.force_login(actors.cora)

    response = search(client, "alice@exam")

    assert case.reference in response.text
    assert other.reference not in response.text
