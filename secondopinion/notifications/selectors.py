"""Reading a user's notifications."""

from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.urls import Resolver404, resolve

from cases.selectors import cases_visible_to

from .models import Notification, NotificationPreference


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def notifications_to_show(user, *, limit: int = 100) -> list[Notification]:
    """The user's latest notifications, each marked `link_works`: False when it links to a case
    the user can no longer open (a caregiver the patient stopped, an offer that went to someone
    else), so the page never sends them to a "not found"."""
    notifications = list(notifications_for(user)[:limit])
    references = {_case_reference(n.link) for n in notifications} - {None}
    visible = set(
        cases_visible_to(user).filter(reference__in=references).values_list("reference", flat=True)
        if references
        else ()
    )
    for notification in notifications:
        reference = _case_reference(notification.link)
        notification.link_works = bool(notification.link) and (
            reference is None or reference in visible
        )
    return notifications


def _case_reference(link: str) -> str | None:
    """The case a link points to, if it points to one."""
    if not link:
        return None
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        return None
    return match.kwargs.get("reference")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def preference_for(user) -> NotificationPreference:
    """The user's saved preference, or the default (every email) unsaved."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )
