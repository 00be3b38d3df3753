"""Benchmarks (`make bench`): figures as ratios against a baseline measured in the same run.

Not tests: nothing here passes or fails the build. Results are printed as a table and written to
bench/results.json. Data lives in its own database: var/bench/ (SQLite) unless BENCH_DATABASE_URL
names another (use a PostgreSQL database made for it; the benchmark writes to it).
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_VAR = ROOT / "var" / "bench"
os.environ["VAR_DIR"] = str(BENCH_VAR)
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BENCH_VAR / 'bench.sqlite3'}"
)
os.environ.pop("REDIS_URL", None)  # nothing here goes through the broker
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondopinion.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import io  # noqa: E402

import django  # noqa: E402
from pypdf import PdfReader  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases import reports  # noqa: E402
from cases.models import Case, Opinion, Status  # noqa: E402
from secondopinion.accounts.models import Role, User  # noqa: E402
from specialists.models import Specialist  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
PARAGRAPH = (
    "The biopsy slides were reviewed at high power. The margins show ductal carcinoma in situ "
    "without stromal invasion; the myoepithelial layer is intact on immunohistochemistry. "
    "Imaging correlates with a 14 mm area of calcification in the upper outer quadrant. "
)


def _ten_page_opinion() -> Opinion:
    owner, _ = User.objects.get_or_create(email="bench-patient@example.org", role=Role.PATIENT)
    user, _ = User.objects.get_or_create(email="bench-specialist@example.org", role=Role.SPECIALIST)
    specialist, _ = Specialist.objects.get_or_create(
        user=user,
        defaults={"specialty": "Pathology", "credentials": "FRCPath", "is_verified": True},
    )
    case = Case.objects.create(
        owner=owner,
        title="Benchmark case",
        diagnosis="Stage II ductal carcinoma",
        treating_doctor="Dr Brown",
        question="Is surgery needed before chemotherapy?",
        specialist=specialist,
    )
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
    html = reports.report_html(opinion, generated_at=timezone.now())
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


def main() -> None:
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    results = [bench_report_pdf()]
    print(f"{'benchmark':<50} {'figure':>30} {'goal':>8}  met")
    for r in results:
        figure = (
            f"{r['task_median_s']}s / {r['bare_median_s']}s = {r['ratio']}x ({r['pages']} pages)"
        )
        print(f"{r['name']:<50} {figure:>30} {r['goal']:>8}  {'yes' if r['met'] else 'NO'}")
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
