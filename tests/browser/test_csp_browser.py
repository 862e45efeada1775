"""The strict Content Security Policy in a real browser (issue 11, docs/csp.md): every
page type, as the roles that see it, raises no `securitypolicyviolation` and still works
(the graphs are drawn, the caseload's filter updates the list, the family screen's
rating is saved, the record's copy button answers, the admin's change list is a named
region).

Each page gets a listener before any of its own scripts runs (page.add_init_script), which
keeps every violation event in window.__cspViolations; Chromium's console messages about
the policy are kept as well (they also cover the service worker). A first test shows the
listener does catch a violation, so that the others cannot pass by never hearing one."""

import re

import pytest

from fokus.cases.models import Meeting
from fokus.ratings.models import Rating
from tests.browser.conftest import assert_accessible
from tests.browser.test_rating_screen import (
    _done_and_saved,
    _keys,
    _next,
    _start_meeting_and_hand_over,
    _visible_step,
)
from tests.conftest import PASSWORD
from tests.test_dashboards import add_cases
from tests.test_graph import day, rate_family

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push([e.effectiveDirective, e.blockedURI, e.sourceFile,
                               e.lineNumber, e.sample].join(" | "));
});
"""


class Guard:
    """Collects the violations of every page a test visits."""

    def __init__(self, page):
        self.page = page
        self.seen: list[str] = []
        self.pages: list[str] = []
        page.add_init_script(LISTENER)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.seen.append(f"console on {self.page.url}: {message.text}")

    def check(self, name: str):
        """The violations of the page shown now (after it has loaded)."""
        self.page.wait_for_load_state("load")
        events = self.page.evaluate("window.__cspViolations || null")
        assert events is not None, f"the listener is missing on {name}"
        self.seen.extend(f"{name}: {e}" for e in events)
        self.pages.append(name)

    def visit(self, url: str, name: str | None = None):
        response = self.page.goto(url)
        self.check(name or url)
        return response

    def assert_clean(self):
        assert self.seen == [], "CSP violations:\n" + "\n".join(self.seen)


@pytest.fixture
def guard(page):
    return Guard(page)


def _policy(response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def _log_in(page, guard, username):
    guard.visit("/login/", "login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state("load")
    guard.check(f"{username}'s first page")


def test_the_listener_hears_a_violation(page, browser_world, guard):
    """The guard itself: an inline style and an inline script put into the page are
    refused by the browser and heard, so a clean run of the tests below means something."""
    response = guard.visit("/login/", "login")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.evaluate("""() => {
      const box = document.createElement("div");
      box.innerHTML = '<p id="styled" style="color: rgb(255, 0, 0)">x</p>';
      document.body.append(box);
      const script = document.createElement("script");
      script.textContent = "window.__ran = true;";
      document.body.append(script);
    }""")
    page.wait_for_function("window.__cspViolations.length >= 2")
    directives = " ".join(page.evaluate("window.__cspViolations"))
    assert "style-src-attr" in directives and "script-src-elem" in directives
    assert page.evaluate("window.__ran === undefined")  # the inline script did not run
    colour = page.locator("#styled").evaluate("el => getComputedStyle(el).color")
    assert colour != "rgb(255, 0, 0)"  # nor did the inline style apply


def test_public_pages(page, browser_world, guard):
    from fokus.instruments.models import Instrument
    from fokus.ratings.actions import create_rating_link

    response = guard.visit("/login/", "login")
    policy = _policy(response)
    assert policy["script-src"] == "script-src 'self'"  # no page here needs a nonce
    assert policy["style-src"] == "style-src 'self'"
    assert page.get_by_role("heading", name="Log ind i Fokus").is_visible()
    guard.visit("/tilgaengelighed/", "accessibility statement")
    guard.visit("/privatliv/", "privacy notice")
    guard.visit("/privatliv/?lang=en", "privacy notice in English")
    assert page.get_by_role("heading", name="Your rights").is_visible()
    guard.visit("/cases/no-such-page/", "404")

    # The rating link's page: rated by keyboard and saved, then the used link's page.
    world = browser_world
    _link, token = create_rating_link(
        world.anna, world.hansen, person=world.mother, rater=world.mother,
        instrument=Instrument.objects.get(code="ORS"), channel="email",
        address="sara@example.org", build_url=lambda t: f"/r/{t}/")
    guard.visit(f"/r/{token}/", "rating link")
    lines = page.locator("section.step:not([hidden])").get_by_role("slider")
    for i in range(4):
        _keys(lines.nth(i), ["Home", "PageUp"])
    page.get_by_role("button", name="Færdig", exact=True).click()
    page.get_by_text("Gemt").first.wait_for()
    assert Rating.objects.count() == 1
    guard.check("rating link, saved")
    guard.visit(f"/r/{token}/", "used rating link")
    guard.assert_clean()


def test_the_caseworkers_pages(page, browser_world, guard):
    world = browser_world
    rate_family(world)
    meeting = Meeting.objects.create(case=world.hansen, held_on=day(3), kind="home_visit",
                                     caseworker=world.anna)
    meeting.participants.set([world.child, world.mother])
    add_cases(world, world.team_nord, world.anna, 3, "bl32_2", "N")
    _log_in(page, guard, "anna")

    # The caseload, and its filter still updates the list.
    guard.visit("/cases/", "caseload")
    table = page.locator("table.case-list")
    assert "Familien Olsen" in table.inner_text()
    page.get_by_label("Søg på familie, sagsnummer eller fornavn").fill("Hansen")
    page.get_by_role("button", name="Søg", exact=True).click()
    page.wait_for_url(re.compile(r".*q=Hansen.*"))
    guard.check("caseload, filtered")
    assert "Familien Hansen" in table.inner_text()
    assert "Familien Olsen" not in table.inner_text()
    assert page.locator("svg.spark").count() >= 1  # the sparklines are drawn inline

    # The case page: the graph is drawn and the page's own styles apply (pages.css).
    guard.visit(f"/cases/{world.hansen.pk}/", "case page")
    image = page.locator("figure.case-graph img.case-graph-image")
    image.wait_for()
    page.wait_for_function("el => el.complete && el.naturalWidth > 300",
                           arg=image.element_handle())
    assert image.bounding_box()["width"] > 300
    assert page.locator("ul.signals").evaluate("el => getComputedStyle(el).listStyleType") == "none"

    # The record: the copy button (record.js) still answers.
    guard.visit(f"/insights/cases/{world.hansen.pk}/record/", "record")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Kopiér journalteksten").click()
    page.locator("#copy-status").filter(has_text="Kopieret").wait_for()

    guard.visit(f"/ratings/cases/{world.hansen.pk}/paper/", "paper form")
    assert page.locator("#id_instrument_choice").evaluate(
        "el => getComputedStyle(el).maxWidth") == "100%"
    guard.visit("/board/", "team board")
    assert page.locator(".board-case").count() >= 1
    guard.visit("/dashboards/mine/", "my figures")
    assert page.get_by_role("heading", level=1).inner_text() == "Mine resultater"
    guard.assert_clean()


def test_the_leaders_pages(page, browser_world, guard):
    world = browser_world
    add_cases(world, world.team_nord, world.anna, 7, "bl32_2", "N")
    add_cases(world, world.team_syd, world.bo, 6, "bl32_1", "S", start=3)
    _log_in(page, guard, "dorte")
    guard.visit("/dashboards/outcomes/", "outcome dashboard")
    charts = page.locator("figure svg[role=img]")
    assert charts.count() == 2
    assert charts.first.bounding_box()["width"] > 200  # the inline SVG is drawn
    page.get_by_label("Indsatstype").select_option("bl32_2")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**intervention=bl32_2**")
    guard.check("outcome dashboard, filtered")
    guard.visit("/dashboards/use/", "how FIT is used")
    assert page.get_by_role("heading", name="Sådan bruges FIT").is_visible()
    guard.visit("/cases/", "department head's cases")
    page.context.clear_cookies()
    _log_in(page, guard, "lise")
    guard.visit("/board/", "team leader's board")
    guard.assert_clean()


def test_the_meeting_and_the_family_screen(page, browser_world, log_in, guard):
    world = browser_world
    rate_family(world)
    _start_meeting_and_hand_over(page, world, log_in, only={"Sara rates ORS"})
    guard.check("family screen")
    # The rating is saved (rating.js, the service worker) and her graph is drawn.
    step = _visible_step(page)
    lines = step.get_by_role("slider")
    for i in range(4):
        _keys(lines.nth(i), ["Home"] + ["PageUp"] * (i + 3))
    _done_and_saved(page)
    assert Rating.objects.filter(case=world.hansen, mode="tablet").count() == 1
    graph = step.locator(".step-graph svg[role=img]")
    graph.wait_for()
    assert graph.bounding_box()["width"] > 200
    _next(page)
    assert page.get_by_role("heading", name="Thank you!").is_visible()
    page.wait_for_function("document.getElementById('rating-app').dataset.offlineReady === '1'")
    guard.check("family screen, thank you")
    # The family view: the family's graph at the end.
    guard.visit("/ratings/screen/", "family screen again")
    # Unlock, back to the meeting page.
    guard.visit("/ratings/screen/unlock/", "unlock")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url("**/meetings/*/")
    guard.check("meeting page")
    assert page.locator("table.meeting-plan").is_visible()
    guard.visit(f"/cases/{world.hansen.pk}/", "case page after the meeting")
    guard.assert_clean()


def test_the_family_graph_at_the_end(page, browser_world, log_in, guard):
    world = browser_world
    rate_family(world)
    log_in("anna")
    page.context.add_cookies([{"name": "django_language", "value": "en",
                               "url": page.url.split("/", 3)[0] + "//" + page.url.split("/")[2]}])
    page.goto(f"/cases/{world.hansen.pk}/")
    page.get_by_role("link", name="Start a meeting").click()
    page.get_by_label("Sara Hansen (Mother)").check()
    page.get_by_role("button", name="Start the meeting").click()
    page.wait_for_url("**/meetings/*/")
    guard.check("meeting page")
    for label in ("Sara rates ORS", "Sara rates SRS"):
        page.get_by_label(label, exact=True).first.set_checked(label == "Sara rates ORS")
    page.get_by_label("Show the family graph at the end").check()
    page.get_by_role("button", name="Hand the tablet over").click()
    page.wait_for_url("**/ratings/screen/")
    guard.check("family screen")
    step = _visible_step(page)
    lines = step.get_by_role("slider")
    for i in range(4):
        _keys(lines.nth(i), ["Home"] + ["PageUp"] * 5)
    _done_and_saved(page)
    _next(page)
    family = page.locator(".family-graph svg[role=img]")
    family.wait_for()
    assert family.bounding_box()["width"] > 200
    rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert family.evaluate("el => getComputedStyle(el).maxWidth") == f"{40 * rem:g}px"
    guard.check("family graph")
    guard.assert_clean()


def test_the_admin(page, browser_world, guard):
    world = browser_world
    guard.visit("/login/", "login")
    page.get_by_label("Brugernavn").fill("admin")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/admin/")
    guard.check("admin index")
    assert page.locator("div.breadcrumbs, #site-name").first.is_visible()
    guard.visit("/admin/accounts/user/", "admin change list")
    results = page.locator("#changelist-form .results")
    assert results.get_attribute("role") == "region"  # admin.js ran
    assert results.get_attribute("tabindex") == "0"
    assert results.evaluate("el => getComputedStyle(el).overflowX") == "auto"  # admin.css
    guard.visit(f"/admin/accounts/user/{world.anna.pk}/change/", "admin change form")
    guard.visit(f"/admin/cases/organisation/{world.org.pk}/change/", "admin organisation")
    guard.visit("/admin/cases/team/add/", "admin add form")
    guard.visit("/admin/audit/accesslogentry/", "admin access log")
    assert_accessible(page, "admin access log")
    guard.assert_clean()


def test_the_sign_in_the_dpo_and_the_analyst_pages(page, browser_world, guard):
    from fokus.accounts.models import Role, User

    world = browser_world
    User.objects.create_user("dpo", password=PASSWORD, organisation=world.org, role=Role.DPO,
                             first_name="Dina", last_name="Dahl")
    _log_in(page, guard, "anna")
    guard.visit(f"/cases/{world.hansen.pk}/", "case page")
    guard.visit("/account/", "my account")
    guard.visit("/account/password/", "change password")
    guard.visit("/login/code/setup/", "set up the authenticator app")
    qr = page.locator("svg.qr-code")
    assert qr.bounding_box()["width"] > 100  # the QR code is drawn inline, unstyled

    page.context.clear_cookies()
    _log_in(page, guard, "dpo")
    guard.visit("/dpo/", "the DPO's access log")
    page.get_by_label("Navn (fornavn, efternavn eller begge)").fill("Mikkel")
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name="Mikkel Hansen").click()
    page.wait_for_url("**/dpo/persons/*/")
    guard.check("the DPO's page about a child")
    assert page.locator("section.dpo-group").count() >= 1
    guard.visit(f"/dpo/users/{world.anna.pk}/", "the DPO's page about a user")

    page.context.clear_cookies()
    _log_in(page, guard, "ali")
    guard.visit("/cases/", "the analyst's cases")
    guard.visit("/research/", "research exports")
    guard.visit("/dashboards/outcomes/", "the analyst's dashboard")
    guard.assert_clean()
