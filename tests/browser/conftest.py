"""Browser fixtures: Debian's Chromium driven by Playwright's sync API, axe-core on every page.

Each person in a test gets their own browser context (fresh cookies) on pytest-django's live
server. `assert_accessible(page)` runs axe-core on the page as it is. A test that opened a page
it never checked, or on whose pages the browser blocked something under the Content Security
Policy or hit a script error, fails at teardown: a new step cannot skip the checks unnoticed.
"""

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axe_playwright_python.base import AXE_SCRIPT
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from secondopinion.notifications.models import OutboundEmail
from tests.factories import PASSWORD, TOTP_SECRET
from tests.support import require_service, wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Impacts that fail a test; "moderate" and "minor" findings are left to review.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# axe-core's run options: every rule runs, but only violations get a selector for each element
# (passes and the rest get one element each), as axe-playwright-python's own default has it.
AXE_OPTIONS = {"resultTypes": ["violations"]}
# axe-core's script (the copy axe-playwright-python bundles) in a function that puts it into the
# page when called. Each person's browser context gets it once, as a script that defines the
# function at the start of every document, before the page's own scripts; axe-core itself runs
# only when a check calls it. Sending the 570 kB script to the page at every check took about 45
# ms of a check's 300 on this machine.
AXE_LOADER = (
    "Object.defineProperty(window, '__secondOpinionLoadAxe', "
    f"{{value: function () {{\n{AXE_SCRIPT}\n}}, configurable: true}});"
)
# How long Playwright waits for an element or a navigation before the step fails.
STEP_TIMEOUT_MS = 10_000
# A TOTP code is typed only with at least this long left in its 30-second period.
TOTP_MARGIN_SECONDS = 3


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test, so fixtures know at teardown whether the test passed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class _Chromium:
    """Debian's Chromium under Playwright, started once per test process and parked between
    browser tests.

    Playwright's sync API marks its asyncio event loop as running in the thread that started it,
    from one call to the next (playwright/_impl/_greenlets.py, wait_for_future). While it is
    marked, Django refuses the ORM calls of every test in that thread (SynchronousOnlyOperation),
    browser test or not. So between browser tests the loop is unmarked (`park`), and marked again
    before the next one drives the browser (`resume`): starting Playwright and Chromium once
    instead of once per test saves about two seconds a test.
    """

    def __init__(self) -> None:
        self.playwright = sync_playwright().start()
        self.loop = asyncio.get_running_loop()
        self.browser = self._launch()

    def _launch(self) -> Browser:
        return self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

    def resume(self) -> Browser:
        asyncio._set_running_loop(self.loop)
        if not self.browser.is_connected():  # a crashed browser is not handed to the next test
            self.browser = self._launch()
        return self.browser

    def park(self) -> None:
        asyncio._set_running_loop(None)

    def stop(self) -> None:
        self.resume()
        self.browser.close()
        self.playwright.stop()
        asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def chromium() -> Iterator[_Chromium]:
    require_service(
        "Debian's Chromium",
        CHROMIUM.exists(),
        f"browser tests need {CHROMIUM}: run `make chromium` (or `apt-get install chromium`); "
        "they never use a browser downloaded by Playwright",
    )
    started = _Chromium()
    started.park()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def browser(chromium, monkeypatch) -> Iterator[Browser]:
    """The test process's Chromium, for one test (each person gets a fresh context: new_page).

    Django's ORM calls that fixtures and assertions make between browser steps are ordinary
    blocking calls, never inside a coroutine, so DJANGO_ALLOW_ASYNC_UNSAFE allows them while the
    loop is marked running. Both last one test only: set for the whole run, the variable would
    reach other tests' subprocesses (`manage.py check --deploy` warns about it).
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    browser = chromium.resume()
    try:
        yield browser
    finally:
        for context in browser.contexts:  # one a test opened itself and left open
            context.close()
        # ORM calls made while Playwright's loop was marked running used connections of that
        # loop's context; close them here (before the loop is unmarked), or they stay open and
        # block dropping the test database.
        connections.close_all()
        chromium.park()


class BrowserLog:
    """What one test's pages did: the paths opened, those axe checked, and browser errors."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.checked: set[str] = set()
        self.errors: list[str] = []

    def watch(self, page: Page) -> None:
        def on_navigation(frame) -> None:
            path = urlsplit(frame.url).path
            if frame == page.main_frame and path not in self.opened:
                self.opened.append(path)

        def on_console(message) -> None:
            if message.type == "error" and "Content Security Policy" in message.text:
                self.errors.append(f"{page.url}: {message.text}")

        page.on("framenavigated", on_navigation)
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))

    def problems(self) -> list[str]:
        unchecked = [path for path in self.opened if path not in self.checked]
        return [
            *(f"never checked with assert_accessible: {path}" for path in unchecked),
            *(f"browser error: {error}" for error in self.errors),
        ]


_logs: dict[Page, BrowserLog] = {}


@pytest.fixture
def new_page(
    request, browser, live_server, django_db_serialized_rollback
) -> Iterator[Callable[[], Page]]:
    """`new_page()` opens a page in a new browser context: one person, with their own cookies
    (and AXE_LOADER, so that checking a page does not send it axe-core each time).

    Browser tests run in transactions the live server can see, so the database is emptied after
    each; `django_db_serialized_rollback` puts back what the data migrations seeded (the consent
    text, the price list, the specialties) before each test.
    """
    log = BrowserLog()
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url, accept_downloads=True)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.add_init_script(AXE_LOADER)
        contexts.append(context)
        page = context.new_page()
        log.watch(page)
        _logs[page] = log
        return page

    yield open_page
    for context in contexts:
        for page in context.pages:
            _logs.pop(page, None)
        context.close()
    call = getattr(request.node, "report_call", None)
    if call is not None and call.passed and (problems := log.problems()):
        pytest.fail("\n".join(["The browser pages had problems:", *problems]), pytrace=False)


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is, every rule run on the whole document.

    axe-core is put into each document once: checking the same page again after a change on it
    reuses it. A page from new_page() has the loader (AXE_LOADER); any other gets the script sent.
    Only the violations come back from the page: axe's full results (also every rule that passed,
    did not apply or could not tell) come to some 60 kB on a case page, and carrying them back to
    Python took 50 to 80 ms of a check's 300 to 350 on this machine.
    """
    state = page.evaluate(
        """() => typeof window.axe?.run === 'function' ? 'ready'
            : typeof window.__secondOpinionLoadAxe === 'function' ? 'loader' : 'none'"""
    )
    if state == "loader":
        page.evaluate("() => window.__secondOpinionLoadAxe()")
    elif state == "none":
        page.evaluate(AXE_SCRIPT)
    return page.evaluate(
        "options => axe.run(document, options).then(results => results.violations)", AXE_OPTIONS
    )


def assert_accessible(page: Page) -> None:
    """Fail with a readable list when axe-core finds a serious or critical violation."""
    page.wait_for_load_state("load")
    violations = [
        violation
        for violation in axe_violations(page)
        if violation.get("impact") in BLOCKING_IMPACTS
    ]
    if page in _logs:
        _logs[page].checked.add(urlsplit(page.url).path)
    if violations:
        lines = [f"axe-core found accessibility problems on {page.url}:"]
        for violation in violations:
            lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
            for node in violation["nodes"][:5]:
                target = " ".join(str(part) for part in node.get("target", []))
                summary = " ".join(node.get("failureSummary", "").split())
                lines.append(f"    at {target}: {summary}")
            if len(violation["nodes"]) > 5:
                lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
        pytest.fail("\n".join(lines), pytrace=False)


def current_totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app shows now for `secret` (by default the tests' staff secret).

    allauth accepts only the current 30-second period (MFA_TOTP_TOLERANCE is 0 by default) and
    refuses a code already used in it. Near the end of a period this waits for the next one, so
    the code is still current when the server checks it. The same person signing in twice in
    one test would need the next period: let each staff member sign in once per test.
    """
    period = 30
    now = int(time.time()) // period
    if period - time.time() % period < TOTP_MARGIN_SECONDS:
        wait_for(
            lambda: int(time.time()) // period > now,
            timeout=TOTP_MARGIN_SECONDS + 1,
            interval=0.05,
            what="the next authenticator code period",
        )
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in(page: Page, email: str, *, totp: bool = False) -> None:
    """Sign in through the real pages; with `totp`, also enter the authenticator code."""
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        assert_accessible(page)
        page.get_by_label("Code", exact=True).fill(current_totp_code())
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Successfully signed in as")).to_be_visible()
    assert_accessible(page)


def tick(page: Page, label: str) -> None:
    """Choose a radio button or tick a checkbox by clicking its label, as a person does.

    The design system hides the real input off-screen and draws it on the label, so Playwright's
    check() on the input itself would wait for an element outside the viewport.
    """
    page.locator("label", has_text=label).click()
    expect(page.get_by_label(label)).to_be_checked()


# The real worker's emails -----------------------------------------------------------------------


def all_queued_emails_sent() -> bool:
    return not OutboundEmail.objects.filter(sent_at=None).exists()


class WorkerMailbox:
    """The emails the session's worker sent during one test."""

    # Django's file backend ends every message with this line; one file can hold several.
    SEPARATOR = "\n" + "-" * 79 + "\n"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.before = set(folder.glob("*.log"))

    def new_files(self) -> list[Path]:
        return sorted(set(self.folder.glob("*.log")) - self.before)

    def new_emails_to(self, address: str) -> list[EmailMessage]:
        """Each new message to `address`, parsed (headers and body decoded)."""
        messages = [
            message_from_string(text, policy=policy.default)
            for path in self.new_files()
            for text in path.read_text().split(self.SEPARATOR)
            if text.strip()
        ]
        return [message for message in messages if message["To"] == address]


@pytest.fixture
def worker_mailbox(celery_worker_process) -> Iterator[WorkerMailbox]:
    """The worker's mail folder, left as this test found it.

    The worker and its folder last the whole run, and other tests count the emails in it.
    """
    mailbox = WorkerMailbox(celery_worker_process.mail_dir)
    yield mailbox

    def all_sent() -> bool:
        celery_worker_process.check_alive()  # a dead worker sends nothing: say so at once
        return all_queued_emails_sent()

    wait_for(all_sent, timeout=30, what="the worker to send every queued email")
    for path in mailbox.new_files():
        path.unlink()
