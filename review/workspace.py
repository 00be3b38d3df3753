"""What the specialist's workspace shows beside the opinion form: the case's records grouped as
the case page groups them, the patient's question and answers, the questions asked of the
patient and the way to the messages (reads only; the form's writes are the review's services)."""

from cases import intake, permissions
from cases.models import Case
from records import selectors as record_selectors

from . import selectors


def workspace_context(user, case: Case) -> dict:
    records = record_selectors.case_records_context(case, user)
    # The workspace lists records to read: adding them is the patient's page's job.
    records |= {"upload_form": None, "can_request_records": False, "is_record_owner": False}
    return {
        **records,
        "record_groups": record_groups(records["records"]),
        "information_requests": list(selectors.information_requests_for(case)),
        "answers": [
            (step, intake.answers_on(case, step), None)
            for step in intake.steps_for(case)
            if step.slug not in intake.COVER_STEPS  # cover and payment are not the reviewer's
        ],
        "can_message": permissions.can_message(user, case),
    }


def record_groups(records: list) -> list[tuple[str, list]]:
    """The files outside DICOM studies as the workspace lists them: PDFs, images, the rest."""
    pdfs = [record for record in records if record.content_type == "application/pdf"]
    images = [record for record in records if record.content_type.startswith("image/")]
    other = [record for record in records if record not in pdfs and record not in images]
    groups = [("PDF documents", pdfs), ("Images", images), ("Other files", other)]
    return [(title, items) for title, items in groups if items]


def record_of(case: Case, user, record_id: int):
    """One of the case's records, if `user` may read it (else None: the pane stays empty)."""
    return record_selectors.records_visible_to(user).filter(case=case, pk=record_id).first()
