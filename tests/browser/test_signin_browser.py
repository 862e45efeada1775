"""Signing in, in a real browser (issue 11): a caseworker sets up her authenticator app and
logs in with a code, keyboard only; the pages are axe-core clean, tablet-sized and carry no
inline style or script; her account page signs her out everywhere else; an idle login ends
with a message on the login page."""

import re
import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import PASSWORD
from tests.test_totp import code


@pytest.fixture
def required(settings):
    settings.FOKUS_SECOND_FACTOR = "required"


def password(page, username="anna"):
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_enrolment_and_login_with_a_code_by_keyboard(page, browser_world, required):
    password(page)
    page.wait_for_url("**/login/code/setup/")
    assert page.get_by_role("heading", name="Opsæt din godkendelsesapp").is_visible()
    assert page.get_by_role("img", name="QR-kode til din godkendelsesapp").is_visible()
    assert page.locator("code.totp-secret").inner_text().replace(" ", "").isalnum()
    assert page.locator("[style]").count() == 0 and page.locator("script:not([src])").count() == 0
    assert_accessible(page, "TOTP enrolment")
    screenshot(page, "totp-enrolment-tablet")
    device = TOTPDevice.objects.get(user=browser_world.anna)
    field = page.get_by_label("Kode fra din godkendelsesapp")
    field.focus()
    page.keyboard.type(code(device))
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/")

    # The next login asks for a code, and a wrong one is refused with a message.
    page.get_by_role("button", name="Log ud").click()
    password(page)
    page.wait_for_url("**/login/code/")
    assert_accessible(page, "TOTP step")
    page.get_by_label("Kode fra din godkendelsesapp").fill("000000" if code(device) != "000000"
                                                            else "111111")
    page.get_by_role("button", name="Fortsæt").click()
    assert "Den kode er ikke rigtig" in page.get_by_role("alert").inner_text()
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    time.sleep(30 - time.time() % 30 + 1)  # the next code: the first one was used
    page.get_by_label("Kode fra din godkendelsesapp").fill(code(device))
    page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url("**/cases/")


def test_my_account_signs_out_everywhere_else(page, browser_world, log_in):
    log_in("anna")
    page.get_by_role("link", name="Min konto").click()
    assert page.get_by_role("heading", name="Min konto").is_visible()
    assert_accessible(page, "my account")
    page.get_by_role("button", name="Log ud alle andre steder").click()
    assert "Du er logget ud på alle andre enheder" in page.get_by_role("status").inner_text()
    browser_world.anna.refresh_from_db()
    assert browser_world.anna.session_generation == 1


def test_an_idle_login_ends_with_a_message(page, browser_world, log_in, settings):
    log_in("anna")
    settings.FOKUS_SESSION_IDLE_MINUTES = 1
    from django.contrib.sessions.models import Session

    for session in Session.objects.all():  # her login, a minute and more ago
        data = session.get_decoded()
        if "fokus_last_seen" in data:
            data["fokus_last_seen"] -= 120
            session.session_data = Session.objects.encode(data)
            session.save()
    page.goto("/cases/")
    page.wait_for_url(re.compile(r"/login/\?next=/cases/$"))
    assert "Du blev logget ud efter 1 minutter uden aktivitet" in page.get_by_role(
        "status").inner_text()
