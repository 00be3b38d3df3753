"""The specialist's workspace in a real browser: the records beside the opinion form at 1280 px
and above (stacked below), the opinion saved as it is typed with a polite "Saved at" status, put
back after the browser is closed without saving, and a second tab on the same draft told that
its save was refused (nothing lost) and able to keep its own text. axe-core checks each state.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from cases.models import Status
from review.models import OpinionDraft

from .conftest import assert_accessible, sign_in

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
