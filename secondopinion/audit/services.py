"""Writing audit events. Every service that reads or changes health information calls this."""

from django.db import models

from .context import current
from .models import AuditEvent


def record_event(
    *,
    actor,
    action: str,
    obj: models.Model,
    case_id: int | None = None,
    on_behalf_of=None,
    detail: dict | None = None,
) -> AuditEvent:
    context = current.get()
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        case_id=case_id,
        ip=context.ip,
        request_id=context.request_id,
        detail=detail or {},
    )
