"""The leaders' dashboards in a real browser: the department head filters by
intervention type, downloads the CSV and the PDF report; the analyst's page and the
FIT use page; axe-core clean on each."""

from tests.browser.conftest import assert_accessible, screenshot
from tests.test_dashboards import add_cases


def _data(world):
    add_cases(world, world.team_nord, world.anna, 7, "bl32_2", "N")
    add_cases(world, world.team_syd, world.bo, 6, "bl32_1", "S", start=3)


def test_department_head_filters_and_downloads(page, browser_world, log_in):
    _data(browser_world)
    log_in("dorte")
    page.goto("/dashboards/outcomes/")
    assert page.get_by_role("heading", name="Resultatoversigt").is_visible()
    assert page.locator("figure svg[role=img]").count() == 2
    assert_accessible(page, "outcome dashboard")
    page.get_by_label("Indsatstype").select_option("bl32_2")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**intervention=bl32_2**")
    rows = page.locator("table.dashboard-table tbody tr th[scope=row]")
    assert rows.all_inner_texts() == ["Team Nord", "Alle valgte forløb"]
    assert_accessible(page, "outcome dashboard, filtered")
    screenshot(page, "dashboard-filtered-tablet")
    with page.expect_download() as info:
        page.get_by_role("link", name="Hent tabellen (CSV)").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()
    assert "Team Nord;7;" in text and "Team Syd" not in text
    with page.expect_download() as info:
        page.get_by_role("link", name="Hent tabellen (Excel)").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    from io import BytesIO

    from openpyxl import load_workbook

    with open(download.path(), "rb") as f:  # the download's own file has no .xlsx name
        book = load_workbook(BytesIO(f.read()))
    rows = {row[0]: row for row in book.active.iter_rows(values_only=True)}
    assert str(rows["Team Nord"][1]) == "7" and "Team Syd" not in rows
    href = page.get_by_role("link", name="Kvartalsrapport (PDF, på dansk)").get_attribute("href")
    assert "intervention=bl32_2" in href
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_analyst_dashboard_and_fit_use_are_accessible(page, browser_world, log_in):
    _data(browser_world)
    log_in("ali")
    page.goto("/dashboards/outcomes/?by=age_group")
    assert page.get_by_text("Du ser tallene uden navne").is_visible()
    assert_accessible(page, "analyst dashboard")
    page.goto("/dashboards/use/")
    assert page.get_by_role("heading", name="Sådan bruges FIT").is_visible()
    assert_accessible(page, "FIT use")


def test_a_caseworker_opens_her_own_figures(page, browser_world, log_in):
    _data(browser_world)
    log_in("anna")
    page.get_by_role("link", name="Mine tal").click()
    page.wait_for_url("**/dashboards/mine/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mine resultater"
    total = page.locator("table.dashboard-table tr.total").first
    assert total.locator("th").inner_text() == "Alle dine forløb"
    assert total.locator("td").first.inner_text() == "7"
    assert "Ingen andre ser dem." in page.content()
    assert_accessible(page, "my figures")
    screenshot(page, "my-figures-tablet")
