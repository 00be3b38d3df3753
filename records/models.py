"""Medical record files attached to a case."""

import secrets

from django.conf import settings
from django.db import models

# Types we accept, detected from a file's bytes (never from its name), with the words users see.
ACCEPTED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/tiff": "TIFF image",
    "application/dicom": "DICOM image",
    "text/plain": "Text",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
}


def record_upload_to(record: "RecordFile", filename: str) -> str:
    # The uploaded name is display text only, never part of a path.
    return f"records/{record.case_id}/{secrets.token_hex(16)}"


class RecordFile(models.Model):
    class ScanStatus(models.TextChoices):
        PENDING = "pending", "Waiting for virus scan"
        CLEAN = "clean", "Scanned: clean"
        INFECTED = "infected", "Quarantined: a virus was found"
        NOT_SCANNED = "not_scanned", "Not scanned (no virus scanner configured)"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="records")
    file = models.FileField(upload_to=record_upload_to, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(
        max_length=16, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="one_copy_of_a_file_per_case")
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def type_label(self) -> str:
        return ACCEPTED_TYPES.get(self.content_type, self.content_type)

    @property
    def is_downloadable(self) -> bool:
        return self.scan_status != self.ScanStatus.INFECTED
