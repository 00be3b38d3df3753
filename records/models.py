"""Medical record files attached to a case, resumable uploads in progress, and records requests
sent to providers."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secondopinion.files.checks import ScanStatus
from secondopinion.text import Text

# Types we accept, detected from a file's bytes (never from its name), with the words users see.
ACCEPTED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": _("JPEG image"),
    "image/png": _("PNG image"),
    "image/tiff": _("TIFF image"),
    "application/dicom": _("DICOM image"),
    "text/plain": _("Text"),
    "application/msword": _("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _("Word document"),
    "application/vnd.ms-excel": _("Excel spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Excel spreadsheet"),
    "application/vnd.oasis.opendocument.text": _("OpenDocument text"),
}


def record_upload_to(record: "RecordFile", filename: str) -> str:
    # The uploaded name is display text only, never part of a path.
    return f"records/{record.case_id}/{secrets.token_hex(16)}"


def preview_upload_to(record: "RecordFile", filename: str) -> str:
    return f"previews/{record.case_id}/{secrets.token_hex(16)}.png"


def reduced_upload_to(record: "RecordFile", filename: str) -> str:
    # records.services names it "reduced.jpg" or "reduced.png", after its format.
    suffix = ".jpg" if filename.endswith(".jpg") else ".png"
    return f"previews/{record.case_id}/{secrets.token_hex(16)}{suffix}"


# The scan's outcome in words (ScanStatus's own labels, here so they are translated).
SCAN_STATUS_LABELS: dict[str, Text] = {
    ScanStatus.PENDING: _("Waiting for virus scan"),
    ScanStatus.CLEAN: _("Scanned: clean"),
    ScanStatus.INFECTED: _("Quarantined: a virus was found"),
    ScanStatus.NOT_SCANNED: _("Not scanned (no virus scanner configured)"),
}


class RecordFile(models.Model):
    ScanStatus = ScanStatus

    class ReadStatus(models.TextChoices):
        PENDING = "pending", _("Being read")
        READ = "read", _("Read")
        UNREADABLE = "unreadable", _("Could not read this file")
        SKIPPED = "skipped", _("Nothing to read")

    class Label(models.TextChoices):
        IMAGING = "imaging", _("Imaging")
        PATHOLOGY = "pathology", _("Pathology")
        LAB = "lab", _("Lab results")
        LETTER = "letter", _("Letter")
        OTHER = "other", _("Other")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="records")
    file = models.FileField(upload_to=record_upload_to, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(
        max_length=16, choices=ScanStatus.choices, default=ScanStatus.PENDING
    )
    # The virus name when one was found, or why a file was not scanned.
    scan_detail = models.CharField(max_length=200, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    # Empty for a file sent by a provider through a records request (no account).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The patient-side account a file was added for, when the uploader is someone else.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    records_request = models.ForeignKey(
        "records.RecordsRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    label = models.CharField(max_length=16, choices=Label.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    # Read by a task after the scan: page count, DICOM study and series, a preview image.
    read_status = models.CharField(
        max_length=16, choices=ReadStatus.choices, default=ReadStatus.PENDING
    )
    page_count = models.PositiveIntegerField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    preview = models.FileField(upload_to=preview_upload_to, max_length=200, blank=True)
    # For a JPEG or PNG too large to send a browser, the copy within the viewer's limits that
    # the viewer shows instead (records.images; metadata holds both sizes).
    reduced = models.FileField(upload_to=reduced_upload_to, max_length=200, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        # A case's records in order (the case page reads its first few, a count of them).
        indexes = [models.Index(fields=["case", "uploaded_at", "id"], name="record_case_order")]
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="one_copy_of_a_file_per_case")
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def type_label(self) -> str:
        return str(ACCEPTED_TYPES.get(self.content_type, self.content_type))

    @property
    def is_downloadable(self) -> bool:
        """Files are opened only once scanned clean, or when no scanner is configured."""
        return self.scan_status in (self.ScanStatus.CLEAN, self.ScanStatus.NOT_SCANNED)

    @property
    def reduced_content_type(self) -> str:
        return "image/jpeg" if (self.reduced.name or "").endswith(".jpg") else "image/png"

    @property
    def is_dicom(self) -> bool:
        return self.content_type == "application/dicom"

    # Where reading the file stands, for templates (no status strings in them).
    @property
    def is_read(self) -> bool:
        return self.read_status == self.ReadStatus.READ

    @property
    def is_unreadable(self) -> bool:
        return self.read_status == self.ReadStatus.UNREADABLE

    @property
    def scan_status_label(self) -> str:
        """get_scan_status_display, in the reader's language."""
        label = SCAN_STATUS_LABELS.get(self.scan_status)
        return str(label) if label is not None else self.get_scan_status_display()

    @property
    def label_name(self) -> str:
        """get_label_display, translating only this label: Django's translates every label of the
        field to find it, five lookups a row on a list of files."""
        return str(self.Label(self.label).label) if self.label in self.Label.values else self.label

    @property
    def is_being_read(self) -> bool:
        return self.read_status == self.ReadStatus.PENDING

    # What a DICOM file holds (records.reading puts it in metadata["kind"]), in words.
    DICOM_KINDS = {
        "image": _("Image"),
        "structured_report": _("Structured report (text, not an image)"),
        "waveform": _("Waveform (a signal such as an ECG, not an image)"),
        "document": _("Document kept in DICOM (not an image)"),
        "other": _("DICOM object that is not an image"),
    }

    @property
    def dicom_kind(self) -> str:
        return self.metadata.get("kind", "image") if self.is_dicom else ""

    @property
    def dicom_kind_label(self) -> str:
        if not self.is_dicom:
            return ""
        label = self.DICOM_KINDS.get(self.dicom_kind, self.DICOM_KINDS["other"])
        sop_class = self.metadata.get("sop_class", "")
        return f"{label}: {sop_class}" if sop_class and self.dicom_kind != "image" else str(label)


def new_upload_id() -> str:
    return secrets.token_urlsafe(24)


class Upload(models.Model):
    """A resumable (tus) upload in progress. Its bytes are kept in the configured storage (S3
    multipart upload parts, or one data file in a shared folder, written in place), and everything
    needed to continue it is on this row, so any web node can take the next chunk. Complete, the file
    becomes a RecordFile (or is refused) and the row records that."""

    class Status(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        FINISHING = "finishing", _("Being added to the case")
        DONE = "done", _("Added to the case")
        REFUSED = "refused", _("Refused")

    id = models.CharField(primary_key=True, max_length=40, default=new_upload_id, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    records_request = models.ForeignKey(
        "records.RecordsRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=255)
    length = models.PositiveBigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVING)
    message = models.CharField(max_length=400, blank=True)
    record = models.ForeignKey(
        RecordFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Where the bytes are (records/upload_parts.py): the stored file's name (chosen at the start),
    # the object store's multipart upload id, the parts stored ([number, etag, size], in order)
    # and the bytes received but not yet a part (object storage takes parts of 5 MiB or more;
    # local storage, one data file, has neither).
    offset = models.PositiveBigIntegerField(default=0)
    key = models.CharField(max_length=200, blank=True)
    multipart_id = models.CharField(max_length=1024, blank=True)
    parts = models.JSONField(default=list, blank=True)
    last_part_number = models.PositiveIntegerField(default=0)
    carry = models.CharField(max_length=200, blank=True)
    carry_size = models.PositiveBigIntegerField(default=0)
    finishing_since = models.DateTimeField(null=True, blank=True)
    # The running SHA-256 (records/resumable_hash.py) of the first `hashed_offset` bytes. With
    # object storage it moves with the offset; with local storage it follows a chunk behind: the
    # node that stored a chunk hashes it once the client has its answer (records/uploads.py).
    hash_state = models.BinaryField(null=True, blank=True)
    hashed_offset = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"Upload {self.pk} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class RecordsRequest(models.Model):
    """A patient's request that a provider send records, through a single-use expiring link.

    The link's token is derived from `nonce` and the secret key; only its SHA-256 is stored to
    find the request, so neither a database copy nor the logs can rebuild a working link.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened by the provider")
        RECEIVED = "received", _("Records received")
        EXPIRED = "expired", _("Link expired")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    provider_name = models.CharField(_("Provider's name"), max_length=200)
    provider_organisation = models.CharField(_("Hospital, clinic or practice"), max_length=200)
    provider_email = models.EmailField(_("Provider's email address"))
    records_wanted = models.TextField(_("Which records do you need?"), max_length=2000)
    nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    reminders_sent = models.PositiveIntegerField(default=0)
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    # Files the provider sent that the case already had (same SHA-256): stored once, accepted
    # without a word, and listed back to the provider as received ({"name", "size"} each).
    duplicates_received = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["received_at", "expires_at"])]

    def __str__(self) -> str:
        return f"Records request {self.pk} on case {self.case_id}"

    @property
    def status(self) -> str:
        if self.received_at:
            return self.Status.RECEIVED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        if self.opened_at:
            return self.Status.OPENED
        return self.Status.SENT

    @property
    def status_label(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.OPENED)
