"""Reading the audit log."""

from django.db.models import QuerySet

from .models import AuditEvent


def events_for_case(case_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(case_id=case_id).select_related("actor")
