"""Reading a user's notifications."""

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.urls import Resolver404, resolve

from .models import Notification, NotificationPreference

# Which of the case references a user's notifications link to they may still open. The cases app
# registers it at start-up (a platform app imports no domain app); unset, every link works.
_openable_case_references: Callable[[object, Iterable[str]], set[str]] | None = None


def register_case_link_check(check: Callable[[object, Iterable[str]], set[str]]) -> None:
    global _openable_case_references
    _openable_case_references = check


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def notifications_to_show(user, *, limit: int = 100) -> list[Notification]:
    """The user's latest notifications, each marked `link_works`: False when it links to a case
    the user can no longer open (a caregiver the patient stopped, an offer that went to someone
    else), so the page never sends them to a "not found"."""
    notifications = list(notifications_for(user)[:limit])
    references = {ref for n in notifications if (ref := _case_reference(n.link)) is not None}
    check = _openable_case_references
    visible = check(user, references) if references and check else references
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
