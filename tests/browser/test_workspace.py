"""The specialist's workspace in a real browser: the records beside the opinion form at 1280 px
and above (stacked below), the opinion saved as it is typed with a polite "Saved at" status, put
back after the browser is closed without saving, and a second tab on the same draft told that
its save was refused (nothing lost) and able to keep its own text. A huge image opens as its
reduced copy, the original a click away. axe-core checks each state.
"""

import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Page, expect

from bench.viewer_data import ct_series, long_pdf
from cases.models import Status
from records import services as record_services
from records.models import RecordFile
from review.models import Opinion, OpinionDraft
from secondopinion.audit.models import AuditEvent
from tests.records.files import picture

from .conftest import assert_accessible, sign_in, tick

pytestmark = pytest.mark.browser

FIRST = "The margins on slide 4 are clear at 4 mm"
SECOND_TAB = "Typed in the second tab"
SAVED = re.compile(r"^Saved at \d\d:\d\d$")
# The goal: no keystroke older than this is lost when the browser is killed.
KEYSTROKE_SAFE_SECONDS = 5


def _draft_text(case, field: str) -> str:
    draft = OpinionDraft.objects.filter(case=case).first()
    return (draft.data or {}).get(field, "") if draft else ""


def _saved_within(case, field: str, text: str, seconds: float) -> float:
    """How long after now the server had `text` in the draft (fails after `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if _draft_text(case, field) == text:
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"the draft did not hold the typed text within {seconds} s")


def _side_by_side(page: Page) -> bool:
    reading = page.locator(".so-workspace__reading").bounding_box()
    writing = page.locator(".so-workspace__writing").bounding_box()
    return writing["x"] >= reading["x"] + reading["width"] and abs(writing["y"] - reading["y"]) < 5


def test_the_workspace_saves_as_you_type_restores_and_tells_a_second_tab(
    new_page, browser, live_server, actors
):
    case = actors.case(Status.IN_REVIEW)
    smith = new_page()
    smith.set_viewport_size({"width": 1300, "height": 900})
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    smith.goto(f"/cases/{case.reference}/")
    assert_accessible(smith)
    smith.get_by_role("link", name="Write your opinion").click()
    expect(smith).to_have_url(re.compile(rf"/cases/{case.reference}/workspace/$"))
    assert_accessible(smith)
    assert _side_by_side(smith)
    # By keyboard: from below the viewer back to the opinion, and on into its first question.
    smith.get_by_role("link", name="Back to your opinion").focus()
    smith.keyboard.press("Enter")
    expect(smith.locator("#opinion-form-heading")).to_be_focused()
    smith.keyboard.press("Tab")
    expect(smith.locator("input[name=relation]").first).to_be_focused()

    # Typing is saved within seconds, and the status says when (politely, for screen readers).
    smith.get_by_label("Reasoning").press_sequentially(FIRST, delay=20)
    waited = _saved_within(case, "reasoning", FIRST, KEYSTROKE_SAFE_SECONDS)
    status = smith.locator("#autosave-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_text(SAVED)
    assert_accessible(smith)
    print(f"last keystroke on the server after {waited:.2f} s")

    # The browser goes away without a save: a new one (same session) gets the draft back.
    session = smith.context.storage_state()
    smith.context.close()
    again = browser.new_context(base_url=live_server.url, storage_state=session).new_page()
    again.set_viewport_size({"width": 900, "height": 900})
    again.goto(f"/cases/{case.reference}/workspace/")
    expect(again.get_by_label("Reasoning")).to_have_value(FIRST)
    expect(again.get_by_text("is back in the form, as you typed it")).to_be_visible()
    assert not _side_by_side(again)  # stacked on a narrower screen
    assert_accessible(again)

    # A second tab on the same draft: the first saves, the second's save is refused, its text
    # stays, and it can keep its own text over the first's.
    second = again.context.new_page()
    second.goto(f"/cases/{case.reference}/workspace/")
    again.get_by_label("Your diagnosis").press_sequentially("Ductal carcinoma in situ")
    _saved_within(case, "diagnosis", "Ductal carcinoma in situ", KEYSTROKE_SAFE_SECONDS)
    second.get_by_label("Reasoning").fill(SECOND_TAB)
    second.get_by_label("Reasoning").press("End")
    second.get_by_label("Reasoning").press_sequentially(".")
    conflict = second.get_by_role("alert").filter(has_text="changed in another tab or window")
    expect(conflict).to_be_visible()
    expect(second.get_by_label("Reasoning")).to_have_value(SECOND_TAB + ".")
    assert _draft_text(case, "reasoning") == FIRST
    assert_accessible(second)
    second.get_by_role("button", name="Keep this tab's text").click()
    expect(second.locator("#autosave-status")).to_have_text(SAVED)
    assert _draft_text(case, "reasoning") == SECOND_TAB + "."
    expect(conflict).to_be_hidden()
    assert_accessible(second)
    again.context.close()


SLICES = 40
PARTIAL_REASONING = "Slide 4 and the CT agree: no invasion"


def _add_record(case, by, name: str, content: bytes) -> RecordFile:
    record = record_services.add_record(
        case=case, by=by, upload=SimpleUploadedFile(name, content, "application/octet-stream")
    )
    return record_services.read_record(record_id=record.pk)


def test_the_specialist_reads_the_records_writes_survives_a_closed_browser_and_submits(
    new_page, browser, live_server, actors
):
    """The issue's journey: accept, open the workspace, page 2 of the PDF, scroll the series and
    change window/level, type, close the browser unsaved, restore, submit; every file fetched
    was audited; another specialist gets 404 on the workspace and on every file."""
    case = actors.case(Status.OFFERED)
    report = _add_record(case, actors.alice, "pathology.pdf", long_pdf(4))
    # 256² slices keep the test quick; bench/viewer_bench.py times the 512² series.
    slices = [
        _add_record(case, actors.alice, f"CT{n:03}.dcm", content)
        for n, content in enumerate(ct_series(SLICES, size=256), start=1)
    ]
    smith = new_page()
    smith.set_viewport_size({"width": 1300, "height": 1000})
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    smith.goto(reverse("specialists:offer-accept", args=[case.reference]))
    assert_accessible(smith)
    tick(smith, "I have no conflict of interest with this case")
    smith.get_by_role("button", name="Accept this case").click()
    expect(smith.locator(".so-status")).to_have_text("Specialist reviewing")
    assert_accessible(smith)
    smith.get_by_role("link", name="Write your opinion").click()
    assert_accessible(smith)

    # Page 2 of the PDF, beside the form.
    smith.get_by_role("link", name="pathology.pdf").click()
    expect(smith.locator("[data-viewer-page='1']")).to_have_count(1, timeout=20_000)
    stage = smith.locator("[data-viewer-stage]")
    stage.focus()
    smith.keyboard.press("PageDown")
    expect(smith.locator("[data-viewer-status]")).to_contain_text("Page 2 of 4")
    expect(smith.locator(".textLayer")).to_contain_text("ductal carcinoma in situ")
    assert_accessible(smith)
    smith.get_by_label("Reasoning").press_sequentially(PARTIAL_REASONING, delay=10)
    _saved_within(case, "reasoning", PARTIAL_REASONING, KEYSTROKE_SAFE_SECONDS)

    # The series: every slice by keyboard, then the lung window. The typing is still there.
    smith.get_by_role("link", name=re.compile(r"^Series \d+")).click()
    expect(smith.locator("[data-viewer-loaded]")).to_have_count(1, timeout=30_000)
    assert smith.locator("[data-viewer-problem]").is_hidden()
    expect(smith.get_by_label("Reasoning")).to_have_value(PARTIAL_REASONING)
    stage.focus()
    for _ in range(SLICES):
        smith.keyboard.press("PageUp")
    expect(smith.locator("[data-viewer-status]")).to_contain_text(f"Image 1 of {SLICES}")
    for _ in range(SLICES - 1):
        smith.keyboard.press("ArrowDown")
    expect(smith.locator("[data-viewer-status]")).to_contain_text(f"Image {SLICES} of {SLICES}")
    smith.get_by_role("button", name="Lung window: width 1500, level -600").click()
    expect(smith.locator("[data-viewer-status]")).to_contain_text("window 1500 level -600")
    assert_accessible(smith)
    smith.get_by_label("Your diagnosis").press_sequentially("Ductal carcinoma in situ", delay=10)
    _saved_within(case, "diagnosis", "Ductal carcinoma in situ", KEYSTROKE_SAFE_SECONDS)

    # The browser goes without saving; a new one has the draft back, and the opinion goes in.
    session = smith.context.storage_state()
    smith.context.close()
    again = browser.new_context(base_url=live_server.url, storage_state=session).new_page()
    again.goto(reverse("review:workspace", args=[case.reference]))
    expect(again.get_by_label("Reasoning")).to_have_value(PARTIAL_REASONING)
    expect(again.get_by_label("Your diagnosis")).to_have_value("Ductal carcinoma in situ")
    assert_accessible(again)
    tick(again, "Changes the original diagnosis")
    again.get_by_label("Recommended treatment and alternatives").fill("Surgery alone.")
    again.get_by_label("Summary in plain language").fill("The cancer has not spread.")
    tick(again, "Partly: some of it is supported")
    tick(again, "Soon: within the next few weeks")
    tick(again, "I have no conflict of interest and this opinion")
    again.get_by_role("button", name="Submit opinion").click()
    expect(again.locator(".so-status")).to_have_text("Opinion in quality check")
    assert_accessible(again)
    opinion = Opinion.objects.get(case=case)
    assert opinion.reasoning == PARTIAL_REASONING and opinion.revision == 1
    again.context.close()

    viewed = set(
        AuditEvent.objects.filter(
            action="record.view", actor=actors.dr_smith.user, case_id=case.pk
        ).values_list("object_id", flat=True)
    )
    assert viewed == {str(record.pk) for record in [report, *slices]}

    jones = new_page()
    sign_in(jones, actors.dr_jones.user.email, totp=True)
    assert jones.goto(reverse("review:workspace", args=[case.reference])).status == 404
    assert_accessible(jones)
    for record in [report, *slices]:
        assert jones.request.get(reverse("records:record-inline", args=[record.pk])).status == 404
        assert jones.request.get(reverse("records:record-view", args=[record.pk])).status == 404


def _natural_size(image) -> list[int]:
    return image.evaluate("img => [img.naturalWidth, img.naturalHeight]")


def test_a_huge_image_opens_as_its_reduced_copy_and_the_original_on_demand(new_page, actors):
    case = actors.case(Status.IN_REVIEW)
    photo = _add_record(case, actors.alice, "wound-photo.jpg", picture(6000, 1500))
    reduced = reverse("records:record-reduced", args=[photo.pk])
    original = reverse("records:record-inline", args=[photo.pk])
    smith = new_page()
    smith.set_viewport_size({"width": 1300, "height": 1000})
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    smith.goto(reverse("review:workspace", args=[case.reference]))

    with smith.expect_response(lambda response: response.url.endswith(reduced)) as copy:
        smith.get_by_role("link", name="wound-photo.jpg").click()
    assert copy.value.status == 200
    image = smith.get_by_role("img", name="wound-photo.jpg")
    expect(image).to_be_visible()
    assert _natural_size(image) == [4096, 1024]
    line = smith.locator("[data-viewer-reduced]")
    expect(line).to_have_text("Preview reduced from 6000 × 1500 pixels. Open the original")
    assert_accessible(smith)

    with smith.expect_response(lambda response: response.url.endswith(original)) as whole:
        line.get_by_role("link", name="Open the original").click()
    assert whole.value.status == 200
    expect(line).to_have_text("Showing the original, 6000 × 1500 pixels.")
    assert _natural_size(image) == [6000, 1500]
    expect(smith.locator("[data-viewer-stage]")).to_be_focused()
    assert_accessible(smith)
    # One viewing of the file in this browser, whichever of its two forms was fetched.
    viewings = AuditEvent.objects.filter(
        action="record.view", actor=actors.dr_smith.user, object_id=str(photo.pk)
    )
    assert viewings.count() == 1

    jones = new_page()
    sign_in(jones, actors.dr_jones.user.email, totp=True)
    workspace = reverse("review:workspace", args=[case.reference])
    assert jones.goto(f"{workspace}?record={photo.pk}").status == 404
    assert_accessible(jones)
    for url in (reduced, original, reverse("records:record-view", args=[photo.pk])):
        assert jones.request.get(url).status == 404
    assert not AuditEvent.objects.filter(action="record.view", actor=actors.dr_jones.user)
