"""What the specialist's workspace shows beside the opinion form: the case's records grouped as
the case page groups them, the patient's question and answers, the questions asked of the
patient and the way to the messages (reads only; the form's writes are the review's services)."""

from django.utils.translation import gettext as _

from cases import intake, permissions
from cases.models import Case
from records import selectors as record_selectors
from records.models import RecordFile

from . import selectors


def workspace_context(user, case: Case) -> dict:
    """The page's reads. The case's files are read once: listed, and the one the viewer opens
    (with its series) is found among them. No records requests: adding records is the patient's
    page's job."""
    files = record_selectors.records_list_for_case(case)
    studies = record_selectors.group_dicom_studies(files)
    in_studies = {record.pk for study in studies for s in study.series for record in s.files}
    return {
        "case_files": files,
        "studies": studies,
        "record_groups": record_groups([record for record in files if record.pk not in in_studies]),
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
    groups = [(_("PDF documents"), pdfs), (_("Images"), images), (_("Other files"), other)]
    return [(title, items) for title, items in groups if items]


def record_of(files: list[RecordFile], record_id: int) -> RecordFile | None:
    """One of the case's files (`workspace_context`'s, read for the reviewer, who may read
    every one), or None: the pane stays empty."""
    return next((record for record in files if record.pk == record_id), None)
