"""`manage.py flush`, which would empty the audit log with every other table: refused when
DJANGO_ENV=production; elsewhere (development, and the tests' own flush between transactional
tests) it lifts the audit table's TRUNCATE-refusing trigger for its own transaction only."""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections, transaction

from secondopinion.audit.models import AuditEvent

TRIGGER = "audit_event_no_truncate"


class Command(flush.Command):
    help = (
        flush.Command.help + " Refused when DJANGO_ENV=production (it would empty the audit log)."
    )

    def handle(self, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "flush is refused when DJANGO_ENV=production: it would delete every row of every "
                "table, the audit log included."
            )
        connection = connections[options["database"]]
        if not _has_truncate_trigger(connection):
            return super().handle(**options)
        table = connection.ops.quote_name(AuditEvent._meta.db_table)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}")
            super().handle(**options)
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}")


def _has_truncate_trigger(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass(%s)",
            [TRIGGER, AuditEvent._meta.db_table],
        )
        return cursor.fetchone() is not None
