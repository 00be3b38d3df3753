"""Our scripts speak the reader's language: a Spanish-speaking patient sees the uploader in
Spanish (Uppy's own texts from @uppy/locales, and ours from the djangojs catalog, such as a
refused file's message, and the few of Uppy's we word with "usted"), the record viewer's controls and the idle sign-out warning in Spanish;
an English-speaking patient sees the same pages in English, as before."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Page, expect

from bench.viewer_data import long_pdf
from cases.models import Status
from records import services
from tests.factories import MINIMAL_PDF

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

# The session runs out 125 s after the last activity: the warning shows 2 minutes before.
SESSION_SECONDS = 125


def refuse_every_upload(page: Page) -> None:
    """The upload server answers every request with a refusal and no explanation, so the
    uploader says in its own (our script's) words that the file could not be uploaded."""
    page.route("**/records/case/*/uploads/", lambda route: route.fulfill(status=403, body=""))


def try_an_upload(page: Page, tmp_path) -> None:
    scan = tmp_path / "ct-scan.pdf"
    scan.write_bytes(MINIMAL_PDF)
    refuse_every_upload(page)
    page.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(scan)
    page.locator(".uppy-StatusBar-actionBtn--upload").click()


def open_a_pdf(page: Page, case, owner) -> None:
    record = services.add_record(
        case=case,
        by=owner,
        upload=SimpleUploadedFile("pathology.pdf", long_pdf(2), "application/octet-stream"),
    )
    page.goto(reverse("records:record-view", args=[record.pk]))
    expect(page.locator("[data-viewer-page]")).to_have_count(1, timeout=20_000)


def test_a_spanish_speaking_patient_reads_the_uploader_viewer_and_idle_warning_in_spanish(
    new_page, actors, settings, tmp_path
):
    settings.SESSION_COOKIE_AGE = SESSION_SECONDS
    actors.alice.language = "es"
    actors.alice.save(update_fields=["language"])
    case = actors.case(Status.SUBMITTED)

    alice = new_page()
    sign_in(alice, actors.alice.email)
    alice.goto(f"/cases/{case.reference}/")
    dashboard = alice.locator(".so-uploader__dashboard")
    # Uppy's Spanish (es_ES) and our note under it.
    # Uppy's es_ES says "tú" ("Suelta archivos aquí"): ours say "usted" over it.
    expect(dashboard).to_contain_text("Suelte archivos aquí")
    expect(dashboard).to_contain_text("Navegar por archivos")
    expect(dashboard).to_contain_text(
        "PDF, JPEG, PNG, TIFF, DICOM, documentos de texto o de oficina"
    )
    expect(dashboard).not_to_contain_text("Drop files here")
    assert_accessible(alice)

    # The idle warning, two minutes before the session runs out.
    # The alert is in the page, hidden, from the start: wait for it to show, not for its text.
    warning = alice.locator(".js-idle-warning")
    expect(warning).to_be_visible(timeout=15_000)
    expect(warning).to_contain_text("Por su privacidad, su sesión se cerrará")
    warning.get_by_role("button", name="Mantener la sesión abierta").click()
    expect(warning).to_be_hidden()

    # A file the server refuses without saying why: our script's message, in Spanish.
    try_an_upload(alice, tmp_path)
    problem = alice.locator(".so-uploader__problem-list")
    expect(problem).to_have_text(
        "“ct-scan.pdf” no se pudo subir. Pulse Reintentar o vuelva a elegirlo."
    )
    assert_accessible(alice)

    # The PDF viewer's controls and status line.
    open_a_pdf(alice, case, actors.alice)
    expect(alice.get_by_role("button", name="Página siguiente")).to_be_visible()
    expect(alice.get_by_label("Buscar en este PDF")).to_be_visible()
    expect(alice.locator("[data-viewer-status]")).to_have_text("Página 1 de 2, zoom 100 %")
    assert_accessible(alice)


def test_an_english_speaking_patient_still_reads_them_in_english(
    new_page, actors, settings, tmp_path
):
    settings.SESSION_COOKIE_AGE = SESSION_SECONDS
    case = actors.case(Status.SUBMITTED)

    alice = new_page()
    sign_in(alice, actors.alice.email)
    alice.goto(f"/cases/{case.reference}/")
    dashboard = alice.locator(".so-uploader__dashboard")
    expect(dashboard).to_contain_text("Drop files here")
    expect(dashboard).to_contain_text("browse files")
    expect(dashboard).to_contain_text("PDF, JPEG, PNG, TIFF, DICOM, text or office documents")
    assert_accessible(alice)

    warning = alice.locator(".js-idle-warning")
    expect(warning).to_be_visible(timeout=15_000)
    expect(warning).to_contain_text(
        "For your privacy you will be signed out in 2 minutes unless you continue."
    )
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    try_an_upload(alice, tmp_path)
    problem = alice.locator(".so-uploader__problem-list")
    expect(problem).to_have_text(
        "“ct-scan.pdf” could not be uploaded. Press retry, or choose it again."
    )
    assert_accessible(alice)

    open_a_pdf(alice, case, actors.alice)
    expect(alice.get_by_role("button", name="Next page")).to_be_visible()
    expect(alice.get_by_label("Find in this PDF")).to_be_visible()
    expect(alice.locator("[data-viewer-status]")).to_have_text("Page 1 of 2, zoom 100%")
    assert_accessible(alice)
