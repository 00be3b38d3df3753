"""A name written right to left or in several scripts, inside a Spanish page or the Spanish PDF:
shown whole, as written, isolated so that it reorders neither itself nor the sentence around it."""

import pytest
from django.urls import reverse

from cases.models import Case, Status
from tests.review.test_report_in_spanish import pdf_of, rendered

# Arabic (right to left), Latin with accents and Chinese in one name.
NAME = "مريم Núñez 王"


def _spanish_page(client, user, url: str) -> str:
    user.language = "es"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client.get(url).text


@pytest.mark.django_db
def test_a_consent_signed_in_another_script_reads_whole_in_the_spanish_sentence(client, actors):
    case = actors.case(Status.SUBMITTED)
    case.consents.update(signed_name=NAME)

    page = _spanish_page(client, actors.alice, reverse("cases:case-detail", args=[case.reference]))

    assert f"firmada por <bdi>{NAME}</bdi> el" in page


@pytest.mark.django_db
def test_the_coordinators_queue_isolates_each_patients_name(client, actors):
    case = actors.case(Status.SUBMITTED)
    Case.objects.filter(pk=case.pk).update(patient_name=NAME)

    page = _spanish_page(client, actors.cora, reverse("coordinator:queue"))

    assert f"<bdi>{NAME}</bdi>" in page


@pytest.mark.django_db
def test_the_answers_take_their_direction_from_what_was_written(client, actors):
    case = actors.case(Status.SUBMITTED)
    Case.objects.filter(pk=case.pk).update(patient_name=NAME)

    page = _spanish_page(client, actors.alice, reverse("cases:case-detail", args=[case.reference]))

    assert f'<dd class="so-pre" dir="auto">{NAME}</dd>' in page


def test_the_spanish_pdf_names_the_patient_in_every_script_of_the_name(actors):
    case = actors.case(Status.OPINION_SUBMITTED)
    # The PDF's font (DejaVu Sans) has Arabic and Latin, not Chinese: see README.
    Case.objects.filter(pk=case.pk).update(report_language="es", patient_name="مريم Núñez")

    text, reader = pdf_of(rendered(Case.objects.get(pk=case.pk)))

    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert "Paciente:" in text
    assert "Núñez" in text
    # Arabic letters come out of the PDF in the order they are drawn or in logical order,
    # depending on the reader; each letter is there either way.
    assert {"م", "ر", "ي"} <= set(text)
