"""Resumable uploads against the reference tus server (`make bench-tus`): figures, not a test.

The same file (2 GiB of random bytes behind a PDF header, made in a temporary folder) goes with
the official tus client for Python (`tuspy`) to
- ours: deploy/nginx's site in front of two gunicorn nodes (gunicorn.conf.py, 2 workers each)
  that share only PostgreSQL, Redis and the upload folder (local storage, as one host runs it);
- the reference: `@tus/server` with `@tus/file-store` (npm, bench/tus_reference_server.mjs),
at 8 MiB and at 50 MiB chunks, in interleaved rounds (ours, reference, ours, ...), so a machine
busy with something else slows both alike. For each: throughput (MiB/s, the median round), the
ratio to the reference, each PATCH's time (p50, p95, and the last PATCH against the others), and
each web node's RSS growth (sum of its processes' VmRSS, sampled every 0.1 s during the upload).

Figures go to bench/results.json under "tus" (the other keys are kept). PostgreSQL: a database of
the run's own, secondopinion_bench_tus_<random> on DATABASE_URL's server (else 127.0.0.1:5432),
created and migrated at the start and dropped at the end, so two runs at once (two checkouts on
one machine) never share one; BENCH_TUS_DATABASE_URL names an existing database to use instead
(migrated, kept). Redis: REDIS_URL (else 127.0.0.1:6379), a queue
of the run's own, purged at the end (no worker runs: the tasks a finished upload enqueues, scan
and reading, are not part of the upload). BENCH_TUS_BYTES (2 GiB) and BENCH_TUS_ROUNDS (3) change
the size and the rounds per chunk size; BENCH_TUS_TMP the folder for the file and the uploads.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIB = 1024 * 1024
FILE_BYTES = int(os.environ.get("BENCH_TUS_BYTES", str(2 * 1024 * MIB)))
ROUNDS = int(os.environ.get("BENCH_TUS_ROUNDS", "3"))
CHUNKS = (8 * MIB, 50 * MIB)
RSS_GOAL_MIB = 100
# The last PATCH takes no longer than the others: at most the p95 of the other PATCHes of its
# upload, in every round (its ratio to the median is printed too).
LAST_PATCH_SHARE = 0.95


def _server() -> str:
    url = os.environ.get("DATABASE_URL", "")
    scheme, _, rest = url.partition("://")
    if scheme in ("postgres", "postgresql", "pgsql"):
        return "postgres://" + rest.split("?")[0].rsplit("/", 1)[0]
    return "postgres://postgres@127.0.0.1:5432"


OWN_DATABASE = not os.environ.get("BENCH_TUS_DATABASE_URL")
DATABASE_URL = os.environ.get("BENCH_TUS_DATABASE_URL") or (
    f"{_server()}/secondopinion_bench_tus_{uuid.uuid4().hex[:12]}"
)
WORK = Path(tempfile.mkdtemp(prefix="tus-bench-", dir=os.environ.get("BENCH_TUS_TMP")))
SHARED = {
    # What every node of ours shares (as production shares PostgreSQL, Redis and the storage).
    "DJANGO_SETTINGS_MODULE": "secondopinion.settings",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    "CELERY_QUEUE": f"secondopinion-bench-tus-{uuid.uuid4().hex[:12]}",
    "SECRET_KEY": "bench-tus-" + uuid.uuid4().hex * 2,
    "VAR_DIR": str(WORK / "var"),
    "MEDIA_ROOT": str(WORK / "media"),
    "RECORD_UPLOAD_DIR": str(WORK / "uploads"),
    "CLAMD_SOCKET": "",
    "CLAMD_HOST": "",
    "LOG_LEVEL": "WARNING",
    "TRUSTED_PROXY_COUNT": "1",
    "FORWARDED_ALLOW_IPS": "127.0.0.1",
    "WEB_CONCURRENCY": "2",
}
os.environ.update(SHARED)


def _create_database() -> None:
    import psycopg

    server, name = DATABASE_URL.split("?")[0].rsplit("/", 1)
    try:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"The tus benchmark needs PostgreSQL (tried {server}: {error}).")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, check=True
    )


def _drop_own_database() -> None:
    """The run's own database goes at the end (nothing else may be connected to it by then)."""
    if not OWN_DATABASE:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    server, name = DATABASE_URL.split("?")[0].rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _make_file(path: Path) -> Path:
    """FILE_BYTES of random bytes behind a PDF header (the app takes PDFs), 8 MiB at a time."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%"
    with path.open("wb") as out:
        out.write(head)
        written = len(head)
        while written < FILE_BYTES:
            piece = os.urandom(min(8 * MIB, FILE_BYTES - written))
            out.write(piece)
            written += len(piece)
    return path


def _start(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    with log.open("ab") as log_file:
        return subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children."""
    import psutil

    total = 0.0
    try:
        master = psutil.Process(pid)
        for process in [master, *master.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        pass
    return total


def _node_rss(pid: int) -> int:
    """Bytes resident in a node: its master and every worker."""
    import psutil

    total = 0
    try:
        master = psutil.Process(pid)
        for process in [master, *master.children(recursive=True)]:
            total += process.memory_info().rss
    except psutil.Error:
        pass
    return total


class RssSampler:
    """Each node's total RSS every 0.1 s, in a thread, while an upload runs; and the CPU time
    its processes (nginx included) used meanwhile."""

    def __init__(self, pids: dict[str, int], cpu_pids: list[int]):
        self.pids = pids
        self.before = {name: _node_rss(pid) for name, pid in pids.items()}
        self.cpu_pids = cpu_pids
        self.cpu_before = sum(_tree_cpu(pid) for pid in cpu_pids)
        self.peak = dict(self.before)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.wait(0.1):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], _node_rss(pid))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._done.set()
        self._thread.join()
        self.cpu_seconds = sum(_tree_cpu(pid) for pid in self.cpu_pids) - self.cpu_before

    def growth_mib(self) -> dict[str, float]:
        return {name: (self.peak[name] - self.before[name]) / MIB for name in self.pids}


def upload(server, path: Path, chunk: int) -> dict:
    """One upload with tuspy, PATCH by PATCH: the total time (from the creation until the server
    says the file is there, as the uploader asks: `server.settle`) and each PATCH's."""
    from tusclient.client import TusClient

    client = TusClient(server.endpoint, headers=server.headers)
    uploader = client.uploader(
        file_path=str(path), chunk_size=chunk, metadata={"filename": path.name}, retries=0
    )
    started = time.perf_counter()
    uploader.set_url(uploader.create_url())
    uploader.offset = 0
    patches = []
    while uploader.offset < FILE_BYTES:
        before = time.perf_counter()
        uploader.upload_chunk()
        patches.append(time.perf_counter() - before)
    answered = time.perf_counter()
    server.settle(uploader.url)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "patches": patches,
        "settle_ms": (time.perf_counter() - answered) * 1000,
        "url": uploader.url,
    }


def _last_patch_over_the_others(patches: list[float]) -> float:
    """The last PATCH over the LAST_PATCH_SHARE percentile of the upload's other PATCHes."""
    return patches[-1] / _percentile(patches[:-1], LAST_PATCH_SHARE)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Ours:
    """nginx (deploy/) in front of two gunicorn nodes, with a signed-in patient's case."""

    name = "ours"

    def __init__(self):
        from django.conf import settings
        from django.contrib.sessions.backends.db import SessionStore

        from cases.models import Case
        from secondopinion.accounts.models import Role, User
        from tests.integration.conftest import NGINX, free_port, nginx_config

        if not Path(NGINX).exists():
            sys.exit("The tus benchmark runs deploy/'s nginx site: apt-get install nginx")
        owner, _ = User.objects.get_or_create(email="bench-tus@example.org", role=Role.PATIENT)
        self.case = Case.objects.create(
            owner=owner, title="Benchmark upload", diagnosis="-", treating_doctor="-", question="-"
        )
        session = SessionStore()
        session["_auth_user_id"] = str(owner.pk)
        session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        session["_auth_user_hash"] = owner.get_session_auth_hash()
        session.create()
        csrf = uuid.uuid4().hex
        self.headers = {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf,
        }
        self.processes: dict[str, subprocess.Popen] = {}
        ports = {"web1": free_port(), "web2": free_port()}
        for name, port in ports.items():
            self.processes[name] = _start(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{port}", "secondopinion.wsgi"],
                WORK / f"{name}.log",
                {"VAR_DIR": str(WORK / name)},
            )  # fmt: skip
        folder = WORK / "nginx"
        folder.mkdir()
        self.port = free_port()
        conf = nginx_config(
            folder, port=self.port, nodes=[f"127.0.0.1:{port}" for port in ports.values()]
        )
        self.processes["nginx"] = _start(
            [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"),
             "-g", "daemon off;"],
            folder / "stdout.log",
        )  # fmt: skip
        try:
            for name, port in ports.items():
                _wait_for(f"http://127.0.0.1:{port}/readyz", self.processes[name], name)
            _wait_for(f"http://127.0.0.1:{self.port}/healthz", self.processes["nginx"], "nginx")
        except BaseException:  # sys.exit included: stop what did start
            self.close()
            raise

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/records/case/{self.case.reference}/uploads/"

    def nodes(self) -> dict[str, int]:
        return {name: self.processes[name].pid for name in ("web1", "web2")}

    def cpu_pids(self) -> list[int]:
        return [process.pid for process in self.processes.values()]

    def settle(self, url: str) -> None:
        """Ask what became of the file as our uploader does (static/js/records-upload.js: at
        once, then after growing pauses) until the record is made."""
        import requests

        pauses = iter([0.1, 0.25, 0.5, 1.0, 2.0, 3.0] + [5.0] * 120)
        while True:
            answer = requests.get(url, headers=self.headers, timeout=30).json()
            if answer["outcome"] != "adding":
                break
            time.sleep(next(pauses))
        assert answer["outcome"] == "added", answer

    def check_and_clean(self, url: str, *, size: int = FILE_BYTES) -> None:
        """The upload became a record of the right size; its 2 GiB are removed for the next."""
        from records.models import RecordFile, Upload

        upload = Upload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[-1])
        record = RecordFile.objects.get(pk=upload.record_id)
        assert record.size == size, record.size
        record.file.delete(save=False)
        record.delete()

    def close(self) -> None:
        for process in self.processes.values():
            _stop(process)


class Reference:
    name = "reference"

    def __init__(self):
        from tests.integration.conftest import free_port

        self.folder = WORK / "reference-files"
        self.folder.mkdir()
        self.port = free_port()
        self.process = _start(
            ["node", str(ROOT / "bench" / "tus_reference_server.mjs"), str(self.port),
             str(self.folder)],
            WORK / "reference.log",
        )  # fmt: skip
        try:
            _wait_for(f"http://127.0.0.1:{self.port}/files", self.process, "@tus/server")
        except BaseException:
            self.close()
            raise
        self.headers: dict[str, str] = {}

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/files"

    def nodes(self) -> dict[str, int]:
        return {"node": self.process.pid}

    def cpu_pids(self) -> list[int]:
        return [self.process.pid]

    def settle(self, url: str) -> None:
        """The reference's upload is done when its last PATCH is answered."""

    def check_and_clean(self, url: str, *, size: int = FILE_BYTES) -> None:
        stored = self.folder / url.rstrip("/").rsplit("/", 1)[-1]
        assert stored.stat().st_size == size, stored.stat().st_size
        for leftover in self.folder.iterdir():
            leftover.unlink()

    def close(self) -> None:
        _stop(self.process)


def _wait_for(url: str, process: subprocess.Popen, what: str) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} exited ({process.returncode}); its log is in {WORK}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (http on 127.0.0.1)
                return
        except urllib.error.HTTPError:
            return  # it answers (the reference has no page at its endpoint)
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"{what} did not answer within 60 s")


WARM_UP_BYTES = 64 * MIB


def warm_up(servers: list) -> None:
    """A few small uploads to each server first: a process's first requests load code and
    open connections, which is not what an upload costs (nor its memory)."""
    small = WORK / "warm-up.pdf"
    with small.open("wb") as out:
        out.write(b"%PDF-1.4\n%")
        out.write(os.urandom(WARM_UP_BYTES - 10))
    from tusclient.client import TusClient

    for server in servers:
        for _ in range(4):  # each of ours' four workers likely finishes one
            uploader = TusClient(server.endpoint, headers=server.headers).uploader(
                file_path=str(small), chunk_size=8 * MIB, metadata={"filename": small.name}
            )
            uploader.upload()
            server.settle(uploader.url)
            server.check_and_clean(uploader.url, size=WARM_UP_BYTES)
    small.unlink()


def run_rounds(servers: list, path: Path) -> dict:
    """Interleaved rounds at each chunk size; every upload's figures, per server."""
    warm_up(servers)
    runs: dict[str, dict[int, list[dict]]] = {s.name: {c: [] for c in CHUNKS} for s in servers}
    for chunk in CHUNKS:
        for round_number in range(ROUNDS):
            order = servers if round_number % 2 == 0 else servers[::-1]
            for server in order:
                with RssSampler(server.nodes(), server.cpu_pids()) as rss:
                    figures = upload(server, path, chunk)
                figures["rss_growth_mib"] = rss.growth_mib()
                figures["cpu_s_per_gib"] = rss.cpu_seconds / (FILE_BYTES / 1024**3)
                server.check_and_clean(figures.pop("url"))
                runs[server.name][chunk].append(figures)
                print(
                    f"  {server.name:<9} {chunk // MIB:>2} MiB chunks, round {round_number + 1}: "
                    f"{FILE_BYTES / MIB / figures['seconds']:.0f} MiB/s, last PATCH "
                    f"{figures['patches'][-1] * 1000:.0f} ms (median "
                    f"{statistics.median(figures['patches']) * 1000:.0f} ms, p95 of the others "
                    f"{_percentile(figures['patches'][:-1], LAST_PATCH_SHARE) * 1000:.0f} ms), "
                    f"answer to record {figures['settle_ms']:.0f} ms, RSS +"
                    + ", +".join(f"{v:.0f}" for v in figures["rss_growth_mib"].values())
                    + f" MiB, CPU {figures['cpu_s_per_gib']:.1f} s/GiB",
                    flush=True,
                )
    return runs


def summarise(runs: dict) -> dict:
    """Medians over the rounds, and each goal met or not."""
    mib = FILE_BYTES / MIB
    result: dict = {"file_bytes": FILE_BYTES, "rounds": ROUNDS, "client": "tuspy", "chunks": {}}
    goals = []
    for chunk in CHUNKS:
        row: dict = {}
        for name, by_chunk in runs.items():
            uploads = by_chunk[chunk]
            patches = [p for u in uploads for p in u["patches"]]
            last_ratios = [u["patches"][-1] / statistics.median(u["patches"]) for u in uploads]
            over_others = [_last_patch_over_the_others(u["patches"]) for u in uploads]
            nodes = uploads[0]["rss_growth_mib"].keys()
            row[name] = {
                "mib_s": round(mib / statistics.median(u["seconds"] for u in uploads), 1),
                "mib_s_rounds": [round(mib / u["seconds"], 1) for u in uploads],
                "patch_p50_ms": round(_percentile(patches, 0.5) * 1000, 1),
                "patch_p95_ms": round(_percentile(patches, 0.95) * 1000, 1),
                "last_patch_ms": round(statistics.median(u["patches"][-1] for u in uploads) * 1000),
                "last_patch_vs_median": round(statistics.median(last_ratios), 2),
                "last_patch_vs_median_worst": round(max(last_ratios), 2),
                "last_patch_vs_others_p95_rounds": [round(r, 2) for r in over_others],
                "settle_ms": round(statistics.median(u["settle_ms"] for u in uploads)),
                "cpu_s_per_gib": round(statistics.median(u["cpu_s_per_gib"] for u in uploads), 2),
                "rss_growth_mib": {
                    node: round(max(u["rss_growth_mib"][node] for u in uploads), 1)
                    for node in nodes
                },
            }
        ours, reference = row["ours"], row["reference"]
        ratio = ours["mib_s"] / reference["mib_s"]
        row["ratio"] = round(ratio, 2)
        row["ratio_rounds"] = [
            round(a / b, 2)
            for a, b in zip(ours["mib_s_rounds"], reference["mib_s_rounds"], strict=True)
        ]
        result["chunks"][f"{chunk // MIB}MiB"] = row
        size = f"{chunk // MIB} MiB chunks"
        worst_rss = max(ours["rss_growth_mib"].values())
        goals += [
            {
                "goal": f"throughput >= 1.0x @tus/server, {size}",
                "measured": f"{ratio:.2f}x ({ours['mib_s']} vs {reference['mib_s']} MiB/s)",
                "met": ratio >= 1.0,
            },
            {
                "goal": f"RSS growth < {RSS_GOAL_MIB} MiB per node, {size}",
                "measured": ", ".join(
                    f"{node} +{v} MiB" for node, v in ours["rss_growth_mib"].items()
                ),
                "met": worst_rss < RSS_GOAL_MIB,
            },
            {
                "goal": f"last PATCH no longer than the others (<= their "
                f"p{LAST_PATCH_SHARE * 100:g}, every round), {size}",
                "measured": "last / p95 of the others per round "
                + ", ".join(f"{r}" for r in ours["last_patch_vs_others_p95_rounds"])
                + f"; {ours['last_patch_vs_median']}x the median ({ours['last_patch_ms']} ms vs "
                f"p50 {ours['patch_p50_ms']} ms; worst round "
                f"{ours['last_patch_vs_median_worst']}x); answer to record "
                f"{ours['settle_ms']} ms",
                "met": max(ours["last_patch_vs_others_p95_rounds"]) <= 1.0,
            },
        ]
    result["goals"] = goals
    result["met"] = all(goal["met"] for goal in goals)
    return result


def _save(result: dict) -> None:
    """Under "tus" in bench/results.json, keeping whatever else the file holds."""
    path = ROOT / "bench" / "results.json"
    document = json.loads(path.read_text()) if path.exists() else {}
    if isinstance(document, list):  # an old layout: the list of results
        document = {"results": document}
    document["tus"] = result
    path.write_text(json.dumps(document, indent=2) + "\n")


def _purge_queue() -> None:
    from secondopinion.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(SHARED["CELERY_QUEUE"])


def main() -> None:
    try:
        _create_database()
        _run_and_save()
    finally:
        _drop_own_database()


def _run_and_save() -> None:
    import django

    django.setup()
    from django.utils import timezone

    load_at_start = os.getloadavg()[0]
    path = _make_file(WORK / "scan.pdf")
    servers: list = []
    started = time.perf_counter()
    try:
        for start in (Ours, Reference):  # one at a time: a failed start still stops the first
            servers.append(start())
        print(
            f"{FILE_BYTES / MIB:.0f} MiB with tuspy, {ROUNDS} interleaved rounds per chunk size "
            f"(files in {WORK})",
            flush=True,
        )
        runs = run_rounds(servers, path)
    finally:
        for server in servers:
            server.close()
        _purge_queue()
    result = summarise(runs)
    result["run"] = {
        "finished_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started),
        "load_average": round(os.getloadavg()[0], 2),
        "load_average_at_start": round(load_at_start, 2),
        "cpus": os.cpu_count(),
    }
    for size, row in result["chunks"].items():
        ours, reference = row["ours"], row["reference"]
        print(
            f"{size}: ours {ours['mib_s']} MiB/s, @tus/server {reference['mib_s']} MiB/s, "
            f"{row['ratio']}x (rounds {row['ratio_rounds']}); PATCH p50 {ours['patch_p50_ms']} / "
            f"{reference['patch_p50_ms']} ms, p95 {ours['patch_p95_ms']} / "
            f"{reference['patch_p95_ms']} ms; CPU {ours['cpu_s_per_gib']} / "
            f"{reference['cpu_s_per_gib']} s per GiB"
        )
    for goal in result["goals"]:
        print(f"  goal {goal['goal']}: {'met' if goal['met'] else 'not met'} ({goal['measured']})")
    _save(result)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
