"""A case's status, what happens next and the steps ahead are in the reader's language."""

import pytest
from django.urls import reverse

from cases.models import Status


def _case_page(client, user, case) -> str:
    client.force_login(user)
    return client.get(reverse("cases:case-detail", args=[case.reference])).text


@pytest.mark.django_db
def test_a_spanish_speaking_patient_reads_the_status_the_next_step_and_the_steps_ahead(
    client, actors
):
    actors.alice.language = "es"
    actors.alice.save()
    page = _case_page(client, actors.alice, actors.case(Status.SUBMITTED))

    assert "Enviado" in page
    assert "A continuación, un coordinador revisará su caso" in page
    assert "Siguiente paso: Un coordinador ha revisado su caso" in page
    assert "Previsto para el" in page
    assert "Las fechas previstas cuentan días laborables" in page
    assert "A coordinator will check your case" not in page


@pytest.mark.django_db
def test_the_same_page_in_english_is_unchanged(client, actors):
    page = _case_page(client, actors.alice, actors.case(Status.SUBMITTED))

    assert "A coordinator will check your case, records and cover next." in page
    assert "Next: A coordinator has checked your case, records and cover" in page
    assert "Expected by " in page


@pytest.mark.django_db
def test_staff_read_the_staff_status_in_spanish(client, actors):
    actors.cora.language = "es"
    actors.cora.save()
    page = _case_page(client, actors.cora, actors.case(Status.NEEDS_INFO))

    assert "A la espera de información del paciente" in page
