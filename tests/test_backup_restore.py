# ruff: noqa: S603, S607  (the tests run the scripts, psql and fokus as an operator would)
"""Backup and restore (tools/backup.sh, tools/restore.sh, docs/operations.md): a demo
department is generated into a fresh database, backed up, restored into a NEW database,
and the restored one has the same ratings, the same FIT settings, the same people (their
CPR numbers readable with the same keys) and the same access-log chain: `fokus audit
verify` passes on it and its head is the original's. On SQLite (the online backup API)
and on PostgreSQL (pg_dump's custom format, pg_restore)."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"

# What must survive a restore, printed as JSON by the restored installation itself.
FINGERPRINT = r"""
import hashlib, json
import django
django.setup()
from fokus.audit import chain
from fokus.cases.models import Person
from fokus.instruments.models import OrganisationSetting, ParameterSet
from fokus.ratings.models import Rating, RatingAnswer

def digest(rows):
    return hashlib.sha256(json.dumps([list(r) for r in rows], default=str).encode()).hexdigest()

result = chain.verify()
print(json.dumps({
    "ratings": Rating.objects.count(),
    "ratings_digest": digest(Rating.objects.order_by("pk").values_list(
        "pk", "case_id", "person_id", "rater_id", "instrument_id", "rated_on")),
    "answers_digest": digest(RatingAnswer.objects.order_by("pk").values_list()),
    "settings": OrganisationSetting.objects.count(),
    "settings_digest": digest(OrganisationSetting.objects.order_by("pk").values_list(
        "organisation_id", "key", "value", "valid_from")),
    "parameter_sets": digest(ParameterSet.objects.order_by("pk").values_list()),
    "cpr_digest": digest(sorted((p.pk, p.cpr) for p in Person.objects.all())),
    "chain_ok": result.ok,
    "chain_entries": result.entries,
    "head": list(chain.head()),
}))
"""

READ_CPR = """
import django
django.setup()
from fokus.cases.models import Person
print(sum(1 for p in Person.objects.all() if p.cpr))
"""


def _env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    from fokus.lib import crypto

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FOKUS_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(FOKUS_DATA_DIR=str(tmp_path / "data"), PYTHON=sys.executable,
               FOKUS_CPR_KEYS=crypto.new_key(), FOKUS_CPR_LOOKUP_KEY=crypto.new_lookup_key(),
               DJANGO_SETTINGS_MODULE="fokus.settings")
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _run(args, env, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600, **kwargs)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _fokus(env, *args) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "fokus", *args], env)


def _fingerprint(env) -> dict:
    return json.loads(_run([sys.executable, "-c", FINGERPRINT], env).stdout.strip().splitlines()[-1])


def _fill(env) -> dict:
    _fokus(env, "migrate", "--noinput", "-v0")
    _fokus(env, "demo-data")
    before = _fingerprint(env)
    assert before["ratings"] > 100 and before["settings"] > 0
    assert before["chain_ok"] and before["chain_entries"] > 0
    return before


def _assert_same(before: dict, env_restored: dict) -> None:
    after = _fingerprint(env_restored)
    assert after == before
    assert after["chain_ok"] and after["head"] == before["head"]
    _fokus(env_restored, "audit", "verify")  # exits 1 on a broken chain


def _backup(env, out: Path) -> str:
    done = _run(["sh", str(ROOT / "tools/backup.sh"), str(out)], env)
    assert out.stat().st_size > 0
    assert oct(out.stat().st_mode & 0o777) == "0o600"  # personal data: its owner only
    assert "CPR keys are NOT in it" in done.stdout
    return done.stdout


@pytest.mark.sqlite_only
def test_sqlite_backup_restores_the_same_ratings_settings_and_log(tmp_path):
    original = tmp_path / "original.sqlite3"
    env = _env(tmp_path, f"sqlite:///{original}")
    before = _fill(env)

    backup = tmp_path / "fokus.backup"
    _backup(env, backup)
    assert backup.read_bytes()[:15] == b"SQLite format 3"

    restored = tmp_path / "restored.sqlite3"
    _run(["sh", str(ROOT / "tools/restore.sh"), str(backup), f"sqlite:///{restored}"], env)
    env_restored = {**env, "DATABASE_URL": f"sqlite:///{restored}"}
    original.unlink()  # the restored database stands on its own
    _assert_same(before, env_restored)

    # The CPR keys are not in the backup: with other keys no CPR number can be read.
    other_keys = {**_env(tmp_path, f"sqlite:///{restored}"), "PYTHON": sys.executable}
    read = subprocess.run([sys.executable, "-c", READ_CPR], env=other_keys, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert read.returncode != 0 and "CprKeyError" in read.stderr
    assert before["cpr_digest"] not in read.stdout + read.stderr

    # A restore never overwrites a database.
    again = subprocess.run(["sh", str(ROOT / "tools/restore.sh"), str(backup),
                            f"sqlite:///{restored}"], env=env, capture_output=True, text=True)
    assert again.returncode != 0 and "never overwrites" in again.stderr


@pytest.mark.sqlite_only
def test_a_backup_refuses_to_overwrite_and_a_restore_refuses_a_foreign_file(tmp_path):
    env = _env(tmp_path, f"sqlite:///{tmp_path / 'nothing.sqlite3'}")
    existing = tmp_path / "existing.backup"
    existing.write_bytes(b"keep me")
    done = subprocess.run(["sh", str(ROOT / "tools/backup.sh"), str(existing)], env=env,
                          capture_output=True, text=True)
    assert done.returncode != 0 and existing.read_bytes() == b"keep me"
    done = subprocess.run(["sh", str(ROOT / "tools/restore.sh"), str(existing),
                           f"sqlite:///{tmp_path / 'new.sqlite3'}"], env=env,
                          capture_output=True, text=True)
    assert done.returncode != 0 and "not an SQLite backup" in done.stderr
    assert not (tmp_path / "new.sqlite3").exists()


def _psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(["psql", "--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1",
                    f"--dbname={PG_SERVER}/{database}", "-c", sql],
                   check=True, capture_output=True, text=True, timeout=60)


@pytest.fixture
def pg_databases():
    """Two throwaway databases on the machine's PostgreSQL (trust auth): the original and
    the new one a backup is restored into."""
    if not shutil.which("pg_dump") or not shutil.which("psql"):
        pytest.skip("pg_dump/psql are not installed")
    try:
        _psql("SELECT 1")
    except (subprocess.CalledProcessError, OSError):
        pytest.skip(f"no PostgreSQL at {PG_SERVER}")
    names = [f"fokus_p3_backup_{secrets.token_hex(4)}", f"fokus_p3_restore_{secrets.token_hex(4)}"]
    for name in names:
        _psql(f'CREATE DATABASE "{name}"')
    yield [f"{PG_SERVER}/{name}" for name in names]
    for name in names:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgres_backup_restores_into_a_new_database(tmp_path, pg_databases):
    original, new = pg_databases
    env = _env(tmp_path, original)
    before = _fill(env)

    backup = tmp_path / "fokus.pgdump"
    _backup(env, backup)
    assert backup.read_bytes()[:5] == b"PGDMP"

    _run(["sh", str(ROOT / "tools/restore.sh"), str(backup), new], env)
    env_restored = {**env, "DATABASE_URL": new}
    _psql(f'DROP DATABASE "{original.rsplit("/", 1)[1]}" WITH (FORCE)')
    _assert_same(before, env_restored)
    # The restored database is at the latest migration: nothing left to apply.
    plan = _fokus(env_restored, "migrate", "--plan")
    assert "No planned migration operations" in plan.stdout

    # A restore into a database that holds tables is refused, and changes nothing.
    again = subprocess.run(["sh", str(ROOT / "tools/restore.sh"), str(backup), new],
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "not empty" in again.stderr
    assert _fingerprint(env_restored) == before
