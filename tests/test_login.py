"""Logging in: password guessing is throttled (django-axes), and logins, failed logins,
lockouts and logouts are in the access log, never with a password (issue 11)."""

import datetime
import json
import os
import re
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

from fokus.audit.models import AccessAction, AccessLogEntry
from tests.conftest import PASSWORD

WRONG = "Forkert-kode-77"
LOCKED_DA = "For mange mislykkede login. Vent 15 minutter"


def log_in(client, username, password, address="127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def new_entries(since: int):
    return list(AccessLogEntry.objects.filter(id__gt=since).order_by("id"))


def last_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def row_text(entry) -> str:
    """Every column of the stored row, as one string."""
    row = AccessLogEntry.objects.filter(pk=entry.pk).values().get()
    return json.dumps(row, default=str)


def guess(client, username, times, address="127.0.0.1"):
    return [log_in(client, username, WRONG, address) for _ in range(times)]


def test_five_wrong_passwords_then_the_right_one_is_refused_with_a_message(client, world):
    before = last_id()
    responses = guess(client, "anna", 5)
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429
    assert LOCKED_DA in responses[4].content.decode()

    response = log_in(client, "anna", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_DA in page
    assert 'role="alert"' in page and 'name="username"' in page  # the login page, not a bare 403
    assert not logged_in(client)

    entries = new_entries(before)
    actions = [e.action for e in entries]
    assert actions.count(AccessAction.LOGIN_FAILED) == 6  # five guesses, the refused right one
    assert AccessAction.LOCKED_OUT in actions
    assert AccessAction.LOGIN not in actions
    for entry in entries:
        assert entry.object_type == "account" and entry.object_id == str(world.anna.pk)
        assert entry.user_id is None  # whoever tried is not known to be Anna
        assert PASSWORD not in row_text(entry) and WRONG not in row_text(entry)


def test_the_lockout_message_is_in_english_for_an_english_browser(client, world):
    guess(client, "anna", 4)
    response = client.post(reverse("login"), {"username": "anna", "password": WRONG},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many failed logins. Wait 15 minutes and try again" in response.content.decode()


def test_the_lockout_says_nothing_about_whether_the_username_exists(client, world):
    known = guess(client, "anna", 5)[-1]
    unknown = guess(client, "ingen-saadan-bruger", 5)[-1]
    assert known.status_code == unknown.status_code == 429

    def page(response):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())

    assert page(known) == page(unknown)
    assert "anna" not in page(known)


def test_after_the_cool_off_the_right_password_lets_her_in(client, world):
    guess(client, "anna", 5)
    # 14 minutes later: still locked.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=14))
    assert log_in(client, "anna", PASSWORD).status_code == 429
    # The refused try started the wait again; 16 minutes after it, the lock is gone.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))
    before = last_id()
    response = log_in(client, "anna", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)
    assert [e.action for e in new_entries(before)] == [AccessAction.LOGIN]


def test_a_right_password_forgets_the_typos_before_it(client, world):
    guess(client, "anna", 4)
    assert log_in(client, "anna", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert [r.status_code for r in guess(client, "anna", 4)] == [200] * 4


def test_another_user_is_not_locked_out_by_an_attack_on_the_first(client, world):
    guess(client, "anna", 8)
    assert log_in(client, "bo", PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_lock_is_per_address_so_an_attacker_cannot_lock_her_out_of_her_own_desk(
        client, world):
    guess(client, "anna", 8, address="203.0.113.9")
    assert log_in(client, "anna", PASSWORD, address="203.0.113.9").status_code == 429
    assert log_in(client, "anna", PASSWORD, address="10.1.2.3").status_code == 302


def test_the_number_of_attempts_is_a_setting(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert [r.status_code for r in guess(client, "anna", 3)] == [200, 200, 429]


def test_a_login_a_failure_and_a_logout_each_leave_one_entry_without_the_password(
        client, world):
    before = last_id()
    log_in(client, "anna", WRONG)
    failed = new_entries(before)
    assert [e.action for e in failed] == [AccessAction.LOGIN_FAILED]
    assert failed[0].object_id == str(world.anna.pk)
    assert failed[0].detail == {"known_user": True, "username": "anna"}

    before = last_id()
    assert log_in(client, "anna", PASSWORD).status_code == 302
    login = new_entries(before)
    assert [e.action for e in login] == [AccessAction.LOGIN]
    assert (login[0].user_id, login[0].username) == (world.anna.pk, "anna")

    before = last_id()
    client.post(reverse("logout"))
    logout = new_entries(before)
    assert [e.action for e in logout] == [AccessAction.LOGOUT]
    assert (logout[0].user_id, logout[0].username) == (world.anna.pk, "anna")

    for entry in failed + login + logout:
        text = row_text(entry)
        assert PASSWORD not in text and WRONG not in text
        assert world.anna.password not in text  # nor the hash


def test_a_failed_login_with_an_unknown_username_does_not_record_what_was_typed(client, world):
    """What was typed as a username may be a password typed in the wrong field."""
    typed = "Min-hemmelige-kode-2025"
    before = last_id()
    response = log_in(client, typed, WRONG)
    assert response.status_code == 200
    entries = new_entries(before)
    assert [e.action for e in entries] == [AccessAction.LOGIN_FAILED]
    assert entries[0].object_id == "" and entries[0].detail == {"known_user": False}
    assert typed not in row_text(entries[0]) and WRONG not in row_text(entries[0])


def test_a_lockout_of_an_unknown_username_records_no_name(client, world):
    typed = "Min-hemmelige-kode-2025"
    before = last_id()
    guess(client, typed, 5)
    entries = new_entries(before)
    assert AccessAction.LOCKED_OUT in [e.action for e in entries]
    assert all(typed not in row_text(e) for e in entries)


def test_password_checks_outside_a_request_are_not_throttled_but_logged(world):
    from django.contrib.auth import authenticate

    before = last_id()
    assert authenticate(username="anna", password=PASSWORD) == world.anna
    assert authenticate(username="anna", password=WRONG) is None
    assert [e.action for e in new_entries(before)] == [AccessAction.LOGIN_FAILED]


@pytest.mark.parametrize("name, raw", [("FOKUS_LOGIN_ATTEMPTS", "fem"),
                                       ("FOKUS_LOGIN_COOLOFF_MINUTES", "0")])
def test_a_login_setting_that_is_not_a_positive_number_is_an_error(name, raw):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOKUS_")}
    env.update({name: raw, "DJANGO_SETTINGS_MODULE": "fokus.settings"})
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"],  # noqa: S603
                            env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert f"{name} must be a whole number" in result.stderr


def test_the_login_settings_are_read_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOKUS_")}
    env.update(FOKUS_LOGIN_ATTEMPTS="3", FOKUS_LOGIN_COOLOFF_MINUTES="30",
               DJANGO_SETTINGS_MODULE="fokus.settings")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))")
    result = subprocess.run([sys.executable, "-c", code],  # noqa: S603
                            env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["3", "1800"]


def test_the_throttle_keeps_no_password(client, world):
    guess(client, "anna", 2)
    rows = json.dumps(list(AccessAttempt.objects.values()), default=str)
    assert rows != "[]" and WRONG not in rows
