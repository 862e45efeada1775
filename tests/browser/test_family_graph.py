"""Who sees what on the family screen, in a real browser: after rating, each person
sees their own graph; a child kept from the parents is in nobody else's graph."""

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_rating_screen import (
    _done_and_saved,
    _drag,
    _in_english,
    _keys,
    _next,
    _visible_step,
)


def test_own_graph_after_rating_and_a_private_child_is_not_shown(page, browser_world, log_in):
    world = browser_world
    log_in("anna")
    _in_english(page)

    # On the case page: Mikkel's ratings are not to be shown to the parents.
    page.goto(f"/cases/{world.hansen.pk}/")
    form = page.locator(f"form[action$='/persons/{world.child.pk}/privacy/']")
    form.get_by_label("Do not show the ratings of Mikkel to the parents").check()
    form.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/cases/{world.hansen.pk}/")
    world.child.refresh_from_db()
    assert world.child.ratings_private_from_parents

    page.get_by_role("link", name="Start a meeting").click()
    page.get_by_label("Mikkel Hansen (Child)").check()
    page.get_by_label("Sara Hansen (Mother)").check()
    page.get_by_role("button", name="Start the meeting").click()
    page.wait_for_url("**/meetings/*/")
    for label in ("Mikkel rates CORS", "Sara rates ORS", "Mikkel rates CSRS", "Sara rates SRS"):
        page.get_by_label(label, exact=True).first.set_checked(
            label in ("Mikkel rates CORS", "Sara rates ORS"))
    page.get_by_label("Show the family graph at the end").check()
    page.get_by_role("button", name="Hand the tablet over").click()
    page.wait_for_url("**/ratings/screen/")

    # Mikkel (10) rates by dragging; his own graph appears, and nobody else's.
    step = _visible_step(page)
    lines = step.get_by_role("slider")
    for i, fraction in enumerate([0.6, 0.3, 0.8, 0.5]):
        _drag(page, lines.nth(i), fraction)
    _done_and_saved(page)
    graph = step.locator(".step-graph svg")
    graph.wait_for()
    html = step.locator(".step-graph").inner_html()
    assert "Mikkel" in html and "Sara" not in html
    assert_accessible(page, "family screen with the child's own graph")
    screenshot(page, "family-screen-own-graph")
    _next(page)

    # Sara rates by keyboard: her graph does not show Mikkel's line.
    step = _visible_step(page)
    assert step.get_by_role("heading", level=1).inner_text() == "Sara"
    lines = step.get_by_role("slider")
    for i in range(4):
        _keys(lines.nth(i), ["Home"] + ["PageUp"] * (i + 3))
    _done_and_saved(page)
    step.locator(".step-graph svg").wait_for()
    html = step.locator(".step-graph").inner_html()
    assert "Sara" in html and "Mikkel" not in html

    # The family graph at the end: everyone's lines but the private child's.
    _next(page)
    end = page.locator(".step-end")
    end.locator(".family-graph svg").wait_for()
    html = end.locator(".family-graph").inner_html()
    assert "Sara" in html and "Mikkel" not in html
    # The family's words, and one text alternative in the page's language (svg-img-alt).
    svg = end.locator(".family-graph svg").first
    assert svg.get_attribute("role") == "img"
    assert svg.get_attribute("aria-label").startswith("The family's ratings over time")
    assert "How life is going" in html and "feel good" in html
    assert "cutoff" not in html and "ETR" not in html
    assert "aria-roledescription" not in html
    assert_accessible(page, "family screen with the family graph")
    screenshot(page, "family-screen-family-graph")
