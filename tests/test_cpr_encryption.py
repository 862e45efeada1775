"""CPR numbers encrypted at rest (issue 11 point 5): fokus/lib/crypto.py,
fokus/cases/cpr.py, fokus/cases/cpr_keys.py, docs/cpr-encryption.md."""

import datetime
import os
import random
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions, cpr_keys
from fokus.cases.models import Person
from fokus.demo.generator import make_cpr
from fokus.lib import crypto

KEY_A, KEY_B, KEY_C = crypto.new_key(), crypto.new_key(), crypto.new_key()
LOOKUP_1, LOOKUP_2 = "l1-" + "x" * 40, "l2-" + "y" * 40


def dashed(number: str) -> str:
    return f"{number[:6]}-{number[6:]}"


def numbers(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(70 * 365))
        number = make_cpr(rng, born, rng.random() < 0.5)
        if number not in out:
            out.append(number)
    return out


def add(world, number: str, name: str = "P", case=None) -> Person:
    return actions.add_person(world.anna, case or world.hansen, first_name=name, role="other",
                              cpr=number)


def raw_rows() -> list[tuple]:
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return cursor.fetchall()


def raw_token(person: Person) -> str:
    table, qn = Person._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('cpr')} FROM {qn(table)} WHERE {qn('id')} = %s",  # noqa: S608
                       [person.pk])
        return cursor.fetchone()[0]


def assert_no_clear_cpr(text: str, cprs: list[str]) -> None:
    for number in cprs:
        assert number not in text
        assert dashed(number) not in text


@pytest.fixture
def keys(settings):
    """Known keys, so that a test can rotate them."""
    settings.FOKUS_CPR_KEYS = [KEY_A]
    settings.FOKUS_CPR_LOOKUP_KEY = LOOKUP_1
    return settings


# -- reading and writing ---------------------------------------------------------------

def test_the_number_is_encrypted_in_the_row_and_clear_in_python(world, keys):
    person = add(world, "070761-4285")
    token = raw_token(person)
    assert token and "0707614285" not in token and "070761" not in token
    assert Person.objects.get(pk=person.pk).cpr == "0707614285"
    assert Person.objects.get(pk=person.pk).cpr_masked == "070761-xxxx"
    assert person.cpr_lookup.startswith(crypto.lookup_key_id() + ":")
    # Authenticated: the same number is encrypted differently each time.
    assert raw_token(add(world, "0707614285")) != token


def test_no_cpr_stays_empty_and_is_found_by_the_empty_comparison(world, keys):
    person = actions.add_person(world.anna, world.hansen, first_name="Uden", role="other",
                                birth_year=1980)
    assert raw_token(person) == "" and person.cpr_lookup == ""
    assert Person.objects.get(pk=person.pk).cpr == ""
    assert Person.objects.filter(cpr="", pk=person.pk).exists()
    with_cpr = add(world, "0707614285")
    assert set(Person.objects.exclude(cpr="").values_list("pk", flat=True)) == {with_cpr.pk}


def test_a_filter_on_the_clear_number_is_refused_not_silently_empty(world, keys):
    add(world, "0707614285")
    with pytest.raises(FieldError, match="with_cpr"):
        list(Person.objects.filter(cpr="0707614285"))
    with pytest.raises(FieldError):
        list(Person.objects.filter(cpr__startswith="070761"))


def test_saving_only_the_number_updates_the_hash_too(world, keys):
    person = add(world, "0707614285")
    person.cpr = "0101004000"
    person.save(update_fields=["cpr"])
    assert list(Person.objects.with_cpr("010100-4000")) == [person]
    assert not Person.objects.with_cpr("0707614285").exists()


# -- finding a person by CPR -----------------------------------------------------------

def test_with_cpr_finds_the_right_person_in_every_written_form(world, keys):
    cprs = numbers(8)
    persons = {n: add(world, n, name=f"P{i}") for i, n in enumerate(cprs)}
    for number, person in persons.items():
        for form in (number, dashed(number), f" {dashed(number)} ", f"{number[:6]} {number[6:]}"):
            assert list(Person.objects.with_cpr(form)) == [person]
    assert not Person.objects.with_cpr(numbers(9)[8]).exists()


def test_with_cpr_finds_the_same_person_in_each_of_her_cases(world, keys):
    in_hansen = add(world, "0707614285")
    in_berg = actions.add_person(world.bo, world.berg, first_name="Q", role="mother",
                                 cpr="0707614285")
    assert set(Person.objects.with_cpr("070761-4285")) == {in_hansen, in_berg}
    # It is a queryset: the access rules narrow it like any other.
    assert list(Person.objects.filter(case=world.berg).with_cpr("0707614285")) == [in_berg]


@pytest.mark.parametrize("bad", ["", "12345", "3102101234", "abcdefghij", "07076142851", None])
def test_with_cpr_of_an_invalid_number_is_empty(world, keys, bad):
    add(world, "0707614285")
    assert list(Person.objects.with_cpr(bad)) == []


def test_with_cpr_does_not_decrypt_anything(world, keys, monkeypatch):
    person = add(world, "0707614285")
    monkeypatch.setattr(crypto, "decrypt", lambda token: pytest.fail("decrypted"))
    assert list(Person.objects.with_cpr("0707614285").values_list("pk", flat=True)) == [person.pk]


# -- the raw dump shows no CPR number --------------------------------------------------

def _many(world) -> list[str]:
    cprs = numbers(25, seed=5)
    for i, number in enumerate(cprs):
        add(world, number, name=f"Dump{i}")
    return cprs


@pytest.mark.sqlite_only  # the PostgreSQL run leaves it out; pg_dump has its own test
def test_an_sqlite_dump_of_the_persons_table_shows_no_cpr_number(world, keys):
    cprs = _many(world)
    assert connection.vendor == "sqlite"
    connection.ensure_connection()
    dump = "\n".join(line for line in connection.connection.iterdump()
                     if "cases_person" in line)
    assert dump.count('INSERT INTO "cases_person"') == Person.objects.count() >= 25
    assert "Dump7" in dump  # the dump does hold the rows
    assert_no_clear_cpr(dump, cprs)


def test_a_raw_select_of_the_persons_table_shows_no_cpr_number(world, keys):
    cprs = _many(world)
    rows = raw_rows()
    assert len(rows) == Person.objects.count()
    text = "\n".join(repr(row) for row in rows)
    assert "Dump3" in text
    assert_no_clear_cpr(text, cprs)


@pytest.mark.postgres
def test_pg_dump_of_the_persons_table_shows_no_cpr_number(transactional_db, keys):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    from tests.conftest import World

    cprs = _many(World())
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    args = ["pg_dump", "--data-only", "-t", Person._meta.db_table, "-h", db["HOST"] or "localhost",
            "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]
    dump = subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert "Dump11" in dump
    assert_no_clear_cpr(dump, cprs)


# -- rotation --------------------------------------------------------------------------

def test_rotation_re_encrypts_with_the_new_key_and_the_old_key_can_go(world, keys):
    cprs = numbers(7, seed=3)
    persons = [add(world, n) for n in cprs]
    old_tokens = [raw_token(p) for p in persons]
    keys.FOKUS_CPR_KEYS = [KEY_B, KEY_A]  # the new key first, the old one still reads
    result = cpr_keys.rotate_encryption(batch_size=3)
    assert (result.changed, result.unchanged, result.batches) == (7, 0, 3)
    assert all(raw_token(p) != t for p, t in zip(persons, old_tokens, strict=True))
    again = cpr_keys.rotate_encryption(batch_size=3)
    assert (again.changed, again.unchanged) == (0, 7)  # idempotent
    keys.FOKUS_CPR_KEYS = [KEY_B]
    assert [Person.objects.get(pk=p.pk).cpr for p in persons] == cprs
    assert list(Person.objects.with_cpr(cprs[4])) == [persons[4]]
    # Each batch that changed something is in the access log, with the persons' ids.
    logged = AccessLogEntry.objects.filter(detail__cpr_key_rotation="encryption")
    assert sorted(pk for e in logged for pk in e.detail["person_ids"]) == [p.pk for p in persons]


def test_the_command_prints_counts_and_check_tells_what_is_left(world, keys):
    for number in numbers(4, seed=8):
        add(world, number)
    keys.FOKUS_CPR_KEYS = [KEY_B, KEY_A]
    with pytest.raises(CommandError, match="4 CPR number"):
        call_command("rotate-cpr-key", "--check", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from io import StringIO

    out = StringIO()
    call_command("rotate-cpr-key", "--batch-size", "2", stdout=out)
    assert out.getvalue().strip() == "4 CPR number(s) re-encrypted, 0 already current, in 2 batch(es)"
    out = StringIO()
    call_command("rotate-cpr-key", stdout=out)
    assert out.getvalue().startswith("0 CPR number(s) re-encrypted, 4 already current")
    out = StringIO()
    call_command("rotate-cpr-key", "--check", stdout=out)
    assert out.getvalue().startswith("0 CPR number(s) to re-encrypt, 4 current")


def test_a_missing_old_key_is_a_clear_error_not_garbage(world, keys):
    person = add(world, "0707614285")
    token = raw_token(person)
    keys.FOKUS_CPR_KEYS = [KEY_C]  # the key that encrypted it is gone
    with pytest.raises(crypto.CprKeyError, match="FOKUS_CPR_KEYS"):
        Person.objects.get(pk=person.pk)
    with pytest.raises(CommandError, match=f"Person {person.pk}: .*FOKUS_CPR_KEYS"):
        call_command("rotate-cpr-key")
    assert raw_token(person) == token  # nothing changed
    keys.FOKUS_CPR_KEYS = [KEY_C, KEY_A]  # put the old key back: it reads again
    assert Person.objects.get(pk=person.pk).cpr == "0707614285"


def test_a_row_written_in_clear_past_the_field_is_an_error_not_a_number(world, keys):
    person = add(world, "0707614285")
    table, qn = Person._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn(table)} SET {qn('cpr')} = %s WHERE {qn('id')} = %s",  # noqa: S608
                       ["0101004000", person.pk])
    with pytest.raises(crypto.CprKeyError):
        Person.objects.get(pk=person.pk)


def test_rotating_the_lookup_key_recomputes_the_hashes(world, keys):
    cprs = numbers(5, seed=4)
    persons = [add(world, n) for n in cprs]
    keys.FOKUS_CPR_LOOKUP_KEY = LOOKUP_2
    # Hashes made with the old key: a clear error, not a silent miss.
    with pytest.raises(crypto.CprKeyError, match="rotate-cpr-key --lookup"):
        Person.objects.with_cpr(cprs[0])
    with pytest.raises(CommandError, match="5 search hash"):
        call_command("rotate-cpr-key", "--lookup", "--check", stdout=open(os.devnull, "w"))  # noqa: SIM115
    result = cpr_keys.rotate_lookup(batch_size=2)
    assert (result.changed, result.unchanged, result.batches) == (5, 0, 3)
    assert [list(Person.objects.with_cpr(n)) for n in cprs] == [[p] for p in persons]
    assert cpr_keys.rotate_lookup().changed == 0
    # The hash does not depend on the encryption key.
    keys.FOKUS_CPR_KEYS = [KEY_B, KEY_A]
    cpr_keys.rotate_encryption()
    assert cpr_keys.rotate_lookup().changed == 0


# -- the keys: settings, files, the demo profile -----------------------------------------

def test_keys_come_from_the_variable_or_from_a_file(tmp_path):
    env = {"FOKUS_CPR_KEYS": f"{KEY_B}, {KEY_A}"}
    assert crypto.secret_list("FOKUS_CPR_KEYS", env) == [KEY_B, KEY_A]
    path = tmp_path / "keys"
    path.write_text(f"# the new key first\n{KEY_B}\n\n{KEY_A}\n")
    assert crypto.secret_list("FOKUS_CPR_KEYS", {"FOKUS_CPR_KEYS_FILE": str(path)}) == [KEY_B, KEY_A]
    lookup = tmp_path / "lookup"
    lookup.write_text(LOOKUP_1 + "\n")
    assert crypto.secret("FOKUS_CPR_LOOKUP_KEY", {"FOKUS_CPR_LOOKUP_KEY_FILE": str(lookup)}) == LOOKUP_1
    assert crypto.secret("FOKUS_CPR_LOOKUP_KEY", {"FOKUS_CPR_LOOKUP_KEY": LOOKUP_1}) == LOOKUP_1
    assert crypto.secret("FOKUS_CPR_LOOKUP_KEY", {}) == ""


@pytest.mark.parametrize("env, message", [
    ({"FOKUS_CPR_KEYS": KEY_A, "FOKUS_CPR_KEYS_FILE": "/x"}, "not both"),
    ({"FOKUS_CPR_KEYS_FILE": "/nonexistent/fokus-keys"}, "FOKUS_CPR_KEYS_FILE names a file"),
])
def test_a_bad_key_setting_names_the_setting(env, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.secret_list("FOKUS_CPR_KEYS", env)


def test_a_malformed_key_names_the_setting_and_not_the_key():
    with pytest.raises(ImproperlyConfigured, match="FOKUS_CPR_KEYS: key 2") as info:
        crypto.check_keys([KEY_A, "not-a-key-at-all-secret"], LOOKUP_1)
    assert "not-a-key-at-all-secret" not in str(info.value)
    with pytest.raises(ImproperlyConfigured, match="FOKUS_CPR_LOOKUP_KEY must be at least"):
        crypto.check_keys([KEY_A], "short")
    with pytest.raises(ImproperlyConfigured, match="same key twice"):
        crypto.check_keys([KEY_A, KEY_A], LOOKUP_1)


def _start(env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOKUS_")}
    env.update(FOKUS_PROFILE="production", FOKUS_SECRET_KEY="s" * 50,
               FOKUS_ALLOWED_HOSTS="fokus.example", DJANGO_SETTINGS_MODULE="fokus.settings",
               DATABASE_URL="postgres://fokus@db.invalid:5432/fokus",  # production needs one
               **env_extra)
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"],  # noqa: S603
                          env=env, capture_output=True, text=True, check=False)


def test_production_refuses_to_start_without_the_cpr_keys(tmp_path):
    result = _start({})
    assert result.returncode != 0
    assert "FOKUS_CPR_KEYS (or FOKUS_CPR_KEYS_FILE) must be set" in result.stderr, result.stderr
    result = _start({"FOKUS_CPR_KEYS": KEY_A})
    assert result.returncode != 0
    assert "FOKUS_CPR_LOOKUP_KEY (or FOKUS_CPR_LOOKUP_KEY_FILE) must be set" in result.stderr, \
        result.stderr
    keys_file = tmp_path / "keys"
    keys_file.write_text(KEY_A + "\n")
    result = _start({"FOKUS_CPR_KEYS_FILE": str(keys_file), "FOKUS_CPR_LOOKUP_KEY": LOOKUP_1})
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.glob("cpr-*"))


def test_the_demo_profile_generates_its_key_files_once_mode_0600(settings, tmp_path):
    settings.FOKUS_CPR_KEYS, settings.FOKUS_CPR_LOOKUP_KEY = [], ""
    settings.DATA_DIR = tmp_path
    crypto._demo_keys.cache_clear()
    token = crypto.encrypt("0707614285")
    for name in (crypto.DEMO_KEYS_FILE, crypto.DEMO_LOOKUP_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    first_hash = crypto.lookup_hash("0707614285")
    crypto._demo_keys.cache_clear()  # a restarted server reads the same files
    assert crypto.decrypt(token) == "0707614285"
    assert crypto.lookup_hash("0707614285") == first_hash
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cpr-keys", "cpr-lookup-key"]
    crypto._demo_keys.cache_clear()


def test_production_without_keys_never_generates_them(settings, tmp_path):
    settings.FOKUS_CPR_KEYS, settings.FOKUS_CPR_LOOKUP_KEY = [], ""
    settings.DATA_DIR, settings.PRODUCTION = tmp_path, True
    with pytest.raises(crypto.CprKeyError, match="FOKUS_CPR_KEYS"):
        crypto.encrypt("0707614285")
    assert not list(tmp_path.iterdir())


# -- the migration: an upgraded database keeps working --------------------------------

BEFORE = [("cases", "0007_organisation_separation_of_duties")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_the_migration_encrypts_the_clear_numbers_of_an_old_database(transactional_db, keys):
    latest = [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes()]
    _migrate(BEFORE)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        org = old.get_model("cases", "Organisation").objects.create(name="Gammel kommune")
        unit = old.get_model("cases", "Unit").objects.create(organisation=org, name="Fam")
        team = old.get_model("cases", "Team").objects.create(unit=unit, name="T")
        case = old.get_model("cases", "Case").objects.create(
            organisation=org, team=team, reference="old-1", family_name="F",
            opened_on=datetime.date(2024, 1, 1))
        OldPerson = old.get_model("cases", "Person")  # noqa: N806
        cprs = numbers(6, seed=21)
        ids = [OldPerson.objects.create(case=case, first_name=f"Old{i}", role="other",
                                        birth_year=1980, cpr=n).pk for i, n in enumerate(cprs)]
        none = OldPerson.objects.create(case=case, first_name="None", role="other",
                                        birth_year=1980, cpr="").pk
        assert cprs[0] in "\n".join(repr(r) for r in raw_rows())  # clear before
    finally:
        _migrate(latest)
    assert_no_clear_cpr("\n".join(repr(r) for r in raw_rows()), cprs)
    assert [Person.objects.get(pk=pk).cpr for pk in ids] == cprs
    assert Person.objects.get(pk=none).cpr == ""
    assert [p.pk for p in Person.objects.with_cpr(dashed(cprs[2]))] == [ids[2]]
    # And back: the reverse migration gives the clear numbers again.
    _migrate(BEFORE)
    try:
        text = "\n".join(repr(r) for r in raw_rows())
        assert all(n in text for n in cprs)
    finally:
        _migrate(latest)
    assert [Person.objects.get(pk=pk).cpr for pk in ids] == cprs


# -- never in an error page or the admin's lists --------------------------------------

def test_the_keys_are_hidden_on_a_debug_error_page():
    from django.views.debug import SafeExceptionReporterFilter

    safe = SafeExceptionReporterFilter().get_safe_settings()
    for name in ("FOKUS_CPR_KEYS", "FOKUS_CPR_LOOKUP_KEY"):
        assert safe[name] == SafeExceptionReporterFilter.cleansed_substitute


def test_no_admin_page_lists_a_cpr_number():
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        if model is Person:
            assert "cpr" not in model_admin.get_list_display(None)
            assert "cpr" not in (model_admin.search_fields or ())


@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2036, 12, 31)), st.booleans(),
       st.integers(0, 2**32))
@hypothesis_settings(max_examples=200, deadline=None)
def test_any_valid_number_round_trips_and_its_hash_is_its_own(born, female, seed):
    number = make_cpr(random.Random(seed), born, female)
    token = crypto.encrypt(number)
    assert number not in token and crypto.decrypt(token) == number
    other = make_cpr(random.Random(seed + 1), born + datetime.timedelta(days=1), female)
    assert crypto.lookup_hash(number) == crypto.lookup_hash(number) != crypto.lookup_hash(other)
