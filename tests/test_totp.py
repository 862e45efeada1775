"""The second factor of a local login (TOTP, django-otp): enrolment with a QR code and the
key as text, a right code lets in, a wrong or replayed code does not, five wrong codes end
the login, and until the code every page sends the session to the TOTP step (issue 11)."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fokus.audit.models import AccessAction, AccessLogEntry
from tests.conftest import PASSWORD

DA = {"HTTP_ACCEPT_LANGUAGE": "da"}


@pytest.fixture(autouse=True)
def _required(settings):
    settings.FOKUS_SECOND_FACTOR = "required"


def code(device, offset=0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + offset):06d}"  # noqa: E501


def wrong(device) -> str:
    right = {code(device, o) for o in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def password_login(client, username="anna"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD}, **DA)
    assert response.status_code == 302
    return response


def unthrottle(device):
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Fokus", confirmed=True)


def test_a_user_without_a_device_enrols_and_confirms_a_code_before_going_on(client, world):
    password_login(client)
    response = client.get(reverse("insights:case_list"))
    assert response.status_code == 302 and response["Location"] == reverse("signin:enrol")
    page = client.get(reverse("signin:enrol"), **DA)
    html = page.content.decode()
    assert "Opsæt din godkendelsesapp" in html
    device = TOTPDevice.objects.get(user=world.anna, confirmed=False)
    # The key as text for screen-reader users, in groups of four.
    secret = re.search(r'<code class="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    import base64
    assert base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)) \
        == device.bin_key
    # The QR code drawn in the page: an SVG with no style in it (a strict CSP is coming).
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "style" not in svg and 'class="qr-code"' in svg
    assert "style=" not in html and "<script>" not in html

    refused = client.post(reverse("signin:enrol"), {"code": wrong(device)}, **DA)
    assert refused.status_code == 200 and "Den kode er ikke rigtig" in refused.content.decode()
    assert client.get(reverse("insights:case_list")).status_code == 302

    unthrottle(device)  # django-otp makes her wait a second after a wrong code
    done = client.post(reverse("signin:enrol"), {"code": code(device)}, **DA)
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("insights:case_list")).status_code == 200
    assert AccessLogEntry.objects.filter(user_id=world.anna.pk, action=AccessAction.LOGIN,
                                         purpose="second factor enrolled").exists()


def test_a_right_code_lets_in_and_the_same_code_is_refused_the_next_time(client, world):
    device = device_for(world.anna)
    password_login(client)
    assert client.get(reverse("insights:case_list"))["Location"] == reverse(
        "signin:second_factor")
    used = code(device)
    response = client.post(reverse("signin:second_factor"), {"code": used}, **DA)
    assert response.status_code == 302
    assert client.get(reverse("insights:case_list")).status_code == 200
    assert AccessLogEntry.objects.filter(user_id=world.anna.pk, action=AccessAction.LOGIN,
                                         purpose="second factor").count() == 1

    client.post(reverse("logout"))
    password_login(client)
    replay = client.post(reverse("signin:second_factor"), {"code": used}, **DA)
    assert replay.status_code == 200
    assert "Den kode er ikke rigtig, eller den er brugt" in replay.content.decode()
    assert client.get(reverse("insights:case_list")).status_code == 302
    assert AccessLogEntry.objects.filter(user_id=world.anna.pk,
                                         action=AccessAction.LOGIN_FAILED,
                                         purpose="second factor").count() == 1


def test_a_wrong_code_is_refused_and_five_end_the_login(client, world, settings):
    device = device_for(world.anna)
    password_login(client)
    bad = wrong(device)
    for _ in range(4):
        response = client.post(reverse("signin:second_factor"), {"code": bad}, **DA)
        assert response.status_code == 200
        unthrottle(device)  # django-otp's own growing delay aside: count ours
    last = client.post(reverse("signin:second_factor"), {"code": bad}, **DA)
    assert last.status_code == 302 and last["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("login"), **DA).content.decode()
    assert "For mange forkerte koder" in page
    # The right code no longer helps: the login is over.
    after = client.post(reverse("signin:second_factor"), {"code": code(device)})
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))


def test_django_otp_makes_a_guesser_wait_after_a_wrong_code(client, world):
    device = device_for(world.anna)
    password_login(client)
    client.post(reverse("signin:second_factor"), {"code": wrong(device)}, **DA)
    right = client.post(reverse("signin:second_factor"), {"code": code(device)}, **DA)
    assert right.status_code == 200
    assert "Vent et øjeblik" in right.content.decode()
    unthrottle(device)
    assert client.post(reverse("signin:second_factor"), {"code": code(device)}).status_code == 302


@pytest.mark.parametrize("name", ["insights:case_list", "insights:home", "signin:account",
                                  "signin:password_change", "admin:index"])
def test_before_the_code_every_page_sends_the_session_to_the_code(client, world, name):
    device_for(world.anna)
    password_login(client)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("signin:second_factor")
    # A write is stopped the same way.
    post = client.post(reverse("signin:sign_out_everywhere"))
    assert post["Location"] == reverse("signin:second_factor")
    world.anna.refresh_from_db()
    assert world.anna.session_generation == 0


def test_the_code_step_takes_her_on_to_the_page_she_asked_for(client, world):
    device = device_for(world.anna)
    password_login(client)
    wanted = reverse("insights:case", kwargs={"case_id": world.hansen.pk})
    client.get(wanted)
    response = client.post(reverse("signin:second_factor"), {"code": code(device)})
    assert response["Location"] == wanted


def test_roles_that_see_no_case_data_need_no_code(client, world):
    password_login(client, "dorte")  # department head: aggregates only
    assert client.get(reverse("insights:home")).status_code in {200, 302}
    assert client.get(reverse("signin:account")).status_code == 200


def test_optional_asks_only_users_who_set_up_a_device(client, world, settings):
    settings.FOKUS_SECOND_FACTOR = "optional"
    password_login(client, "lise")
    assert client.get(reverse("insights:case_list")).status_code == 200
    client.post(reverse("logout"))
    device = device_for(world.anna)
    password_login(client, "anna")
    assert client.get(reverse("insights:case_list"))["Location"] == reverse(
        "signin:second_factor")
    client.post(reverse("signin:second_factor"), {"code": code(device)})
    assert client.get(reverse("insights:case_list")).status_code == 200


def test_the_demo_says_on_the_login_page_that_the_code_is_optional(client, settings):
    settings.FOKUS_SECOND_FACTOR = "optional"
    assert "Demo:" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    settings.FOKUS_SECOND_FACTOR = "required"
    assert "Demo:" not in client.get(reverse("login"),
                                     HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_administrator_resets_a_lost_authenticator_app_and_cannot_add_one(client, world,
                                                                             settings):
    settings.FOKUS_SECOND_FACTOR = "optional"  # the administrator's own code aside
    device = device_for(world.anna)
    client.force_login(world.admin)
    base = "/admin/otp_totp/totpdevice/"
    assert client.get(base).status_code == 200
    assert client.get(base + "add/").status_code == 403
    response = client.post(f"{base}{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = AccessLogEntry.objects.filter(purpose="reset second factor").get()
    assert entry.user_id == world.admin.pk and entry.detail == {"user_id": world.anna.pk}
    # Her next login takes her to set up a new one.
    settings.FOKUS_SECOND_FACTOR = "required"
    client.post(reverse("logout"))
    password_login(client)
    assert client.get(reverse("insights:case_list"))["Location"] == reverse("signin:enrol")


def test_nobody_else_sees_the_authenticator_apps(client, world):
    device_for(world.anna)
    client.force_login(world.lise)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 302


def test_a_role_that_needs_a_code_given_during_the_session_asks_for_it(client, world):
    password_login(client, "dorte")  # department head: no code
    assert client.get(reverse("signin:account")).status_code == 200
    world.dorte.role = "team_leader"
    world.dorte.save(update_fields=["role"])
    assert client.get(reverse("signin:account"))["Location"] == reverse("signin:enrol")


def test_a_code_with_a_control_character_is_refused_with_a_message(client, world):
    device_for(world.anna)
    password_login(client)
    response = client.post(reverse("signin:second_factor"), {"code": "12\x0034"}, **DA)
    assert response.status_code in {200, 400}
    assert client.get(reverse("insights:case_list")).status_code == 302
