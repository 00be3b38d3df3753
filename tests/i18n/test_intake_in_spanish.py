"""The intake's frame (headings, where the patient is, the buttons) is in the patient's language;
its questions are not translated yet."""

import pytest
from django.urls import reverse

from cases.models import Status


def _patient_step(client, actors) -> str:
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    return client.get(reverse("cases:intake-step", args=[case.reference, "patient"])).text


@pytest.mark.django_db
def test_a_spanish_speaking_patient_reads_the_intakes_frame_in_spanish(client, actors):
    actors.alice.language = "es"
    actors.alice.save()
    page = _patient_step(client, actors)

    assert '<h1 class="margin-top-0">Sobre el paciente</h1>' in page
    assert "Paso 2 de" in page
    assert "Guardar y continuar" in page
    assert "Revise las respuestas que ha dado hasta ahora" in page
    assert "Save and continue" not in page


@pytest.mark.django_db
def test_the_intakes_frame_in_english_is_unchanged(client, actors):
    page = _patient_step(client, actors)

    assert '<h1 class="margin-top-0">About the patient</h1>' in page
    assert "Step 2 of" in page
    assert "Save and continue" in page
    assert "Check your answers so far</a>. Your answers are saved on every page" in page


@pytest.mark.django_db
def test_the_patient_page_asks_and_refuses_in_spanish(client, actors):
    actors.alice.language = "es"
    actors.alice.save()
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    url = reverse("cases:intake-step", args=[case.reference, "patient"])

    page = client.get(url).text
    assert "Nombre completo del paciente" in page
    assert "¿Dónde vive el paciente?" in page
    assert "Elija un lugar" in page

    refused = client.post(url, {"patient_name": "x" * 201, "patient_date_of_birth": ""}).text
    assert "El nombre debe tener como máximo 200 caracteres (tiene 201)." in refused
    assert "Escriba la fecha de nacimiento del paciente." in refused
    assert "Indique dónde vive el paciente." in refused
