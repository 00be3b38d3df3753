"""The review in the reader's language: the specialist's workspace (records, viewer, questions,
the opinion form and its drafts), questions to the patient and their answers, follow-up
questions, the opinion on the case page and sharing the report with a doctor; each form's
refusals in Spanish. The case's content and the opinion stay as their authors wrote them."""

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Status
from review import services as review_services
from specialists import selectors as specialist_selectors
from tests.factories import INTAKE_ANSWERS, OPINION
from tests.records.files import WINDOWS_PROGRAM

from .pages import english_left, speaks
from .partials import english_left_in, left_between, shared_words_not_yet_translated

QUESTION = "When was your last blood test?"
ANSWER = "Last Tuesday, at City Hospital."
COMMENTS = "Say more about the margins."
FOLLOW_UP = "Should I ask about radiotherapy?"
ADDENDUM = "Radiotherapy is worth asking about after surgery."
# What the patient and the specialist wrote, the records' names and the people's names.
WORDS = {
    INTAKE_ANSWERS["question"],
    INTAKE_ANSWERS["diagnosis"],
    INTAKE_ANSWERS["treatment"],
    *(value for value in OPINION.values() if isinstance(value, str)),
    QUESTION,
    ANSWER,
    COMMENTS,
    FOLLOW_UP,
    ADDENDUM,
    "pathology-report.pdf",
    "Dr Sarah Smith, Oncology (MD)",
    "PDF",  # a format's name, the same in Spanish
    "193 bytes",  # as is a size in bytes
    "· PDF · 193 bytes",
}


def _credentials(specialist) -> str:
    """The opinion's author as the case page names them: their credentials are written by the
    specialists app (that app's part of #19)."""
    return f"{specialist.user}, {specialist.specialty} ({specialist.credentials})"


def _autosave(client, case, version: int, **fields):
    return client.post(
        reverse("review:opinion-autosave", args=[case.reference]),
        json.dumps({"version": version, "fields": fields}),
        content_type="application/json",
    )


def _workspace_left(client, actors, url, typed=frozenset()) -> list[str]:
    """What the workspace still says in English, leaving out the request's answers (the intake's
    part, cases/partials/answers.html) and what the specialist `typed`."""
    same = WORDS | set(typed) | shared_words_not_yet_translated()
    return english_left_in(
        client,
        actors.dr_smith.user,
        url,
        "cases/partials/answers.html",
        same=same,
        outside=True,
        sections="answers",
    )


@pytest.mark.django_db
def test_the_workspace_is_in_spanish_with_no_record_open(client, actors):
    case = actors.case(Status.IN_REVIEW)

    assert _workspace_left(client, actors, reverse("review:workspace", args=[case.reference])) == []


@pytest.mark.django_db
def test_the_workspace_is_in_spanish_with_a_record_questions_a_return_and_a_draft(client, actors):
    case = actors.case(Status.INFO_REQUESTED)
    steps = [
        lambda: review_services.answer_information_request(
            case=case, by=actors.alice, answer=ANSWER
        ),
        lambda: review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION),
        lambda: review_services.submit_opinion(case=case, by=actors.dr_smith.user),
        lambda: review_services.return_opinion(case=case, by=actors.cora, comments=COMMENTS),
        lambda: review_services.request_information(
            case=case, by=actors.dr_smith.user, question=QUESTION, requested_record_kind="lab"
        ),
        lambda: review_services.answer_information_request(
            case=case, by=actors.alice, answer=ANSWER
        ),
    ]
    for step in steps:
        step()
        case.refresh_from_db()
    specialist = Client()
    specialist.force_login(actors.dr_smith.user)
    _autosave(specialist, case, 0, reasoning="A first thought.")
    _autosave(specialist, case, 0, diagnosis="From the other tab.")
    record = case.records.get()
    url = reverse("review:workspace", args=[case.reference]) + f"?record={record.pk}"

    typed = {"A first thought.", "From the other tab."}
    assert _workspace_left(client, actors, url, typed) == []

    speaks(actors.dr_smith.user, client=client)
    page = client.get(url).text
    assert "Devuelta por el control de calidad" in page
    assert "vuelve a estar en el formulario, tal como lo escribió" in page
    assert "Texto de otra pestaña o ventana que no se guardó" in page
    assert "Documento solicitado: Resultados de laboratorio" in page
    assert 'aria-label="Visor: pathology-report.pdf"' in page


@pytest.mark.django_db
def test_the_workspace_in_english_is_unchanged(client, actors):
    case = actors.case(Status.IN_REVIEW)
    client.force_login(actors.dr_smith.user)

    page = client.get(reverse("review:workspace", args=[case.reference])).text

    assert f'<h1 class="margin-top-05">Your opinion on case {case.reference}</h1>' in page
    assert "<summary>Questions asked of the patient (0)</summary>" in page
    assert "<p>No questions have been asked on this case.</p>" in page
    assert '<h3 class="font-heading-sm margin-bottom-05">PDF documents</h3>' in page
    assert "Save draft" in page and "Submit opinion" in page


@pytest.mark.django_db
def test_submitting_an_incomplete_opinion_is_refused_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    speaks(actors.dr_smith.user, client=client)
    url = reverse("review:workspace", args=[case.reference])

    page = client.post(url, {"submit": "", "diagnosis": "Only this"}).text

    assert "Complete estas partes antes de enviar: " in page
    assert "Razonamiento" in page[page.index("Complete estas partes") :]


@pytest.mark.django_db
def test_asking_the_patient_is_in_spanish_and_refuses_in_spanish(client, actors):
    case = actors.case(Status.IN_REVIEW)
    url = reverse("review:information-request", args=[case.reference])
    same = WORDS | shared_words_not_yet_translated()

    assert english_left(client, actors.dr_smith.user, url, same=same) == []

    speaks(actors.dr_smith.user, client=client)
    empty = client.post(url, {"question": ""}).text
    too_long = client.post(url, {"question": "x" * 4001}).text
    assert "Este campo es obligatorio." in empty
    assert "Su pregunta debe tener como máximo 4000 caracteres (tiene 4001)." in too_long


@pytest.mark.django_db
def test_answering_the_specialist_is_in_spanish_and_refuses_in_spanish(client, actors):
    case = actors.case(Status.INFO_REQUESTED)
    url = reverse("review:information-answer", args=[case.reference])
    same = WORDS | shared_words_not_yet_translated()

    assert english_left(client, actors.alice, url, same=same) == []

    speaks(actors.alice, client=client)
    empty = client.post(url, {"answer": ""}).text
    program = client.post(url, {"file": SimpleUploadedFile("setup.exe", WINDOWS_PROGRAM)}).text
    assert "Escriba una respuesta o añada un archivo." in empty
    assert "«setup.exe» no es un tipo de archivo que aceptemos." in program


@pytest.mark.django_db
def test_the_opinion_on_the_case_page_is_in_spanish_for_each_reader(client, actors):
    case = actors.case(Status.DELIVERED)
    follow_up = review_services.ask_follow_up(case=case, by=actors.alice, question=FOLLOW_UP)
    review_services.ask_follow_up(case=case, by=actors.alice, question=FOLLOW_UP + " Again.")
    review_services.answer_follow_up(follow_up=follow_up, by=actors.dr_smith.user, answer=ADDENDUM)
    url = reverse("cases:case-detail", args=[case.reference])
    # The author's name is isolated for direction (<bdi>), so it reads as a text of its own.
    same = WORDS | {FOLLOW_UP + " Again.", _credentials(actors.dr_smith), str(actors.dr_smith.user)}

    for reader in (actors.alice, actors.dr_smith.user, actors.cora):
        left = english_left_in(client, reader, url, "review/partials/case_review.html", same=same)
        assert left == [], reader


@pytest.mark.django_db
def test_an_open_question_on_the_case_page_is_in_spanish(client, actors):
    case = actors.case(Status.INFO_REQUESTED)
    url = reverse("cases:case-detail", args=[case.reference])

    for reader in (actors.alice, actors.dr_smith.user):
        left = english_left_in(client, reader, url, "review/partials/case_review.html", same=WORDS)
        assert left == [], reader


@pytest.mark.django_db
def test_follow_up_questions_are_asked_and_answered_in_spanish(client, actors):
    case = actors.case(Status.DELIVERED)
    ask = reverse("review:follow-up-ask", args=[case.reference])
    same = WORDS | shared_words_not_yet_translated()

    assert english_left(client, actors.alice, ask, same=same) == []
    follow_up = review_services.ask_follow_up(case=case, by=actors.alice, question=FOLLOW_UP)
    answer = reverse("review:follow-up-answer", args=[case.reference, follow_up.pk])
    assert english_left(client, actors.dr_smith.user, answer, same=same) == []

    speaks(actors.alice, client=client)
    too_long = client.post(ask, {"question": "x" * 4001}).text
    assert "Su pregunta debe tener como máximo 4000 caracteres (tiene 4001)." in too_long
    speaks(actors.dr_smith.user, client=client)
    empty = client.post(answer, {"answer": ""}).text
    assert "Este campo es obligatorio." in empty


@pytest.mark.django_db
def test_a_follow_up_past_the_allowed_number_is_refused_in_spanish(client, actors, settings):
    settings.FOLLOW_UP_MAX_QUESTIONS = 1
    case = actors.case(Status.DELIVERED)
    review_services.ask_follow_up(case=case, by=actors.alice, question=FOLLOW_UP)
    speaks(actors.alice, client=client)

    page = client.post(
        reverse("review:follow-up-ask", args=[case.reference]), {"question": "One more?"}
    ).text

    assert "Ya ha hecho las 1 preguntas de seguimiento que incluye su opinión." in page


@pytest.mark.django_db
def test_sharing_the_report_is_in_spanish(client, actors):
    case = actors.case(Status.DELIVERED)
    url = reverse("review:report-share-create", args=[case.reference])

    assert english_left(client, actors.alice, url, same=WORDS) == []

    made = {}
    for language in ("en-gb", "es"):
        actors.alice.language = language
        actors.alice.save(update_fields=["language"])
        client.force_login(actors.alice)
        made[language] = client.post(url).text
    link = made["es"][made["es"].index('value="http') + 7 :].split('"')[0]
    assert "Su enlace está listo" in made["es"]
    assert left_between(made["en-gb"], made["es"], same=WORDS) == []

    doctor = {}
    for language in ("en-gb", "es"):
        browser = Client()
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        doctor[language] = browser.get(link).text
    assert "Un informe de segunda opinión compartido con usted" in doctor["es"]
    assert left_between(doctor["en-gb"], doctor["es"]) == []


@pytest.mark.django_db
def test_a_doctors_link_that_does_not_work_is_explained_in_spanish(actors):
    pages = {}
    for language in ("en-gb", "es"):
        browser = Client()
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        pages[language] = browser.get(reverse("review:report-share", args=["x" * 43])).text

    assert "Este enlace no es válido. Pida uno nuevo al paciente." in pages["es"]
    assert left_between(pages["en-gb"], pages["es"]) == []


@pytest.mark.django_db
def test_the_opinion_templates_form_is_in_spanish(client, actors):
    url = reverse("coordinator:specialty-fields")
    # The specialties' names are the specialists app's data, stored as written.
    specialties = {specialty.name for specialty in specialist_selectors.specialties()}

    left = english_left(client, actors.cora, url, same=specialties)
    assert left == []
