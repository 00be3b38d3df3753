"""The intake and the emails as a Spanish reader meets them (issue #19): each page found by the
Spanish words on it (its heading, the labels of its questions, the names of its buttons), as
locale/es/LC_MESSAGES/django.po writes them, every page checked for `<html lang="es">` and with
axe-core."""

import re
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from .conftest import assert_accessible, tick

# Sentences of the English emails (notifications/email and account/email templates) that a
# Spanish reader must never get.
ENGLISH_EMAIL_SENTENCES = (
    "Hello,",
    "There is an update",
    "For your privacy we do not put any details in email.",
    "Sign in to read it",
    "You choose which emails you get",
    "Questions? Reply to this email",
)


def in_spanish(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert_accessible(page)


def on_step(page: Page, heading: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    in_spanish(page)


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Guardar y continuar").click()


def expect_error(page: Page, message: str, field_id: str) -> None:
    """The Spanish error summary links to the field, and the message is next to the field."""
    summary = page.get_by_role("alert").filter(has_text="Hay un problema")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field_id}")
    group = page.locator(".usa-form-group", has=page.locator(f"#{field_id}"))
    expect(group.locator(".usa-error-message")).to_contain_text(message)
    in_spanish(page)


def answer_who_and_patient(page: Page, *, name: str, born: str) -> None:
    """For herself; the patient page first sent with the name cleared (a Spanish error, the
    other answers kept), then with it."""
    on_step(page, "Para quién es la segunda opinión")
    save_and_continue(page)
    expect_error(page, "Indique para quién es la segunda opinión.", "id_case_for")
    tick(page, "Yo: soy el paciente")
    save_and_continue(page)

    on_step(page, "Sobre el paciente")
    name_field = page.get_by_label("Nombre completo del paciente")
    expect(name_field).to_have_value(name)  # her own name, from her account
    name_field.fill("")
    page.get_by_label("Fecha de nacimiento del paciente").fill(born)
    # England: the licence of the tests' oncologist (tests/factories.py).
    page.get_by_label("¿Dónde vive el paciente?").select_option(label="Inglaterra")
    save_and_continue(page)
    expect_error(page, "Escriba el nombre completo del paciente.", "id_patient_name")
    expect(page.get_by_label("Fecha de nacimiento del paciente")).to_have_value(born)
    expect(page.get_by_label("¿Dónde vive el paciente?")).to_have_value("GB-ENG")
    name_field.fill(name)
    save_and_continue(page)


def answer_diagnosis(page: Page, *, diagnosis: str, made_on: str) -> None:
    """A date in the future is refused in Spanish and the diagnosis typed stays."""
    on_step(page, "El diagnóstico actual")
    page.get_by_label("¿Cuál es el diagnóstico actual?").fill(diagnosis)
    page.get_by_label("¿Cuándo se hizo?").fill("2099-01-01")
    page.get_by_label("¿Qué médico lo hizo?").fill("Dra. Ada Brown")
    page.get_by_label("¿En qué hospital o clínica?").fill("City Hospital")
    save_and_continue(page)
    expect_error(
        page, "La fecha del diagnóstico debe ser la de hoy o una fecha pasada.", "id_diagnosis_date"
    )
    expect(page.get_by_label("¿Cuál es el diagnóstico actual?")).to_have_value(diagnosis)
    page.get_by_label("¿Cuándo se hizo?").fill(made_on)
    save_and_continue(page)


def answer_treatment_and_question(page: Page, *, treatment: str, question: str, title: str):
    on_step(page, "El tratamiento")
    page.get_by_label("¿Qué tratamiento se ha propuesto o iniciado?").fill(treatment)
    save_and_continue(page)
    on_step(page, "Su pregunta para el especialista")
    tick(page, "¿Es necesaria una operación?")
    tick(page, "¿Qué opciones de tratamiento hay?")
    page.get_by_label("Su pregunta para el especialista").fill(question)
    page.get_by_label("Un título breve para esta solicitud").fill(title)
    save_and_continue(page)


def answer_history_and_medicines(page: Page) -> None:
    on_step(page, "Antecedentes médicos")
    page.get_by_label("en el historial médico del paciente").fill("Diabetes tipo 2 desde 2015")
    save_and_continue(page)
    on_step(page, "Medicamentos y alergias")
    page.get_by_label("¿Qué medicamentos toma el paciente ahora?").fill("Metformina 500 mg")
    page.get_by_label("¿Tiene el paciente alguna alergia?").fill("Penicilina")
    save_and_continue(page)


def answer_preferences_in_spanish(page: Page) -> None:
    """Urgency, and the report in Spanish (offered because a specialist writes it)."""
    on_step(page, "Urgencia e idioma del informe")
    tick(page, "Pronto: hay que tomar una decisión sobre el tratamiento en el plazo de un mes")
    expect(page.locator("#id_report_language_helptext")).to_contain_text("Español")
    page.get_by_label("¿En qué idioma debe estar el informe?").select_option(label="Español")
    save_and_continue(page)
    on_step(page, "Médicos que desea excluir")
    page.get_by_label("¿Hay médicos que no deban revisar este caso?").fill("Dr. Ben Grey")
    save_and_continue(page)


def add_record(page: Page, record: Path) -> None:
    """The plain upload form (the uploader is driven by test_js_in_spanish)."""
    on_step(page, "Documentación médica")
    expect(page.locator("label[for=id_file]")).to_contain_text("Añadir documentación médica")
    page.locator("#id_file").set_input_files(record)
    page.get_by_role("button", name="Subir", exact=True).click()
    expect(page.get_by_text(f"«{record.name}» se ha añadido a su caso.")).to_be_visible()
    on_step(page, "Documentación médica")
    save_and_continue(page)


def choose_review_pay_and_sign(page: Page, name: str) -> None:
    on_step(page, "Tipo de revisión y precio")
    tick(page, "Revisión estándar de su documentación médica")
    save_and_continue(page)
    on_step(page, "Pago de la revisión")
    tick(page, "Pagaré yo mismo")
    save_and_continue(page)
    on_step(page, "Consentimiento")
    consent = page.get_by_role("region", name=re.compile(r"^Consentimiento, versión \d+$"))
    expect(consent).to_be_visible()
    tick(page, "He leído este consentimiento y estoy de acuerdo")
    page.get_by_label("Escriba su nombre completo para firmar").fill(name)
    page.get_by_role("button", name="Firmar el consentimiento").click()


def text_of(email: EmailMessage) -> str:
    """Subject and plain-text body of a parsed email."""
    return f"{email['Subject']}\n{email.get_body(preferencelist=('plain',)).get_content()}"


def assert_spanish_update_email(email: EmailMessage) -> None:
    """A case-update email in Spanish: subject, greeting, what to do, with no English sentence."""
    text = text_of(email)
    subject = " ".join(email["Subject"].split())  # unfolded: a long header is wrapped
    expected = f"[{settings.SERVICE_NAME}] Hay novedades sobre su solicitud de segunda opinión"
    assert subject == expected, text
    assert "Hola:" in text, text
    assert "Hay novedades sobre su solicitud en" in text, text
    assert "Inicie sesión para leerlo:" in text, text
    assert "Puede elegir qué correos recibe en Notificaciones" in text, text
    for english in ENGLISH_EMAIL_SENTENCES:
        assert english not in text, (english, text)
    html = email.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="es">' in html
    assert "Inicie sesión para leerlo:" in html
