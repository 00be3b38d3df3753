"""Each case's message thread between the patient's side, the assigned specialist and the
coordinators, and how far each person has read it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from records.models import RecordFile


class Message(models.Model):
    """A message on a case between the patient's side, the assigned specialist and coordinators.
    Emails about it say only that there is a new message."""

    MAX_LENGTH = 5000

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("Your message"), max_length=MAX_LENGTH)
    # Files sent with the message: case records, checked, scanned and previewed like any other.
    attachments = models.ManyToManyField(RecordFile, blank=True, related_name="messages")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"Message {self.pk} on case {self.case_id}"


class MessageReadMarker(models.Model):
    """How far one user has read a case's messages: later messages by others are unread."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_up_to = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_read_marker_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read case {self.case_id} up to {self.read_up_to}"
