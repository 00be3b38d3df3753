"""A patient who reads Spanish, end to end (issue #19): sign-up in Spanish, the report-language
question and submission, a coordinator's question answered, the report language waived for an
English-writing specialist, the opinion translated and attested by a coordinator, delivery, and
the PDF downloaded: Spanish labels, both texts each labelled, /Lang es. Every page checked with
axe-core.

Other pages are being translated in parallel, so the patient's pages are driven by field names
and form actions rather than their words, and the Spanish is asserted where this feature decides
it (the PDF, the translation on the case page) and in `<html lang="es">`. The intake's other
answers are given by the services (the intake journey drives those pages); the specialist's
writing too (the review journey drives it); the staff read the service in English.
"""

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from cases import services as case_services
from cases.models import Case, Status
from review import services as review_services
from review.models import Report
from secondopinion.accounts.models import User
from specialists import offers
from specialists.models import LanguageWaiver, SpecialistLanguage
from tests.conftest import wait_for
from tests.factories import OPINION, complete_draft
from tests.review.test_translation_step import TRANSLATED

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker]

EMAIL = "ana@example.org"
NAME = "Ana María Núñez-Ibáñez"
PASSWORD = "una-contraseña-larga-de-paciente"


def submit(page: Page, form: str = "main form") -> None:
    page.locator(f"{form} button[type=submit]").last.click()


def in_spanish(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert_accessible(page)


def test_a_spanish_reader_gets_a_translated_opinion_in_a_spanish_pdf(
    new_page, actors, worker_mailbox, mailoutbox
):
    # Someone writes Spanish, so the intake offers it; the oncologist (dr_smith) writes English.
    SpecialistLanguage.objects.create(specialist=actors.dr_jones, language="es")

    # ana chooses Spanish on the home page and signs up in it.
    ana = new_page()
    ana.goto("/")
    assert_accessible(ana)
    ana.locator("#language-switch").select_option("es")
    submit(ana, ".so-language-switch form")
    in_spanish(ana)
    ana.goto("/accounts/signup/")
    in_spanish(ana)
    ana.locator("[name=full_name]").fill(NAME)
    ana.locator("[name=email]").fill(EMAIL)
    ana.locator("[name=password1]").fill(PASSWORD)
    ana.locator("[name=password2]").fill(PASSWORD)
    submit(ana)
    in_spanish(ana)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    ana.goto(link)
    in_spanish(ana)
    submit(ana)
    expect(ana).to_have_url(re.compile(r"/cases/$"))
    in_spanish(ana)
    user = User.objects.get(email=EMAIL)
    assert user.language == "es"

    # Her request: the report-language question offers Spanish, and she submits it.
    case = complete_draft(user, patient_name=NAME, report_language="es")
    reference = case.reference
    ana.goto(f"/cases/{reference}/intake/preferences/")
    in_spanish(ana)
    hint = ana.locator("#id_report_language_helptext")
    expect(hint).to_contain_text("Español")
    ana.locator("#id_report_language").select_option("es")
    submit(ana)
    expect(ana).to_have_url(re.compile(r"/intake/exclusions/$"))  # the next question
    in_spanish(ana)
    ana.goto(f"/cases/{reference}/check/")
    in_spanish(ana)
    submit(ana, f"form[action$='/{reference}/submit/']")
    expect(ana).to_have_url(re.compile(rf"/cases/{reference}/$"))
    in_spanish(ana)
    assert Case.objects.get(pk=case.pk).status == Status.SUBMITTED

    # A coordinator asks her a question in triage; she answers it.
    case = case_services.start_triage(case=case, by=actors.cora)
    review_services.request_information(
        case=case, by=actors.cora, question="¿Cuándo fue su último análisis de sangre?"
    )
    ana.goto(f"/cases/{reference}/questions/answer/")
    in_spanish(ana)
    ana.locator("[name=answer]").fill("El 2 de noviembre, en el City Hospital.")
    submit(ana)
    expect(ana).to_have_url(re.compile(rf"/cases/{reference}/$"))
    in_spanish(ana)
    case = case_services.send_to_matching(case=Case.objects.get(pk=case.pk), by=actors.cora)

    # cora waives the report language for dr_smith, who does not write Spanish.
    cora = new_page()
    sign_in(cora, actors.cora.email, totp=True)
    cora.goto(f"/specialists/match/{reference}/language/")
    assert_accessible(cora)
    cora.locator("[name=reason]").fill("No Spanish-writing oncologist is free; we translate.")
    submit(cora)
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
    submit(cora)
    expect(cora).to_have_url(re.compile(rf"/cases/{reference}/$"))
    assert_accessible(cora)
    wait_for(
        lambda: Report.objects.filter(case=case, translation__isnull=False).exists(),
        timeout=60,
        what="the PDF with the translation",
    )
    cora.reload()
    submit(cora, f"form[action$='/{reference}/opinion/deliver/']")
    expect(cora.locator(".so-status")).to_have_text("Opinion delivered")
    assert_accessible(cora)

    # ana reads the translation on her case page and downloads the PDF.
    ana.goto(f"/cases/{reference}/")
    in_spanish(ana)
    expect(ana.locator("#translation-step")).to_contain_text(TRANSLATED["reasoning"])
    expect(ana.locator("#translation-step")).to_contain_text("Traducida al español por")
    with ana.expect_download() as download_info:
        ana.locator(f"a[href*='/{reference}/reports/']").first.click()
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
