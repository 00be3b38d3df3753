"""Side effects through a real Celery worker process and a real broker (Redis when REDIS_URL is
set, else the filesystem transport): the PDF report and the PHI-free email."""

import pytest

from cases import services
from cases.models import Report, Status
from secondopinion.notifications.models import OutboundEmail
from tests.conftest import wait_for
from tests.factories import OPINION

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_renders_the_report_and_emails_the_patient_once(actors, celery_worker_process):
    case = actors.case(Status.IN_REVIEW)
    services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)

    opinion = services.submit_opinion(case=case, by=actors.dr_smith.user)
    report = wait_for(
        lambda: Report.objects.filter(opinion=opinion, opinion_revision=opinion.revision).first(),
        what="the worker to store the PDF report",
    )
    services.deliver_opinion(case=case, by=actors.cora)
    wait_for(
        lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists(),
        what="the worker to send every queued email",
    )

    assert report.file.read().startswith(b"%PDF")
    to_alice = [
        text for text in celery_worker_process.sent_emails() if "To: alice@example.org" in text
    ]
    # Submitted, specialist started, opinion ready: one email each, none twice.
    assert len(to_alice) == OutboundEmail.objects.filter(user=actors.alice).count() == 3
    for text in to_alice:
        assert "sign in" in text.lower()
        for phi in (case.title, case.diagnosis, case.question, case.reference, "carcinoma"):
            assert phi not in text
