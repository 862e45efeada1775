"""The pages people use, in a real browser: Danish by default, English on request,
keyboard only, axe-core clean, tablet and phone sizes."""

from fokus.audit.models import AccessLogEntry
from tests.browser.conftest import PHONE, assert_accessible, screenshot


def test_login_page_is_danish_and_accessible(page, browser_world):
    page.goto("/login/")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.get_by_role("heading", name="Log ind i Fokus").is_visible()
    assert_accessible(page, "login")
    screenshot(page, "login-tablet")


def test_a_wrong_password_is_refused_with_a_clear_message(page, browser_world):
    page.goto("/login/")
    page.get_by_label("Brugernavn").fill("anna")
    page.get_by_label("Adgangskode").fill("forkert")
    page.get_by_role("button", name="Log ind").click()
    assert page.get_by_role("alert").is_visible()
    assert "Intet blev gemt" in page.get_by_role("alert").inner_text()
    assert page.url.endswith("/login/")


def test_anna_sees_her_teams_cases_and_not_bos(page, browser_world, log_in):
    log_in("anna")
    table = page.locator("table.case-list")
    assert "Familien Hansen" in table.inner_text()
    assert "Familien Olsen" in table.inner_text()
    assert "Familien Berg" not in page.content()
    rows = table.locator("tbody tr")
    assert "Din sag" in rows.nth(0).inner_text()
    assert_accessible(page, "case list")
    screenshot(page, "case-list-tablet")


def test_opening_bos_case_by_url_gives_404_and_is_logged(page, browser_world, log_in):
    log_in("anna")
    response = page.goto(f"/cases/{browser_world.berg.pk}/")
    assert response.status == 404
    assert "Familien Berg" not in page.content()
    assert AccessLogEntry.objects.filter(username="anna", action="denied",
                                         object_id=str(browser_world.berg.pk)).exists()


def test_the_case_list_is_searchable(page, browser_world, log_in):
    log_in("anna")
    page.get_by_label("Søg på familie, sagsnummer eller fornavn").fill("Olsen")
    page.get_by_role("button", name="Søg", exact=True).click()
    assert "Familien Olsen" in page.locator("table.case-list").inner_text()
    assert "Familien Hansen" not in page.locator("table.case-list").inner_text()


def test_a_caseworker_reaches_a_case_and_types_in_a_rating_by_keyboard_only(
        page, browser_world, log_in):
    log_in("anna")
    # Tab to the first case link and open it with Enter.
    link = page.get_by_role("link", name="Familien Hansen")
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{browser_world.hansen.pk}/")
    assert page.get_by_role("heading", name="Familien Hansen", level=1).is_visible()
    assert_accessible(page, "case page")
    page.get_by_role("link", name="Indtast en scoring fra papir").click()
    page.get_by_label("Hvem scores", exact=True).select_option(label="Sara Hansen (Mor)")
    page.get_by_label("Hvem scorede", exact=True).select_option(label="Sara Hansen (Mor)")
    for label, value in (("Individuelt", "6,4"), ("Nære relationer", "7,1"),
                         ("Socialt", "5"), ("Generelt", "6")):
        page.get_by_label(label, exact=True).fill(value)
    assert_accessible(page, "paper entry")
    page.get_by_label("Generelt", exact=True).press("Enter")
    page.wait_for_url(f"**/cases/{browser_world.hansen.pk}/")
    assert "Scoringen er gemt." in page.get_by_role("status").inner_text()
    ratings = page.locator("section", has=page.get_by_role("heading", name="Scoringer"))
    assert "24,5" in ratings.inner_text()
    screenshot(page, "case-page-tablet")


def test_a_bad_score_is_refused_in_danish_and_nothing_is_stored(page, browser_world, log_in):
    from fokus.ratings.models import Rating

    log_in("anna")
    page.goto(f"/ratings/cases/{browser_world.hansen.pk}/paper/")
    page.get_by_label("Hvem scores", exact=True).select_option(label="Sara Hansen (Mor)")
    page.get_by_label("Hvem scorede", exact=True).select_option(label="Sara Hansen (Mor)")
    for label, value in (("Individuelt", "10,5"), ("Nære relationer", "abc"),
                         ("Socialt", "5"), ("Generelt", "6")):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Gem scoringen").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Individuelt: 10,5 ligger uden for 0,0-10,0." in alert
    assert "Nære relationer: “abc” er ikke et tal." in alert
    assert Rating.objects.count() == 0
    assert_accessible(page, "paper entry with errors")
    screenshot(page, "paper-entry-errors")


def test_the_language_can_be_switched_to_english(page, browser_world, log_in):
    log_in("anna")
    page.get_by_label("Sprog").select_option("en")
    page.get_by_role("button", name="Skift").click()
    assert page.get_by_role("heading", name="Cases", level=1).is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "case list in English")


def test_the_case_list_reads_on_a_phone(page, browser_world, log_in):
    page.set_viewport_size(PHONE)
    log_in("anna")
    # No horizontal scrolling of the whole page on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "case-list-phone")
