"""The audit log survives its own application: TRUNCATE is refused, `flush` refuses production,
and after `manage.py secure_audit_log` the app's database role can only add and read events.

The PostgreSQL tests create two roles of their own (the server trusts user postgres) and put
everything back afterwards; on SQLite they are skipped, saying so, and in CI (PostgreSQL) a missing PostgreSQL fails them.
"""

# ruff: noqa: S608  (the SQL here is the attacker's statements, built from our own table name)
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from secondopinion.audit.models import AuditEvent
from secondopinion.audit.services import record_event
from tests.support import needs_service

on_postgresql = needs_service(
    "PostgreSQL",
    connection.vendor == "postgresql",
    "triggers and roles are PostgreSQL's; run with DATABASE_URL=postgres://... as CI does",
)
TABLE = AuditEvent._meta.db_table


def _execute(*statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _trigger_enabled(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
            [name, TABLE],
        )
        row = cursor.fetchone()
    return row[0] if row else None


@pytest.fixture
def event(actors):
    return record_event(actor=actors.alice, action="case.view", obj=actors.alice, case_id=1)


def test_flush_is_refused_in_production(event, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="refused when DJANGO_ENV=production"):
        call_command("flush", interactive=False, verbosity=0)

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_truncate(actors):
    event = record_event(actor=actors.alice, action="case.view", obj=actors.alice, case_id=1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {TABLE}")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_flush_outside_production_empties_the_log_and_keeps_the_trigger(actors):
    record_event(actor=actors.alice, action="case.view", obj=actors.alice, case_id=1)

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEvent.objects.exists()
    assert _trigger_enabled("audit_event_no_truncate") == "O"  # enabled again ("O"rigin)


def test_secure_audit_log_says_it_is_for_postgresql(db):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the command runs (the tests below)")
    with pytest.raises(CommandError, match="for PostgreSQL"):
        call_command("secure_audit_log", owner="audit_owner", app_role="app")


@pytest.fixture
def roles(transactional_db):
    """A login role for the app that, as in production, owns the audit table, its trigger
    function and the schema (it ran the migrations), and a name for the owner role the command
    creates. Afterwards everything goes back to the test database's owner."""
    suffix = uuid.uuid4().hex[:8]
    app, owner = f"so_app_{suffix}", f"so_audit_owner_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, nspowner::regrole::text FROM pg_namespace "
            "WHERE nspname = 'public'"
        )
        admin, schema_owner = cursor.fetchone()
    _execute(
        f'CREATE ROLE "{app}" LOGIN',
        f'ALTER TABLE {TABLE} OWNER TO "{app}"',
        f'ALTER FUNCTION audit_event_append_only() OWNER TO "{app}"',
        f'ALTER SCHEMA public OWNER TO "{app}"',
    )
    try:
        yield app, owner
    finally:
        for role in (app, owner):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone():
                    _execute(
                        f'REASSIGN OWNED BY "{role}" TO "{admin}"',
                        f'DROP OWNED BY "{role}"',
                        f'DROP ROLE "{role}"',
                    )
        _execute(f"ALTER SCHEMA public OWNER TO {schema_owner}")


def _connect_as(role: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        autocommit=True,
    )


INSERT = (
    f"INSERT INTO {TABLE} (action, object_type, object_id, at, request_id, detail)"
    " VALUES ('case.view', 'case', '1', now(), '', '{}')"
)


@on_postgresql
def test_before_the_command_the_app_role_can_wipe_the_log(roles):
    """What the command is for: the role that owns the table can switch the trigger off."""
    app, _ = roles
    _execute(INSERT)
    with _connect_as(app) as app_connection, app_connection.transaction(force_rollback=True):
        app_connection.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_event_no_truncate")
        app_connection.execute(f"TRUNCATE {TABLE}")
        assert app_connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 0
    assert AuditEvent.objects.count() == 1  # rolled back


@on_postgresql
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET action = 'changed'",
        f"DELETE FROM {TABLE}",
        f"TRUNCATE {TABLE}",
        f"TRUNCATE {TABLE} CASCADE",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_event_no_truncate",
        f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL",
        f"DROP TABLE {TABLE}",
        f"DROP TABLE {TABLE} CASCADE",
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger"
        " AS $$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER sneaky BEFORE INSERT ON {TABLE}"
        " FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
)
def test_after_the_command_the_app_role_can_only_add_and_read_events(roles, statement):
    app, owner = roles
    _execute(INSERT)

    call_command("secure_audit_log", owner=owner, app_role=app, verbosity=0)

    with _connect_as(app) as app_connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_connection.execute(statement)
        app_connection.execute(INSERT)
        count = app_connection.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]
        # The app still creates tables of its own in the schema (its other migrations).
        app_connection.execute("CREATE TABLE so_app_owned (id int)")
        app_connection.execute("DROP TABLE so_app_owned")
    assert count == 2
    assert AuditEvent.objects.count() == 2
    assert _trigger_enabled("audit_event_no_truncate") == "O"
    assert _trigger_enabled("audit_event_append_only") == "O"


@on_postgresql
def test_the_command_refuses_an_app_role_that_would_keep_the_owners_rights(roles):
    app, owner = roles
    _execute(f'CREATE ROLE "{owner}" NOLOGIN', f'GRANT "{owner}" TO "{app}"')

    with pytest.raises(CommandError, match="member of"):
        call_command("secure_audit_log", owner=owner, app_role=app, verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [TABLE])
        assert cursor.fetchone()[0] == app  # nothing changed


@on_postgresql
def test_running_the_command_twice_changes_nothing(roles):
    app, owner = roles
    call_command("secure_audit_log", owner=owner, app_role=app, verbosity=0)
    call_command("secure_audit_log", owner=owner, app_role=app, verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [TABLE])
        assert cursor.fetchone()[0] == owner
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants"
            " WHERE table_name = %s AND grantee = %s ORDER BY 1",
            [TABLE, app],
        )
        assert [row[0] for row in cursor.fetchall()] == ["INSERT", "SELECT"]
