"""In-app notifications and the one outbox of emails, for every app.

An OutboundEmail row is written in the same transaction as the change it reports, so an email
is never lost when the broker or the worker is down: the one beat task sends whatever is unsent.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # Shown inside the app only, to the signed-in user; never sent by email.
    message = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Not stored: set by selectors.notifications_to_show for the page.
    link_works: bool

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message


class OutboundEmail(models.Model):
    """The one outbox: every email the service sends, to a user or to a bare address (a provider,
    a referrer, an invited patient), written in the transaction of the change it reports.

    A row holds what the email is (`kind`) and the ids needed to compose it, never its text and
    never a link's token: the kind's compose function (registered by the app that owns the kind)
    renders it at send time, deriving any link from the linked row's nonce. `key` names the
    logical email, so queuing the same email twice keeps one row and sends it once.
    """

    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Only for someone without an account, and only until sent or dropped; a user's email goes to
    # their current address.
    to_address = models.EmailField(blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Small values the kind needs besides the id (e.g. the status reached), never PHI or tokens.
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set when, at send time, the email no longer had a reason to go (e.g. the request closed).
    dropped_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} email {self.pk}"

    @property
    def recipient(self) -> str:
        return self.user.email if self.user is not None else self.to_address


class NotificationPreference(models.Model):
    """A user's choice of emails. In-app notifications are always on; without a row, every
    email is sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_case_updates = models.BooleanField(
        _("Email me when there is an update on a case"),
        default=True,
        help_text=_(
            "The email only says there is an update and asks you to sign in. You always "
            "see updates under Notifications."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preference of user {self.user_id}"
