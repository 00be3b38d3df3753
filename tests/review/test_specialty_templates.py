"""Specialty templates: coordinators add structured fields to a specialty's opinion as data; the
opinion on a case of that specialty asks them, checks them like the rest, stores them with their
label, and prints them in the PDF report."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cases.models import Status
from review import services as review_services
from review import specialty_fields
from review.models import Opinion, Report, SpecialtyField
from review.tasks import render_report
from secondopinion.audit.models import AuditEvent
from secondopinion.errors import ApplicationError
from specialists.models import Offer, Specialty
from tests.factories import OPINION


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def oncology(actors) -> Specialty:
    # dr_smith's specialty (the factories' default), the one the case is reviewed in.
    return Specialty.objects.get(name="Medical oncology")


@pytest.fixture
def tnm(actors, oncology) -> SpecialtyField:
    return specialty_fields.add_specialty_field(
        by=actors.cora,
        specialty=oncology,
        label="TNM stage",
        kind=SpecialtyField.Kind.TEXT,
        required=True,
        help_text="As in the AJCC 8th edition, e.g. T2 N0 M0.",
        order=1,
    )


@pytest.fixture
def receptors(actors, oncology) -> SpecialtyField:
    return specialty_fields.add_specialty_field(
        by=actors.cora,
        specialty=oncology,
        label="Receptor status",
        kind=SpecialtyField.Kind.CHOICE,
        choices="ER+/PR+/HER2-\nTriple negative\nHER2+",
        order=2,
    )


@pytest.fixture
def ejection_fraction(actors) -> SpecialtyField:
    return specialty_fields.add_specialty_field(
        by=actors.cora,
        specialty=Specialty.objects.get(name="Cardiology"),
        label="Ejection fraction (%)",
        kind=SpecialtyField.Kind.NUMBER,
    )


def test_a_coordinator_adds_a_field_on_the_back_office_page(actors, oncology):
    cora = _client(actors.cora)
    url = reverse("coordinator:specialty-fields")

    response = cora.post(
        url,
        {
            "specialty": oncology.pk,
            "label": "Ki-67 index (%)",
            "kind": "number",
            "order": 3,
            "choices": "",
            "help_text": "",
        },
    )

    assert response.status_code == 302
    field = SpecialtyField.objects.get(label="Ki-67 index (%)")
    assert field.specialty == oncology and field.kind == "number"
    assert "Ki-67 index (%)" in cora.get(url).text
    assert AuditEvent.objects.filter(action="specialty_field.add", actor=actors.cora).exists()


@pytest.mark.parametrize("who", ["alice", "dr_smith"])
def test_no_one_but_coordinators_reaches_the_templates(actors, tnm, who):
    user = getattr(actors, who)
    client = _client(getattr(user, "user", user))

    assert client.get(reverse("coordinator:specialty-fields")).status_code == 404
    remove = reverse("coordinator:specialty-field-remove", args=[tnm.pk])
    assert client.post(remove).status_code == 404
    assert SpecialtyField.objects.filter(pk=tnm.pk).exists()


def test_a_choice_needs_two_options_and_a_label_is_not_repeated(actors, oncology, tnm):
    with pytest.raises(ApplicationError, match="at least two options"):
        specialty_fields.add_specialty_field(
            by=actors.cora, specialty=oncology, label="Grade", kind="choice", choices="G1"
        )
    with pytest.raises(ApplicationError, match="already has"):
        specialty_fields.add_specialty_field(
            by=actors.cora, specialty=oncology, label="tnm stage", kind="text"
        )


def test_the_workspace_asks_the_fields_of_the_cases_specialty_only(
    actors, tnm, receptors, ejection_fraction
):
    case = actors.case(Status.IN_REVIEW)

    page = _client(actors.dr_smith.user).get(reverse("review:workspace", args=[case.reference]))

    assert f'name="{tnm.form_name}"' in page.text
    assert "As in the AJCC 8th edition" in page.text
    assert f'name="{receptors.form_name}"' in page.text
    assert "Triple negative" in page.text
    assert ejection_fraction.form_name not in page.text


def test_a_case_matched_for_a_subspecialty_asks_its_fields_and_its_specialtys_not_the_reviewers(
    actors, tnm, ejection_fraction
):
    heart_failure = Specialty.objects.get(name="Heart failure")
    device = specialty_fields.add_specialty_field(
        by=actors.cora,
        specialty=heart_failure,
        label="Device fitted",
        kind=SpecialtyField.Kind.TEXT,
    )
    case = actors.case(Status.IN_REVIEW)
    Offer.objects.filter(case=case, status=Offer.Status.ACCEPTED).update(specialty=heart_failure)

    page = _client(actors.dr_smith.user).get(reverse("review:workspace", args=[case.reference]))

    assert f'name="{device.form_name}"' in page.text
    assert f'name="{ejection_fraction.form_name}"' in page.text
    assert tnm.form_name not in page.text  # dr_smith's own specialty: not what was matched


def test_answers_are_stored_with_their_label_and_submission_needs_the_required_ones(
    actors, tnm, receptors
):
    case = actors.case(Status.IN_REVIEW)
    smith = actors.dr_smith.user
    review_services.save_opinion_draft(
        case=case, by=smith, specialty_answers={receptors.pk: "Triple negative"}, **OPINION
    )

    with pytest.raises(ApplicationError, match="TNM stage"):
        review_services.submit_opinion(case=case, by=smith)

    review_services.save_opinion_draft(
        case=case, by=smith, specialty_answers={tnm.pk: "T2 N0 M0", receptors.pk: "HER2+"}
    )
    opinion = review_services.submit_opinion(case=case, by=smith)
    assert opinion.specialty_answers == [
        {"field": tnm.pk, "label": "TNM stage", "value": "T2 N0 M0"},
        {"field": receptors.pk, "label": "Receptor status", "value": "HER2+"},
    ]


def test_an_answer_the_template_does_not_allow_is_refused_next_to_its_field(actors, tnm, receptors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("review:workspace", args=[case.reference])
    smith = _client(actors.dr_smith.user)

    with pytest.raises(ApplicationError, match="choose one of the options"):
        review_services.save_opinion_draft(
            case=case, by=actors.dr_smith.user, specialty_answers={receptors.pk: "Maybe"}
        )
    page = smith.post(url, {"save": "", "reasoning": "Kept", receptors.form_name: "Maybe"})

    assert page.status_code == 200
    assert "Receptor status: choose one of the options given." in page.text
    assert "Kept" in page.text  # nothing typed is lost on the error
    assert not Opinion.objects.filter(case=case).exists()


def test_a_number_field_takes_numbers_only(actors):
    case = actors.case(Status.IN_REVIEW)
    field = specialty_fields.add_specialty_field(
        by=actors.cora,
        specialty=Specialty.objects.get(name="Medical oncology"),
        label="Ki-67 index (%)",
        kind="number",
    )
    smith = _client(actors.dr_smith.user)
    url = reverse("review:workspace", args=[case.reference])

    refused = smith.post(url, {"save": "", field.form_name: "about twenty"})
    saved = smith.post(url, {"save": "", field.form_name: "22.5"})

    assert "Ki-67 index (%): write a number." in refused.text
    assert saved.status_code == 302
    assert Opinion.objects.get(case=case).specialty_answers[0]["value"] == "22.5"


def test_the_report_prints_the_specialty_answers(actors, tnm):
    case = actors.case(Status.IN_REVIEW)
    smith = actors.dr_smith.user
    review_services.save_opinion_draft(
        case=case, by=smith, specialty_answers={tnm.pk: "T2 N0 M0"}, **OPINION
    )
    opinion = review_services.submit_opinion(case=case, by=smith)

    report = Report.objects.get(pk=render_report.run(opinion.pk, opinion.revision))

    text = " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(report.file.read())).pages
        ).split()
    )
    assert "Specialty details" in text
    assert "TNM stage" in text and "T2 N0 M0" in text


def test_removing_a_field_leaves_written_opinions_as_they_are(actors, tnm):
    case = actors.case(Status.IN_REVIEW)
    review_services.save_opinion_draft(
        case=case, by=actors.dr_smith.user, specialty_answers={tnm.pk: "T1 N0 M0"}
    )

    _client(actors.cora).post(reverse("coordinator:specialty-field-remove", args=[tnm.pk]))

    assert not SpecialtyField.objects.exists()
    assert Opinion.objects.get(case=case).specialty_answers[0]["label"] == "TNM stage"
