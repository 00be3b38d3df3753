"""Reading a user's notifications."""

from django.db.models import QuerySet

from .models import Notification, NotificationPreference


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def preference_for(user) -> NotificationPreference:
    """The user's saved preference, or the default (every email) unsaved."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )
