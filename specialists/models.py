"""Specialists' profiles and the offers of cases made to them."""

from django.conf import settings
from django.db import models


class Specialist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="specialist"
    )
    specialty = models.CharField(max_length=120)
    credentials = models.CharField(
        max_length=300, help_text="Board certifications and licences, as printed on reports."
    )
    institution = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    # Only specialists whose credentials a coordinator has checked can be offered cases.
    is_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.specialty})"


class Offer(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="offers")
    specialist = models.ForeignKey(Specialist, on_delete=models.PROTECT, related_name="offers")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    respond_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one open offer per case: two coordinators offering at once, one wins.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="open"),
                name="one_open_offer_per_case",
            )
        ]
        indexes = [models.Index(fields=["specialist", "status"])]

    def __str__(self) -> str:
        return f"Offer of case {self.case_id} to {self.specialist_id} ({self.status})"
