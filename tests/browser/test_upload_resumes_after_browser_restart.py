"""An upload survives the browser being closed: Uppy's Golden Retriever keeps the chosen file in
the browser's IndexedDB, so after a restart (the same browser profile, opened again) the case
page shows the file, and "Upload" continues the same tus upload from the server's offset. The
file on disk is gone by then: it cannot have been chosen again."""

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import BrowserContext, Playwright, expect, sync_playwright

from records import uploads
from records.models import RecordFile, Upload
from tests.conftest import wait_for

from .conftest import CHROMIUM, CHROMIUM_ARGS, STEP_TIMEOUT_MS, assert_accessible, sign_in

pytestmark = [pytest.mark.browser]

FILE_BYTES = 40_000_000
UPLOAD_BYTES_PER_SECOND = 6 * 1024 * 1024


@pytest.fixture
def playwright(monkeypatch) -> Iterator[Playwright]:
    """Playwright for a test that starts Chromium more than once (see conftest's `browser`)."""
    if not CHROMIUM.exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM}: run `make chromium`.")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as started:
        yield started
    connections.close_all()


def open_browser(playwright: Playwright, profile: Path, base_url: str) -> BrowserContext:
    """Chromium on a profile folder of its own: closing it and opening it again is a restart
    that keeps what the browser keeps on disk (IndexedDB, localStorage, lasting cookies)."""
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, base_url=base_url
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    return context


def watch_for_blocked(context: BrowserContext, problems: list[str]) -> None:
    """Script errors and anything the Content Security Policy blocked, on every page."""

    def watch(page) -> None:
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and "Content Security Policy" in message.text
                and problems.append(message.text)
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))

    context.on("page", watch)
    for page in context.pages:
        watch(page)


def offset(name: str) -> int:
    upload = Upload.objects.filter(name=name).first()
    return uploads.upload_offset(upload) if upload else 0


def kept_blobs(page) -> int:
    """How many file blobs Golden Retriever holds in this browser's IndexedDB."""
    return page.evaluate(
        """() => new Promise((resolve) => {
            const opened = indexedDB.open("uppy-blobs");
            opened.onerror = () => resolve(0);
            opened.onsuccess = () => {
                const db = opened.result;
                if (!db.objectStoreNames.contains("files")) { db.close(); resolve(0); return; }
                const counted = db.transaction("files").objectStore("files").count();
                counted.onsuccess = () => { db.close(); resolve(counted.result); };
                counted.onerror = () => { db.close(); resolve(0); };
            };
        })"""
    )


def test_an_upload_continues_after_the_browser_restarts_without_choosing_the_file_again(
    playwright, live_server, actors, tmp_path
):
    case = actors.case("draft")
    scan = tmp_path / "mri-report.pdf"
    scan.write_bytes(b"%PDF-1.4\n%" + os.urandom(FILE_BYTES - 10))
    sha256 = hashlib.sha256(scan.read_bytes()).hexdigest()
    profile = tmp_path / "profile"
    problems: list[str] = []

    browser = open_browser(playwright, profile, live_server.url)
    watch_for_blocked(browser, problems)
    page = browser.pages[0] if browser.pages else browser.new_page()
    sign_in(page, actors.alice.email)
    page.goto(f"/cases/{case.reference}/")
    cdp = browser.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1,
         "uploadThroughput": UPLOAD_BYTES_PER_SECOND},
    )  # fmt: skip
    page.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(scan)
    wait_for(lambda: kept_blobs(page) == 1, timeout=20, what="the file kept in IndexedDB")
    page.locator(".uppy-StatusBar-actionBtn--upload").click()
    wait_for(
        lambda: offset(scan.name) > 0, timeout=30, interval=0.05, what="part of the file stored"
    )
    browser.close()  # the browser quits midway
    stopped_at = offset(scan.name)
    assert 0 < stopped_at < FILE_BYTES
    scan.unlink()  # nothing to choose again: the bytes can only come from the browser's copy

    browser = open_browser(playwright, profile, live_server.url)
    watch_for_blocked(browser, problems)
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.goto(f"/cases/{case.reference}/")
    if "/accounts/login/" in page.url:  # the session cookie ended with the browser
        sign_in(page, actors.alice.email)
        page.goto(f"/cases/{case.reference}/")
    dashboard = page.locator(".uppy-Dashboard")
    expect(dashboard).to_contain_text(scan.name)
    assert_accessible(page)
    page.locator(".uppy-StatusBar-actionBtn--upload").click()
    expect(page.locator(".uppy-StatusBar")).to_contain_text("Complete", timeout=60_000)

    # The same upload went on (no second one started from byte 0), and the file is whole.
    assert Upload.objects.filter(name=scan.name).count() == 1
    record = RecordFile.objects.get(case=case, original_name=scan.name)
    assert record.size == FILE_BYTES
    assert record.sha256 == sha256
    wait_for(lambda: kept_blobs(page) == 0, timeout=20, what="the browser's copy removed")
    expect(page.get_by_role("row", name=re.compile(re.escape(scan.name)))).to_be_visible()
    browser.close()
    assert not problems, problems


def test_signing_out_forgets_the_files_the_browser_kept_for_resuming(
    playwright, live_server, actors, tmp_path
):
    case = actors.case("draft")
    scan = tmp_path / "biopsy-report.pdf"
    scan.write_bytes(b"%PDF-1.4\n%" + os.urandom(1_000_000))
    problems: list[str] = []
    browser = open_browser(playwright, tmp_path / "profile", live_server.url)
    watch_for_blocked(browser, problems)
    page = browser.pages[0] if browser.pages else browser.new_page()
    sign_in(page, actors.alice.email)
    page.goto(f"/cases/{case.reference}/")
    page.locator("input.uppy-Dashboard-input:not([webkitdirectory])").first.set_input_files(scan)
    wait_for(lambda: kept_blobs(page) == 1, timeout=20, what="the file kept in IndexedDB")

    page.goto("/accounts/logout/")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/logout/"))
    wait_for(lambda: kept_blobs(page) == 0, timeout=20, what="the kept file forgotten")
    browser.close()
    assert not problems, problems
