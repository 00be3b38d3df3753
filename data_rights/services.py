"""A patient's rights over their data: who has looked at their case (access history),
downloading everything about it as a ZIP, and deleting it on request."""

import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import router, transaction
from django.db.models import FileField
from django.db.models.deletion import Collector
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cases import permissions, selectors
from cases.models import Case, CaseEvent, Status
from records import selectors as record_selectors
from review import selectors as review_selectors
from secondopinion.accounts.models import Role, User
from secondopinion.audit.selectors import events_for_case, events_page
from secondopinion.audit.services import record_event
from secondopinion.errors import ApplicationError
from secondopinion.languages import language_of
from secondopinion.words import Words, spoken

from .fhir import fhir_bundle
from .models import DeletionRequest

# Audited reads of a case and its files, in the patient's words.
READ_ACTIONS: dict[str, Promise] = {
    "case.view": _("Viewed the case"),
    "case.search": _("Found the case in a search"),
    "message.read": _("Read the messages"),
    "record.list": _("Listed the records"),
    "record.preview": _("Previewed a record"),
    "record.view": _("Viewed a record"),
    "record.download": _("Downloaded a record"),
    "report.download": _("Downloaded the report"),
    "report.share_download": _("Downloaded the report"),
    "authority.document_download": _("Downloaded the authority document"),
    "case.export": _("Downloaded everything about the case"),
    "case.fhir_export": _("Downloaded the case as FHIR data"),
}
ROLE_WORDS: dict[str, Promise] = {
    Role.PATIENT: _("The patient"),
    Role.CAREGIVER: _("A caregiver"),
    Role.SPECIALIST: _("Specialist"),
    Role.COORDINATOR: _("Coordinator"),
}


@dataclass(frozen=True)
class Access:
    at: datetime
    who: str
    what: str


@dataclass(frozen=True)
class AccessHistoryPage:
    """One page of the access history, newest first, and the cursors of the pages either side
    (None at an end)."""

    accesses: list[Access]
    older: str | None
    newer: str | None


ACCESS_HISTORY_PAGE_SIZE = 50


def access_history(
    case: Case,
    *,
    viewer,
    before: str = "",
    after: str = "",
    size: int = ACCESS_HISTORY_PAGE_SIZE,
) -> AccessHistoryPage:
    """A page of the audited reads of the case and its files, newest first: staff and
    specialists by name, the patient's side in role words ("You" for the viewer).

    Keyset on (time, id) over the audit log's (case, time, id) index: each page reads `size`
    + 1 events however often the case has been opened, and nothing counts them all."""
    events = events_for_case(case.pk).filter(action__in=READ_ACTIONS)
    page = events_page(events, size=size, before=before, after=after)
    return AccessHistoryPage(
        [_access(event, viewer) for event in page.events], page.older, page.newer
    )


def _access(event, viewer) -> Access:
    actor = event.actor
    if actor is None:
        who = gettext("The system")
    elif actor.pk == viewer.pk:
        who = gettext("You")
    elif actor.role in (Role.SPECIALIST, Role.COORDINATOR):
        who = gettext("%(name)s (%(role)s)") % {
            "name": actor.full_name,
            "role": str(ROLE_WORDS[actor.role]).lower(),
        }
    else:
        who = str(ROLE_WORDS.get(actor.role, _("Someone")))
    return Access(event.at, who, str(READ_ACTIONS[event.action]))


# --- Downloading everything about a case -------------------------------------------------------


def _safe_name(name: str) -> str:
    """A file name for inside the ZIP: no folders, nothing a zip tool could climb out with."""
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in name).strip(" .")
    return cleaned[:120] or "file"


def export_readme(case: Case, *, by: User) -> str:
    """The README inside the ZIP, in the language of the account that downloads it (read later,
    away from our pages, so in the language they chose rather than the page's)."""
    with translation.override(language_of(by)):
        lines = [
            gettext("Everything about case %(reference)s, downloaded %(when)s UTC.")
            % {"reference": case.reference, "when": f"{timezone.now():%Y-%m-%d %H:%M}"},
            gettext(
                "case.fhir.json: your answers and the opinion as FHIR R4B resources (a "
                "collection Bundle)."
            ),
            gettext("records/: the files on the case. reports/: the opinion's PDF reports."),
        ]
    return "\n".join(lines) + "\n"


def export_case(*, case: Case, by: User):
    """A ZIP (in a temporary file, rewound) of everything about the case the patient's side may
    download: the answers as FHIR JSON, the records (not those waiting for or failing the virus
    scan) and, once delivered, the opinion's PDF reports. Audited."""

    if not permissions.is_owner(by, case):
        raise Case.DoesNotExist
    records = list(record_selectors.records_for_case(case))
    opinion = review_selectors.opinion_for(case) if permissions.can_read_opinion(by, case) else None
    # The delivered versions only: one the quality check returned is internal.
    reports = list(review_selectors.delivered_reports_for(case)) if opinion is not None else []
    # Closed by the response that streams it.
    archive = tempfile.TemporaryFile()  # noqa: SIM115
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zip_paths: dict[int, str] = {}  # record id -> its file's path in the ZIP
        for record in records:
            if not record.is_downloadable:  # waiting for the scanner, or quarantined
                continue
            path = zip_paths[record.pk] = f"records/{record.pk}-{_safe_name(record.original_name)}"
            with record.file.open("rb") as source, zipped.open(path, "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
        for report in reports:
            with report.file.open("rb") as source:
                zipped.writestr(f"reports/report-v{report.version}.pdf", source.read())
        bundle = fhir_bundle(case, records=records, opinion=opinion, zip_paths=zip_paths)
        zipped.writestr("case.fhir.json", json.dumps(bundle, indent=2, ensure_ascii=False))
        zipped.writestr("README.txt", export_readme(case, by=by))
    archive.seek(0)
    record_event(
        actor=by,
        action="case.export",
        obj=case,
        case_id=case.pk,
        on_behalf_of=selectors.acting_for(case, by),
        detail={"records": len(zip_paths), "reports": len(reports)},
    )
    return archive


# --- Deleting a case's health information on the patient's request ----------------------------

UNDER_REVIEW = (Status.OFFERED, Status.IN_REVIEW, Status.INFO_REQUESTED, Status.OPINION_SUBMITTED)
ENDED = (Status.DELIVERED, Status.CLOSED, Status.WITHDRAWN, Status.CANCELLED)
# The case's answers that are health or personal information, and their empty values.
CASE_PHI: dict[str, object] = {
    "patient_name": "",
    "patient_date_of_birth": None,
    "patient_region": "",
    "title": "",
    "diagnosis": "",
    "diagnosis_date": None,
    "treating_doctor": "",
    "treating_institution": "",
    "treatment": "",
    "question": "",
    "question_topics": [],
    "medical_history": "",
    "medications": "",
    "allergies": "",
    "excluded_doctors": "",
    "insurance_payer": "",
    "insurance_plan": "",
    "insurance_member_id": "",
    "insurance_needs_preauthorization": "",
}


def why_not_deletable(case: Case, *, now=None) -> str | None:
    """Why the case's information cannot be deleted now, in words for the reader (the active
    language); None if it can."""
    words = deletion_blocker(case, now=now)
    return spoken(words.stored()) if words else None


def deletion_blocker(case: Case, *, now=None) -> Words | None:
    """Why the case's information cannot be deleted now, as Words (kept on a refusal and read by
    the patient's side and the coordinators, each in their own language); None if it can."""
    if case.status in UNDER_REVIEW:
        return Words(
            gettext_noop(
                "A specialist is reviewing this case. It can be deleted once the opinion is "
                "delivered, or after the case is cancelled."
            )
        )
    if case.status not in ENDED:
        return Words(
            gettext_noop("This case is still open. Withdraw it first, then ask for its deletion.")
        )
    delivered = (
        CaseEvent.objects.filter(case=case, to_status=Status.DELIVERED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if delivered is not None:
        keep_until = delivered + timedelta(days=settings.DATA_RETENTION_DAYS)
        if (now or timezone.now()) < keep_until:
            return Words(
                gettext_noop(
                    "We must keep a delivered opinion for %(days)s days: it can be deleted from "
                    "%(date)s."
                ),
                {
                    "days": settings.DATA_RETENTION_DAYS,
                    "date": timezone.localtime(keep_until).date(),
                },
            )
    return None


def pending_deletion_request(case: Case) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(case=case, status=DeletionRequest.Status.PENDING).first()


def last_decided_deletion_request(case: Case) -> DeletionRequest | None:
    return (
        DeletionRequest.objects.filter(case=case)
        .exclude(status=DeletionRequest.Status.PENDING)
        .first()
    )


def pending_deletion_requests():
    return DeletionRequest.objects.filter(status=DeletionRequest.Status.PENDING).select_related(
        "case", "requested_by"
    )


@transaction.atomic
def request_deletion(*, case: Case, by: User) -> DeletionRequest:
    if not permissions.is_owner(by, case) or case.status == Status.DRAFT:
        raise ApplicationError(_("Only the patient's side can ask to delete a submitted case."))
    existing = pending_deletion_request(case)
    if existing is not None:
        return existing
    deletion = DeletionRequest.objects.create(case=case, requested_by=by)
    record_event(actor=by, action="case.deletion_request", obj=deletion, case_id=case.pk)
    return deletion


@transaction.atomic
def decide_deletion(*, case: Case, by: User) -> DeletionRequest:
    """A coordinator carries out the pending request, or refuses it saying why (the reason is
    kept on the request and shown to both sides, each in their own language)."""
    if not permissions.is_coordinator(by):
        raise ApplicationError(_("Only a coordinator can approve a deletion."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    deletion = pending_deletion_request(case)
    if deletion is None:
        raise ApplicationError(_("No deletion request waits on this case."))
    deletion.decided_by, deletion.decided_at = by, timezone.now()
    refusal = deletion_blocker(case)
    if refusal:
        deletion.status = DeletionRequest.Status.REFUSED
        # Kept as words (shown to each reader in their language) and in English (the log's).
        deletion.refusal_words, deletion.refusal_reason = refusal.stored(), str(refusal)
        deletion.save()
        record_event(actor=by, action="case.deletion_refuse", obj=deletion, case_id=case.pk)
        return deletion
    erased = _erase(case)
    deletion.status = DeletionRequest.Status.DONE
    deletion.save()
    record_event(
        actor=by, action="case.deletion_done", obj=deletion, case_id=case.pk, detail=erased
    )
    return deletion


# Rows kept for the timeline and the metrics, with their free-text columns emptied.
_KEEP_SCRUBBED: dict[str, dict[str, object]] = {
    "cases.caseevent": {"note": ""},
    "specialists.offer": {"decline_reason": "", "screening": {}},
    "cases.deletionrequest": {},
    # When the case entered each step (times only), which the metrics' step times read.
    "backoffice.casefirstentry": {},
}


def _relations_to_case() -> list:
    """Every relation pointing at Case, those without a reverse accessor (related_name="+")
    included."""
    return [
        field
        for field in Case._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def _erase(case: Case) -> dict:
    """Delete every row hanging off the case (but the kept ones, scrubbed), their files from
    storage once the transaction commits, and the PHI on the case row. Returns counts (no PHI)."""
    collector = Collector(using=router.db_for_write(Case))
    for relation in _relations_to_case():
        model = relation.related_model
        rows = model._base_manager.filter(**{relation.field.name: case})
        scrub = _KEEP_SCRUBBED.get(model._meta.label_lower)
        if scrub is not None:
            if scrub:
                rows.update(**scrub)
            continue
        collector.collect(rows)
    files = []
    counts = {}
    for model, instances in collector.data.items():
        counts[model._meta.label_lower] = len(instances)
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, FileField)]
        for instance in instances:
            for field in file_fields:
                stored = getattr(instance, field.attname)
                if stored:
                    files.append((field.storage, str(stored)))
    collector.delete()
    Case.objects.filter(pk=case.pk).update(**CASE_PHI)

    def remove_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return {"rows": counts, "files": len(files)}
