"""An upgraded database: the entries written before the hash chain are chained by the
migration (in id order), and the append-only trigger is still there afterwards."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("audit", "0003_login_actions")


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_entries_written_before_it():
    executor = MigrationExecutor(connection)
    after = [key for key in executor.loader.graph.leaf_nodes() if key[0] == "audit"]
    executor.migrate([BEFORE])
    try:
        with connection.cursor() as cursor:
            for i, (at, detail) in enumerate([
                    ("2026-01-02 10:00:00.5+00:00", '{"b": [1, 2], "a": "Søren"}'),
                    ("2026-01-01 09:00:00+00:00", "{}"),  # written later, stamped earlier
                    ("2026-01-03 11:00:00+00:00", '{"case_ids": [3, 1]}')]):
                cursor.execute(
                    "INSERT INTO audit_accesslogentry (at, user_id, username, action, "
                    "object_type, object_id, case_id, person_id, purpose, detail) VALUES "
                    "(%s, %s, 'anna', 'read', 'case', %s, %s, NULL, 'before the chain', %s)",
                    [at, i + 1, str(i), i, detail])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)

    from fokus.audit.models import AccessLogEntry

    entries = list(AccessLogEntry.objects.order_by("id"))
    assert [e.seq for e in entries] == [1, 2, 3]
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "access log intact" in out.getvalue() and "entries:   3" in out.getvalue()
    # New entries go on from the migrated head.
    from django.db import transaction

    from fokus.audit.actions import record

    with transaction.atomic():
        assert record(None, "list", "case").seq == 4
    # The trigger survived the table's rebuild (SQLite) and refuses an UPDATE.
    from django.db.utils import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslogentry SET purpose = 'changed'")
