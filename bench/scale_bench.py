"""The benchmarks on data at scale (bench/scale_data.py): page server time against a bare view,
SQL queries per page at 1x and 10x data with EXPLAINs, state change to email sent by a real
worker through Redis, and the case page's throughput under load on gunicorn.

Imported by bench/run.py once Django is set up on the benchmark database.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench import pages, scale_data
from tests.workers import start_worker

ROOT = Path(__file__).resolve().parent.parent
EXPLAIN_DIR = ROOT / "bench" / "explain"
PAGE_GOAL = 5.0  # a page's p95 at most this many times the bare view's p95
EMAIL_GOAL_S = 2.0
# The case page under load must serve at least what it served at 100,000 cases before the scale
# work (README, 2026-11-26: 40 requests/s on this machine).
LOAD_GOAL_RPS = float(os.environ.get("BENCH_LOAD_GOAL_RPS", "40"))


def latest_actors(kind: str = "") -> scale_data.Actors:
    """The newest batch's named actors: growing lists (""), or typical ones (TYPICAL)."""
    batches = scale_data.seeded_batches()
    if not batches:
        raise RuntimeError("No scale data in this database: run `manage.py seed_scale` first.")
    return scale_data.actors(max(batch for batch, _ in batches), kind)


SCALE_GOAL = 1.5  # a page's p95 on the large database at most this many times the small one's
SNAPSHOT_GOAL_S, SNAPSHOT_GOAL_MIB = 10.0, 300


def times_here(runs: int, progress=None) -> dict:
    """Every page's server time on this database (typical and heavy actors), with the case
    count: run in a subprocess for the small database."""
    ensure_snapshot()
    actors = latest_actors(scale_data.TYPICAL)
    heavy = latest_actors(scale_data.HEAVY)
    return {
        "cases": _case_count(),
        "load_average": round(os.getloadavg()[0], 2),
        "times": pages.server_times(actors, runs=runs, heavy=heavy, progress=progress),
    }


def _small_times(small_database_url: str, runs: int) -> dict:
    env = {**os.environ, "BENCH_DATABASE_URL": small_database_url, "BENCH_PAGE_RUNS": str(runs)}
    timed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "_times"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if timed.returncode:
        raise RuntimeError(f"Timing the pages on the small database failed:\n{timed.stderr}")
    return json.loads(timed.stdout.strip().splitlines()[-1])


def bench_pages(small_database_url: str) -> list[dict]:
    """Server time of every page (p50, p95, and each over the baseline's) at this database's
    size and at a tenth of it, and the large over the small: two goals per page, each printed
    met or not met."""
    runs = int(os.environ.get("BENCH_PAGE_RUNS", "200"))
    small = _small_times(small_database_url, runs)
    large = times_here(runs, progress=print)
    base_large = large["times"][pages.BASELINE.name]
    base_small = small["times"][pages.BASELINE.name]
    cases, cases_small = large["cases"], small["cases"]
    results = [
        {
            "name": f"server time: {pages.BASELINE.name}",
            "kind": "baseline",
            "cases": cases,
            **base_large,
            "small": base_small,
            "figure": f"p50 {base_large['p50_ms']} ms, p95 {base_large['p95_ms']} ms "
            f"({base_large['runs']} samples)",
            "goals": [],
            "goal": "baseline",
            "met": True,
        }
    ]
    for name, figures in large["times"].items():
        if name == pages.BASELINE.name:
            continue
        before = small["times"][name]
        ratio_p50 = round(figures["p50_ms"] / base_large["p50_ms"], 1)
        ratio_p95 = round(figures["p95_ms"] / base_large["p95_ms"], 1)
        growth = round(figures["p95_ms"] / before["p95_ms"], 2)
        goals = [
            {
                "goal": f"p95 <= {PAGE_GOAL:g}x baseline p95",
                "measured": f"{ratio_p95}x",
                "met": ratio_p95 <= PAGE_GOAL and figures["runs"] >= 200,
            },
            {
                "goal": f"p95 at {cases:,} <= {SCALE_GOAL:g}x p95 at {cases_small:,}",
                "measured": f"{growth}x",
                "met": growth <= SCALE_GOAL,
            },
        ]
        results.append(
            {
                "name": f"server time: {name}",
                "kind": "page",
                "page": name,
                "cases": cases,
                "cases_small": cases_small,
                **figures,
                "ratio_to_baseline_p50": ratio_p50,
                "ratio_to_baseline_p95": ratio_p95,
                "small": before,
                "large_over_small_p95": growth,
                "figure": f"p50 {figures['p50_ms']} ms ({ratio_p50}x), p95 {figures['p95_ms']} ms "
                f"({ratio_p95}x); {growth}x the {cases_small:,}-case time; {figures['runs']} runs",
                "goals": goals,
                "goal": " and ".join(goal["goal"] for goal in goals),
                "met": all(goal["met"] for goal in goals),
            }
        )
    results.append(_metrics_snapshot(cases))
    return results


def _metrics_snapshot(cases: int) -> dict:
    """The metrics snapshot the beat task refreshes: its time and peak memory, in a process of
    its own (so the peak is the refresh's alone)."""
    measured = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "_snapshot"],
        env=os.environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if measured.returncode:
        raise RuntimeError(f"The metrics snapshot failed:\n{measured.stderr}")
    figures = json.loads(measured.stdout.strip().splitlines()[-1])
    # The whole process's peak (Django and the app loaded, then the refresh): the refresh's own
    # growth alone can read 0 when it stays under what importing everything took.
    seconds, mib = figures["seconds"], figures["process_mib"]
    goals = [
        {"goal": f"<= {SNAPSHOT_GOAL_S:g} s", "measured": f"{seconds} s"}
        | {"met": seconds <= SNAPSHOT_GOAL_S},
        {"goal": f"<= {SNAPSHOT_GOAL_MIB} MiB (process peak)", "measured": f"{mib} MiB"}
        | {"met": mib <= SNAPSHOT_GOAL_MIB},
    ]
    return {
        "name": "metrics snapshot refresh (beat task)",
        "kind": "snapshot",
        "cases": cases,
        **figures,
        "figure": f"{seconds} s with {figures['steps_since_last']:,} new timeline steps, process "
        f"peak {mib} MiB (grew {figures['peak_mib']} MiB); the whole timeline taken in once (after "
        f"the migration): {figures['whole_timeline_seconds']} s",
        "goals": goals,
        "goal": " and ".join(goal["goal"] for goal in goals),
        "met": all(goal["met"] for goal in goals),
    }


# The refresh timed is the beat task's: as if this many timeline steps were written since the last
# refresh (about five days of steps at 100,000 cases a year; the beat runs every two minutes),
# besides the steps every refresh looks at again.
STEPS_SINCE_LAST_REFRESH = 10_000


def snapshot_here() -> dict:
    """The time to take in the whole timeline (what the first refresh after the step-time
    counts' migration does once), then one refresh of the metrics snapshot as the beat task
    runs it: its seconds and the process's peak memory growth."""
    import resource

    from django.db import transaction

    from backoffice import metrics
    from backoffice.models import MetricsSnapshot

    start = time.perf_counter()
    with transaction.atomic():  # every case's times (re)computed and counted once
        newest = metrics.take_in_timeline(after_event=0)
    whole = time.perf_counter() - start
    MetricsSnapshot.objects.update(events_through=max(newest - STEPS_SINCE_LAST_REFRESH, 0))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    metrics.refresh_snapshot()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": round(seconds, 2),
        "peak_mib": round((peak - before) / 1024, 1),
        "process_mib": round(peak / 1024, 1),
        "steps_since_last": STEPS_SINCE_LAST_REFRESH,
        "whole_timeline_seconds": round(whole, 1),
    }


def _case_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        return cursor.fetchone()[0]


def ensure_snapshot() -> None:
    """The metrics page shows the beat task's snapshot: make sure there is one to show."""
    from backoffice.models import MetricsSnapshot

    if not MetricsSnapshot.objects.exists():
        from backoffice import metrics

        metrics.refresh_snapshot()


def counts_here() -> dict:
    """Query counts per page on this database (run in a subprocess for the 1x database)."""
    ensure_snapshot()
    return {"cases": _case_count(), "counts": pages.query_counts(latest_actors())}


def bench_query_counts(small_database_url: str) -> dict:
    """SQL queries per page on the 1x database (a subprocess) and on this one (10x), equal when
    no page runs a query per row; and EXPLAIN (ANALYZE, BUFFERS) of each page's slowest ones."""
    env = {**os.environ, "BENCH_DATABASE_URL": small_database_url}
    counted = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "_counts"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if counted.returncode:
        raise RuntimeError(f"Counting queries on the 1x database failed:\n{counted.stderr}")
    small = json.loads(counted.stdout.strip().splitlines()[-1])
    ensure_snapshot()
    actors = latest_actors()
    captured = pages.queries_per_page(actors)
    large = {name: len(pages.statements(queries)) for name, queries in captured.items()}
    explained = write_explains(captured)
    differ = [name for name in large if large[name] != small["counts"].get(name)]
    over = [name for name in large if large[name] > pages.MAX_QUERIES]
    per_page = ", ".join(f"{name} {small['counts'][name]}/{large[name]}" for name in large)
    goals = [
        {"goal": "equal at 1x and 10x", "measured": f"{len(differ)} differ: {differ}"}
        | {"met": not differ},
        {"goal": f"<= {pages.MAX_QUERIES} on every page", "measured": f"over: {over}"}
        | {"met": not over},
    ]
    return {
        "name": "SQL queries per page at 1x and 10x data",
        "kind": "queries",
        "cases_1x": small["cases"],
        "cases_10x": _case_count(),
        "counts_1x": small["counts"],
        "counts_10x": large,
        "explain_files": explained,
        "figure": per_page,
        "goals": goals,
        "goal": " and ".join(goal["goal"] for goal in goals),
        "met": not differ and not over,
        "differ": differ,
    }


def write_explains(captured: dict[str, list[dict]], top: int = 3) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each page's `top` slowest SELECTs into bench/explain/."""
    if connection.vendor != "postgresql":
        return []
    EXPLAIN_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name, queries in captured.items():
        selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
        slowest = sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:top]
        parts = [f"# {name}: {len(queries)} queries; the {len(slowest)} slowest SELECTs\n"]
        with connection.cursor() as cursor:
            for query in slowest:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                parts.append(f"## {float(query['time']) * 1000:.1f} ms\n{query['sql']}\n\n{plan}\n")
        path = EXPLAIN_DIR / (name.replace(" ", "-").replace("(", "").replace(")", "") + ".txt")
        path.write_text("\n".join(parts))
        written.append(str(path.relative_to(ROOT)))
    return written


# State change to email sent ------------------------------------------------------------------


def bench_email() -> dict:
    """A coordinator cancels a submitted case (cases.services.cancel_case: the state change, the
    audit event and the patient's notification in one transaction, the email enqueued on
    commit); timed until a real worker, through Redis, has sent the email and marked the outbox
    row sent. p95 over BENCH_EMAIL_RUNS cases."""
    from cases import services
    from cases.models import Case, Status
    from secondopinion.notifications.models import OutboundEmail

    if not settings.REDIS_URL:
        raise RuntimeError("The email benchmark needs Redis (REDIS_URL).")
    actors = latest_actors()
    runs = int(os.environ.get("BENCH_EMAIL_RUNS", "30"))
    cases = list(Case.objects.filter(status=Status.SUBMITTED).order_by("pk")[: runs + 2])
    mail_dir = Path(settings.VAR_DIR) / "bench-mail"
    # The tests' worker (tests/workers.py), quiet: on this database and broker (the environment).
    worker = start_worker(
        env={"LOG_LEVEL": "WARNING"}, mail_dir=mail_dir, loglevel="WARNING", heartbeat=False
    )
    seconds = []
    try:
        for n, case in enumerate(cases):
            latest = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first()
            start = time.perf_counter()
            services.cancel_case(case=case, by=actors.coordinator, reason="Benchmark")
            email = OutboundEmail.objects.filter(pk__gt=latest or 0, user=case.owner)
            deadline = start + 30
            while not email.filter(sent_at__isnull=False).exists():
                if time.perf_counter() > deadline:
                    raise RuntimeError("No email sent within 30 s: is the worker running?")
                time.sleep(0.005)
            if n >= 2:  # the first two warm the worker up
                seconds.append(time.perf_counter() - start)
    finally:
        worker.stop()
    p50, p95 = sorted(seconds)[len(seconds) // 2], pages.p95(seconds)
    return {
        "name": "state change to email sent (real worker, Redis)",
        "runs": len(seconds),
        "p50_ms": round(p50 * 1000),
        "p95_ms": round(p95 * 1000),
        "figure": f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms",
        "goal": f"p95<={EMAIL_GOAL_S:g}s",
        "met": p95 <= EMAIL_GOAL_S,
    }


# The case page under load --------------------------------------------------------------------


def bench_load(gunicorn, free_port, connect) -> dict:
    """gunicorn with two workers (this machine's two cores) serving the case page to a signed-in
    patient; a thread-per-connection client (no wrk, ab or hey here) keeps BENCH_LOAD_CONCURRENCY
    keep-alive connections busy for BENCH_LOAD_SECONDS. The client shares the two cores."""
    import http.client

    from django.test import Client

    actors = latest_actors(scale_data.TYPICAL)
    client = Client()
    client.force_login(actors.patient)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    path = f"/cases/{actors.case.reference}/"
    concurrency = int(os.environ.get("BENCH_LOAD_CONCURRENCY", "8"))
    duration = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
    port = free_port()
    server = gunicorn("secondopinion.wsgi:application", port, workers=2)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        connect(port).close()
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(10):
            warm.request("GET", path, headers={"Cookie": cookie})
            reply = warm.getresponse()
            reply.read()
            assert reply.status == 200, reply.status
        warm.close()
        stop = time.perf_counter() + duration

        def user() -> None:
            mine, connection_ = [], http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.perf_counter() < stop:
                start = time.perf_counter()
                connection_.request("GET", path, headers={"Cookie": cookie})
                reply = connection_.getresponse()
                reply.read()
                if reply.status != 200:
                    with lock:
                        errors.append(str(reply.status))
                mine.append(time.perf_counter() - start)
            connection_.close()
            with lock:
                latencies.extend(mine)

        started = time.perf_counter()
        threads = [threading.Thread(target=user) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    rate = len(latencies) / elapsed
    p95 = pages.p95(latencies) * 1000
    p50 = sorted(latencies)[len(latencies) // 2] * 1000
    return {
        "name": "case page under load (gunicorn, 2 workers)",
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_s": round(rate, 1),
        "p50_ms": round(p50, 1),
        "p95_ms": round(p95, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "figure": f"{rate:.0f} req/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, {len(errors)} errors",
        "goals": [
            {
                "goal": f">= {LOAD_GOAL_RPS:g} req/s (the 100,000-case figure before this work)",
                "measured": f"{rate:.0f} req/s",
                "met": rate >= LOAD_GOAL_RPS and not errors,
            }
        ],
        "goal": f">={LOAD_GOAL_RPS:g} req/s",
        "met": rate >= LOAD_GOAL_RPS and not errors,
    }


def purge_queue() -> None:
    """Drop what the benchmarks left in their private broker queue (uploads' scan tasks)."""
    from secondopinion.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
