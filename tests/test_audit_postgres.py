# ruff: noqa: S608  (the application role's raw SQL is what these tests try)
"""The access log on PostgreSQL: the application's role may only insert and read it
(`fokus audit grants`), and concurrent writers keep one unbroken chain."""

import io
import secrets
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from fokus.audit import chain
from fokus.audit.actions import record
from fokus.audit.models import AccessLogEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TABLE = "audit_accesslogentry"


@pytest.fixture(autouse=True)
def _on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def app_role():
    """A throwaway login role, as a municipality's application role would be."""
    name = f"fokus_app_test_{secrets.token_hex(4)}"
    password = secrets.token_hex(12)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" LOGIN PASSWORD %s', [password])
    try:
        yield name, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{name}"')
            cursor.execute(f'DROP ROLE "{name}"')


def connect_as(role: str, password: str):
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432,
                           dbname=s["NAME"], user=role, password=password)


def insert_sql():
    return (f"INSERT INTO {TABLE} (at, user_id, username, action, object_type, object_id, "
            "case_id, person_id, purpose, detail, seq, hash) VALUES "
            "(now(), NULL, '', 'read', 'case', '', NULL, NULL, '', '{}', %s, %s)")


def test_the_application_role_may_insert_and_read_but_not_change_the_log(app_role):
    import psycopg

    role, password = app_role
    with transaction.atomic():
        record(None, "read", "case", 1)
    # As the owner would grant the application its tables, then take the log's rights back.
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON {TABLE} TO "{role}"')
    out = io.StringIO()
    call_command("audit", "grants", "--app-role", role, stdout=out)
    assert "UPDATE, DELETE and TRUNCATE revoked" in out.getvalue()

    with connect_as(role, password) as app:
        # What record() needs: the lock, the head, an insert.
        with app.transaction(), app.cursor() as cursor:
            cursor.execute("SELECT seq, hash FROM audit_chain_head(%s)", [chain._LOCK_KEY])
            seq, _hash = cursor.fetchone()
            cursor.execute(insert_sql(), [seq + 1, "0" * 64])
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            assert cursor.fetchone()[0] == 2
        for statement in (f"UPDATE {TABLE} SET purpose = 'changed'",
                          f"DELETE FROM {TABLE}",
                          f"TRUNCATE {TABLE}",
                          f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_accesslogentry_no_update"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), app.transaction():
                app.execute(statement)
    assert AccessLogEntry.objects.count() == 2


def test_grants_print_the_sql_and_refuse_the_owner(app_role):
    out = io.StringIO()
    call_command("audit", "grants", "--app-role", app_role[0], "--print", stdout=out)
    sql = out.getvalue()
    assert f'REVOKE ALL ON TABLE "{TABLE}" FROM "{app_role[0]}";' in sql
    assert f'GRANT SELECT, INSERT ON TABLE "{TABLE}" TO "{app_role[0]}";' in sql
    owner = connection.settings_dict["USER"]
    with pytest.raises(CommandError, match="owner"):
        call_command("audit", "grants", "--app-role", owner, stdout=io.StringIO())
    with pytest.raises(CommandError, match="no role"):
        call_command("audit", "grants", "--app-role", "no_such_role_xyz", stdout=io.StringIO())


def test_concurrent_writers_keep_one_chain():
    writers, per_writer = 4, 25
    errors = []
    barrier = threading.Barrier(writers)

    def work(n):
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    record(None, "read", "case", n * 1000 + i, detail={"writer": n})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = list(AccessLogEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    result = chain.verify()
    assert result.ok and result.entries == writers * per_writer, result.problem


def test_the_dpos_person_query_is_served_by_the_detail_index(world):
    """`who has seen this person` looks inside detail: migration 0006's GIN index serves it
    (the planner is told not to scan, as it would on a table this small)."""
    from fokus.privacy.dpo import entries_about

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                       ["audit_accesslogentry_detail_gin"])
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "jsonb_path_ops" in definition
    sql, params = entries_about(world.child).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "audit_accesslogentry_detail_gin" in plan
