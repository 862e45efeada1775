"""The production profile (issue 12, point 3): it starts only with what a municipality
needs (PostgreSQL, a secret key of its own, a mail server from the environment), refuses
with a message naming the variable to set otherwise, and never runs the demo's generators.

Each environment is tried by starting `python -m fokus check` in a new process, the way
an operator starts Fokus, with none of the test run's own FOKUS_* or DATABASE_URL."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from fokus.accounts.models import User
from fokus.cases.models import Case, Organisation

GOOD_KEY = "k" * 30 + "-production-secret-key-0123456789"  # 63 characters
CPR_KEY = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="  # a Fernet key (32 bytes, base64)
POSTGRES = "postgres://fokus@db.invalid:5432/fokus"  # `check` does not connect
DEMO_KEY = "demo-only-not-secret-" + "x" * 40  # the demo's key, as settings.py has it


def production(tmp_path, **changes) -> dict:
    """A good production environment, with `changes` (None removes a variable)."""
    # The browser tests allow async-unsafe calls in this process (Playwright's event
    # loop): a deployment must not inherit that (async.E001).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FOKUS_") and k not in ("DATABASE_URL",
                                                       "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(FOKUS_PROFILE="production", FOKUS_SECRET_KEY=GOOD_KEY,
               FOKUS_ALLOWED_HOSTS="fokus.kommune.example", DATABASE_URL=POSTGRES,
               FOKUS_CPR_KEYS=CPR_KEY, FOKUS_CPR_LOOKUP_KEY="l" * 40,
               FOKUS_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="fokus.settings")
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fokus", *args],  # noqa: S603
                          env=env, capture_output=True, text=True, check=False, timeout=120)


MAIL_SETTINGS = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL",
                 "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_TIMEOUT",
                 "DEFAULT_FROM_EMAIL", "SERVER_EMAIL")


def mail_settings(env: dict) -> dict:
    code = ("import django, json; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {MAIL_SETTINGS!r}}}))")
    result = subprocess.run([sys.executable, "-c", code],  # noqa: S603
                            env=env, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- a good environment starts ----------------------------------------------------------

def test_a_good_production_environment_starts(tmp_path):
    result = run(production(tmp_path), "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert not (tmp_path / "data").exists()  # production writes nothing beside the database


def test_the_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text(GOOD_KEY + "\n")
    result = run(production(tmp_path, FOKUS_SECRET_KEY=None,
                            FOKUS_SECRET_KEY_FILE=str(key_file)), "check")
    assert result.returncode == 0, result.stderr


# -- a bad one stops, naming what to set ------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    ({"DATABASE_URL": None}, "DATABASE_URL must be set in the production profile"),
    ({"DATABASE_URL": ""}, "DATABASE_URL must be set in the production profile"),
    ({"DATABASE_URL": "sqlite:///fokus.sqlite3"},
     "DATABASE_URL must point to PostgreSQL in the production profile, not 'sqlite'"),
    ({"DATABASE_URL": "mysql://fokus:hemmeligt-ord@db.invalid/fokus"},
     "DATABASE_URL must point to PostgreSQL in the production profile, not 'mysql'"),
    ({"DATABASE_URL": "postgres://fokus:hemmeligt-ord@db.invalid:port/fokus"},
     "DATABASE_URL is not a database URL Fokus understands"),
    ({"DATABASE_URL": "hemmeligt-ord"}, "DATABASE_URL is not a database URL Fokus understands"),
    ({"FOKUS_SECRET_KEY": None}, "FOKUS_SECRET_KEY must be set in the production profile"),
    ({"FOKUS_SECRET_KEY": "  "}, "FOKUS_SECRET_KEY must be set in the production profile"),
    ({"FOKUS_SECRET_KEY": DEMO_KEY}, "FOKUS_SECRET_KEY is the demo's key"),
    ({"FOKUS_SECRET_KEY": "s" * 49},
     "FOKUS_SECRET_KEY is 49 characters long: the production profile needs at least 50"),
], ids=["no-database", "empty-database", "sqlite", "mysql", "bad-url", "no-scheme",
        "no-secret-key", "blank-secret-key", "demo-secret-key", "short-secret-key"])
def test_production_refuses_to_start(tmp_path, changes, message):
    result = run(production(tmp_path, **changes), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr, result.stderr
    assert "hemmeligt-ord" not in result.stderr  # a URL's password is never repeated
    assert not (tmp_path / "data").exists()  # no SQLite file made on the way


def test_a_fifty_character_key_is_enough(tmp_path):
    result = run(production(tmp_path, FOKUS_SECRET_KEY="s" * 50), "check")
    assert result.returncode == 0, result.stderr


def test_the_demo_profile_keeps_its_key_and_its_sqlite(tmp_path):
    env = production(tmp_path, FOKUS_PROFILE=None, DATABASE_URL=None, FOKUS_SECRET_KEY=None,
                     FOKUS_CPR_KEYS=None, FOKUS_CPR_LOOKUP_KEY=None)
    result = run(env, "check")
    assert result.returncode == 0, result.stderr


# -- the demo's generators refuse production --------------------------------------------

@pytest.mark.parametrize("command", ["demo-data", "demo-municipality"])
def test_the_demo_generators_refuse_the_production_profile(tmp_path, command):
    # The database does not exist (db.invalid): the refusal comes before any query.
    result = run(production(tmp_path), command)
    assert result.returncode == 1
    assert f"{command} refuses the production profile" in result.stderr, result.stderr
    assert "Nothing was changed" in result.stderr


@pytest.mark.parametrize("command", ["demo-data", "demo-municipality"])
def test_a_refused_generator_changes_nothing(world, settings, command):
    settings.PRODUCTION, settings.PROFILE = True, "production"
    before = (Organisation.objects.count(), User.objects.count(), Case.objects.count())
    with pytest.raises(CommandError, match="refuses the production profile"):
        call_command(command)
    assert (Organisation.objects.count(), User.objects.count(), Case.objects.count()) == before


def test_the_demo_profile_is_not_refused(world, settings):
    # In the demo profile the command gets past the guard to its own check (the database
    # already has the world's organisation): not a refusal of the profile.
    settings.PRODUCTION, settings.PROFILE = False, "demo"
    with pytest.raises(CommandError, match="only fills an empty database") as info:
        call_command("demo-data")
    assert "production" not in str(info.value)
    call_command("demo-data", "--if-empty")  # and --if-empty succeeds quietly


# -- mail from the environment ------------------------------------------------------------

def test_mail_settings_land_in_django_settings_with_the_password_from_a_file(tmp_path):
    password_file = tmp_path / "mail-password"
    password_file.write_text("korrekt-hest-batteri\n")
    got = mail_settings(production(
        tmp_path, FOKUS_EMAIL_HOST="smtp.kommune.example", FOKUS_EMAIL_PORT="2525",
        FOKUS_EMAIL_USE_TLS="true", FOKUS_EMAIL_USER="fokus-relay",
        FOKUS_EMAIL_PASSWORD_FILE=str(password_file),
        FOKUS_EMAIL_FROM="Fokus <fokus@kommune.example>", FOKUS_EMAIL_TIMEOUT="7"))
    assert got == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.kommune.example", "EMAIL_PORT": 2525,
        "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "fokus-relay", "EMAIL_HOST_PASSWORD": "korrekt-hest-batteri",
        "EMAIL_TIMEOUT": 7,
        "DEFAULT_FROM_EMAIL": "Fokus <fokus@kommune.example>",
        "SERVER_EMAIL": "Fokus <fokus@kommune.example>",
    }


def test_mail_password_from_the_variable_and_ssl_port_by_default(tmp_path):
    got = mail_settings(production(tmp_path, FOKUS_EMAIL_HOST="smtp.kommune.example",
                                   FOKUS_EMAIL_USE_SSL="yes", FOKUS_EMAIL_USER="relay",
                                   FOKUS_EMAIL_PASSWORD="pw-in-env"))
    assert (got["EMAIL_USE_SSL"], got["EMAIL_USE_TLS"], got["EMAIL_PORT"]) == (True, False, 465)
    assert got["EMAIL_HOST_PASSWORD"] == "pw-in-env"
    assert got["EMAIL_TIMEOUT"] == 10  # an unreachable server never hangs a worker


def test_mail_defaults(tmp_path):
    got = mail_settings(production(tmp_path))
    assert (got["EMAIL_HOST"], got["EMAIL_PORT"], got["EMAIL_TIMEOUT"]) == ("localhost", 25, 10)
    assert (got["EMAIL_HOST_USER"], got["EMAIL_HOST_PASSWORD"]) == ("", "")
    assert got["EMAIL_USE_TLS"] is False and got["EMAIL_USE_SSL"] is False
    assert mail_settings(production(tmp_path, FOKUS_EMAIL_USE_TLS="1"))["EMAIL_PORT"] == 587
    demo = production(tmp_path, FOKUS_PROFILE=None, DATABASE_URL=None, FOKUS_SECRET_KEY=None)
    assert mail_settings(demo)["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize("changes, message", [
    ({"FOKUS_EMAIL_USE_TLS": "true", "FOKUS_EMAIL_USE_SSL": "true"},
     "Set FOKUS_EMAIL_USE_TLS (STARTTLS, usually port 587) or FOKUS_EMAIL_USE_SSL"),
    ({"FOKUS_EMAIL_USE_TLS": "ja"}, "FOKUS_EMAIL_USE_TLS must be true or false"),
    ({"FOKUS_EMAIL_PORT": "smtp"}, "FOKUS_EMAIL_PORT must be a port number"),
    ({"FOKUS_EMAIL_PORT": "70000"}, "FOKUS_EMAIL_PORT must be a port number"),
    ({"FOKUS_EMAIL_PORT": "0"}, "FOKUS_EMAIL_PORT must be a port number"),
    ({"FOKUS_EMAIL_TIMEOUT": "0"}, "FOKUS_EMAIL_TIMEOUT must be a whole number of at least 1"),
    ({"FOKUS_EMAIL_TIMEOUT": "ten"}, "FOKUS_EMAIL_TIMEOUT must be a whole number of at least 1"),
    ({"FOKUS_EMAIL_FROM": "Fokus"}, "FOKUS_EMAIL_FROM must be an e-mail address"),
    ({"FOKUS_EMAIL_FROM": "fokus@"}, "FOKUS_EMAIL_FROM must be an e-mail address"),
    ({"FOKUS_EMAIL_USER": "relay"}, "Set both FOKUS_EMAIL_USER and FOKUS_EMAIL_PASSWORD"),
    ({"FOKUS_EMAIL_PASSWORD": "hemmeligt-ord"},
     "Set both FOKUS_EMAIL_USER and FOKUS_EMAIL_PASSWORD"),
    ({"FOKUS_EMAIL_USER": "relay", "FOKUS_EMAIL_PASSWORD": "hemmeligt-ord",
      "FOKUS_EMAIL_PASSWORD_FILE": "/etc/fokus/mail-password"},
     "Set FOKUS_EMAIL_PASSWORD or FOKUS_EMAIL_PASSWORD_FILE, not both"),
    ({"FOKUS_EMAIL_USER": "relay", "FOKUS_EMAIL_PASSWORD_FILE": "/nonexistent/mail-password"},
     "FOKUS_EMAIL_PASSWORD_FILE names a file that cannot be read"),
], ids=["tls-and-ssl", "tls-not-boolean", "port-word", "port-too-big", "port-zero",
        "timeout-zero", "timeout-word", "from-no-address", "from-half", "user-alone",
        "password-alone", "password-twice", "password-file-missing"])
def test_bad_mail_settings_stop_start_up_naming_the_variable(tmp_path, changes, message):
    result = run(production(tmp_path, **changes), "check")
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "hemmeligt-ord" not in result.stderr  # never the password


def test_a_mail_server_that_never_answers_does_not_hold_the_worker(settings):
    # A server that accepts the connection and then says nothing (no SMTP greeting):
    # without a timeout, smtplib would wait for ever.
    import socket
    import time

    from django.core.mail import EmailMessage, get_connection

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 1
        connection = get_connection("django.core.mail.backends.smtp.EmailBackend")
        started = time.monotonic()
        with pytest.raises(OSError):  # socket.timeout / TimeoutError
            EmailMessage("Fokus", "test", "fokus@kommune.example", ["a@kommune.example"],
                         connection=connection).send()
        assert time.monotonic() - started < 10
