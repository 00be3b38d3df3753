"""An upload refused by the open-upload quota: the resumable uploader shows the server's
message, saying why the file did not start and what to do."""

import pytest
from playwright.sync_api import expect

from cases.models import Status
from records.models import Upload
from tests.factories import MINIMAL_PDF

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_the_uploader_shows_why_a_file_over_the_quota_did_not_start(
    new_page, actors, settings, tmp_path
):
    settings.RECORD_OPEN_UPLOAD_BYTES_PER_UPLOADER = 100  # smaller than any file below
    case = actors.case(Status.SUBMITTED)
    scan = tmp_path / "ct-scan.pdf"
    scan.write_bytes(MINIMAL_PDF + b"%" + b"x" * 500 + b"\n")

    alice = new_page()
    sign_in(alice, actors.alice.email)
    alice.goto(f"/cases/{case.reference}/")
    assert_accessible(alice)
    alice.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(scan)
    alice.locator(".uppy-StatusBar-actionBtn--upload").click()

    problem = alice.locator(".so-uploader__problem-list")
    expect(problem).to_contain_text("“ct-scan.pdf” did not start")
    expect(problem).to_contain_text("Let those finish, then add this file again.")
    assert not Upload.objects.exists()
