"""What a patient sees when something goes wrong: clear messages, nothing typed lost, axe-clean."""

import pytest
from playwright.sync_api import expect

from cases.models import Case

from .conftest import assert_accessible, sign_in, tick

pytestmark = pytest.mark.browser

# The first bytes of a Windows program, under a name that pretends to be a PDF.
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)


def test_a_file_type_we_do_not_accept_is_explained_and_nothing_typed_is_lost(
    new_page, actors, tmp_path
):
    disguised = tmp_path / "power-of-attorney.pdf"
    disguised.write_bytes(WINDOWS_PROGRAM + b"This program cannot be run in DOS mode.")
    page = new_page()
    sign_in(page, actors.carol.email)
    page.goto("/cases/new/authority/")
    assert_accessible(page)
    page.get_by_label("The patient's email address").fill("mum@example.org")
    tick(page, "I hold a healthcare power of attorney")
    page.locator("input[type=file][name=document]").set_input_files(disguised)
    page.get_by_role("button", name="Save and continue").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    message = "“power-of-attorney.pdf” is not a PDF or an image."
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", "#id_document")
    document_group = page.locator(".usa-form-group", has=page.locator("#id_document"))
    expect(document_group.locator(".usa-error-message")).to_contain_text(message)
    expect(page.locator("#id_document")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("The patient's email address")).to_have_value("mum@example.org")
    expect(page.get_by_label("I hold a healthcare power of attorney")).to_be_checked()
    assert_accessible(page)
    assert not Case.objects.filter(owner=actors.carol).exists()


def test_another_patient_finds_nothing_at_the_address_of_a_case_that_is_not_theirs(
    new_page, actors
):
    case = actors.case("submitted")
    page = new_page()
    sign_in(page, actors.bob.email)
    response = page.goto(f"/cases/{case.reference}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text(case.title)).to_have_count(0)
    assert_accessible(page)
