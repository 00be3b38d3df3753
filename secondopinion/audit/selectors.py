"""Reading the audit log."""

from django.db.models import QuerySet

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
    return list(AuditEvent.objects.values_list("action", flat=True).distinct().order_by("action"))
