"""Audit events can be written, never changed or deleted."""

import pytest
from django.db import DatabaseError, connection, transaction

from secondopinion.audit.models import AuditEvent, AuditLogIsAppendOnly
from secondopinion.audit.services import record_event
from tests.support import needs_service


@pytest.fixture
def event(actors):
    return record_event(actor=actors.alice, action="case.view", obj=actors.alice, case_id=1)


def test_an_event_cannot_be_changed_through_the_orm(event):
    event.action = "case.nothing"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="case.nothing")


def test_an_event_cannot_be_deleted_through_the_orm(event):
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@needs_service(
    "PostgreSQL", connection.vendor == "postgresql", "the trigger is PostgreSQL's: set DATABASE_URL"
)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'changed'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_postgresql_refuses_raw_updates_and_deletes(event, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).action == "case.view"
