"""The record viewers' benchmark (issue 18): Debian's Chromium (Playwright, the browser tests'
flags, never a downloaded browser) against gunicorn serving the app as deployed (2 workers with
4 threads each, static files through WhiteNoise).

- A 40-slice CT series (bench/viewer_data.py: pydicom, 512×512, 16-bit): the first slice drawn
  at most 1 s after the click that opens it; then scrolling through all 40 slices, from the first
  slice drawn to the 40th drawn having drawn each in turn (so waiting for any still loading), at
  most 3 s.
- A 100-page PDF (WeasyPrint): the first page drawn at most 1 s after the click.

Each is measured RUNS times (after one run that warms the server up and is not counted), each
time in a new browser context (an empty cache, a new session); the goal is judged on the slowest
run. Prints every figure and each goal met / not met, and
merges them into bench/results.json under "viewer" (the other benchmarks' figures are kept).

Data: a SQLite database and a media folder under var/bench/viewer/ made afresh each run (set
BENCH_VIEWER_DATABASE_URL for another database). `python bench/viewer_bench.py`.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR = ROOT / "var" / "bench" / "viewer"
RUNS = int(os.environ.get("BENCH_VIEWER_RUNS", "5"))
SLICES = 40
PDF_PAGES = 100
GOALS_S = {"first_slice": 1.0, "scroll": 3.0, "pdf_first_page": 1.0}
CHROMIUM = "/usr/bin/chromium"
# The browser tests' flags (tests/browser/conftest.py, README).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _environment() -> dict[str, str]:
    if VAR.exists():
        shutil.rmtree(VAR)
    VAR.mkdir(parents=True)
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get(
            "BENCH_VIEWER_DATABASE_URL", f"sqlite:///{VAR / 'viewer.sqlite3'}"
        ),
        "MEDIA_ROOT": str(VAR / "media"),
        "DJANGO_SETTINGS_MODULE": "secondopinion.settings",
        "LOG_LEVEL": "WARNING",
        "CLAMD_SOCKET": "",  # no scanner: files are "not scanned" (shown so), as in `make run`
    }


def _seed() -> dict:
    """A patient's case with the CT series and the PDF, read as after an upload; and a signed-in
    session for the patient (the viewer is the same for every reader; a patient signs in without
    the staff's second factor)."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from bench.viewer_data import ct_series, long_pdf
    from records import services
    from tests.factories import UserFactory, complete_draft

    call_command("migrate", verbosity=0)
    patient = UserFactory(email="viewer-bench@example.org", full_name="Viewer Bench")
    case = complete_draft(patient)

    def add(name: str, content: bytes):
        upload = SimpleUploadedFile(name, content, "application/octet-stream")
        record = services.add_record(case=case, by=patient, upload=upload)
        return services.read_record(record_id=record.pk)

    started = time.perf_counter()
    slices = [add(f"CT{n:03}.dcm", data) for n, data in enumerate(ct_series(SLICES), start=1)]
    pdf = add("report-100-pages.pdf", long_pdf(PDF_PAGES))
    print(
        f"data: {SLICES} slices and a {PDF_PAGES}-page PDF in {time.perf_counter() - started:.0f} s"
    )
    client = Client()
    client.force_login(patient)
    return {
        "cookie": {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        },
        "ct": f"/records/{slices[0].pk}/view/",
        "pdf": f"/records/{pdf.pk}/view/",
        "case": f"/cases/{case.reference}/",
        "ct_bytes": sum(record.size for record in slices),
        "pdf_bytes": pdf.size,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "secondopinion.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--threads=4",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the app logs each request: not the bench's output
    )
    import urllib.request

    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise RuntimeError("gunicorn did not answer /healthz") from None
            time.sleep(0.1)


# Clicks a link to `url` from a page of ours and answers the epoch (ms) of the click.
CLICK = """(url) => {
  const link = document.createElement("a");
  link.href = url;
  link.textContent = "Open";
  document.body.prepend(link);
  const clickedAt = Date.now();
  link.click();
  return clickedAt;
}"""
# From the first slice drawn: once the series is in, to slice 1, then forward to the last, each
# drawn in turn. Answers the epoch (ms) at which the last was drawn, its
# number and the number of slices in the series.
SCROLL_ALL = """async (count) => {
  const viewer = window.soDicomViewer;
  const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
  const pause = () => new Promise((done) => setTimeout(done, 5));
  const deadline = performance.now() + 60000;
  // Slices still arriving are put in place by position, so the order settles only once all are
  // in: wait for that (it counts), go to the first, then draw each in turn to the last.
  while (!viewer.loaded && performance.now() < deadline) await pause();
  while (viewer.sliceIndex() > 0 && performance.now() < deadline) { viewer.scroll(-1); await frame(); }
  let index = viewer.sliceIndex();
  while (index < count - 1 && performance.now() < deadline) {
    viewer.scroll(1);
    const now = viewer.sliceIndex();
    if (now > index) { index = now; await frame(); } else { await pause(); }
  }
  if (index < count - 1) throw new Error(`stopped at slice ${index + 1} of ${viewer.sliceCount()}`);
  return [performance.timeOrigin + performance.now(), index + 1, viewer.sliceCount()];
}"""


def _epoch(page, mark: str, timeout: float = 60) -> float:
    """The epoch (ms) at which the viewer set timing `mark`. Polled from here: Playwright's
    wait_for_function evaluates a string in the page, which the CSP forbids. The figure is the
    page's own timestamp, so the polling interval adds nothing to it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(
                "(mark) => window.soViewerTimings && window.soViewerTimings[mark] !== undefined"
                " ? performance.timeOrigin + window.soViewerTimings[mark] : null",
                mark,
            )
        except PlaywrightError:  # the page is still navigating to the viewer
            value = None
        if value is not None:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"the viewer never set {mark}")


def _measure(browser, base: str, seed: dict) -> dict:
    context = browser.new_context(base_url=base)
    context.add_cookies([{**seed["cookie"], "url": base}])
    page = context.new_page()
    page.goto(seed["case"])
    clicked = page.evaluate(CLICK, seed["ct"])
    first_slice = _epoch(page, "dicomFirstSliceDrawn")
    last_drawn, last_index, count = page.evaluate(SCROLL_ALL, SLICES)
    assert (last_index, count) == (SLICES, SLICES), (last_index, count)
    loaded = _epoch(page, "dicomSeriesLoaded")
    page.goto(seed["case"])
    clicked_pdf = page.evaluate(CLICK, seed["pdf"])
    first_page = _epoch(page, "pdfFirstPageDrawn")
    context.close()
    return {
        "first_slice": (first_slice - clicked) / 1000,
        "series_loaded": (loaded - clicked) / 1000,
        "scroll": (last_drawn - first_slice) / 1000,
        "pdf_first_page": (first_page - clicked_pdf) / 1000,
    }


def _result(runs: list[dict], seed: dict) -> dict:
    def worst(key: str) -> float:
        return round(max(run[key] for run in runs), 3)

    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    goals = [
        {
            "goal": f"CT series ({SLICES} slices, 512×512, 16-bit): first slice drawn ≤ {GOALS_S['first_slice']} s after the click",
            "measured": f"worst {worst('first_slice')} s, median {median('first_slice')} s",
            "met": worst("first_slice") <= GOALS_S["first_slice"],
        },
        {
            "goal": f"scrolling through all {SLICES} slices ≤ {GOALS_S['scroll']} s (from the first slice drawn)",
            "measured": f"worst {worst('scroll')} s, median {median('scroll')} s",
            "met": worst("scroll") <= GOALS_S["scroll"],
        },
        {
            "goal": f"{PDF_PAGES}-page PDF: first page drawn ≤ {GOALS_S['pdf_first_page']} s after the click",
            "measured": f"worst {worst('pdf_first_page')} s, median {median('pdf_first_page')} s",
            "met": worst("pdf_first_page") <= GOALS_S["pdf_first_page"],
        },
    ]
    return {
        "name": "record viewers (Chromium, gunicorn 2×4)",
        "figure": f"{RUNS} runs, new context each: first slice {median('first_slice')} s, "
        f"series of {seed['ct_bytes'] / 2**20:.0f} MiB loaded {median('series_loaded')} s, "
        f"scroll {median('scroll')} s, PDF ({seed['pdf_bytes'] / 2**20:.1f} MiB) first page "
        f"{median('pdf_first_page')} s (medians)",
        "runs": [{key: round(value, 3) for key, value in run.items()} for run in runs],
        "goals": goals,
        "met": all(goal["met"] for goal in goals),
    }


def main() -> None:
    env = _environment()
    os.environ.update(env)
    seed = _seed()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = _serve(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # One run first, not counted: each gunicorn worker's first requests import and
            # compile what the rest reuse (a deployed server has done so long before).
            _measure(browser, base, seed)
            runs = [_measure(browser, base, seed) for _ in range(RUNS)]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = _result(runs, seed)
    print(result["name"], "-", result["figure"])
    for goal in result["goals"]:
        print(f"  goal {goal['goal']}: {'met' if goal['met'] else 'not met'} ({goal['measured']})")
    path = ROOT / "bench" / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    if isinstance(data, list):  # results.json before runs were recorded
        data = {"results": data}
    data["viewer"] = {
        "run": {
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average": round(os.getloadavg()[0], 2),
            "cpus": os.cpu_count(),
            "chromium": CHROMIUM,
        },
        "results": [result],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
