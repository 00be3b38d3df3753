"""Once every byte of a file is sent, the server makes it a record after answering: the uploader
says the file is being added to the case until it is, and when the file is refused then (the
case already has the same file under another name) it says why, in the server's words."""

import re
import threading

import pytest
from playwright.sync_api import expect

from cases.models import Status
from records import uploads
from tests.factories import MINIMAL_PDF

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_the_uploader_says_a_file_is_being_added_and_why_a_copy_was_refused(
    new_page, actors, tmp_path, monkeypatch, request
):
    case = actors.case(Status.SUBMITTED)
    scan = tmp_path / "ct-scan.pdf"
    scan.write_bytes(MINIMAL_PDF + b"%" + b"c" * 5000 + b"\n")
    copy = tmp_path / "copy-of-the-scan.pdf"
    copy.write_bytes(scan.read_bytes())
    # The node makes the record only when the test says so, to see the uploader wait for it.
    release = threading.Event()
    request.addfinalizer(release.set)  # a failing test never leaves the live server held
    finish = uploads.finish_claimed_upload

    def held_finish(upload_id: str) -> None:
        release.wait(timeout=30)
        finish(upload_id)

    monkeypatch.setattr(uploads, "finish_claimed_upload", held_finish)

    alice = new_page()
    sign_in(alice, actors.alice.email)
    alice.goto(f"/cases/{case.reference}/")
    uploader = alice.locator(".uppy-Dashboard")
    alice.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(scan)
    alice.locator(".uppy-StatusBar-actionBtn--upload").click()

    expect(uploader).to_contain_text("Adding to your case…")
    assert not case.records.filter(original_name="ct-scan.pdf").exists()
    assert_accessible(alice)
    release.set()
    expect(alice.locator(".uppy-StatusBar")).to_contain_text("Complete")
    expect(alice.locator("#records-list")).to_contain_text("ct-scan.pdf")

    uploader.get_by_role("button", name=re.compile("Add more|Done")).first.click()
    alice.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(copy)
    alice.locator(".uppy-StatusBar-actionBtn--upload").click()

    problem = alice.locator(".so-uploader__problem-list")
    expect(problem).to_contain_text("“copy-of-the-scan.pdf” is already attached to this case.")
    expect(alice.locator("#records-list")).not_to_contain_text("copy-of-the-scan.pdf")
    assert (
        case.records.filter(sha256=case.records.get(original_name="ct-scan.pdf").sha256).count()
        == 1
    )
    assert_accessible(alice)
