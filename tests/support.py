"""Helpers every test may use: poll for a condition with a deadline, and ask for a service.

`require_service` (or the `needs_service` mark) is the one way a test says it needs clamd,
Chromium, nginx, redis-server, PostgreSQL, Redis or moto: without it the test is skipped locally,
saying what is missing and how to get it, and FAILS in CI (the `CI` environment variable is set;
.ci/run sets it), so a CI run never passes with tests that did not run.
"""

import os
import time
from collections.abc import Callable

import pytest

NEEDS_SERVICE = "needs_service"


def in_ci() -> bool:
    """Whether this is a CI run (CI=true, as CI systems and .ci/run set it)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def require_service(name: str, available: bool, how: str) -> None:
    """Go on when `available`; else skip the test locally, and fail it in CI.

    `name` is what is missing ("clamd", "PostgreSQL"), `how` says how to get it."""
    if available:
        return
    message = f"needs {name}, which is missing here: {how}"
    if in_ci():
        pytest.fail(f"{message} (in CI every test must run)", pytrace=False)
    # Reported at the test, like a skipif mark, not at this line.
    raise pytest.skip.Exception(message, _use_item_location=True)


def needs_service(name: str, available: bool, how: str) -> pytest.MarkDecorator:
    """A mark for a test or module: `require_service(name, available, how)` before it runs
    (tests/conftest.py's pytest_runtest_setup reads it)."""
    return getattr(pytest.mark, NEEDS_SERVICE)(name=name, available=available, how=how)


def wait_for[T](
    predicate: Callable[[], T],
    *,
    timeout: float = 30,
    interval: float = 0.2,
    what: str = "condition",
) -> T:
    """Poll until `predicate()` is truthy and return it; fail the test with `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
