"""Reflow at 320 px (WCAG 1.4.10): every page each persona reaches fits a 320 px wide
phone without sideways scrolling (wide tables become lists or scroll inside a focusable,
named region), and axe-core finds nothing at 390x844. Screenshots at 320 px for a human
look in test-artifacts/screenshots/reflow-*.png. The family screen and the rating link too."""

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import PHONE, TABLET, assert_accessible, screenshot

NARROW = {"width": 320, "height": 640}

# Each persona and the pages it reaches ({names} filled from the world below).
PAGES = {
    "anna": [
        "/cases/",
        "/cases/{hansen}/",
        "/ratings/cases/{hansen}/paper/",
        "/ratings/cases/{hansen}/meetings/new/",
        "/ratings/cases/{hansen}/meetings/{meeting}/",
        "/insights/cases/{hansen}/record/?meeting={meeting}",
        "/board/",
        "/dashboards/mine/",
    ],
    "lise": ["/cases/", "/cases/{hansen}/", "/board/", "/dashboards/outcomes/",
             "/dashboards/use/"],
    "dorte": ["/dashboards/outcomes/", "/dashboards/use/"],
    "ali": ["/cases/", "/dashboards/outcomes/", "/dashboards/use/"],
    "admin": [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/audit/accesslogentry/",
        "/admin/cases/unit/",
        "/admin/cases/team/",
        "/admin/instruments/instrument/",
        "/admin/instruments/organisationsetting/",
        "/admin/instruments/parameterset/",
        "/admin/instruments/parametersetinforce/",
        "/admin/insights/conversationprompt/",
    ],
}


def _rated_world(world):
    """Two meetings with ratings, so that the case page's tables have rows."""
    from fokus.cases.actions import record_meeting

    today = timezone.localdate()
    meeting = None
    for days_ago, child, mother in ((28, (3, 4, 3, 4), (5, 5, 4, 5)),
                                    (0, (5, 5, 6, 5), (6, 6, 5, 6))):
        on = today - datetime.timedelta(days=days_ago)
        meeting = record_meeting(world.anna, world.hansen, kind="home_visit",
                                 participants=[world.child, world.mother], held_on=on)
        world.rate(world.child, "CORS", child, on=on, meeting=meeting)
        world.rate(world.mother, "ORS", mother, on=on, meeting=meeting)
    return {"hansen": world.hansen.pk, "meeting": meeting.pk}


def _log_in(page, username):
    from tests.conftest import PASSWORD

    page.goto("/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()


WIDEST = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > document.documentElement.clientWidth + 1 && r.width > 0) {
      let inScroll = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') {
          inScroll = true; break; }
      }
      if (!inScroll) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : '') +
        ' ' + Math.round(r.right));
    }
  }
  return out.slice(0, 6);
}"""


@pytest.mark.parametrize("username", list(PAGES))
def test_every_page_reflows_at_320_px(page, browser_world, username):
    ids = _rated_world(browser_world)
    page.set_viewport_size(NARROW)
    _log_in(page, username)
    too_wide, not_accessible = [], []
    for url in PAGES[username]:
        page.set_viewport_size(NARROW)
        response = page.goto(url.format(**ids))
        assert response.status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            too_wide.append(f"{url}: {width} px {page.evaluate(WIDEST)}")
        slug = url.split("?")[0].strip("/").replace("/", "-").replace("{", "").replace("}", "")
        screenshot(page, f"reflow-{username}-{slug}")
        page.set_viewport_size(PHONE)
        try:
            assert_accessible(page, f"{url} as {username} at 390 px")
        except AssertionError as failure:
            not_accessible.append(str(failure))
    page.set_viewport_size(TABLET)
    assert too_wide == [], f"wider than 320 px as {username}: {too_wide}"
    assert not_accessible == []


def test_the_family_screen_and_the_rating_link_reflow_at_320_px(page, browser_world, log_in):
    from fokus.instruments.models import Instrument
    from fokus.ratings.actions import create_rating_link
    from tests.browser.test_rating_screen import _start_meeting_and_hand_over

    world = browser_world
    _link, token = create_rating_link(
        world.anna, world.hansen, person=world.teen, rater=world.teen,
        instrument=Instrument.objects.get(code="ORS"), channel="sms", address="12345678",
        build_url=lambda t: f"/r/{t}/")
    page.set_viewport_size(NARROW)
    page.goto(f"/r/{token}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Freja"
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], \
        page.evaluate(WIDEST)
    screenshot(page, "reflow-rating-link")
    page.set_viewport_size(PHONE)
    assert_accessible(page, "rating link at 390 px")
    page.set_viewport_size(TABLET)
    _start_meeting_and_hand_over(page, world, log_in)
    page.set_viewport_size(NARROW)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], \
        page.evaluate(WIDEST)
    screenshot(page, "reflow-family-screen")
