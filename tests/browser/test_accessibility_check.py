"""The axe-core check the browser tests rely on really fails on an inaccessible page, both where
axe-core comes from the context's loader (every page new_page() opens) and where it is sent to
the page at the check (any other context)."""

import pytest

from .conftest import AXE_LOADER, assert_accessible

pytestmark = pytest.mark.browser

BROKEN_PAGE = (
    "<!DOCTYPE html><html><head><title>Broken</title></head>"
    "<body><main><img src='data:,'><button></button></main></body></html>"
)


@pytest.mark.parametrize("with_loader", [True, False], ids=["loader", "sent"])
def test_the_accessibility_check_fails_with_a_readable_list_of_serious_problems(
    browser, with_loader
):
    context = browser.new_context()
    if with_loader:
        context.add_init_script(AXE_LOADER)
    try:
        page = context.new_page()
        page.set_content(BROKEN_PAGE)
        has_loader = page.evaluate("() => typeof window.__secondOpinionLoadAxe === 'function'")
        assert has_loader is with_loader
        with pytest.raises(pytest.fail.Exception) as failure:
            assert_accessible(page)
    finally:
        context.close()
    message = str(failure.value)
    assert "[critical] image-alt: Images must have alternative text" in message
    assert "[critical] button-name: Buttons must have discernible text" in message
    assert "[serious] html-has-lang" in message
