"""The team's FIT conference board in a real browser (issue 9, part 2): Lise, team
leader of Team Nord, opens the board, opens a red case's graph, records a decision
with the keyboard, and a week later sees it beside the case with whether the line
has moved. axe-core clean. Bo, of Team Syd, gets 404 (logged)."""

import datetime

from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.insights.actions import record_team_decision
from fokus.insights.models import TeamDecision
from tests.browser.conftest import assert_accessible, screenshot
from tests.test_board import ago, new_case
from tests.test_graph import _split


def test_the_team_leader_uses_the_board(page, browser_world, log_in):
    world = browser_world
    red, child = new_case(world, "Rød", [24.0, 21.0, 17.0, 14.0])
    new_case(world, "Alliance", [20.0, 24.0, 28.0, 31.0], alliance=[38.0, 37.0, 30.0, 28.0])
    new_case(world, "Grøn", [20.0, 24.0, 28.0, 31.0])
    log_in("lise")
    board_url = f"/teams/{world.team_nord.pk}/board/"
    page.goto(board_url)
    assert page.get_by_role("heading", level=1).inner_text() == "FIT-konference: Team Nord"
    sections = page.locator("section.board-case")
    assert sections.count() == 2
    first = sections.first
    assert "Familien Rød" in first.locator("h2").inner_text()
    assert "sig-red" in first.get_attribute("class")
    # The graph thumbnail is drawn (an SVG from the server).
    thumb = first.locator("img.board-thumb")
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("el => el.complete && el.naturalWidth > 100",
                           arg=thumb.element_handle())
    assert_accessible(page, "team board")
    screenshot(page, "board-tablet")

    # Open the red case's graph, and come back.
    first.locator("a.graph-link").click()
    page.wait_for_url(f"**/cases/{red.pk}/#graph")
    assert page.locator("figure.case-graph").is_visible()
    page.go_back()
    page.wait_for_url(f"**{board_url}")

    # Record a decision with the keyboard, in the red case's form.
    form = page.locator(f"#case-{red.pk} form.decision-form")
    form.get_by_label("Hvad besluttede teamet").focus()
    page.keyboard.type("Netværksmøde med skolen")
    form.get_by_label("Hvem gør det").select_option(label=world.anna.display_name)
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    form.get_by_label("Senest").fill(due)
    form.get_by_role("button", name="Gem beslutningen").press("Enter")
    page.wait_for_url(f"**{board_url}#case-{red.pk}")
    assert "Beslutningen for Familien Rød er gemt." in page.locator(".messages").inner_text()
    decisions = page.locator(f"#case-{red.pk} ul.decisions")
    assert "Netværksmøde med skolen" in decisions.inner_text()
    assert TeamDecision.objects.filter(case=red, who_user=world.anna).exists()

    # A decision with nobody to do it: the error in Danish beside the form, nothing saved.
    form = page.locator(f"#case-{red.pk} form.decision-form")
    form.get_by_label("Hvad besluttede teamet").fill("Noget")
    form.get_by_role("button", name="Gem beslutningen").click()
    summary = page.locator(f"#case-{red.pk} .error-summary")
    summary.wait_for()
    assert "Vælg hvem der gør det, eller skriv et navn." in summary.inner_text()
    assert_accessible(page, "team board with an error")
    assert TeamDecision.objects.filter(case=red).count() == 1

    # The following week: last week's decision beside the case, and the line since.
    TeamDecision.objects.all().delete()
    record_team_decision(world.lise, world.team_nord, red, what="Tal med Barn Rød alene",
                         who=world.anna, by_when=ago(0), decided_on=ago(7))
    world.rate(child, "CORS", _split(22.5), on=ago(1))
    page.goto(board_url)
    section = page.locator(f"#case-{red.pk}")
    assert "Tal med Barn Rød alene" in section.locator("ul.decisions").inner_text()
    moved = section.locator("ul.movements").inner_text()
    assert "op fra 14,0 til 22,5, en pålidelig forbedring" in moved
    assert_accessible(page, "team board a week later")
    screenshot(page, "board-next-week-tablet")


def test_another_team_s_caseworker_gets_404_logged(page, browser_world, log_in):
    world = browser_world
    new_case(world, "Rød", [24.0, 21.0, 17.0, 14.0])
    log_in("bo")
    response = page.goto(f"/teams/{world.team_nord.pk}/board/")
    assert response.status == 404
    assert "Familien Rød" not in page.content()
    assert AccessLogEntry.objects.filter(username="bo", action="denied",
                                         object_type="team_board").exists()


def test_the_board_a_page_at_a_time_and_a_decision_on_the_second(page, browser_world, log_in,
                                                                  monkeypatch):
    from fokus.insights import board

    monkeypatch.setattr(board, "PER_PAGE", 1)
    world = browser_world
    new_case(world, "Rød", [24.0, 21.0, 17.0, 14.0])
    low, _child = new_case(world, "Alliance", [20.0, 24.0, 28.0, 31.0],
                           alliance=[38.0, 37.0, 30.0, 28.0])
    log_in("lise")
    board_url = f"/teams/{world.team_nord.pk}/board/"
    page.goto(board_url)
    assert "Familien Rød" in page.locator("section.board-case").inner_text()
    nav = page.get_by_role("navigation", name="Sider på tavlen")
    nav.get_by_role("link", name="2", exact=True).click()
    page.wait_for_url("**page=2**")
    assert "Familien Alliance" in page.locator("section.board-case").inner_text()
    assert_accessible(page, "team board, page 2")
    form = page.locator(f"#case-{low.pk} form.decision-form")
    form.get_by_label("Hvad besluttede teamet").fill("Ring til skolen")
    form.get_by_label("Hvem gør det").select_option(label=world.anna.display_name)
    form.get_by_role("button", name="Gem beslutningen").click()
    page.wait_for_url(f"**{board_url}?page=2#case-{low.pk}")
    assert "Ring til skolen" in page.locator(f"#case-{low.pk} ul.decisions").inner_text()
