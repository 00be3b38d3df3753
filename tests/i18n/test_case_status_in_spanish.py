"""A case's status, what happens next and the steps ahead are in the reader's language."""

import pytest
from django.urls import reverse

from cases.models import Status
from tests.factories import proxy_authority
from tests.i18n.pages import english_left, speaks


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


# What people do to a case: the pages that ask for a reason, the buttons, and what they are told.


@pytest.mark.django_db
def test_the_pages_that_ask_for_a_reason_are_in_spanish(client, actors):
    case = actors.case(Status.SUBMITTED)
    same = {"Biopsy result"}
    for user, name in (
        (actors.alice, "cases:case-withdraw"),
        (actors.alice, "cases:consent-withdraw"),
        (actors.cora, "cases:case-cancel"),
        (actors.cora, "cases:coverage-check"),
    ):
        assert english_left(client, user, reverse(name, args=[case.reference]), same=same) == []


@pytest.mark.django_db
def test_a_patient_withdrawing_a_case_is_asked_and_told_in_spanish(client, actors):
    speaks(actors.alice)
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.alice)
    url = reverse("cases:case-withdraw", args=[case.reference])

    refused = client.post(url, {"reason": ""}).text
    done = client.post(url, {"reason": "Changed my mind"}, follow=True).text

    assert "¿Por qué retira su caso?" in refused
    assert "Este campo es obligatorio." in refused
    assert "Su caso está retirado." in done
    assert "Usted retiró este caso." in done


@pytest.mark.django_db
def test_a_coordinator_moving_a_case_is_told_in_spanish(client, actors):
    speaks(actors.cora)
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)
    triage = reverse("cases:case-start-triage", args=[case.reference])
    page = f"http://testserver{reverse('cases:case-detail', args=[case.reference])}"

    started = client.post(triage, follow=True).text
    again = client.post(triage, HTTP_REFERER=page, follow=True).text
    matching = client.post(
        reverse("cases:case-send-to-matching", args=[case.reference]), follow=True
    )
    cancelled = client.post(
        reverse("cases:case-cancel", args=[case.reference]), {"reason": "Duplicate"}, follow=True
    )

    assert "Triaje iniciado." in started
    assert "No puede iniciar el triaje de un caso en estado “en triaje”." in again
    assert "El caso está completo y listo para asignarse a un especialista." in matching.text
    assert "El caso está cancelado." in cancelled.text


@pytest.mark.django_db
def test_the_coverage_check_refuses_and_confirms_in_spanish(client, actors):
    speaks(actors.cora)
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.cora)
    url = reverse("cases:coverage-check", args=[case.reference])

    refused = client.post(url, {"result": "covered", "preauthorization": "approved"}).text
    saved = client.post(
        url,
        {"result": "covered", "preauthorization": "not_needed", "patient_share": "1250"},
        follow=True,
    ).text

    assert "Escriba la referencia de la aseguradora para la aprobación." in refused
    assert "La verificación de cobertura está guardada. El paciente puede verla." in saved
    assert "El seguro cubre la revisión" in saved
    assert "<strong>$1,250.00</strong>" in saved


@pytest.mark.django_db
def test_stopping_a_caregiver_is_asked_and_told_in_spanish(client, actors):
    authority = proxy_authority(actors.carol, actors.alice.email)
    url = reverse("cases:authority-revoke", args=[authority.pk])
    same = {"Carol Caregiver", "carol@example.org"}
    assert english_left(client, actors.alice, url, same=same) == []
    speaks(actors.alice)
    client.force_login(actors.alice)

    page = client.get(url).text
    done = client.post(url, follow=True).text

    assert "Impedir que Carol Caregiver actúe en su nombre" in page
    assert " lo registró el " in page and " de 20" in page
    assert "Carol Caregiver ya no puede actuar en su nombre ni ver sus solicitudes." in done


@pytest.mark.django_db
def test_what_people_are_told_in_english_is_unchanged(client, actors):
    case = actors.case(Status.SUBMITTED)
    client.force_login(actors.alice)

    done = client.post(
        reverse("cases:case-withdraw", args=[case.reference]), {"reason": "x"}, follow=True
    ).text
    client.force_login(actors.cora)
    again = client.post(
        reverse("cases:case-cancel", args=[case.reference]), {"reason": "x"}, follow=True
    ).text

    assert "Your case is withdrawn." in done
    assert "You can&#x27;t cancel a case that is “withdrawn”." in again
