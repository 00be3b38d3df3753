"""Side effects through a real Celery worker process and a real broker (Redis when REDIS_URL is
set, else the filesystem transport): the PDF report and the PHI-free email."""

import pytest

from cases.models import Status
from review import services as review_services
from review.models import Report
from secondopinion.notifications.models import OutboundEmail
from tests.conftest import wait_for
from tests.factories import OPINION, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_worker_renders_the_report_and_emails_the_patient_once(actors, celery_worker_process):
    # A patient of this test alone: the worker's mailbox lasts the whole session, and other tests'
    # emails (to alice) may still be arriving.
    patient = UserFactory(email="worker-test-patient@example.org", full_name="Wendy Worker")
    case = actors.case(Status.IN_REVIEW, owner=patient)
    review_services.save_opinion_draft(case=case, by=actors.dr_smith.user, **OPINION)

    opinion = review_services.submit_opinion(case=case, by=actors.dr_smith.user)
    report = wait_for(
        lambda: Report.objects.filter(opinion=opinion, opinion_revision=opinion.revision).first(),
        what="the worker to store the PDF report",
    )
    review_services.deliver_opinion(case=case, by=actors.cora)
    wait_for(
        lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists(),
        what="the worker to send every queued email",
    )

    assert report.file.read().startswith(b"%PDF")
    to_patient = [
        text for text in celery_worker_process.sent_emails() if f"To: {patient.email}" in text
    ]
    queued = OutboundEmail.objects.filter(user=patient)
    # One email for each update the patient was told of, none twice.
    assert queued.count() >= 3
    assert len(to_patient) == queued.count()
    for text in to_patient:
        assert "sign in" in text.lower()
        for phi in (case.title, case.diagnosis, case.question, case.reference, "carcinoma"):
            assert phi not in text
