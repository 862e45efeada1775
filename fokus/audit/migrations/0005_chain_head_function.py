"""PostgreSQL: the chain's lock and head in one round trip (fokus.audit.chain).

audit_chain_head(key) takes the transaction-level advisory lock that serialises appends,
then reads the last entry's sequence number and hash. It must be VOLATILE: a volatile
function takes a fresh snapshot for each query in it, so the head is read after the
lock is held, never from a snapshot taken while waiting for it. Runs with the caller's
rights (the application's role needs SELECT on the log, which it has).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint)
RETURNS TABLE (seq bigint, hash varchar) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT e.seq, e.hash FROM audit_accesslogentry e
                 ORDER BY e.seq DESC LIMIT 1;
END;
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_chain_head(bigint)")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_hash_chain")]
    operations = [migrations.RunPython(forwards, backwards)]
