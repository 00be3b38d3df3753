"""A delivered case whose opinion carries questions for the patient's own doctor."""

import hashlib

from django.core.files.base import ContentFile

from cases.models import Case, Status
from review import services as review_services
from review.models import Opinion, Report
from tests.factories import MINIMAL_PDF, OPINION

DOCTOR_QUESTIONS = (
    "Is breast-conserving surgery an option for me?\n"
    "What would a repeat mammogram show?\n"
    "\n"
    "Do I still need chemotherapy?"
)


def delivered_case(actors, *, owner=None, specialist=None, sure_before=None, **opinion) -> Case:
    """A case walked through the real services to delivery, its opinion with doctor questions;
    with `sure_before`, the patient answered the SURE screen while the specialist reviewed it."""
    specialist = specialist or actors.dr_smith
    case = actors.case(Status.IN_REVIEW, owner=owner)
    if sure_before is not None:
        from outcomes.services import record_decision

        record_decision(case=case, by=case.owner, moment="before", **sure_before)
    if specialist != actors.dr_smith:
        case.specialist = specialist
        case.save(update_fields=["specialist"])
    answers = OPINION | {"doctor_questions": DOCTOR_QUESTIONS} | opinion
    review_services.save_opinion_draft(case=case, by=specialist.user, **answers)
    review_services.submit_opinion(case=case, by=specialist.user)
    saved = Opinion.objects.get(case=case)
    report = Report(
        case=case,
        opinion=saved,
        opinion_revision=saved.revision,
        version=1,
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        size=len(MINIMAL_PDF),
    )
    report.file.save("report.pdf", ContentFile(MINIMAL_PDF), save=True)
    review_services.deliver_opinion(case=case, by=actors.cora)
    return Case.objects.get(pk=case.pk)
