"""The two opinions side by side, with questions to take to the patient's own doctor: the
specialist writes up to five, the patient adds their own; printable, and in the PDF report."""

import pytest
from django.urls import reverse

from cases.models import Status
from outcomes.models import PatientQuestion
from review import services as review_services
from review.reports import report_html
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from tests.factories import OPINION

from .helpers import delivered_case


def test_the_patient_sees_both_opinions_side_by_side_with_the_questions(client, actors):
    case = delivered_case(actors)
    client.force_login(actors.alice)

    page = client.get(reverse("outcomes:after", args=[case.reference])).text

    assert case.diagnosis in page
    assert case.treatment in page
    assert OPINION["diagnosis"] in page
    assert OPINION["recommendations"] in page
    assert OPINION["plain_summary"] in page
    assert "changes the original diagnosis" in page
    for question in (
        "Is breast-conserving surgery an option for me?",
        "What would a repeat mammogram show?",
        "Do I still need chemotherapy?",
    ):
        assert question in page
    assert "data-print" in page
    assert AuditEvent.objects.filter(action="case.view", case_id=case.pk, actor=actors.alice)


def test_the_case_page_links_to_the_side_by_side_page_once_delivered(client, actors):
    case = delivered_case(actors)
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-detail", args=[case.reference])).text

    assert reverse("outcomes:after", args=[case.reference]) in page
    assert "Do I still need chemotherapy?" in page


def test_no_side_by_side_page_before_delivery(client, actors):
    case = actors.case(Status.OPINION_SUBMITTED)
    client.force_login(actors.alice)

    assert client.get(reverse("outcomes:after", args=[case.reference])).status_code == 404
    page = client.get(reverse("cases:case-detail", args=[case.reference])).text
    assert f'href="{reverse("outcomes:after", args=[case.reference])}"' not in page


def test_the_patient_adds_a_question_of_their_own(client, actors):
    case = delivered_case(actors)
    client.force_login(actors.alice)

    response = client.post(
        reverse("outcomes:question-add", args=[case.reference]),
        {"text": "Can I keep working during treatment?"},
        follow=True,
    )

    assert "Can I keep working during treatment?" in response.text
    assert "Your question is added" in response.text
    assert PatientQuestion.objects.get(case=case).added_by == actors.alice
    assert AuditEvent.objects.filter(action="outcomes.question_add", case_id=case.pk).exists()


def test_an_empty_or_too_long_question_is_refused_and_what_was_typed_is_kept(client, actors):
    case = delivered_case(actors)
    client.force_login(actors.alice)
    url = reverse("outcomes:question-add", args=[case.reference])

    empty = client.post(url, {"text": "  "})
    long = client.post(url, {"text": "Why " * 200})

    assert "Write your question." in empty.text
    assert "Keep your question under 500 characters." in long.text
    assert ("Why " * 200).strip() in long.text
    assert not PatientQuestion.objects.exists()


def test_the_specialist_writes_at_most_five_questions(actors):
    case = actors.case(Status.IN_REVIEW)

    with pytest.raises(ApplicationError, match="at most 5 questions"):
        review_services.save_opinion_draft(
            case=case,
            by=actors.dr_smith.user,
            doctor_questions="\n".join(f"Question {n}?" for n in range(6)),
        )

    opinion = review_services.save_opinion_draft(
        case=case,
        by=actors.dr_smith.user,
        doctor_questions="\n".join(f"Question {n}?" for n in range(5)),
    )
    assert len(opinion.doctor_question_list) == 5


def test_the_opinion_form_offers_the_questions_box(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("review:workspace", args=[case.reference])).text

    assert "Questions for the patient to take to their own doctor" in page
    assert 'name="doctor_questions"' in page


def test_the_pdf_report_lists_the_questions_for_the_patients_doctor(actors):
    case = delivered_case(actors)

    html = report_html(case.opinion, generated_at=case.updated_at, version=1)

    assert "Questions to take to your own doctor" in html
    assert "<li>Do I still need chemotherapy?</li>" in html


def test_the_specialist_and_others_do_not_see_the_page(client, actors):
    case = delivered_case(actors)
    url = reverse("outcomes:after", args=[case.reference])

    for user in (actors.dr_smith.user, actors.dr_jones.user, actors.bob):
        client.force_login(user)
        assert client.get(url).status_code == 404
