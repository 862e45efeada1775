"""Sessions end after FOKUS_SESSION_IDLE_MINUTES idle and FOKUS_SESSION_MAX_HOURS in all, and
the person is told why on the login page; the family screen's ratings are not lost to an
expired login; a person changes her password and signs out everywhere (issue 11)."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from fokus.audit.models import AccessLogEntry
from fokus.ratings.models import Rating
from fokus.signin.middleware import LAST_SEEN, STARTED
from tests.conftest import PASSWORD
from tests.test_family_view import EN, _hand_over, _rate_on_screen, _start, _steps

DA = {"HTTP_ACCEPT_LANGUAGE": "da"}
NEW_PASSWORD = "Et-helt-nyt-kodeord-42"  # noqa: S105


def age(client, key, seconds):
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_session_idle_for_30_minutes_ends_with_a_message(client, world):
    client.force_login(world.anna)
    cases = reverse("insights:case_list")
    assert client.get(cases).status_code == 200
    age(client, LAST_SEEN, 31 * 60)
    response = client.get(cases, **DA)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={cases}"
    assert not logged_in(client)
    page = client.get(response["Location"], **DA).content.decode()
    assert "Du blev logget ud efter 30 minutter uden aktivitet" in page
    assert AccessLogEntry.objects.filter(user_id=world.anna.pk, action="logout").exists()


def test_activity_keeps_the_session_open(client, world):
    client.force_login(world.anna)
    age(client, LAST_SEEN, 29 * 60)
    assert client.get(reverse("insights:case_list")).status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5
    age(client, LAST_SEEN, 29 * 60)
    assert client.get(reverse("insights:case_list")).status_code == 200


def test_a_session_ends_after_8_hours_however_busy(client, world):
    client.force_login(world.anna)
    age(client, STARTED, 8 * 3600 + 60)
    response = client.get(reverse("insights:case_list"), **EN)
    assert response.status_code == 302 and not logged_in(client)
    page = client.get(response["Location"], **EN).content.decode()
    assert "a login lasts at most 8 hours" in page


def test_the_limits_are_settings(client, world, settings):
    settings.FOKUS_SESSION_IDLE_MINUTES = 5
    client.force_login(world.anna)
    age(client, LAST_SEEN, 6 * 60)
    assert client.get(reverse("insights:case_list")).status_code == 302


def test_an_expired_login_does_not_drop_a_rating_from_the_family_screen(client, world):
    """The tablet rated step 0, the caseworker unlocked, the tablet's retry of step 1 comes
    after her login went idle: the rating is stored; her next page asks her to log in."""
    meeting = _start(client, world)
    _hand_over(client, world, meeting, _steps(world))
    screen = client.session["fokus_kiosk"]["id"]
    _rate_on_screen(client, 0)
    # A family screen keeps working however long the family takes: no login to expire.
    age(client, STARTED, 9 * 3600)
    response = client.post(reverse("ratings:unlock"), {"password": PASSWORD}, **EN)
    assert response.status_code == 302 and logged_in(client)
    age(client, LAST_SEEN, 45 * 60)
    import json
    import uuid
    retry = client.post(reverse("ratings:kiosk_submit"), json.dumps({
        "screen": screen, "step": 1, "key": str(uuid.uuid4()), "answers": ["6"] * 4}),
        content_type="application/json", **EN)
    assert retry.status_code == 201, retry.content
    assert Rating.objects.filter(meeting=meeting).count() == 2
    # The family screen's request did not count as her activity: her login is over.
    assert client.get(reverse("insights:case_list")).status_code == 302
    assert not logged_in(client)
    # The screen's state stays for her next login in this browser.
    assert client.session["fokus_kiosk_done"][0]["id"] == screen


def test_a_handed_over_tablet_is_not_logged_out(client, world):
    meeting = _start(client, world)
    _hand_over(client, world, meeting, _steps(world))
    session = client.session
    session[LAST_SEEN] = time.time() - 3 * 3600
    session[STARTED] = time.time() - 7 * 3600
    session.save()
    assert client.get(reverse("ratings:kiosk"), **EN).status_code == 200
    _rate_on_screen(client, 0)


# Password change and sign out everywhere.

def test_changing_the_password_ends_the_other_sessions_and_is_logged(client, world):
    other = Client()
    other.force_login(world.anna)
    client.force_login(world.anna)
    page = client.get(reverse("signin:password_change"), **DA)
    assert "Skift din adgangskode" in page.content.decode()
    response = client.post(reverse("signin:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD}, **DA)
    assert response["Location"] == reverse("signin:password_change_done")
    world.anna.refresh_from_db()
    assert world.anna.check_password(NEW_PASSWORD)
    assert client.get(reverse("insights:case_list")).status_code == 200
    assert other.get(reverse("insights:case_list")).status_code == 302
    entry = AccessLogEntry.objects.filter(user_id=world.anna.pk, purpose="set password").get()
    assert entry.object_id == str(world.anna.pk)
    assert PASSWORD not in str(entry.detail) and NEW_PASSWORD not in str(entry.detail)


def test_a_wrong_old_password_changes_nothing_and_five_end_the_login(client, world):
    client.force_login(world.anna)
    data = {"old_password": "forkert-gammel-kode", "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD}
    first = client.post(reverse("signin:password_change"), data, **DA)
    assert first.status_code == 200 and "error-summary" in first.content.decode()
    world.anna.refresh_from_db()
    assert world.anna.check_password(PASSWORD)
    for _ in range(4):
        last = client.post(reverse("signin:password_change"), data, **DA)
    assert last["Location"] == reverse("login") and not logged_in(client)


def test_a_weak_new_password_is_refused_with_a_message(client, world):
    client.force_login(world.anna)
    response = client.post(reverse("signin:password_change"), {
        "old_password": PASSWORD, "new_password1": "kort", "new_password2": "kort"}, **DA)
    assert response.status_code == 200
    assert "Denne adgangskode er for kort" in response.content.decode()
    world.anna.refresh_from_db()
    assert world.anna.check_password(PASSWORD)


def test_sign_out_everywhere_keeps_this_session_and_ends_the_others(client, world):
    other = Client()
    other.force_login(world.anna)
    client.force_login(world.anna)
    page = client.get(reverse("signin:account"), **DA).content.decode()
    assert "Log ud alle andre steder" in page
    response = client.post(reverse("signin:sign_out_everywhere"), **DA)
    assert response["Location"] == reverse("signin:account")
    assert client.get(reverse("insights:case_list")).status_code == 200
    assert other.get(reverse("insights:case_list")).status_code == 302
    world.anna.refresh_from_db()
    assert world.anna.session_generation == 1
    assert AccessLogEntry.objects.filter(user_id=world.anna.pk,
                                         purpose="sign out everywhere").count() == 1


@pytest.mark.parametrize("name", ["signin:account", "signin:password_change"])
def test_my_account_needs_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_sign_out_everywhere_is_a_post(client, world):
    client.force_login(world.anna)
    assert client.get(reverse("signin:sign_out_everywhere")).status_code == 405


def test_unlocking_the_family_screen_needs_no_second_code(client, world, settings):
    """The code was given at the login; the hand-back asks her password, not another code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.test_totp import code

    settings.FOKUS_SECOND_FACTOR = "required"
    device = TOTPDevice.objects.create(user=world.anna, name="Fokus", confirmed=True)
    client.post(reverse("login"), {"username": "anna", "password": PASSWORD})
    client.post(reverse("signin:second_factor"), {"code": code(device)})
    assert client.get(reverse("insights:case_list")).status_code == 200
    meeting = _start(client, world)
    _hand_over(client, world, meeting, _steps(world))
    assert client.get(reverse("insights:case_list"))["Location"] == reverse("ratings:unlock")
    client.post(reverse("ratings:unlock"), {"password": PASSWORD}, **EN)
    assert client.get(reverse("insights:case_list")).status_code == 200
