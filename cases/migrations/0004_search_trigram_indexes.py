"""Trigram indexes for the coordinator's search (PostgreSQL only; SQLite scans, which is fine at
its sizes). Django's icontains is UPPER(column) LIKE UPPER('%q%'), so each index is on
UPPER(column) with gin_trgm_ops: the search's lookups use them instead of reading every row."""

from django.db import migrations

INDEXES = [
    ("cases_case_reference_trgm", "cases_case", "reference"),
    ("cases_case_patient_name_trgm", "cases_case", "patient_name"),
    ("cases_proxyauthority_email_trgm", "cases_proxyauthority", "patient_email"),
    ("accounts_user_email_trgm", "accounts_user", "email"),
    ("accounts_user_full_name_trgm", "accounts_user", "full_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_seed_consent_and_prices"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
