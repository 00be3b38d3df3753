"""Benchmarks (`make bench`): figures as ratios against a baseline measured in the same run.

Not tests: nothing here passes or fails the build. Results are printed as a table and written to
bench/results.json. Data lives in databases of its own on the PostgreSQL server of DATABASE_URL
(else 127.0.0.1:5432): secondopinion_bench with BENCH_CASES cases (100,000) and
secondopinion_bench_small with a tenth of them, for the query counts at 1x and 10x data; each is
created, migrated and seeded (`manage.py seed_scale`) when missing. BENCH_DATABASE_URL and
BENCH_SMALL_DATABASE_URL name others. Tasks go through Redis (REDIS_URL, else 127.0.0.1:6379)
on a queue of the run's own.
"""

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_VAR = ROOT / "var" / "bench"
CASES = int(os.environ.get("BENCH_CASES", "100000"))


def _server() -> str:
    """The PostgreSQL server of DATABASE_URL (without its database name), else the local one."""
    url = os.environ.get("DATABASE_URL", "")
    scheme, _, rest = url.partition("://")
    if scheme in ("postgres", "postgresql", "pgsql"):
        return "postgres://" + rest.split("?")[0].rsplit("/", 1)[0]
    return "postgres://postgres@127.0.0.1:5432"


DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"{_server()}/secondopinion_bench")
SMALL_DATABASE_URL = os.environ.get(
    "BENCH_SMALL_DATABASE_URL", f"{_server()}/secondopinion_bench_small"
)


def _create_database(url: str) -> None:
    """CREATE DATABASE unless it exists; say plainly when there is no PostgreSQL to ask."""
    import psycopg

    server, name = url.split("?")[0].rsplit("/", 1)
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(
            f"The benchmarks need PostgreSQL (tried {server}: {error}). Start it, or set "
            "DATABASE_URL (or BENCH_DATABASE_URL) to a server where databases can be created."
        )


def _seed(url: str, cases: int) -> None:
    """Migrate and seed a benchmark database in a process of its own (idempotent)."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    for command in (["migrate", "--no-input", "-v0"], ["seed_scale", f"--cases={cases}"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


SUBPROCESS_MODES = ("_counts", "_times", "_snapshot")  # run.py calling itself on one database
if __name__ == "__main__" and sys.argv[1:2] not in [[mode] for mode in SUBPROCESS_MODES]:
    for url, cases in ((SMALL_DATABASE_URL, CASES // 10), (DATABASE_URL, CASES)):
        _create_database(url)
        _seed(url, cases)

os.environ["VAR_DIR"] = str(BENCH_VAR)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CELERY_QUEUE", f"secondopinion-bench-{uuid.uuid4().hex[:12]}")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("LOG_LEVEL", "WARNING")

import io  # noqa: E402

import django  # noqa: E402
from pypdf import PdfReader  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import scale_bench  # noqa: E402
from cases.models import Case, Status  # noqa: E402
from cases.state import seeding_case_states  # noqa: E402
from review import reports  # noqa: E402
from review.models import Opinion  # noqa: E402
from secondopinion.accounts.models import Role, User  # noqa: E402
from specialists.models import Specialist  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TUS_BYTES = int(os.environ.get("BENCH_TUS_BYTES", str(2 * 1024**3)))
PARAGRAPH = (
    "The biopsy slides were reviewed at high power. The margins show ductal carcinoma in situ "
    "without stromal invasion; the myoepithelial layer is intact on immunohistochemistry. "
    "Imaging correlates with a 14 mm area of calcification in the upper outer quadrant. "
)


def _ten_page_opinion() -> Opinion:
    owner, _ = User.objects.get_or_create(email="bench-patient@example.org", role=Role.PATIENT)
    user, _ = User.objects.get_or_create(email="bench-specialist@example.org", role=Role.SPECIALIST)
    specialist, _ = Specialist.objects.get_or_create(user=user)  # assigned directly: no offer
    case = Case.objects.create(
        owner=owner,
        title="Benchmark case",
        diagnosis="Stage II ductal carcinoma",
        treating_doctor="Dr Brown",
        question="Is surgery needed before chemotherapy?",
        specialist=specialist,
    )
    with seeding_case_states():  # the benchmark's case, put straight into the state it times
        Case.objects.filter(pk=case.pk).update(status=Status.OPINION_SUBMITTED)
    long_text = "\n\n".join(PARAGRAPH * 3 for _ in range(24))
    return Opinion.objects.create(
        case=case,
        author=specialist,
        relation=Opinion.Relation.REFINE,
        diagnosis="Ductal carcinoma in situ",
        reasoning=long_text,
        recommendations=long_text[: len(long_text) // 2],
        plain_summary="The cancer has not spread into nearby tissue.",
        attested=True,
        revision=0,
        submitted_at=timezone.now(),
    )


def bench_report_pdf() -> dict:
    """The report task (load, template, WeasyPrint, storage, row) against WeasyPrint alone."""
    opinion = _ten_page_opinion()
    html = reports.report_html(opinion, generated_at=timezone.now(), version=1)
    reports.render_pdf(html)  # warm-up: fonts and WeasyPrint's caches
    bare, task, pages = [], [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        pdf = reports.render_pdf(html)
        bare.append(time.perf_counter() - start)
        Opinion.objects.filter(pk=opinion.pk).update(revision=F("revision") + 1)
        opinion.refresh_from_db()
        start = time.perf_counter()
        report = reports.render_report(opinion_id=opinion.pk, revision=opinion.revision)
        task.append(time.perf_counter() - start)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert len(PdfReader(report.file.open("rb")).pages) == pages
    ratio = statistics.median(task) / statistics.median(bare)
    return {
        "name": "PDF report task vs bare WeasyPrint (same HTML)",
        "pages": pages,
        "runs": RUNS,
        "bare_median_s": round(statistics.median(bare), 3),
        "task_median_s": round(statistics.median(task), 3),
        "ratio": round(ratio, 3),
        "goal": "<= 1.2",
        "met": ratio <= 1.2,
    }


def _serve_sink(port_queue, total: int) -> None:
    """A raw loopback sink: accept one connection, read `total` bytes, discard them, say OK."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server:
        port_queue.put(server.getsockname()[1])
        connection, _ = server.accept()
        with connection:
            buffer = bytearray(1024 * 1024)
            received = 0
            while received < total:
                count = connection.recv_into(buffer)
                if not count:
                    break
                received += count
            connection.sendall(b"OK")


def _payload(total: int, tag: str):
    """`total` bytes of text (a unique first line, then a repeated block), 1 MiB at a time, from
    one buffer: the client never holds the file."""
    block = (b"Haemoglobin 13.1 g/dL; platelets 250 x10^9/L; creatinine 80 umol/L.\n" * 15500)[
        : 1024 * 1024
    ]
    first = (f"Bench upload {tag}\n".encode() + block)[: 1024 * 1024]
    sent = 0
    while sent < total:
        piece = memoryview(first if sent == 0 else block)[: min(len(block), total - sent)]
        sent += len(piece)
        yield piece


def discarding_wsgi_app(environ, start_response):
    """A bare WSGI app that reads a request body 1 MiB at a time and drops it: what gunicorn alone
    can take in, the ceiling for any upload view behind it."""
    stream, remaining = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
    while remaining > 0 and (piece := stream.read(min(1024 * 1024, remaining))):
        remaining -= len(piece)
    start_response("204 No Content", [])
    return [b""]


def _gunicorn(app: str, port: int, *, chdir: Path = ROOT, workers: int = 1):
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            app,
            f"--chdir={chdir}",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=600",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _connect(port: int):
    import http.client

    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return connection
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def bench_tus_upload() -> dict:
    """2 GiB through the tus endpoint of a gunicorn worker (streamed to disk, SHA-256, type
    check, stored) against the same bytes sent to a raw loopback sink; the worker's peak RSS."""
    import multiprocessing
    import socket
    import uuid

    from django.conf import settings
    from django.test import Client

    from records.models import RecordFile, Upload

    owner, _ = User.objects.get_or_create(email="bench-patient@example.org", role=Role.PATIENT)
    case = Case.objects.create(
        owner=owner,
        title="Benchmark upload",
        diagnosis="-",
        treating_doctor="-",
        question="-",
    )
    client = Client()
    client.force_login(owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = uuid.uuid4().hex
    headers = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
        "Tus-Resumable": "1.0.0",
    }

    # The baseline: the same bytes into a raw socket that discards them.
    ports = multiprocessing.Queue()
    sink = multiprocessing.Process(target=_serve_sink, args=(ports, TUS_BYTES))
    sink.start()
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", ports.get(timeout=10))) as connection:
        for piece in _payload(TUS_BYTES, "sink"):
            connection.sendall(piece)
        assert connection.recv(2) == b"OK"
    sink_seconds = time.perf_counter() - start
    sink.join(10)

    # Two ceilings, for reading the figures: gunicorn alone, and the disk the upload lands on.
    port = _free_port()
    bare = _gunicorn("run:discarding_wsgi_app", port, chdir=ROOT / "bench")
    try:
        connection = _connect(port)
        start = time.perf_counter()
        connection.request(
            "PATCH",
            "/",
            body=_payload(TUS_BYTES, "bare"),
            headers={"Content-Length": str(TUS_BYTES)},
        )
        connection.getresponse().read()
        bare_seconds = time.perf_counter() - start
    finally:
        bare.terminate()
        bare.wait(30)
    Path(settings.RECORD_UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
    disk_file = Path(settings.RECORD_UPLOAD_DIR) / "bench-disk-write"
    start = time.perf_counter()
    with disk_file.open("wb") as disk:
        for piece in _payload(TUS_BYTES, "disk"):
            disk.write(piece)
    disk_seconds = time.perf_counter() - start
    disk_file.unlink()

    port = _free_port()
    server = _gunicorn("secondopinion.wsgi:application", port)
    try:
        connection = _connect(port)
        worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
        connection.request(
            "POST",
            f"/records/case/{case.reference}/uploads/",
            headers={**headers, "Upload-Length": str(TUS_BYTES)},
        )
        created = connection.getresponse()
        created.read()
        assert created.status == 201, created.status
        location = created.getheader("Location")
        rss_before = _rss_kib(worker, "VmRSS")
        chunk = settings.RECORD_UPLOAD_CHUNK_BYTES
        pieces = _payload(TUS_BYTES, uuid.uuid4().hex)
        start = time.perf_counter()
        for offset in range(0, TUS_BYTES, chunk):
            length = min(chunk, TUS_BYTES - offset)
            body = (next(pieces) for _ in range(-(-length // (1024 * 1024))))
            connection.request(
                "PATCH",
                location,
                body=body,
                headers={
                    **headers,
                    "Upload-Offset": str(offset),
                    "Content-Length": str(length),
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            reply = connection.getresponse()
            message = reply.read()
            assert reply.status == 204, (reply.status, message)
        tus_seconds = time.perf_counter() - start
        peak = _rss_kib(worker, "VmHWM")
    finally:
        server.terminate()
        server.wait(30)
    upload = Upload.objects.get(pk=location.rstrip("/").rsplit("/", 1)[-1])
    record = RecordFile.objects.get(pk=upload.record_id)
    assert record.size == TUS_BYTES
    record.file.delete(save=False)  # 2 GiB a run is not worth keeping
    record.delete()
    growth_mib = (peak - rss_before) / 1024
    ratio = sink_seconds / tus_seconds
    mib = TUS_BYTES / 1024**2
    return {
        "name": f"tus upload of {TUS_BYTES / 1024**3:g} GiB vs raw loopback sink",
        "sink_mib_s": round(mib / sink_seconds),
        "bare_gunicorn_mib_s": round(mib / bare_seconds),
        "disk_write_mib_s": round(mib / disk_seconds),
        "tus_mib_s": round(mib / tus_seconds),
        "throughput_ratio": round(ratio, 3),
        "server_rss_growth_mib": round(growth_mib, 1),
        "figure": f"{ratio:.0%} of sink ({bare_seconds / tus_seconds:.0%} of bare gunicorn), "
        f"RSS +{growth_mib:.0f} MiB",
        "goal": ">=50%, <100MiB",
        "met": ratio >= 0.5 and growth_mib < 100,
    }


def bench_matching() -> dict:
    """Ranking one case among 10,000 specialists (licences, affiliations, declared ties, workload),
    conflict screening included, against a bare fetch of as many specialists as the shortlist
    holds: the floor any ranking pays for reading its candidates. Two cases: a crowded one (the
    goal's case) and a typical one. Also timed: the matching page's ranking of the crowded case,
    which adds who the database left out and why."""
    from bench.matching_data import SPECIALISTS, matching_case, seed_specialists
    from specialists.candidates import SHORTLIST_SIZE
    from specialists.matching import rank_specialists_for

    seed_specialists()
    crowded, typical = matching_case("crowded"), matching_case("typical")
    for case in (crowded, typical):  # warm-up: the database's caches and query plans
        rank_specialists_for(case, explain=True)
    runs = int(os.environ.get("BENCH_MATCHING_RUNS", "200"))
    times: dict[str, list[float]] = {"ranked": [], "typical": [], "page": [], "bare": []}
    for _ in range(runs):
        for name, rank in (
            ("ranked", lambda: rank_specialists_for(crowded)),
            ("typical", lambda: rank_specialists_for(typical)),
            ("page", lambda: rank_specialists_for(crowded, explain=True)),
            (
                "bare",
                lambda: list(
                    Specialist.objects.select_related("user").order_by("pk")[:SHORTLIST_SIZE]
                ),
            ),
        ):
            start = time.perf_counter()
            result = rank()
            times[name].append(time.perf_counter() - start)
            if name == "ranked":
                ranking = result

    def ms(name: str, quantile: str = "p95") -> float:
        values = times[name]
        seconds = (
            statistics.quantiles(values, n=20)[-1]
            if quantile == "p95"
            else statistics.median(values)
        )
        return round(seconds * 1000, 1)

    return {
        "name": "Rank a case among 10,000 specialists, screened",
        "database": connection.vendor,
        "specialists": SPECIALISTS,
        "ranked": len(ranking.ranked),
        "excluded_by_screening": len(ranking.excluded),
        "runs": runs,
        "median_ms": ms("ranked", "median"),
        "p95_ms": ms("ranked"),
        "typical_case_p95_ms": ms("typical"),
        "page_p95_ms": ms("page"),
        "bare_fetch_p95_ms": ms("bare"),
        "ratio": round(ms("ranked") / ms("bare"), 1),
        "load_average": round(os.getloadavg()[0], 1),
        "goal": "p95<=50ms over >=200 runs",
        "goals": [
            {"goal": "p95 <= 50 ms, >= 200 runs", "measured": f"{ms('ranked')} ms, {runs} runs"}
            | {"met": ms("ranked") <= 50 and runs >= 200}
        ],
        "met": ms("ranked") <= 50 and runs >= 200,
        # The run's load with it: a run of this benchmark alone replaces only its own row in
        # README's table (bench/readme_table.py --only), under another run's line.
        "figure": f"p50 {ms('ranked', 'median')} ms, p95 {ms('ranked')} ms (typical case "
        f"{ms('typical')} ms; page {ms('page')} ms; {ms('ranked') / ms('bare'):.1f}x bare fetch; "
        f"{connection.vendor}; load average {os.getloadavg()[0]:.1f})",
    }


def main() -> None:
    mode = sys.argv[1:2]
    if mode == ["_counts"]:  # the 1x database's query counts, for bench_query_counts
        print(json.dumps(scale_bench.counts_here()))
        return
    if mode == ["_times"]:  # the small database's page times, for bench_pages
        print(json.dumps(scale_bench.times_here(int(os.environ.get("BENCH_PAGE_RUNS", "200")))))
        return
    if mode == ["_snapshot"]:  # one metrics refresh in a process of its own
        print(json.dumps(scale_bench.snapshot_here()))
        return
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    benchmarks = {
        "pages": lambda: scale_bench.bench_pages(SMALL_DATABASE_URL),
        "queries": lambda: scale_bench.bench_query_counts(SMALL_DATABASE_URL),
        "matching": bench_matching,
        "email": scale_bench.bench_email,
        "load": lambda: scale_bench.bench_load(_gunicorn, _free_port, _connect),
        "pdf": bench_report_pdf,
        "tus": bench_tus_upload,
    }
    chosen = sys.argv[1:] or list(benchmarks)  # e.g. `bench/run.py matching` runs only that one
    results: list[dict] = []
    started = time.perf_counter()
    try:
        for name in chosen:
            ran = benchmarks[name]()
            results += ran if isinstance(ran, list) else [ran]
            # Written after each benchmark: one that fails later loses nothing measured before.
            _write_results(results, time.perf_counter() - started)
    finally:
        scale_bench.purge_queue()
    print(f"\n{'benchmark':<52} {'figure':<70} verdict")
    for r in results:
        figure = r.get("figure") or (
            f"{r['task_median_s']}s / {r['bare_median_s']}s = {r['ratio']}x ({r['pages']} pages)"
        )
        print(f"{r['name']:<52} {figure:<70}")
        for goal in r.get("goals") or [{"goal": r["goal"], "measured": "", "met": r["met"]}]:
            verdict = "met" if goal["met"] else "not met"
            print(f"{'':<4}goal {goal['goal']}: {verdict} ({goal['measured']})")
    print(f"({time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f})")


def _write_results(results: list[dict], elapsed: float) -> None:
    """bench/results.json: this run (time, load average, CPUs, size) and its results; a partial
    run keeps the other benchmarks' last figures, and other keys (bench/tus_bench.py's "tus")."""
    path = ROOT / "bench" / "results.json"
    ran = {r["name"] for r in results}
    document = json.loads(path.read_text()) if path.exists() else []
    if not isinstance(document, dict):
        document = {"results": document}
    kept = [r for r in document.get("results", []) if r["name"] not in ran]
    run = {
        "finished_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": round(elapsed),
        "load_average": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "cases": CASES,
    }
    path.write_text(
        json.dumps({**document, "run": run, "results": kept + results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
