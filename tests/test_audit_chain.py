# ruff: noqa: S603, S608  (tampering with the log by raw SQL is what these tests do)
"""The access log's hash chain (fokus.audit.chain, `fokus audit ...`): intact logs
verify, and an entry edited, deleted, inserted or moved by someone who writes the
table directly is named. These run on SQLite and, in the PostgreSQL run, on PostgreSQL
(where the database owner lifts the append-only trigger to edit)."""

import datetime
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin as django_admin
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from fokus.audit import chain
from fokus.audit.actions import record
from fokus.audit.models import AccessLogEntry

TABLE = "audit_accesslogentry"
ROOT = Path(__file__).resolve().parents[1]


def write(n: int, **extra) -> list[AccessLogEntry]:
    entries = []
    for i in range(n):
        with transaction.atomic():
            entries.append(record(None, "read", "case", i, case_id=i, purpose="test",
                                  detail={"i": i, **extra}))
    return entries


def verify(*args) -> str:
    out = io.StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as caught:
        verify(*args)
    return str(caught.value)


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


class owner_edits:
    """The database owner lifts the append-only trigger, edits, and puts it back."""

    def __enter__(self):
        if connection.vendor == "postgresql":
            sql(f"ALTER TABLE {TABLE} DISABLE TRIGGER audit_accesslogentry_no_update")
        else:
            sql("DROP TRIGGER audit_accesslogentry_no_update")
        return self

    def __exit__(self, *exc):
        if connection.vendor == "postgresql":
            sql(f"ALTER TABLE {TABLE} ENABLE TRIGGER audit_accesslogentry_no_update")
        else:
            sql(f"CREATE TRIGGER audit_accesslogentry_no_update BEFORE UPDATE ON {TABLE} "
                "BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;")


def by_seq(seq: int) -> AccessLogEntry:
    return AccessLogEntry.objects.get(seq=seq)


# --- the chain as written ---------------------------------------------------------------

def test_entries_are_numbered_in_order_and_chained(db):
    entries = write(5)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    prev = chain.GENESIS
    for entry in AccessLogEntry.objects.order_by("seq"):
        assert entry.hash == chain.hash_of(entry, prev) and len(entry.hash) == 64
        prev = entry.hash
    out = verify()
    assert "access log intact" in out and "entries:   5" in out
    assert f"head hash: {entries[-1].hash}" in out
    assert f"seq 1 (id {entries[0].pk})" in out and f"seq 5 (id {entries[-1].pk})" in out


def test_the_hash_covers_every_field_and_the_previous_hash():
    at = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    fields = dict(seq=3, at=at, user_id=7, username="anna", action="read", object_type="case",
                  object_id="12", case_id=12, person_id=40, purpose="meeting",
                  detail={"b": 1, "a": [1, 2]}, prev="a" * 64)
    base = chain.entry_hash(**fields)
    changed = {"seq": 4, "at": at + datetime.timedelta(microseconds=1), "user_id": 8,
               "username": "bo", "action": "list", "object_type": "person",
               "object_id": "13", "case_id": 13, "person_id": 41, "purpose": "x",
               "detail": {"b": 1, "a": [2, 1]}, "prev": "b" * 64}
    for name, value in changed.items():
        assert chain.entry_hash(**{**fields, name: value}) != base, name
    # Key order and the time zone it is given in do not matter; the instant does.
    copenhagen = at.astimezone(datetime.timezone(datetime.timedelta(hours=1)))
    assert chain.entry_hash(**{**fields, "detail": {"a": [1, 2], "b": 1},
                               "at": copenhagen}) == base


def test_values_are_chained_as_the_database_gives_them_back(db):
    with transaction.atomic():
        entry = record(None, "read", "case", 5, case_id="5", person_id="6",
                       detail={"ids": (1, 2), 3: "three", "name": "Søren Ærø"})
        record(None, "list", "case", detail={"f": 1e-7, "x": 1.5, "one": 1.0, "nil": None,
                                             "big": 12345678901234567890, "e16": 1e16, "e300": -1e300,
                                             "nested": {"b": [],
                                                                                     "a": {}}})
    assert entry.case_id == 5 and entry.detail == {"ids": [1, 2], "3": "three",
                                                   "name": "Søren Ærø"}
    assert "access log intact" in verify()


def test_an_empty_log_verifies(db):
    out = verify()
    assert "entries:   0" in out and f"head hash: {chain.GENESIS}" in out


# --- the ORM cannot change the log -----------------------------------------------------

def test_the_orm_refuses_every_update_and_delete_bulk_included(db):
    entries = write(3)
    before = list(AccessLogEntry.objects.order_by("seq").values())
    attempts = [
        lambda: AccessLogEntry.objects.all().delete(),
        lambda: AccessLogEntry.objects.filter(seq=1).delete(),
        lambda: AccessLogEntry.objects.update(purpose="changed"),
        lambda: AccessLogEntry.objects.filter(seq=2).update(purpose="changed"),
        lambda: AccessLogEntry.objects.bulk_update(entries, ["purpose"]),
        lambda: AccessLogEntry.objects.bulk_create(
            [AccessLogEntry(action="read", object_type="case")]),
        lambda: AccessLogEntry.objects.update_or_create(seq=1, defaults={"purpose": "x"}),
        entries[0].delete,
        entries[0].save,
    ]
    for attempt in attempts:
        with pytest.raises(PermissionError), transaction.atomic():
            attempt()
    assert list(AccessLogEntry.objects.order_by("seq").values()) == before
    assert "access log intact" in verify()


def test_the_admin_is_read_only_and_shows_the_sequence_number(world, rf):
    model_admin = django_admin.site._registry[AccessLogEntry]
    request = rf.get("/admin/audit/accesslogentry/")
    request.user = world.admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.get_actions(request)  # no "delete selected"
    assert model_admin.list_display[0] == "seq"


# --- tampering is named -----------------------------------------------------------------

def test_an_edited_entry_is_named(db):
    write(5)
    target = by_seq(3)
    with owner_edits():
        sql(f"UPDATE {TABLE} SET purpose = 'nothing to see' WHERE id = %s", [target.pk])
    message = refused()
    assert f"entry seq 3 (id {target.pk})" in message and "edited" in message


def test_an_entry_rehashed_after_editing_is_named_by_the_next(db):
    """Editing and recomputing the entry's own hash moves the break to the next one."""
    write(5)
    target = by_seq(3)
    target.purpose = "nothing to see"
    new_hash = chain.hash_of(target, by_seq(2).hash)
    with owner_edits():
        sql(f"UPDATE {TABLE} SET purpose = %s, hash = %s WHERE id = %s",
            [target.purpose, new_hash, target.pk])
    assert f"entry seq 4 (id {by_seq(4).pk})" in refused()


def test_a_deleted_entry_is_named(db):
    write(5)
    gone, before, after = by_seq(3), by_seq(2), by_seq(4)
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [gone.pk])
    message = refused()
    assert "entry seq 3 is missing (deleted)" in message
    assert f"id {before.pk} (seq 2)" in message and f"id {after.pk} (seq 4)" in message


def test_the_first_entries_deleted_without_a_prune_summary_are_named(db):
    write(4)
    sql(f"DELETE FROM {TABLE} WHERE seq <= 2")
    message = refused()
    assert "entries before seq 3" in message and "cut from the start" in message


def test_an_inserted_entry_is_named(db):
    write(5)
    with owner_edits():
        # Make room after seq 2 and slip a forged entry in.
        sql(f"UPDATE {TABLE} SET seq = -(seq + 1) WHERE seq > 2")
        sql(f"UPDATE {TABLE} SET seq = -seq WHERE seq < 0")
    forged_hash = hashlib.sha256(b"forged").hexdigest()
    sql(f"INSERT INTO {TABLE} (at, user_id, username, action, object_type, object_id, "
        "case_id, person_id, purpose, detail, seq, hash) VALUES "
        "(%s, NULL, 'anna', 'read', 'case', '99', 99, NULL, 'forged', '{}', 3, %s)",
        [timezone.now(), forged_hash])
    forged = by_seq(3)
    assert forged.purpose == "forged"
    message = refused()
    assert f"entry seq 3 (id {forged.pk})" in message and "inserted" in message


def test_an_entry_appended_by_sql_with_a_made_up_hash_is_named(db):
    write(3)
    sql(f"INSERT INTO {TABLE} (at, user_id, username, action, object_type, object_id, "
        "case_id, person_id, purpose, detail, seq, hash) VALUES "
        "(%s, NULL, '', 'read', 'case', '', NULL, NULL, '', '{}', 4, %s)",
        [timezone.now(), "0" * 64])
    assert f"entry seq 4 (id {by_seq(4).pk})" in refused()


def test_two_entries_swapped_are_named(db):
    write(5)
    second, fourth = by_seq(2), by_seq(4)
    with owner_edits():
        sql(f"UPDATE {TABLE} SET seq = -1 WHERE id = %s", [second.pk])
        sql(f"UPDATE {TABLE} SET seq = 2 WHERE id = %s", [fourth.pk])
        sql(f"UPDATE {TABLE} SET seq = 4 WHERE id = %s", [second.pk])
    message = refused()
    assert f"entry seq 2 (id {fourth.pk})" in message and "moved" in message


def test_two_entries_contents_swapped_are_named(db):
    """Swapping what two rows say (and their hashes) while keeping the numbers."""
    write(4)
    a, b = by_seq(2), by_seq(3)
    with owner_edits():
        for row, other in ((a, b), (b, a)):
            sql(f"UPDATE {TABLE} SET object_id = %s, case_id = %s, detail = %s, hash = %s "
                "WHERE id = %s", [other.object_id, other.case_id, f'{{"i": {other.detail["i"]}}}',
                                  other.hash, row.pk])
    assert f"entry seq 2 (id {a.pk})" in refused()


# --- the exported head ------------------------------------------------------------------

def test_export_head_appends_a_line_and_verify_against_it_passes(db, tmp_path):
    heads = tmp_path / "log" / "heads.txt"
    write(2)
    call_command("audit", "export-head", "--file", str(heads), stdout=io.StringIO())
    write(2)
    call_command("audit", "export-head", "--file", str(heads), stdout=io.StringIO())
    lines = heads.read_text().splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t")[1:] == ["seq=2", f"hash={by_seq(2).hash}", "count=2"]
    assert lines[1].split("\t")[1:] == ["seq=4", f"hash={by_seq(4).hash}", "count=4"]
    assert datetime.datetime.fromisoformat(lines[1].split("\t")[0]) <= timezone.now()
    out = verify("--against", str(heads))
    assert "exported heads on the chain: 2" in out


def test_verify_against_the_heads_catches_a_cut_end(db, tmp_path):
    heads = tmp_path / "heads.txt"
    write(4)
    call_command("audit", "export-head", "--file", str(heads), stdout=io.StringIO())
    sql(f"DELETE FROM {TABLE} WHERE seq >= 3")
    assert "access log intact" in verify()  # the chain alone cannot see its end cut
    assert "beyond the chain's last entry (seq 2)" in refused("--against", str(heads))


def test_verify_against_the_heads_catches_a_log_rewritten_from_the_start(db, tmp_path):
    heads = tmp_path / "heads.txt"
    write(4)
    call_command("audit", "export-head", "--file", str(heads), stdout=io.StringIO())
    # The owner edits the first entry and computes the whole chain anew.
    with owner_edits():
        sql(f"UPDATE {TABLE} SET purpose = 'rewritten' WHERE seq = 1")
        prev = chain.GENESIS
        for entry in AccessLogEntry.objects.order_by("seq"):
            entry_hash = chain.hash_of(entry, prev)
            sql(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", [entry_hash, entry.pk])
            prev = entry_hash
    assert "access log intact" in verify()
    message = refused("--against", str(heads))
    assert "line 1 (seq 4) is no longer on the chain" in message


def test_a_head_file_that_is_not_one_is_refused_clearly(db, tmp_path):
    bad = tmp_path / "heads.txt"
    bad.write_text("# comment\n\nhello world\n")
    assert "line 3 is not a head line" in refused("--against", str(bad))
    assert "cannot read the head file" in refused("--against", str(tmp_path / "missing"))


def test_the_daily_task_appends_to_the_configured_file(db, tmp_path, settings):
    from fokus.audit.tasks import export_access_log_head

    settings.FOKUS_ACCESS_LOG_HEAD_FILE = tmp_path / "heads.txt"
    write(3)
    line = export_access_log_head.call()
    assert line.endswith(f"seq=3\thash={by_seq(3).hash}\tcount=3")
    assert (tmp_path / "heads.txt").read_text() == line + "\n"


# --- retention --------------------------------------------------------------------------

def old_entries(months_ago: list[int]) -> list[AccessLogEntry]:
    now = timezone.now()
    entries = []
    for months in months_ago:
        with transaction.atomic():
            entry = AccessLogEntry(at=now - datetime.timedelta(days=31 * months),
                                   action="read", object_type="case", object_id=str(months))
            entry.save()
            entries.append(entry)
    return entries


def prune(*args) -> str:
    out = io.StringIO()
    call_command("audit", "prune", *args, stdout=out)
    return out.getvalue()


def test_prune_deletes_the_old_entries_and_the_chain_still_verifies(db, tmp_path):
    heads = tmp_path / "heads.txt"
    old = old_entries([30, 20, 13, 12])
    call_command("audit", "export-head", "--file", str(heads), stdout=io.StringIO())
    young = old_entries([2, 0])
    call_command("audit", "export-head", "--file", str(heads), stdout=io.StringIO())

    dry = prune("--older-than-months", "12", "--dry-run")
    assert "would delete 4 entries" in dry and "up to seq 4" in dry
    assert AccessLogEntry.objects.count() == 6

    out = prune("--older-than-months", "12")
    assert "deleted 4 entries" in out
    left = list(AccessLogEntry.objects.order_by("seq"))
    assert [e.pk for e in left[:2]] == [e.pk for e in young]
    summary = left[-1]
    assert (summary.seq, summary.action, summary.object_type) == (7, "prune", "access_log")
    assert summary.detail["pruned"] == 4 and summary.detail["last_seq"] == 4
    assert summary.detail["last_hash"] == old[-1].hash
    assert summary.detail["from"] == chain.utc_iso(old[0].at)
    assert summary.detail["to"] == chain.utc_iso(old[-1].at)
    assert summary.detail["older_than_months"] == 12

    out = verify("--against", str(heads))
    assert "starts at: pruned up to seq 4" in out and "entries:   3" in out
    assert "exported heads on the chain: 1, pruned since: 1" in out


def test_tampering_after_pruning_is_named(db):
    old_entries([30, 20, 1, 0])
    prune("--older-than-months", "12")
    first = by_seq(3)
    with owner_edits():
        sql(f"UPDATE {TABLE} SET object_id = 'x' WHERE id = %s", [first.pk])
    assert f"entry seq 3 (id {first.pk})" in refused()


def test_deleting_past_the_pruned_start_is_named(db):
    old_entries([30, 20, 1, 0])
    prune("--older-than-months", "12")
    sql(f"DELETE FROM {TABLE} WHERE seq = 3")
    assert "entries before seq 4" in refused()


def test_a_forged_prune_summary_does_not_pass(db):
    old_entries([30, 20, 1, 0])
    prune("--older-than-months", "12")
    summary = AccessLogEntry.objects.get(action="prune")
    with owner_edits():
        sql(f"UPDATE {TABLE} SET detail = %s WHERE id = %s",
            ['{"pruned": 2, "last_seq": 2, "last_hash": "' + "f" * 64 + '"}', summary.pk])
    assert "does not fit the chain" in refused()


def test_prune_keeps_entries_written_after_a_young_one(db):
    """Only a prefix of the chain goes: an entry stamped old but written after a young
    one stays, so that the chain has no hole."""
    old_entries([30, 0, 25])
    out = prune("--older-than-months", "12")
    assert "deleted 1 entries" in out
    assert AccessLogEntry.objects.filter(object_id="25").exists()
    assert "access log intact" in verify()


def test_prune_twice_and_everything_old(db):
    old_entries([40, 30])
    prune("--older-than-months", "12")   # everything goes; the summary is all that stays
    assert list(AccessLogEntry.objects.values_list("seq", "action")) == [(3, "prune")]
    assert "access log intact" in verify()
    old_entries([0])
    assert "no entries older than" in prune("--older-than-months", "12")
    assert "starts at: pruned up to seq 2" in verify()


def test_prune_refuses_less_than_six_months_and_changes_nothing(db):
    old_entries([30, 20])
    with pytest.raises(CommandError, match="at least 6"):
        prune("--older-than-months", "5")
    assert AccessLogEntry.objects.count() == 2


def test_prune_defaults_to_the_setting(db, settings):
    settings.FOKUS_ACCESS_LOG_KEEP_MONTHS = 24
    old_entries([30, 20])
    assert "deleted 1 entries" in prune()
    assert AccessLogEntry.objects.get(action="prune").detail["older_than_months"] == 24


def test_months_before_handles_short_months():
    from fokus.audit.management.commands.audit import months_before

    at = datetime.datetime(2026, 8, 31, 10, 0, tzinfo=datetime.UTC)
    assert months_before(at, 6) == datetime.datetime(2026, 2, 28, 10, 0, tzinfo=datetime.UTC)
    assert months_before(at, 12) == datetime.datetime(2025, 8, 31, 10, 0, tzinfo=datetime.UTC)
    assert months_before(at, 8).month == 12 and months_before(at, 8).year == 2025


# --- the command line ------------------------------------------------------------------

def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_python_m_fokus_audit_verify_exits_0_then_1(tmp_path):
    write(3)
    env = {**os.environ, "DATABASE_URL": database_url(), "FOKUS_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "fokus", "audit", "verify"]
    ok = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "access log intact" in ok.stdout and "entries:   3" in ok.stdout
    sql(f"DELETE FROM {TABLE} WHERE seq = 2")
    broken = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert broken.returncode == 1
    assert "entry seq 2 is missing (deleted)" in broken.stderr


def test_export_head_to_standard_output_only(db, tmp_path, settings):
    settings.FOKUS_ACCESS_LOG_HEAD_FILE = tmp_path / "heads.txt"
    write(2)
    out = io.StringIO()
    call_command("audit", "export-head", "--file", "-", stdout=out)
    assert out.getvalue().strip().endswith(f"seq=2\thash={by_seq(2).hash}\tcount=2")
    assert not (tmp_path / "heads.txt").exists()
