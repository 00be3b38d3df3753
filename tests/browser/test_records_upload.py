"""A patient uploads records as a new user would: a 50 MB scan through the resumable uploader,
interrupted by reloading the page and resumed to completion (the uploader still holds it), then a folder holding a DICOM
study. The files appear with type, size and scan status, and the study with a preview that the
real Celery worker rendered."""

import io
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfWriter
from pypdf.generic import StreamObject

from records import uploads
from records.models import RecordFile, Upload
from tests.conftest import wait_for
from tests.records.files import dicom_study

from .conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker]

BIG = 50_000_000
# Upload speed in the browser, so that the reload lands midway through the 50 MB file.
UPLOAD_BYTES_PER_SECOND = 12 * 1024 * 1024


def big_pdf(path: Path) -> Path:
    """A valid one-page PDF of 50 MB: a page and a large (unreferenced) stream of random bytes."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=300)
    padding = StreamObject()
    padding.set_data(os.urandom(BIG - 600))
    writer._add_object(padding)
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def dicom_folder(folder: Path, slices: int = 5) -> Path:
    folder.mkdir()
    for number, content in enumerate(dicom_study(slices, size=64), start=1):
        (folder / f"IM{number:04d}.dcm").write_bytes(content)
    return folder


def throttle_uploads(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_SECOND,
        },
    )


def choose_files(page: Page, path: Path) -> None:
    page.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(path)


def choose_folder(page: Page, path: Path) -> None:
    page.locator("input.uppy-Dashboard-input[webkitdirectory]").first.set_input_files(path)


def start_upload(page: Page) -> None:
    page.locator(".uppy-StatusBar-actionBtn--upload").click()


def bytes_received(name: str) -> int:
    upload = Upload.objects.filter(name=name).first()
    return uploads.upload_offset(upload) if upload else 0


def test_a_patient_uploads_a_large_scan_and_a_dicom_folder_and_resumes_after_a_reload(
    new_page, actors, celery_worker_process, tmp_path
):
    case = actors.case("draft")
    scan = big_pdf(tmp_path / "ct-report-scan.pdf")
    study = dicom_folder(tmp_path / "ct-study")

    page = new_page()
    sign_in(page, actors.alice.email)
    page.goto(f"/cases/{case.reference}/")
    expect(page.locator(".uppy-Dashboard")).to_be_visible()
    assert_accessible(page)

    # The 50 MB scan starts, shows its progress, and the page is reloaded midway.
    throttle_uploads(page)
    choose_files(page, scan)
    start_upload(page)
    expect(page.locator(".uppy-StatusBar")).to_contain_text(re.compile(r"Uploading|\d+%"))
    wait_for(
        lambda: bytes_received(scan.name) > 5_000_000,
        timeout=30,
        interval=0.05,
        what="part of the scan to reach the server",
    )
    page.reload()
    received_before_resume = bytes_received(scan.name)
    assert 0 < received_before_resume < scan.stat().st_size
    expect(page.locator(".uppy-Dashboard")).to_be_visible()
    assert not RecordFile.objects.filter(original_name=scan.name).exists()

    # The uploader still holds the file (Golden Retriever): "Upload" continues from the
    # server's offset, not from the start, without choosing the file again.
    expect(page.locator(".uppy-Dashboard")).to_contain_text(scan.name)
    start_upload(page)
    expect(page.locator(".uppy-StatusBar")).to_contain_text("Complete", timeout=60_000)
    assert Upload.objects.filter(name=scan.name).count() == 1
    record = RecordFile.objects.get(case=case, original_name=scan.name)
    assert record.size == scan.stat().st_size

    # A whole folder: the DICOM study.
    page.locator(".uppy-Dashboard").get_by_role(
        "button", name=re.compile("Add more|Done")
    ).first.click()
    choose_folder(page, study)
    start_upload(page)
    expect(page.locator(".uppy-StatusBar")).to_contain_text("Complete", timeout=30_000)

    # The list shows each file's type, size and scan status; the worker reads the study.
    def study_read() -> bool:
        dicom = RecordFile.objects.filter(case=case, content_type="application/dicom")
        return dicom.filter(read_status=RecordFile.ReadStatus.READ).count() == 5

    wait_for(study_read, timeout=60, interval=0.5, what="the worker to read the study")
    page.reload()
    row = page.get_by_role("row", name=re.compile(scan.name))
    expect(row).to_contain_text("PDF")
    expect(row).to_contain_text("47.7")
    expect(row).to_contain_text("Not scanned (no virus scanner configured)")
    expect(row).to_contain_text("1 page")
    studies = page.locator(".so-study")
    expect(studies).to_contain_text("Imaging study: CT chest with contrast (2026-06-14)")
    expect(studies).to_contain_text("5 images")
    preview = page.get_by_role("img", name="Middle image of series 1")
    expect(preview).to_be_visible()
    assert preview.evaluate("image => image.naturalWidth") > 0
    assert_accessible(page)
