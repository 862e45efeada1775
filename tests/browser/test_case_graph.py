"""The case graph and the record in a real browser: visible, with its data table,
axe-core clean; the record page saves the note and gives the PDF."""

from fokus.cases.models import Meeting
from tests.browser.conftest import assert_accessible, screenshot
from tests.test_graph import day, rate_family


def test_anna_opens_the_case_with_ratings_and_sees_the_graph(page, browser_world, log_in):
    rate_family(browser_world)
    log_in("anna")
    page.goto(f"/cases/{browser_world.hansen.pk}/")
    figure = page.locator("figure.case-graph")
    assert figure.is_visible()
    image = figure.get_by_role("img")
    image.wait_for()
    assert image.get_attribute("alt")
    # The browser loaded and drew the SVG: it has its natural size.
    page.wait_for_function("el => el.complete && el.naturalWidth > 300",
                           arg=image.element_handle())
    assert image.bounding_box()["width"] > 300
    assert figure.locator("figcaption").is_visible()
    assert page.locator("table.graph-table tbody tr").count() == 24
    assert page.locator("ul.graph-summary li").count() == 6  # four outcome, two alliance
    assert page.locator("ul.signals li").count() >= 1
    assert_accessible(page, "case page with graph")
    screenshot(page, "case-graph-tablet")


def test_the_record_is_saved_and_the_pdf_produced(page, browser_world, log_in):
    rate_family(browser_world)
    meeting = Meeting.objects.create(case=browser_world.hansen, held_on=day(3), kind="home_visit",
                                     caseworker=browser_world.anna)
    meeting.participants.set([browser_world.child, browser_world.mother])
    log_in("anna")
    page.goto(f"/cases/{browser_world.hansen.pk}/")
    page.locator(f"a[href='/insights/cases/{browser_world.hansen.pk}/record/']").click()
    page.locator("#id_note").fill("Mikkel siger, at skolen går bedre.")
    page.locator("#id_next_steps").fill("Møde med skolen.")
    page.locator("main button.primary[type=submit]").click()
    journal = page.locator("#journal-text")
    assert "Aftalte næste skridt: Møde med skolen." in journal.input_value()
    assert journal.get_attribute("readonly") is not None
    assert_accessible(page, "record page")
    screenshot(page, "record-tablet")
    href = page.locator("a[href*='record.pdf']").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
