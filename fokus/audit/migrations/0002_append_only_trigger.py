"""Refuse UPDATE of access-log rows in the database itself, on SQLite and PostgreSQL."""

from django.db import migrations

SQLITE = """
CREATE TRIGGER audit_accesslogentry_no_update BEFORE UPDATE ON audit_accesslogentry
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
"""
POSTGRES = """
CREATE OR REPLACE FUNCTION audit_accesslogentry_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the access log is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslogentry_no_update BEFORE UPDATE ON audit_accesslogentry
FOR EACH ROW EXECUTE FUNCTION audit_accesslogentry_refuse_update();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    else:
        raise RuntimeError(f"no append-only trigger for database {vendor}")


def backwards(apps, schema_editor):
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_accesslogentry_no_update"
                          + (" ON audit_accesslogentry" if schema_editor.connection.vendor
                             == "postgresql" else ""))


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
