"""A worker process killed in the middle of a task loses nothing: the task runs again (acks_late,
reject_on_worker_lost) and its result exists exactly once."""

import os
import signal
import subprocess

import pytest
from django.conf import settings

from cases.models import Status
from review import services as review_services
from review.models import Report
from tests.factories import OPINION
from tests.support import needs_service, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    needs_service(
        "Redis (REDIS_URL)",
        bool(settings.REDIS_URL),
        "set REDIS_URL: kombu's filesystem transport deletes a message when it is fetched, so it "
        "cannot redeliver (in embedded mode the beat task render_missing_reports re-sends lost "
        "work)",
    ),
]


def _pool_children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def test_a_pdf_task_killed_midway_is_redelivered_and_stores_one_report(
    actors, celery_worker_process
):
    case = actors.case(Status.IN_REVIEW)
    # A long opinion keeps WeasyPrint busy for seconds: time to kill the process rendering it.
    long_text = "\n\n".join(["The margins show no invasion on any of the slides. " * 12] * 120)
    review_services.save_opinion_draft(
        case=case, by=actors.dr_smith.user, **{**OPINION, "reasoning": long_text}
    )
    log_start = celery_worker_process.log.stat().st_size

    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    wait_for(
        lambda: "review.tasks.render_report" in celery_worker_process.log.read_text()[log_start:],
        what="the worker to receive the report task",
    )
    for child in _pool_children(celery_worker_process.process.pid):
        os.kill(child, signal.SIGKILL)

    report = wait_for(
        lambda: Report.objects.filter(opinion=opinion, opinion_revision=opinion.revision).first(),
        timeout=90,
        what="the redelivered task to store the report",
    )
    assert "WorkerLostError" in celery_worker_process.log.read_text()[log_start:]
    assert Report.objects.filter(opinion=opinion).count() == 1
    assert report.file.read().startswith(b"%PDF")
