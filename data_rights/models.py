"""A patient's request to delete a case's information, and the coordinator's decision."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from secondopinion.words import spoken


class DeletionRequest(models.Model):
    """A patient's request to delete their case's health information, decided by a coordinator.

    Once carried out, the case keeps its reference, state and dates (no PHI) and the audit trail.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a coordinator")
        REFUSED = "refused", _("Refused")
        DONE = "done", _("Deleted")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deletion_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Why it was refused: in English (as the log reads it), and as the message and its parameters
    # (secondopinion.words) shown to each reader in their language. A request refused before the
    # words were kept has only the reason, in the patient's language then: shown as it is.
    refusal_reason = models.CharField(max_length=500, blank=True)
    refusal_words = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Deletion request {self.pk} on case {self.case_id}"

    @property
    def refusal(self) -> str:
        """Why it was refused, in the active language (as it was kept, for an older refusal)."""
        return spoken(self.refusal_words) or self.refusal_reason

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE
