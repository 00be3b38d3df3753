"""The intake in the patient's language: every page (the frame, the questions, their hints and
choices), check your answers, the submission, and every refusal of bad input in Spanish; the same
pages in English unchanged."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import intake, services
from cases.models import Case, CaseFor, ConsentText, Status
from tests.factories import INTAKE_ANSWERS, pdf_upload, proxy_authority
from tests.i18n.pages import english_left, speaks

# The people's own words on these pages: the factories' answers and file names.
PEOPLES_WORDS = {
    *(value for value in INTAKE_ANSWERS.values() if isinstance(value, str) and " " in value),
    "City Hospital",
    "Dr Ada Brown",
    "None",
    "Penicillin",
    "pathology-report.pdf",
    "birth-certificate.pdf",
    "pathology-report.pdf (193 bytes)",  # a file's name, and its size in bytes
}
# The same word in both languages: the answer "No", and the US states whose Spanish name is the
# English one (proper names).
SAME_IN_SPANISH = {"No"} | {
    *[
        "Alabama",
        "Alaska",
        "Arizona",
        "Arkansas",
        "California",
        "Colorado",
        "Connecticut",
        "Delaware",
        "Florida",
        "Georgia",
        "Idaho",
        "Illinois",
        "Indiana",
        "Iowa",
        "Kansas",
        "Kentucky",
        "Maine",
        "Maryland",
        "Massachusetts",
        "Minnesota",
        "Montana",
        "Nebraska",
        "Nevada",
        "Ohio",
        "Oklahoma",
        "Tennessee",
        "Texas",
        "Utah",
        "Vermont",
        "Virginia",
        "Washington",
        "Wisconsin",
        "Wyoming",
    ],
    "Rhode Island",
}
SAME = PEOPLES_WORDS | SAME_IN_SPANISH


def _step(case: Case, slug: str) -> str:
    return reverse("cases:intake-step", args=[case.reference, slug])


def _insured_draft(actors) -> Case:
    """A complete draft paid with insurance, so that every page of the intake applies."""
    case = actors.case(Status.DRAFT)
    return services.update_case(
        case=case,
        by=actors.alice,
        coverage="insurance",
        insurance_payer="Acme Health",
        insurance_member_id="AC-123",
        insurance_needs_preauthorization="not_sure",
    )


# Every page --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [step.slug for step in intake.STEPS if step.slug != "authority"])
def test_every_page_of_the_intake_is_in_spanish(client, actors, slug):
    case = _insured_draft(actors)
    url = intake.STEP_BY_SLUG[slug].url(case)

    left = english_left(client, actors.alice, url, same=SAME | {"Acme Health", "AC-123"})

    assert left == []


@pytest.mark.django_db
def test_the_first_page_and_the_caregivers_authority_pages_are_in_spanish(client, actors):
    authority = proxy_authority(actors.carol, actors.alice.email)
    case = actors.case(Status.DRAFT, owner=actors.carol, authority=authority)
    same = SAME | {actors.alice.email}

    assert english_left(client, actors.alice, reverse("cases:case-create")) == []
    # With a recorded authority, the page also offers to carry on for that person.
    for url in (
        reverse("cases:authority-new"),
        reverse("cases:intake-authority", args=[case.reference]),
    ):
        assert english_left(client, actors.carol, url, same=same) == []


@pytest.mark.django_db
def test_check_your_answers_is_in_spanish_complete_or_not(client, actors):
    complete = _insured_draft(actors)
    empty = services.create_case(by=actors.alice, case_for=CaseFor.SELF)
    authority = proxy_authority(actors.carol, actors.alice.email)
    for_someone = actors.case(Status.DRAFT, owner=actors.carol, authority=authority)
    same = SAME | {"Acme Health", "AC-123", actors.alice.email}

    for user, case in (
        (actors.alice, complete),
        (actors.alice, empty),
        (actors.carol, for_someone),
    ):
        url = reverse("cases:intake-check", args=[case.reference])
        assert english_left(client, user, url, same=same) == [], case


@pytest.mark.django_db
def test_check_your_answers_says_what_is_missing_and_the_price_in_spanish(client, actors):
    speaks(actors.alice)
    case = services.create_case(by=actors.alice, case_for=CaseFor.SELF)
    services.update_case(case=case, by=actors.alice, review_type="imaging")
    client.force_login(actors.alice)

    page = client.get(reverse("cases:intake-check", args=[case.reference])).text

    assert "Falta antes de poder enviar" in page
    assert "El diagnóstico actual" in page
    assert "Al menos un documento médico, o indicar que llegarán más adelante" in page
    assert "Su consentimiento firmado" in page
    # The price as US Spanish readers write it (not Spain's 1.100,00).
    assert "<strong>$1,100.00</strong>" in page
    assert "Este precio queda fijado cuando envía la solicitud." in page


@pytest.mark.django_db
def test_the_consent_page_for_a_newer_version_is_in_spanish(client, actors):
    case = actors.case(Status.SUBMITTED)
    consent = case.consents.get()
    consent.text = consent.text.__class__.objects.get(version=1)
    consent.save()

    left = english_left(
        client, actors.alice, reverse("cases:case-consent", args=[case.reference]), same=SAME
    )

    assert left == []


@pytest.mark.django_db
def test_the_consent_is_shown_and_signed_in_the_readers_wording(client, actors):
    drafts = [services.create_case(by=actors.alice, case_for=CaseFor.SELF) for _ in range(2)]
    client.force_login(actors.alice)
    signed = {}
    for language, case in zip(("en-gb", "es"), drafts, strict=True):
        actors.alice.language = language
        actors.alice.save(update_fields=["language"])
        url = reverse("cases:case-consent", args=[case.reference])
        page = client.get(url).text
        client.post(url, {"agree": "on", "signed_name": "Alice Patient"})
        signed[language] = (page, case.consents.get().language)

    assert "By signing, you (or the person you act for" in signed["en-gb"][0]
    assert 'id="consent-text">By signing' in signed["en-gb"][0]
    assert "Al firmar, usted (o la persona a la que representa" in signed["es"][0]
    assert "By signing" not in signed["es"][0]
    assert signed == {
        "en-gb": (signed["en-gb"][0], "en-gb"),
        "es": (signed["es"][0], "es"),
    }


@pytest.mark.django_db
def test_a_consent_version_with_no_spanish_wording_is_shown_as_written_marked_english(
    client, actors
):
    speaks(actors.alice)
    case = services.create_case(by=actors.alice, case_for=CaseFor.SELF)
    ConsentText.objects.create(version=99, body="Version 99 terms.", published_at=timezone.now())
    client.force_login(actors.alice)

    page = client.get(reverse("cases:case-consent", args=[case.reference])).text

    assert 'id="consent-text" lang="en-gb">Version 99 terms.</div>' in page


# Bad input ---------------------------------------------------------------------------------

TOO_LONG = {"diagnosis": 4001, "treatment": 4001, "question": 4001, "title": 121}
# Each page's bad input, and the Spanish errors it must show.
REFUSED = {
    "who": ({}, ["Indique para quién es la segunda opinión."]),
    "diagnosis": (
        {
            "diagnosis": "x" * 4001,
            "diagnosis_date": "2099-01-01",
            "treating_doctor": "x" * 201,
            "treating_institution": "x" * 201,
        },
        [
            "El diagnóstico debe tener como máximo 4000 caracteres (tiene 4001).",
            "La fecha del diagnóstico debe ser la de hoy o una fecha pasada.",
            "El nombre del médico debe tener como máximo 200 caracteres (tiene 201).",
            "El hospital o la clínica debe tener como máximo 200 caracteres (tiene 201).",
        ],
    ),
    "treatment": ({"treatment": ""}, ["Escriba el tratamiento propuesto, o “Ninguno todavía”."]),
    "question": (
        {"question": "x" * 4001, "title": ""},
        [
            "La pregunta debe tener como máximo 4000 caracteres (tiene 4001).",
            "Escriba un título breve.",
        ],
    ),
    "history": (
        {"medical_history": "x" * 4001},
        ["El historial debe tener como máximo 4000 caracteres (tiene 4001)."],
    ),
    "medications": (
        {"medications": "", "allergies": "x" * 1001},
        [
            "Escriba los medicamentos, o “Ninguno”.",
            "Alergias debe tener como máximo 1000 caracteres (tiene 1001).",
        ],
    ),
    "preferences": (
        {},
        ["Indique cuándo necesita la opinión.", "Elija el idioma del informe."],
    ),
    "exclusions": (
        {"excluded_doctors": "x" * 2001},
        ["La lista debe tener como máximo 2000 caracteres (tiene 2001)."],
    ),
    "review-type": ({}, ["Elija el tipo de revisión."]),
    "coverage": ({}, ["Indique cómo va a pagar."]),
    "insurance": (
        {"insurance_payer": "", "insurance_plan": "x" * 201, "insurance_member_id": "x" * 65},
        [
            "Escriba el nombre de su compañía de seguros.",
            "El nombre del plan debe tener como máximo 200 caracteres (tiene 201).",
            "El número de afiliado debe tener como máximo 64 caracteres (tiene 65).",
            "Indique si su plan exige autorización previa.",
        ],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(REFUSED))
def test_each_page_refuses_bad_input_in_spanish(client, actors, slug):
    speaks(actors.alice)
    case = _insured_draft(actors)
    client.force_login(actors.alice)
    data, errors = REFUSED[slug]

    page = client.post(_step(case, slug), data).text

    assert "Hay un problema" in page
    for error in errors:
        assert error in page
    assert "There is a problem" not in page


@pytest.mark.django_db
def test_the_diagnosis_before_the_birth_is_refused_with_a_spanish_date(client, actors):
    speaks(actors.alice)
    case = _insured_draft(actors)
    client.force_login(actors.alice)

    page = client.post(
        _step(case, "diagnosis"),
        {"diagnosis": "x", "diagnosis_date": "1960-01-01", "treating_doctor": "Dr Ada Brown"},
    ).text

    assert (
        "La fecha del diagnóstico debe ser igual o posterior a la fecha de nacimiento del "
        "paciente (17 de mayo de 1970)."
    ) in page


@pytest.mark.django_db
def test_the_authority_page_refuses_in_spanish(client, actors):
    speaks(actors.carol)
    client.force_login(actors.carol)
    url = reverse("cases:authority-new")

    empty = client.post(url, {}).text
    assert "Escriba la dirección de correo electrónico del paciente." in empty
    assert "Indique qué le da la autorización para actuar en su nombre." in empty
    assert "Elija el documento que acredita su autorización." in empty

    own = client.post(
        url, {"patient_email": "carol@example.org", "basis": "parent", "document": pdf_upload()}
    ).text
    assert "Esta es su propia dirección de correo electrónico." in own

    text = pdf_upload("letter.txt", b"plain words, not a document")
    not_pdf = client.post(
        url, {"patient_email": "alice@example.org", "basis": "parent", "document": text}
    ).text
    assert "“letter.txt” no es un PDF ni una imagen." in not_pdf


@pytest.mark.django_db
def test_the_consent_page_refuses_in_spanish(client, actors):
    speaks(actors.alice)
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)

    page = client.post(
        reverse("cases:case-consent", args=[case.reference]), {"signed_name": "x" * 201}
    ).text

    assert "Marque la casilla para indicar que está de acuerdo." in page
    assert "El nombre debe tener como máximo 200 caracteres (tiene 201)." in page


@pytest.mark.django_db
def test_what_was_typed_before_the_idle_sign_out_comes_back_with_a_spanish_note(client, actors):
    speaks(actors.alice)
    case = _insured_draft(actors)
    client.force_login(actors.alice)
    client.post(_step(case, "treatment"), {"_action": "save-draft", "treatment": "Rest"})

    page = client.get(_step(case, "treatment")).text

    assert "Guardamos lo que había escrito antes de que se cerrara su sesión." in page


# Submission --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_incomplete_request_is_refused_in_spanish(client, actors):
    speaks(actors.alice)
    case = services.create_case(by=actors.alice, case_for=CaseFor.SELF)
    client.force_login(actors.alice)
    check = reverse("cases:intake-check", args=[case.reference])

    response = client.post(
        reverse("cases:case-submit", args=[case.reference]),
        HTTP_REFERER=f"http://testserver{check}",
    )
    page = client.get(response["Location"]).text

    assert "Su solicitud no está completa. Falta: Fecha de nacimiento del paciente;" in page
    assert "; Dónde vive el paciente;" in page


@pytest.mark.django_db
def test_a_submitted_request_is_confirmed_in_spanish(client, actors):
    speaks(actors.alice)
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)

    response = client.post(reverse("cases:case-submit", args=[case.reference]), follow=True)

    assert "Su caso está enviado. Le avisaremos en cuanto un coordinador lo haya revisado." in (
        response.text
    )


# English unchanged -------------------------------------------------------------------------


def _patient_step(client, actors) -> str:
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    return client.get(reverse("cases:intake-step", args=[case.reference, "patient"])).text


@pytest.mark.django_db
def test_a_spanish_speaking_patient_reads_the_intakes_frame_in_spanish(client, actors):
    speaks(actors.alice)
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
    speaks(actors.alice)
    case = actors.case(Status.DRAFT)
    client.force_login(actors.alice)
    url = reverse("cases:intake-step", args=[case.reference, "patient"])

    page = client.get(url).text
    assert "Nombre completo del paciente" in page
    assert "¿Dónde vive el paciente?" in page
    assert "Elija un lugar" in page
    assert "Inglaterra" in page

    refused = client.post(url, {"patient_name": "x" * 201, "patient_date_of_birth": ""}).text
    assert "El nombre debe tener como máximo 200 caracteres (tiene 201)." in refused
    assert "Escriba la fecha de nacimiento del paciente." in refused
    assert "Indique dónde vive el paciente." in refused


@pytest.mark.django_db
def test_english_errors_and_prices_are_unchanged(client, actors):
    case = _insured_draft(actors)
    client.force_login(actors.alice)

    refused = client.post(_step(case, "diagnosis"), REFUSED["diagnosis"][0]).text
    check = client.get(reverse("cases:intake-check", args=[case.reference])).text

    assert "There is a problem" in refused
    assert "The diagnosis must be 4000 characters or fewer (it has 4001)." in refused
    assert "The doctor&#x27;s name must be 200 characters or fewer (it has 201)." in refused
    assert "Standard review of your records: <strong>$750.00</strong>" in check
    assert "When you submit, a coordinator checks your request and your cover." in check
