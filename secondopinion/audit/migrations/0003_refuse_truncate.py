"""On PostgreSQL, the database also refuses TRUNCATE of audit events (row triggers do not see it).

`manage.py flush` outside production lifts this trigger for its own transaction only
(secondopinion/audit/management/commands/flush.py); in production it refuses to run.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""
DROP = "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
