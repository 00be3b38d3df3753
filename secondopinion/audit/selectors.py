"""Reading the audit log."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from .actions import ACTIONS
from .models import AuditEvent


def events_for_case(case_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(case_id=case_id).select_related("actor")


def events_matching(
    *,
    case_id: int | None = None,
    actor_email: str = "",
    action: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """Audit events filtered for the audit viewer, newest first."""
    events = AuditEvent.objects.select_related("actor", "on_behalf_of")
    if case_id is not None:
        events = events.filter(case_id=case_id)
    if actor_email:
        events = events.filter(actor__email__iexact=actor_email)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(at__gte=since)
    if until:
        events = events.filter(at__lt=until)
    return events.order_by("-at", "-id")


def actions() -> list[str]:
    """The action names the code writes (see actions.py), for the viewer's filter."""
    return sorted(ACTIONS)


@dataclass
class KeysetPage:
    """A page of events, newest first, and the cursors of the pages either side (None at an
    end). No COUNT: the log's size does not weigh on the page."""

    events: list[AuditEvent]
    older: str | None
    newer: str | None


def _cursor(event: AuditEvent) -> str:
    return f"{event.at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%f')}_{event.pk}"


def _position(cursor: str) -> tuple[datetime, int] | None:
    """(time, id) from a cursor; None for anything else (a hand-edited link starts over)."""
    try:
        stamp, pk = cursor.split("_")
        return datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC), int(pk)
    except ValueError:
        return None


def events_page(
    events: QuerySet[AuditEvent], *, size: int, before: str = "", after: str = ""
) -> KeysetPage:
    """One page of `events` (ordered newest first) by keyset on (time, id): the `size` events
    older than the `before` cursor, or newer than the `after` one, or the newest. Each page
    reads size + 1 rows on the (time) index, however long the log."""
    older_than, newer_than = _position(before) if before else None, None
    if older_than is None and after:
        newer_than = _position(after)
    if newer_than is not None:
        at, pk = newer_than
        rows = list(
            events.filter(Q(at__gt=at) | Q(at=at, pk__gt=pk)).order_by("at", "id")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows,
            older=_cursor(rows[-1]) if rows else None,
            newer=_cursor(rows[0]) if rows and more_newer else None,
        )
    if older_than is not None:
        at, pk = older_than
        events = events.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(events.order_by("-at", "-id")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        older=_cursor(rows[-1]) if rows and more_older else None,
        newer=_cursor(rows[0]) if rows and older_than is not None else None,
    )
