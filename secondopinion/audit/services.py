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


def record_events(
    *,
    actor,
    action: str,
    objects: list[tuple[models.Model, int | None]],
    detail: dict | None = None,
) -> list[AuditEvent]:
    """One event per (object, case id), written in one INSERT (a search that shows 50 cases
    is 50 reads, not 50 round trips)."""
    context = current.get()
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                case_id=case_id,
                ip=context.ip,
                request_id=context.request_id,
                detail=detail or {},
            )
            for obj, case_id in objects
        ]
    )
