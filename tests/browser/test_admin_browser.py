"""The administrator's configuration home and the accessibility statement, in a real
browser: where the administrator lands, in Danish; axe-core clean on the
configuration pages at tablet and phone size; the statement linked from every page."""

import pytest

from tests.browser.conftest import PHONE, TABLET, assert_accessible, screenshot
from tests.conftest import PASSWORD

CONFIG_PAGES = [
    "/admin/",
    "/admin/cases/organisation/{org}/change/",
    "/admin/cases/unit/",
    "/admin/cases/unit/{unit}/change/",
    "/admin/cases/team/add/",
    "/admin/accounts/user/",
    "/admin/accounts/user/add/",
    "/admin/accounts/user/{anna}/change/",
    "/admin/auth/group/add/",
    "/admin/audit/accesslogentry/",
    "/admin/instruments/organisationsetting/",
    "/admin/instruments/instrument/add/",
    "/admin/instruments/instrumentlicence/add/",
    "/admin/instruments/instrumentwording/add/",
    "/admin/instruments/itemwording/add/",
    "/admin/insights/conversationprompt/",
]


def log_in_as_admin(page):
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill("admin")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("size", [TABLET, PHONE], ids=["tablet", "phone"])
def test_the_administrator_lands_on_the_configuration_home(page, browser_world, size):
    page.set_viewport_size(size)
    log_in_as_admin(page)
    assert page.locator("#site-name").inner_text() == "Fokus: konfiguration"
    assert "Sager" not in page.locator("h1").inner_text()
    screenshot(page, f"admin-home-{'tablet' if size == TABLET else 'phone'}")
    w = browser_world
    ids = {"org": w.org.pk, "unit": w.team_nord.unit_id, "anna": w.anna.pk}
    for url in CONFIG_PAGES:
        page.goto(url.format(**ids))
        assert page.locator("#site-name").is_visible(), url
        assert_accessible(page, f"{url} at {size['width']} px")
    link = page.get_by_role("link", name="Tilgængelighedserklæring")
    assert link.is_visible()


def test_the_accessibility_statement_is_linked_from_every_page(page, browser_world):
    page.goto("/login/")
    page.get_by_role("link", name="Tilgængelighedserklæring").click()
    page.wait_for_url("**/tilgaengelighed/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tilgængelighedserklæring for Fokus"
    for heading in ("Overholdelsesstatus", "Indhold, der ikke er tilgængeligt",
                    "Sådan er erklæringen udarbejdet", "Feedback og kontaktoplysninger",
                    "Håndhævelse"):
        assert page.get_by_role("heading", name=heading).is_visible()
    assert_accessible(page, "accessibility statement")
    page.set_viewport_size({"width": 320, "height": 640})
    assert_accessible(page, "accessibility statement, 320 px")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "accessibility-statement-phone")
