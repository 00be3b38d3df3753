"""Information requests: the specialist (reviewing) or a coordinator (in triage) asks the patient's
side a question or for a record; the patient answers with text and/or files; the asker is told."""

import pytest
from django.urls import reverse

from cases.models import Status
from review import services as review_services
from review.models import InformationRequest
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from secondopinion.notifications.models import Notification
from tests.factories import MINIMAL_PDF, pdf_upload

LAB_PDF = MINIMAL_PDF + b"% lab result\n"


def test_the_specialist_asks_for_a_lab_result_and_the_patient_uploads_it(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_smith.user)
    response = client.post(
        reverse("review:information-request", args=[case.reference]),
        {"question": "Please upload your latest full blood count.", "requested_record_kind": "lab"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.INFO_REQUESTED
    assert Notification.objects.filter(user=actors.alice, message__contains="question").exists()

    client.force_login(actors.alice)
    dashboard = client.get(reverse("cases:dashboard")).text
    assert reverse("review:information-answer", args=[case.reference]) in dashboard
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert "Please upload your latest full blood count." in page
    assert "Waiting for an answer" in page

    response = client.post(
        reverse("review:information-answer", args=[case.reference]),
        {"answer": "Here it is.", "file": pdf_upload("fbc.pdf", LAB_PDF)},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW
    request = InformationRequest.objects.get(case=case)
    assert request.answer == "Here it is." and request.answered_by == actors.alice
    record = case.records.get(original_name="fbc.pdf")
    assert record.label == "lab"
    assert Notification.objects.filter(
        user=actors.dr_smith.user, message__contains="answered"
    ).exists()
    actions = set(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert {"information_request.create", "information_request.answer"} <= actions


def test_a_coordinator_asks_during_triage_and_the_answer_returns_the_case_to_triage(actors):
    case = actors.case(Status.TRIAGE)
    review_services.request_information(
        case=case, by=actors.cora, question="Which insurer covers you?"
    )
    case.refresh_from_db()
    assert case.status == Status.NEEDS_INFO

    review_services.answer_information_request(case=case, by=actors.alice, answer="City Health.")

    case.refresh_from_db()
    assert case.status == Status.TRIAGE
    assert Notification.objects.filter(user=actors.cora, message__contains="answered").exists()


def test_an_empty_answer_is_refused_and_the_case_keeps_waiting(client, actors):
    case = actors.case(Status.INFO_REQUESTED)
    client.force_login(actors.alice)

    response = client.post(reverse("review:information-answer", args=[case.reference]), {})

    assert response.status_code == 200
    assert "Write an answer or add a file." in response.text
    case.refresh_from_db()
    assert case.status == Status.INFO_REQUESTED


def test_a_refused_file_refuses_the_answer_and_keeps_what_was_typed(client, actors):
    case = actors.case(Status.INFO_REQUESTED)
    client.force_login(actors.alice)

    response = client.post(
        reverse("review:information-answer", args=[case.reference]),
        {"answer": "My typed answer", "file": pdf_upload("empty.pdf", b"")},
    )

    assert response.status_code == 200
    assert "empty.pdf" in response.text
    assert "My typed answer" in response.text
    case.refresh_from_db()
    assert case.status == Status.INFO_REQUESTED
    assert InformationRequest.objects.get(case=case).answered_at is None


def test_only_the_assigned_specialist_asks_during_the_review(actors):
    case = actors.case(Status.IN_REVIEW)
    with pytest.raises(ApplicationError):
        review_services.request_information(
            case=case, by=actors.dr_jones.user, question="Any pain?"
        )
    with pytest.raises(ApplicationError):
        review_services.request_information(case=case, by=actors.cora, question="Any pain?")
    case.refresh_from_db()
    assert case.status == Status.IN_REVIEW
    assert not InformationRequest.objects.filter(case=case).exists()


def test_another_patient_cannot_answer(client, actors):
    case = actors.case(Status.INFO_REQUESTED)
    client.force_login(actors.bob)

    response = client.post(
        reverse("review:information-answer", args=[case.reference]), {"answer": "x"}
    )

    assert response.status_code == 404
