"""The workspace's autosave benchmark (issue 18): no keystroke older than 5 s is lost when the
browser is killed. Debian's Chromium (Playwright, the browser tests' flags) against gunicorn
serving the app as deployed (bench/viewer_bench.py's server).

Each run opens the workspace of its own case in a new browser context, types into "Reasoning"
one character every 100 ms for a random 6 to 12 s, then kills the browser's network at once
(every request from then on is aborted, so no page-hide save gets out) and closes the context.
The server's draft is then read: every keystroke it lacks is lost, and the figure is the age, at
the kill, of the oldest lost keystroke (0 when none is lost). Goal: at most 5 s on every run.

Prints each run and the goal met / not met, and merges them into bench/results.json under
"autosave". Data: SQLite and media under var/bench/autosave/ made afresh.
`python bench/autosave_bench.py` (BENCH_AUTOSAVE_RUNS, default 10).
"""

import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.viewer_bench import CHROMIUM, CHROMIUM_ARGS, _free_port, _serve  # noqa: E402

VAR = ROOT / "var" / "bench" / "autosave"
RUNS = int(os.environ.get("BENCH_AUTOSAVE_RUNS", "10"))
GOAL_S = 5.0
KEY_INTERVAL_S = 0.1
TEXT = "The margins on slide four are clear at four millimetres and the node is negative. " * 4


def _environment() -> dict[str, str]:
    if VAR.exists():
        shutil.rmtree(VAR)
    VAR.mkdir(parents=True)
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{VAR / 'autosave.sqlite3'}",
        "MEDIA_ROOT": str(VAR / "media"),
        "DJANGO_SETTINGS_MODULE": "secondopinion.settings",
        "LOG_LEVEL": "WARNING",
        "CLAMD_SOCKET": "",
    }


def _seed() -> tuple[dict, list]:
    """RUNS cases in review by one specialist (with an authenticator, so the staff MFA policy
    lets the session in), and that specialist's session cookie."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from cases.models import Status
    from secondopinion.accounts.models import Role
    from tests.factories import SpecialistFactory, UserFactory, case_in_state

    call_command("migrate", verbosity=0)
    specialist = SpecialistFactory(user__email="autosave-bench@example.org")
    coordinator = UserFactory(email="autosave-cora@example.org", role=Role.COORDINATOR)
    cases = [
        case_in_state(
            Status.IN_REVIEW,
            owner=UserFactory(),
            specialist=specialist,
            coordinator=coordinator,
        )
        for _ in range(RUNS)
    ]
    client = Client()
    client.force_login(specialist.user)
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }
    return cookie, cases


def _saved_reasoning(case) -> str:
    from review.models import OpinionDraft

    draft = OpinionDraft.objects.filter(case=case).first()
    return (draft.data or {}).get("reasoning", "") if draft else ""


def _run(browser, base: str, cookie: dict, case) -> dict:
    context = browser.new_context(base_url=base)
    context.add_cookies([{**cookie, "url": base}])
    page = context.new_page()
    page.goto(f"/cases/{case.reference}/workspace/")
    field = page.get_by_label("Reasoning")
    field.click()
    typing_for = random.uniform(6, 12)
    typed_at: list[float] = []
    started = time.monotonic()
    for character in TEXT:
        if time.monotonic() - started > typing_for:
            break
        page.keyboard.type(character)
        typed_at.append(time.monotonic())
        time.sleep(max(0.0, KEY_INTERVAL_S - (time.monotonic() - typed_at[-1])))
    # The kill: nothing leaves the browser from now on.
    context.route("**/*", lambda route: route.abort())
    killed_at = time.monotonic()
    context.close()
    saved = _saved_reasoning(case)
    typed = TEXT[: len(typed_at)]
    assert typed.startswith(saved), "the draft holds text that was not typed"
    lost = len(typed) - len(saved)
    oldest_lost_age = killed_at - typed_at[len(saved)] if lost else 0.0
    return {
        "typed": len(typed),
        "lost": lost,
        "oldest_lost_age_s": round(oldest_lost_age, 3),
        "typing_s": round(typed_at[-1] - typed_at[0], 2),
    }


def main() -> None:
    env = _environment()
    os.environ.update(env)
    cookie, cases = _seed()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = _serve(env, port)
    # The draft is read between browser steps while Playwright's loop runs in this thread (as
    # in the browser tests); set after the server started, so gunicorn does not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    base = f"http://127.0.0.1:{port}"
    runs = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for number, case in enumerate(cases, start=1):
                run = _run(browser, base, cookie, case)
                runs.append(run)
                print(
                    f"run {number}: typed {run['typed']} keys over {run['typing_s']} s, "
                    f"lost {run['lost']}, oldest lost {run['oldest_lost_age_s']} s old"
                )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    worst = max(run["oldest_lost_age_s"] for run in runs)
    met = worst <= GOAL_S
    print(
        f"oldest keystroke lost at the kill: worst {worst} s, goal ≤ {GOAL_S} s: "
        f"{'met' if met else 'NOT met'}"
    )
    path = ROOT / "bench" / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    if isinstance(data, list):
        data = {"results": data}
    data["autosave"] = {
        "run": {
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
            "chromium": CHROMIUM,
        },
        "results": [
            {
                "name": "autosave: oldest keystroke lost when the browser is killed",
                "figure": worst,
                "runs": runs,
                "goals": {"max_s": GOAL_S},
                "met": met,
            }
        ],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
