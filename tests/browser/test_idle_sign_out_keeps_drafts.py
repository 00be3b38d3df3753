"""The idle sign-out in a real browser: typing keeps a specialist signed in, and when they do go
idle the opinion they were writing is saved as a draft before the page signs out, so it is there
again after signing back in.

The staff idle timeout is shortened to 12 seconds for the test (the page reads it from the body),
so the test types for longer than the timeout, then waits one timeout idle. Not shorter: while
someone types, the server renews the session only at the page's next ping (every quarter of the
timeout) after an autosave (at most four seconds apart), so a shorter timeout leaves too little
room on a busy machine.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from cases.models import Status
from review.models import OpinionDraft
from tests.support import wait_for

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def _totp_period() -> int:
    """The 30-second period of the authenticator code shown now (allauth's TOTP)."""
    return int(time.time()) // 30


IDLE_SECONDS = 12
REASONING = (
    "The margins on the excision specimen are clear at 4 mm and the sentinel node is negative, "
    "so I see no reason for a second operation before starting adjuvant therapy."
)
# A pause between keys that makes typing REASONING last about 1.3 idle timeouts (more on a busy
# machine, where each key also takes longer to reach the page).
KEY_DELAY_MS = round(IDLE_SECONDS * 1000 * 1.3 / len(REASONING))


def test_typing_keeps_the_session_and_going_idle_saves_the_opinion_draft(
    new_page, actors, settings
):
    settings.STAFF_SESSION_IDLE_SECONDS = IDLE_SECONDS
    case = actors.case(Status.IN_REVIEW)
    opinion_path = f"/cases/{case.reference}/workspace/"

    smith = new_page()
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    signed_in_period = _totp_period()
    smith.goto(opinion_path)
    assert_accessible(smith)

    # Typing for longer than the idle timeout (about 1.3 timeouts) keeps the page signed in.
    reasoning = smith.get_by_label("Reasoning")
    started = time.monotonic()
    reasoning.press_sequentially(REASONING, delay=KEY_DELAY_MS, timeout=60_000)
    assert time.monotonic() - started > IDLE_SECONDS * 1.2
    expect(smith).to_have_url(re.compile(re.escape(opinion_path) + "$"))

    # Then idle: the draft is saved, the page signs out and offers to sign in again.
    expect(smith).to_have_url(re.compile(r"/accounts/login/\?next="), timeout=IDLE_SECONDS * 2000)
    expect(smith.get_by_label("Email")).to_be_visible()
    assert_accessible(smith)
    draft = OpinionDraft.objects.get(case=case, user=actors.dr_smith.user)
    assert draft.data["reasoning"] == REASONING
    # Really signed out: the opinion page now asks to sign in.
    smith.goto(opinion_path)
    expect(smith).to_have_url(re.compile(r"/accounts/login/"))

    # A fresh authenticator code: the first one may not be used twice.
    wait_for(
        lambda: _totp_period() > signed_in_period,
        timeout=31,
        interval=0.5,
        what="the next authenticator code",
    )
    sign_in(smith, actors.dr_smith.user.email, totp=True)
    smith.goto(opinion_path)
    expect(smith.get_by_label("Reasoning")).to_have_value(REASONING)
    expect(smith.get_by_text("is back in the form, as you typed it")).to_be_visible()
    assert_accessible(smith)
