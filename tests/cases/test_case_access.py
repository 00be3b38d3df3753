"""Who sees a case: wrong or foreign ids are 404, and every read is audited."""

import pytest
from django.urls import reverse

from cases.models import Status
from secondopinion.audit.models import AuditEvent


def detail(case):
    return reverse("cases:case-detail", args=[case.reference])


def test_the_patient_sees_their_case(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.alice)

    response = client.get(detail(case))

    assert response.status_code == 200
    assert "Stage II ductal carcinoma" in response.text


def test_another_patient_gets_404_for_a_case_that_is_not_theirs(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.bob)

    assert client.get(detail(case)).status_code == 404


def test_an_unassigned_specialist_gets_404(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_jones.user)

    assert client.get(detail(case)).status_code == 404


def test_the_assigned_specialist_sees_the_case(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_smith.user)

    assert client.get(detail(case)).status_code == 200


def test_a_coordinator_does_not_see_a_patients_unsubmitted_draft(client, actors):
    case = actors.case(Status.DRAFT)
    client.force_login(actors.cora)

    assert client.get(detail(case)).status_code == 404


def test_an_unknown_reference_is_404(client, actors):
    client.force_login(actors.cora)

    assert client.get(reverse("cases:case-detail", args=["SO-XXXX-XXXX"])).status_code == 404


@pytest.mark.parametrize("who", ["alice", "cora", "dr_smith"])
def test_every_read_of_a_case_leaves_an_audit_event(client, actors, who):
    case = actors.case(Status.IN_REVIEW)
    user = getattr(actors, who)
    user = getattr(user, "user", user)
    client.force_login(user)

    client.get(detail(case), REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="req-test-0001")

    event = AuditEvent.objects.filter(action="case.view", case_id=case.pk).get()
    assert event.actor == user
    assert event.ip == "203.0.113.9"
    assert event.request_id == "req-test-0001"


def test_a_refused_read_leaves_no_view_event(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.bob)

    client.get(detail(case))

    assert not AuditEvent.objects.filter(action="case.view", case_id=case.pk).exists()


def test_the_patient_only_reads_the_opinion_once_it_is_delivered(client, actors):
    case = actors.case(Status.OPINION_SUBMITTED)
    client.force_login(actors.alice)

    assert "Ductal carcinoma in situ" not in client.get(detail(case)).text
    assert (
        client.get(reverse("review:report-download", args=[case.reference, 1])).status_code == 404
    )


def test_the_patient_downloads_the_delivered_report_and_the_download_is_audited(client, actors):
    case = actors.case(Status.DELIVERED)
    client.force_login(actors.alice)

    page = client.get(detail(case))
    response = client.get(reverse("review:report-download", args=[case.reference, 1]))

    assert "Ductal carcinoma in situ" in page.text
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="report.download", case_id=case.pk).count() == 1
