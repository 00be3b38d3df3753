"""At 320 px (a small phone, or 1280 px zoomed to 400 %) no page scrolls sideways: long words
wrap, tables scroll inside their own labelled, focusable region. On a touch screen the uploader
says "Choose files". axe-core checks every page."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import Status
from messaging import services as messaging_services
from referrals.services import create_referral_source

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
# A 5,000-character word: once made the messages page 35,840 px wide for everyone.
LONG_WORD = ("Pneumonoultramicroscopicsilicovolcanoconiosis" * 112)[:5000]


def sideways_scroll(page: Page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def check_narrow(page: Page, path: str) -> None:
    page.goto(path)
    assert_accessible(page)
    assert sideways_scroll(page) <= 0, f"{path} scrolls sideways at 320 px"
    regions = page.locator(".so-table-region")
    for index in range(regions.count()):
        region = regions.nth(index)
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-label") or region.get_attribute("aria-labelledby")


def test_pages_reflow_at_320_px_and_long_words_wrap(new_page, actors):
    case = actors.case(Status.IN_REVIEW)
    messaging_services.post_message(case=case, by=actors.alice, body=LONG_WORD)
    create_referral_source(by=actors.cora, name=LONG_WORD[:200], contact_email="gp@example.org")

    alice = new_page()
    alice.set_viewport_size(NARROW)
    sign_in(alice, actors.alice.email)
    for name in ("cases:case-detail", "messaging:case-messages", "data_rights:access-history"):
        check_narrow(alice, reverse(name, args=[case.reference]))
    check_narrow(alice, reverse("cases:dashboard"))
    alice.goto(reverse("cases:case-detail", args=[case.reference]))
    expect(alice.get_by_role("region", name="Medical records on this case")).to_be_visible()

    cora = new_page()
    cora.set_viewport_size(NARROW)
    sign_in(cora, actors.cora.email, totp=True)
    check_narrow(cora, reverse("cases:case-detail", args=[case.reference]))
    for name in (
        "coordinator:queue",
        "coordinator:metrics",
        "referrals:source-list",
        "audit:event-list",
        "coordinator:search",
    ):
        check_narrow(cora, reverse(name))
    cora.get_by_label("Case reference, patient name or email, or specialist name").fill("alice@")
    cora.get_by_role("button", name="Search", exact=True).click()
    expect(cora.get_by_role("heading", name="1 case found")).to_be_visible()
    check_narrow(cora, cora.url)

    # A table wider than the screen scrolls inside its region, which the keyboard can reach.
    region = cora.get_by_role("region", name="Cases that match the search")
    region.focus()
    expect(region).to_be_focused()


def test_the_uploader_says_choose_files_on_a_touch_screen(browser, live_server, actors):
    case = actors.case(Status.IN_REVIEW)
    touch = browser.new_context(
        base_url=live_server.url, viewport=NARROW, has_touch=True, is_mobile=True
    )
    try:
        page = touch.new_page()
        sign_in(page, actors.alice.email)
        page.goto(reverse("cases:case-detail", args=[case.reference]))
        assert_accessible(page)
        dashboard = page.locator(".so-uploader .uppy-Dashboard")
        expect(dashboard.get_by_role("button", name="Choose files")).to_be_visible()
        expect(dashboard).not_to_contain_text("Drop files here")
        assert sideways_scroll(page) <= 0
    finally:
        touch.close()
