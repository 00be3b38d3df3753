"""Production set-up of the audit log on PostgreSQL: the app's database role may only add and
read audit events, never change, delete, empty, alter or drop them.

    DATABASE_URL=postgres://<admin>@<host>/<db> \\
        manage.py secure_audit_log --owner secondopinion_audit --app-role secondopinion

Run it once after `migrate` (and again after any migration of the audit app, which must itself run
as an administrator), connected as a database administrator, not as the app's role. It:
- creates the owner role (NOLOGIN) if it does not exist;
- makes it the owner of the audit table, its id sequence and its trigger function, so the app's
  role can no longer ALTER (e.g. DISABLE TRIGGER), DROP or replace them;
- leaves the app's role INSERT and SELECT on the table and USAGE on the sequence, nothing else
  (so UPDATE, DELETE and TRUNCATE are refused by privilege, before any trigger);
- if the app's role owns the table's schema (directly, or as owner of the database through
  pg_database_owner), hands the schema to the owner role too, since a schema's owner may drop any
  table in it, and grants the app's role USAGE and CREATE there so its migrations still run.
Every step runs in one transaction; running it again changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql

from secondopinion.audit.models import AuditEvent

TRIGGER_FUNCTION = "audit_event_append_only()"


class Command(BaseCommand):
    help = (
        "Make the audit table owned by another role, the app's role limited to INSERT and "
        "SELECT on it (PostgreSQL; run as a database administrator)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="Role to own the audit table.")
        parser.add_argument(
            "--app-role", required=True, help="The role the application connects as."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *, owner: str, app_role: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError(
                "secure_audit_log is for PostgreSQL; elsewhere the audit log is append-only "
                "through the application only."
            )
        if owner == app_role:
            raise CommandError("--owner must be a role other than the app's.")
        table = AuditEvent._meta.db_table
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = %s", [app_role]
            )
            row = cursor.fetchone()
            if row is None:
                raise CommandError(f"There is no role {app_role!r} in this database cluster.")
            current_user, app_is_superuser = row
            if app_is_superuser:
                raise CommandError(f"{app_role!r} is a superuser: no privilege can limit it.")
            if current_user == app_role:
                raise CommandError(
                    "Run this connected as a database administrator (DATABASE_URL), not as the "
                    "app's role: a role cannot take away its own ownership."
                )
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [owner])
            if cursor.fetchone() is None:
                create = sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(owner))
                cursor.execute(create.as_string(connection.connection))
                self.stdout.write(f"Created role {owner} (NOLOGIN).")
            cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app_role, owner])
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"{app_role!r} is a member of {owner!r} and would keep the owner's rights."
                )
            cursor.execute(
                "SELECT n.nspname, n.nspowner::regrole::text, pg_get_serial_sequence(%s, 'id')"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.oid = to_regclass(%s)",
                [table, table],
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"There is no table {table}: run migrate first.")
            schema, schema_owner, sequence = found
            ids = {
                "table": sql.Identifier(schema, table),
                "owner": sql.Identifier(owner),
                "app": sql.Identifier(app_role),
                "schema": sql.Identifier(schema),
                "function": sql.SQL("{}.{}").format(
                    sql.Identifier(schema), sql.SQL(TRIGGER_FUNCTION)
                ),
            }
            statements = [
                "ALTER TABLE {table} OWNER TO {owner}",  # its identity sequence follows
                "ALTER FUNCTION {function} OWNER TO {owner}",
                "REVOKE ALL ON TABLE {table} FROM PUBLIC, {app}",
                "GRANT SELECT, INSERT ON TABLE {table} TO {app}",
            ]
            if sequence:
                ids["sequence"] = sql.SQL(sequence)  # already quoted by PostgreSQL
                statements += [
                    "REVOKE ALL ON SEQUENCE {sequence} FROM PUBLIC, {app}",
                    "GRANT USAGE ON SEQUENCE {sequence} TO {app}",
                ]
            cursor.execute("SELECT pg_has_role(%s, %s::regrole, 'USAGE')", [app_role, schema_owner])
            if cursor.fetchone()[0]:
                statements += [
                    "ALTER SCHEMA {schema} OWNER TO {owner}",
                    "GRANT USAGE, CREATE ON SCHEMA {schema} TO {app}",
                ]
            for statement in statements:
                cursor.execute(sql.SQL(statement).format(**ids).as_string(connection.connection))
        self.stdout.write(
            self.style.SUCCESS(
                f"{table} is owned by {owner}; {app_role} may INSERT and SELECT it, nothing more."
            )
        )
