"""The axe-core check the browser tests rely on really fails on an inaccessible page."""

import pytest

from .conftest import assert_accessible

pytestmark = pytest.mark.browser


def test_the_accessibility_check_fails_with_a_readable_list_of_serious_problems(browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            "<!DOCTYPE html><html><head><title>Broken</title></head>"
            "<body><main><img src='data:,'><button></button></main></body></html>"
        )
        with pytest.raises(pytest.fail.Exception) as failure:
            assert_accessible(page)
    finally:
        context.close()
    message = str(failure.value)
    assert "[critical] image-alt: Images must have alternative text" in message
    assert "[critical] button-name: Buttons must have discernible text" in message
    assert "[serious] html-has-lang" in message
