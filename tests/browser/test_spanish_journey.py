"""A patient who reads Spanish, end to end (issue #19's "done when"): sign-up in Spanish, the
whole intake in the browser from the dashboard to submission (a wrong answer explained in
Spanish, what was typed kept), a coordinator's question answered, the report language waived for
an English-writing specialist, the opinion translated and attested by a coordinator, delivery,
the translated opinion read on the case page, the PDF downloaded (Spanish labels, both texts each
labelled, /Lang es), and every email of the journey in Spanish. Every page the patient sees has
`<html lang="es">`, is found by its Spanish words and is checked with axe-core.

The specialist's writing is given by the services (the review journey drives it); the staff read
the service in English.
"""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cases import services as case_services
from cases.models import Case, Status
from review import services as review_services
from review.models import Report
from secondopinion.accounts.models import User
from specialists import offers
from specialists.models import LanguageWaiver, SpecialistLanguage
from tests.conftest import wait_for
from tests.factories import MINIMAL_PDF, OPINION
from tests.review.test_translation_step import TRANSLATED

from .conftest import all_queued_emails_sent, assert_accessible, sign_in
from .spanish_pages import (
    ENGLISH_EMAIL_SENTENCES,
    add_record,
    answer_diagnosis,
    answer_history_and_medicines,
    answer_preferences_in_spanish,
    answer_treatment_and_question,
    answer_who_and_patient,
    assert_spanish_update_email,
    choose_review_pay_and_sign,
    in_spanish,
    on_step,
    text_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker]

EMAIL = "ana@example.org"
NAME = "Ana María Núñez-Ibáñez"
PASSWORD = "una-contraseña-larga-de-paciente"
TITLE = "Mi biopsia de mama"
DIAGNOSIS = "Carcinoma ductal en estadio II"
FIRST_TREATMENT = "Solo quimioterapia"
TREATMENT = "Quimioterapia durante 3 meses y después cirugía"
QUESTION = "¿Es necesaria la cirugía antes de la quimioterapia?"
ANSWER = "El 2 de noviembre, en el City Hospital."


def test_a_spanish_reader_gets_a_translated_opinion_in_a_spanish_pdf(
    new_page, actors, worker_mailbox, mailoutbox, tmp_path
):
    # Someone writes Spanish, so the intake offers it; the oncologist (dr_smith) writes English.
    SpecialistLanguage.objects.create(specialist=actors.dr_jones, language="es")
    record = tmp_path / "biopsia.pdf"
    record.write_bytes(MINIMAL_PDF)

    # ana chooses Spanish on the home page and signs up in it.
    ana = new_page()
    ana.goto("/")
    assert_accessible(ana)
    ana.get_by_label("Language").select_option(label="Español")
    ana.get_by_role("button", name="Change language").click()
    in_spanish(ana)
    ana.get_by_role("main").get_by_role("link", name="Crear una cuenta").click()
    in_spanish(ana)
    ana.get_by_label("Su nombre completo").fill(NAME)
    ana.get_by_label("Correo electrónico").fill(EMAIL)
    ana.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    ana.get_by_label("Contraseña (de nuevo)").fill(PASSWORD)
    ana.get_by_role("main").get_by_role("button", name="Registrarse").click()
    expect(ana.get_by_role("heading", level=1)).to_have_text(
        "Verifique su dirección de correo electrónico"
    )
    in_spanish(ana)

    # The confirmation email greets her in Spanish, its HTML part in lang="es".
    (confirmation,) = [email for email in mailoutbox if email.to == [EMAIL]]
    assert confirmation.body.startswith("Hola:"), confirmation.body
    assert "Hello," not in confirmation.body
    assert '<html lang="es">' in confirmation.alternatives[0].content
    # And so do its subject and every sentence of it.
    assert confirmation.subject.endswith("Confirme su dirección de correo electrónico")
    for english in [
        "Confirm your email address",
        "Please confirm that this is your email address",
        "Open this link to confirm it:",
        "If you did not give this address",
    ]:
        assert english not in confirmation.subject + confirmation.body
    assert "Confirme que esta es su dirección de correo electrónico" in confirmation.body
    assert "Abra este enlace para confirmarla:" in confirmation.body
    assert "Si usted no dio esta dirección a " in confirmation.body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)
    ana.goto(link)
    in_spanish(ana)
    ana.get_by_role("button", name="Confirmar").click()
    expect(ana.get_by_role("heading", level=1)).to_have_text("Mis casos")
    in_spanish(ana)
    user = User.objects.get(email=EMAIL)
    assert user.language == "es"

    # The whole intake, from the dashboard's link to submitting.
    ana.get_by_role("link", name="Solicitar una segunda opinión").first.click()
    answer_who_and_patient(ana, name=NAME, born="1968-02-29")
    answer_diagnosis(ana, diagnosis=DIAGNOSIS, made_on="2026-09-14")
    answer_treatment_and_question(ana, treatment=FIRST_TREATMENT, question=QUESTION, title=TITLE)
    answer_history_and_medicines(ana)
    answer_preferences_in_spanish(ana)
    add_record(ana, record)
    choose_review_pay_and_sign(ana, NAME)
    # Check your answers: she changes one, and sees the price and her signature.
    on_step(ana, "Revise sus respuestas antes de enviar")
    expect(ana.locator("#missing")).to_have_count(0)
    expect(ana.get_by_text(FIRST_TREATMENT)).to_be_visible()
    ana.get_by_role("link", name="Cambiar el tratamiento").click()
    on_step(ana, "El tratamiento")
    ana.get_by_label("¿Qué tratamiento se ha propuesto o iniciado?").fill(TREATMENT)
    ana.get_by_role("button", name="Guardar y volver a revisar sus respuestas").click()
    on_step(ana, "Revise sus respuestas antes de enviar")
    expect(ana.get_by_text(TREATMENT)).to_be_visible()
    expect(ana.locator("#price")).to_contain_text("750.00")
    expect(ana.locator("#consent-status")).to_contain_text(f"Firmado por {NAME} el")
    ana.get_by_role("button", name="Enviar su solicitud").click()
    expect(ana.locator(".so-status")).to_have_text("Enviado")
    in_spanish(ana)
    case = Case.objects.get(title=TITLE)
    reference = case.reference
    assert case.status == Status.SUBMITTED
    assert (case.patient_name, case.report_language) == (NAME, "es")
    assert (case.diagnosis, case.treatment, case.question) == (DIAGNOSIS, TREATMENT, QUESTION)
    assert case.consents.get().signed_name == NAME

    # A coordinator asks her a question in triage; she answers it from her case page.
    case = case_services.start_triage(case=case, by=actors.cora)
    review_services.request_information(
        case=case, by=actors.cora, question="¿Cuándo fue su último análisis de sangre?"
    )
    ana.reload()
    in_spanish(ana)
    ana.get_by_role("link", name="Responder a la pregunta").first.click()
    in_spanish(ana)
    ana.get_by_label("Su respuesta").fill(ANSWER)
    ana.get_by_role("button", name="Enviar su respuesta").click()
    expect(ana).to_have_url(re.compile(rf"/cases/{reference}/$"))
    expect(ana.get_by_text(ANSWER)).to_be_visible()
    in_spanish(ana)
    case = case_services.send_to_matching(case=Case.objects.get(pk=case.pk), by=actors.cora)

    # cora waives the report language for dr_smith, who does not write Spanish.
    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    cora.goto(f"/specialists/match/{reference}/language/")
    assert_accessible(cora)
    cora.locator("[name=reason]").fill("No Spanish-writing oncologist is free; we translate.")
    cora.locator("main form button[type=submit]").last.click()
    assert_accessible(cora)
    assert LanguageWaiver.objects.filter(case=case).exists()

    # dr_smith accepts and writes the opinion in English (the worker renders that PDF).
    offers.offer_case(case=case, specialist=actors.dr_smith, by=actors.cora)
    offers.accept_offer(case=case, by=actors.dr_smith.user, attested_no_conflict=True)
    case = Case.objects.get(pk=case.pk)
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)
    review_services.submit_opinion(case=case, by=actors.dr_smith.user)

    # cora translates it and attests the translation, then delivers once the PDF holds it.
    cora.goto(f"/cases/{reference}/")
    expect(cora.locator("#translation-needed")).to_be_visible()
    assert_accessible(cora)
    cora.get_by_role("link", name="Enter the translation").click()
    expect(cora.get_by_role("heading", level=1)).to_have_text("Translate the opinion")
    assert_accessible(cora)
    for name, text in TRANSLATED.items():
        cora.locator(f"[name={name}]").fill(text)
    cora.locator("[name=qualification]").fill("Intérprete médica certificada (CCHI)")
    cora.locator("label[for=id_attested]").click()
    cora.locator("main form button[type=submit]").last.click()
    expect(cora).to_have_url(re.compile(rf"/cases/{reference}/$"))
    assert_accessible(cora)
    wait_for(
        lambda: Report.objects.filter(case=case, translation__isnull=False).exists(),
        timeout=60,
        what="the PDF with the translation",
    )
    cora.reload()
    cora.locator(f"form[action$='/{reference}/opinion/deliver/'] button[type=submit]").click()
    expect(cora.locator(".so-status")).to_have_text("Opinion delivered")
    assert_accessible(cora)

    # ana reads the translation on her case page, with Spanish labels, and downloads the PDF.
    ana.reload()
    expect(ana.locator(".so-status")).to_have_text("Opinión entregada")
    in_spanish(ana)
    opinion = ana.get_by_role("region", name="La opinión del especialista")
    for label in ("En lenguaje sencillo", "Razonamiento", "Informe en PDF"):
        expect(opinion.get_by_text(label, exact=True).first).to_be_visible()
    expect(ana.locator("#translation-step")).to_contain_text(TRANSLATED["reasoning"])
    expect(ana.locator("#translation-step")).to_contain_text("Traducida al español por")
    with ana.expect_download() as download_info:
        ana.get_by_role(
            "link", name=re.compile(r"^Descargar el informe, versión \d+")
        ).first.click()
    reader = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    text = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    assert reader.trailer["/Root"]["/Lang"] == "es"
    for spanish in ("Informe de segunda opinión", "Fecha de nacimiento:", "Sobre el especialista"):
        assert spanish in text, spanish
    translated = "Traducción al español por Cora Coordinator, certificada el"
    original = "Opinión tal como la redactó Dr Sarah Smith (inglés)"
    assert text.index(translated) < text.index(original)
    assert TRANSLATED["diagnosis"] in text[text.index(translated) : text.index(original)]
    assert OPINION["diagnosis"] in text[text.index(original) :]
    assert NAME in text

    # Her notifications say in Spanish what happened; each email about them says so in Spanish.
    ana.goto("/notifications/")
    in_spanish(ana)
    for message in (
        f"Su caso {reference} se ha enviado. Ahora lo revisará un coordinador.",
        f"Un coordinador tiene una pregunta sobre su caso {reference}.",
        f"Un especialista ha empezado a revisar su caso {reference}.",
        f"La opinión del especialista sobre su caso {reference} está lista.",
    ):
        expect(ana.get_by_text(message)).to_be_visible()
    wait_for(all_queued_emails_sent, timeout=30, what="the worker to send every queued email")
    updates = worker_mailbox.new_emails_to(EMAIL)
    assert len(updates) == 4, [text_of(email) for email in updates]
    for email in updates:
        assert_spanish_update_email(email)
    for email in mailoutbox:  # anything the web process sent her
        if email.to == [EMAIL] and email is not confirmation:
            for english in ENGLISH_EMAIL_SENTENCES:
                assert english not in f"{email.subject}\n{email.body}", english
