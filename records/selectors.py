"""Reading record files, uploads and records requests, scoped to what each user may see."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from cases import permissions as case_permissions
from cases.selectors import cases_visible_to
from secondopinion.prepared import Prepared

from . import viewing
from .forms import RecordUploadForm
from .models import RecordFile, RecordsRequest, Upload


def records_for_case(case) -> QuerySet[RecordFile]:
    return RecordFile.objects.filter(case=case).select_related("uploaded_by", "records_request")


# The first `limit` records of a case (all with None), by a query compiled once per limit.
_RECORDS_OF_CASE = Prepared(lambda limit, *, case_id: records_for_case(case_id)[:limit])


def records_list_for_case(case, limit: int | None = None) -> list[RecordFile]:
    """`records_for_case(case)` read, its first `limit` when given (a list page's rows)."""
    return _RECORDS_OF_CASE.run(limit, case_id=case.pk)


def records_visible_to(user) -> QuerySet[RecordFile]:
    return RecordFile.objects.filter(case__in=cases_visible_to(user)).select_related("case")


def records_requests_for_case(case) -> QuerySet[RecordsRequest]:
    return RecordsRequest.objects.filter(case=case)


def records_requests_visible_to(user) -> QuerySet[RecordsRequest]:
    return RecordsRequest.objects.filter(case__in=cases_visible_to(user)).select_related("case")


def open_records_requests() -> QuerySet[RecordsRequest]:
    """Every request still waiting for a provider, oldest first (the coordinators' list)."""
    return (
        RecordsRequest.objects.filter(received_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("case")
        .order_by("created_at", "id")
    )


def uploads_visible_to(user, provider_request_ids: Iterable[int] = ()) -> QuerySet[Upload]:
    """Uploads this browser may continue: a signed-in user's own, or those of the records
    requests this browser's session opened through a provider link."""
    mine = Q(created_by=user) if user.is_authenticated else Q(pk__in=[])
    # What each chunk is checked against (records.uploads), joined in the one query: every tus
    # PATCH makes it, and each joined table's columns cost CPU there (at 8 MiB chunks, about a
    # sixth of a PATCH's own work), so a provider's request and its case's owner only when this
    # browser may hold a provider's upload.
    related = ["case", "created_by"]
    ids = list(provider_request_ids)
    if ids:
        mine |= Q(created_by__isnull=True, records_request_id__in=ids)
        related += ["records_request", "case__owner"]
    return Upload.objects.filter(mine).select_related(*related)


@dataclass
class Series:
    uid: str
    number: int | None
    description: str
    modality: str
    body_part: str
    files: list[RecordFile] = field(default_factory=list)

    @property
    def middle(self) -> RecordFile:
        """The middle slice, by instance number: the series' preview."""
        return self.files[len(self.files) // 2]

    @property
    def size(self) -> int:
        return sum(record.size for record in self.files)

    @property
    def scan_statuses(self) -> list[str]:
        return sorted({record.scan_status_label for record in self.files})


@dataclass
class Study:
    uid: str
    date: str
    description: str
    series: list[Series] = field(default_factory=list)

    @property
    def modalities(self) -> str:
        return ", ".join(sorted({s.modality for s in self.series if s.modality}))

    @property
    def file_count(self) -> int:
        return sum(len(s.files) for s in self.series)


def _sort_key(record: RecordFile):
    number = record.metadata.get("instance_number")
    return (number is None, number or 0, record.original_name)


def group_dicom_studies(records: Iterable[RecordFile]) -> list[Study]:
    """DICOM files that were read, grouped into studies and series, slices in order."""
    studies: dict[str, Study] = {}
    for record in records:
        if not record.is_dicom or record.read_status != RecordFile.ReadStatus.READ:
            continue
        meta = record.metadata
        study = studies.setdefault(
            meta["study_uid"],
            Study(
                uid=meta["study_uid"],
                date=meta.get("study_date", ""),
                description=meta.get("study_description", ""),
            ),
        )
        series = next((s for s in study.series if s.uid == meta["series_uid"]), None)
        if series is None:
            series = Series(
                uid=meta["series_uid"],
                number=meta.get("series_number"),
                description=meta.get("series_description", ""),
                modality=meta.get("modality", ""),
                body_part=meta.get("body_part", ""),
            )
            study.series.append(series)
        series.files.append(record)
    for study in studies.values():
        study.series.sort(key=lambda s: (s.number is None, s.number or 0, s.uid))
        for series in study.series:
            series.files.sort(key=_sort_key)
    return sorted(studies.values(), key=lambda s: (s.date, s.uid))


# The case page lists at most this many records; a case with more offers the whole list (the
# same list the uploader refreshes) a click away.
RECORDS_ON_CASE_PAGE = 25


def case_records_context(case, user, *, limit: int | None = None) -> dict:
    """What the case page's "Medical records" section needs: the files (DICOM files that were
    read are shown by study and series instead), the studies, and the records requests.

    With `limit`, a case with more records than that shows its first `limit` as plain rows (a
    study cut short would misstate its series) and says how many there are in all."""
    total = getattr(case, "record_count", None)
    truncated = limit is not None and total is not None and total > limit
    records = records_list_for_case(case, limit if truncated else None)
    studies = [] if truncated else group_dicom_studies(records)
    in_studies = {record.pk for study in studies for s in study.series for record in s.files}
    can_add = case_permissions.can_add_records(user, case)
    return {
        "records": [record for record in records if record.pk not in in_studies],
        "record_count": total if truncated else len(records),
        "records_truncated": truncated,
        "studies": studies,
        # A case read for its page says whether it has any (selectors.case_page_cases).
        "records_requests": list(records_requests_for_case(case))
        if getattr(case, "has_records_requests", True)
        else [],
        "upload_form": RecordUploadForm() if can_add else None,
        "can_request_records": can_add,
        "is_record_owner": case_permissions.is_owner(user, case),
    }


@dataclass(frozen=True)
class PatientIdentity:
    """Whom a records request is about, as the provider must be told: the patient's two
    identifiers (full name and date of birth) and, when a caregiver asked, who asked. Nothing
    else about the case."""

    name: str
    date_of_birth: date | None
    asked_by: str  # the caregiver's name; empty when the patient asked


def patient_identity(records_request: RecordsRequest) -> PatientIdentity:
    return patient_identity_for(case=records_request.case, asker=records_request.requested_by)


def patient_identity_for(*, case, asker) -> PatientIdentity:
    """Whom a request by `asker` on `case` is about: the patient the case names (a caregiver's
    case names someone else), and the caregiver when it is they who ask."""
    asked_for_someone_else = case.proxy_authority_id is not None
    name = case.patient_name or ("" if asked_for_someone_else else case.owner.full_name)
    asked_by = ""
    if asked_for_someone_else and asker.pk == case.owner_id:
        asked_by = asker.full_name or asker.email
    return PatientIdentity(name=name, date_of_birth=case.patient_date_of_birth, asked_by=asked_by)


def case_page_section(user, case, timeline) -> dict:
    """The case page's "Medical records" part (cases.page), its first RECORDS_ON_CASE_PAGE."""
    return case_records_context(case, user, limit=RECORDS_ON_CASE_PAGE)


def record_count() -> Subquery:
    """Per case (OuterRef "pk"): how many records it has (read with the case on its page)."""
    return Subquery(
        RecordFile.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("*"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def case_has_records(case) -> bool:
    """Whether the case has at least one record (the submission check asks)."""
    return records_for_case(case).exists()


def has_records() -> Exists:
    """Per case (OuterRef "pk"): whether it has any record."""
    return Exists(records_for_case(OuterRef("pk")))


def has_records_requests() -> Exists:
    """Per case (OuterRef "pk"): whether a records request was ever sent for it."""
    return Exists(records_requests_for_case(OuterRef("pk")))


def series_files_for(record: RecordFile, studies: list[Study] | None = None) -> list[RecordFile]:
    """The slices of the DICOM series `record` belongs to, in order (the viewer scrolls them);
    just `record` when it is not a DICOM file that was read into a series. `studies`: the case's
    files grouped already (`group_dicom_studies`), when the caller has read them all."""
    if not record.is_dicom or not record.metadata.get("series_uid"):
        return [record]
    if studies is None:
        same_series = RecordFile.objects.filter(
            case_id=record.case_id,
            content_type=record.content_type,
            metadata__series_uid=record.metadata["series_uid"],
        )
        studies = group_dicom_studies(same_series)
    for study in studies:
        for series in study.series:
            if record in series.files:
                return series.files
    return [record]


def viewer_context(record: RecordFile, files: list[RecordFile]) -> dict:
    """What templates/records/partials/viewer.html needs (the workspace builds the same). A
    slice the server could not decode when it read the file (metadata["no_preview"] says why)
    is left out of the series, so the others still scroll, and listed with the reason. A huge
    image is shown from its reduced copy, the original a link away."""
    kind = viewing.viewer_kind(record)
    slices = [item for item in files if not item.metadata.get("no_preview")] or files
    inline = reverse("records:record-inline", args=[record.pk])
    reduced = kind == "image" and bool(record.reduced)
    return {
        "kind": kind,
        "record": record,
        "url": reverse("records:record-reduced", args=[record.pk]) if reduced else inline,
        "original_url": inline if reduced else "",
        "original_size": (record.metadata.get("width"), record.metadata.get("height")),
        "download_url": reverse("records:record-download", args=[record.pk]),
        "series_urls": [reverse("records:record-inline", args=[item.pk]) for item in slices]
        if kind == "dicom"
        else [],
        # Each slice's name and download, in the order of series_urls: a slice the browser
        # cannot decode is named with its link.
        "slices": [
            {
                "name": item.original_name,
                "download": reverse("records:record-download", args=[item.pk]),
            }
            for item in slices
        ]
        if kind == "dicom"
        else [],
        "left_out": [item for item in files if item not in slices] if kind == "dicom" else [],
    }
