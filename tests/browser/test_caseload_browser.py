"""The caseload in a real browser: the red case first, a filter by keyboard, one click
to the case, axe-core clean at tablet and phone sizes."""

import datetime

from django.utils import timezone

from fokus.cases import actions
from tests.browser.conftest import PHONE, assert_accessible, screenshot
from tests.conftest import years_ago


def _red_and_yellow(world):
    today = timezone.localdate()
    made = {}
    for name, totals in (("Ravn", [16, 12]), ("Andersen", [16, 18])):
        case = actions.create_case(world.anna, team=world.team_nord, reference=f"N-{name}",
                                   family_name=f"Familien {name}", caseworkers=[world.anna],
                                   opened_on=today - datetime.timedelta(days=200), phase="support")
        child = actions.add_person(world.anna, case, first_name=f"Barn{name}", role="child",
                                   birth_date=years_ago(10))
        for i, total in enumerate(totals):
            world.rate(child, "CORS", [total / 4] * 4,
                       on=today - datetime.timedelta(days=14 * (len(totals) - 1 - i)))
        made[name] = case
    return made


def test_a_caseworker_sees_the_red_case_first_filters_by_keyboard_and_opens_it(
        page, browser_world, log_in):
    cases = _red_and_yellow(browser_world)
    log_in("anna")
    assert page.get_by_role("heading", name="Sager", exact=True).is_visible()
    rows = page.locator("table.caseload tbody tr")
    first = rows.nth(0).inner_text()
    assert "Familien Ravn" in first and "Ikke på rette spor: BarnRavn 12,0" in first
    assert "Familien Andersen" in rows.nth(1).inner_text()
    # the sparkline is an image with a name, and its sentence is there for a screen reader
    assert page.get_by_role("img", name="Forløb i effektscoringer for BarnRavn").count() == 1
    assert "BarnRavn: 2 scoringer fra 16,0 til 12,0." in rows.nth(0).inner_text()
    assert_accessible(page, "caseload")
    screenshot(page, "caseload-tablet")

    # The signal filter with the keyboard only: the first signal, then Tab to the button.
    page.get_by_label("Signal").focus()
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Signal").input_value() == "not_on_track"
    page.keyboard.press("Tab")  # include closed
    page.keyboard.press("Tab")  # the button
    page.keyboard.press("Enter")
    page.wait_for_url("**signal=not_on_track**")
    text = page.locator("table.caseload").inner_text()
    assert "Familien Ravn" in text and "Familien Andersen" in text
    assert "Familien Hansen" not in text and "Familien Olsen" not in text
    assert_accessible(page, "caseload filtered")

    # One click to the case.
    page.get_by_role("link", name="Familien Ravn").click()
    page.wait_for_url(f"**/cases/{cases['Ravn'].pk}/")
    assert page.get_by_role("heading", name="Familien Ravn").is_visible()


def test_the_caseload_reads_on_a_phone(page, browser_world, log_in):
    _red_and_yellow(browser_world)
    page.set_viewport_size(PHONE)
    log_in("anna")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a phone"
    assert_accessible(page, "caseload on a phone")
    screenshot(page, "caseload-phone")


def test_the_caseload_in_pages_keeps_the_order_and_the_filter(page, browser_world, log_in,
                                                              monkeypatch):
    from fokus.insights import caseload

    monkeypatch.setattr(caseload, "PER_PAGE", 1)
    _red_and_yellow(browser_world)
    log_in("anna")
    page.goto("/cases/?signal=not_on_track")
    nav = page.get_by_role("navigation", name="Sider i sagslisten")
    assert "Sager 1–1 af 2" in nav.inner_text()
    assert "Familien Ravn" in page.locator("table.caseload").inner_text()
    assert nav.locator('[aria-current="page"]').inner_text() == "1"
    nav.get_by_role("link", name="Næste").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    assert "signal=not_on_track" in page.url
    text = page.locator("table.caseload").inner_text()
    assert "Familien Andersen" in text and "Familien Ravn" not in text
    nav = page.get_by_role("navigation", name="Sider i sagslisten")
    assert nav.locator('[aria-current="page"]').inner_text() == "2"
    assert_accessible(page, "caseload, page 2")
