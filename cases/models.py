"""Cases, their status history, opinions and PDF reports.

`Case.status` is assigned in exactly one place, `cases.services._transition`.
"""

import secrets

from django.conf import settings
from django.db import models

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read out on the phone


def new_reference() -> str:
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"SO-{body[:4]}-{body[4:]}"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    TRIAGE = "triage", "In triage"
    NEEDS_INFO = "needs_info", "Needs information from you"
    MATCHING = "matching", "Finding a specialist"
    OFFERED = "offered", "Offered to a specialist"
    IN_REVIEW = "in_review", "Specialist reviewing"
    INFO_REQUESTED = "info_requested", "Specialist asked a question"
    OPINION_SUBMITTED = "opinion_submitted", "Opinion in quality check"
    DELIVERED = "delivered", "Opinion delivered"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Cancelled"


# What happens next, in the patient's words, shown under the status on the case page.
NEXT_STEP = {
    Status.DRAFT: "Your case is a draft. Add at least one medical record, then submit it.",
    Status.SUBMITTED: "A coordinator will check your case and records, usually within 2 working days.",
    Status.TRIAGE: "A coordinator is checking your case and records.",
    Status.NEEDS_INFO: "A coordinator needs more information from you.",
    Status.MATCHING: "We are finding a qualified specialist with no conflict of interest.",
    Status.OFFERED: "A specialist has been asked to review your case and will answer soon.",
    Status.IN_REVIEW: "A specialist is reviewing your records and writing their opinion.",
    Status.INFO_REQUESTED: "The specialist has asked you a question.",
    Status.OPINION_SUBMITTED: "The specialist has written their opinion. We are checking it before it reaches you.",
    Status.DELIVERED: "Your opinion is ready. Read it below or download the PDF report.",
    Status.CLOSED: "This case is closed.",
    Status.WITHDRAWN: "You withdrew this case.",
    Status.CANCELLED: "This case was cancelled.",
}


class Case(models.Model):
    reference = models.CharField(max_length=16, unique=True, default=new_reference, editable=False)
    # The account that opened the case: the patient, or a caregiver acting for them.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField("Short title", max_length=120)
    diagnosis = models.TextField("Current diagnosis", max_length=4000)
    treating_doctor = models.CharField("Treating doctor", max_length=200)
    question = models.TextField("Your question for the specialist", max_length=4000)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    specialist = models.ForeignKey(
        "specialists.Specialist",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["owner", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def next_step(self) -> str:
        return NEXT_STEP[self.status]


class CaseEvent(models.Model):
    """One step of a case's status timeline, written by every transition."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} -> {self.to_status}"


class Opinion(models.Model):
    class Relation(models.TextChoices):
        AGREE = "agree", "Agrees with the original diagnosis"
        REFINE = "refine", "Refines the original diagnosis"
        CHANGE = "change", "Changes the original diagnosis"
        CANNOT_DETERMINE = "cannot_determine", "Cannot determine from the records"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="opinion")
    author = models.ForeignKey(
        "specialists.Specialist", on_delete=models.PROTECT, related_name="opinions"
    )
    relation = models.CharField(
        "How does your opinion relate to the original diagnosis?",
        max_length=20,
        choices=Relation.choices,
        blank=True,
    )
    diagnosis = models.TextField("Your diagnosis", max_length=4000, blank=True)
    reasoning = models.TextField("Reasoning", max_length=20000, blank=True)
    recommendations = models.TextField(
        "Recommended treatment and alternatives", max_length=20000, blank=True
    )
    plain_summary = models.TextField("Summary in plain language", max_length=4000, blank=True)
    attested = models.BooleanField(
        "I have no conflict of interest and this opinion is my own independent judgement",
        default=False,
    )
    # Incremented on each submission; a report is rendered once per revision.
    revision = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    quality_comments = models.TextField(blank=True, max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)

    REQUIRED_FIELDS_FOR_SUBMISSION = (
        "relation",
        "diagnosis",
        "reasoning",
        "recommendations",
        "plain_summary",
    )

    def __str__(self) -> str:
        return f"Opinion on {self.case_id} (revision {self.revision})"


def report_upload_to(report: "Report", filename: str) -> str:
    # Storage paths carry ids only, never names or health information.
    return f"reports/{report.case_id}/{secrets.token_hex(16)}.pdf"


class Report(models.Model):
    """A rendered PDF of an opinion; each revision gets its own version, all kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="reports")
    opinion_revision = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=report_upload_to, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "opinion_revision"], name="one_report_per_revision"
            ),
            models.UniqueConstraint(fields=["case", "version"], name="unique_report_version"),
        ]

    def __str__(self) -> str:
        return f"Report v{self.version} for case {self.case_id}"
