"""The meeting page that prevents mistakes, and the rating link that says who asks, in
a real browser: a caseworker cancels a meeting started by mistake; "did not rate" is
chosen and undone by keyboard; axe-core on every page at tablet and phone size;
screenshots of the phone link page and the meeting page for a human look."""

import datetime

from django.utils import timezone

from tests.browser.conftest import PHONE, TABLET, assert_accessible, screenshot


def _both_sizes(page, name):
    page.set_viewport_size(TABLET)
    assert_accessible(page, f"{name} on a tablet")
    page.set_viewport_size(PHONE)
    assert_accessible(page, f"{name} on a phone")
    page.set_viewport_size(TABLET)


def _meeting(world, present, days_ago=0):
    from fokus.cases.actions import record_meeting

    return record_meeting(world.anna, world.hansen, kind="home_visit", participants=present,
                          held_on=timezone.localdate() - datetime.timedelta(days=days_ago))


def test_a_mistaken_meeting_is_cancelled_by_the_caseworker(page, browser_world, log_in):
    from fokus.audit.models import AccessLogEntry
    from fokus.cases.models import Meeting

    world = browser_world
    _meeting(world, [world.child, world.mother], days_ago=14)
    log_in("anna")
    page.goto(f"/ratings/cases/{world.hansen.pk}/meetings/new/")
    # Who is present is proposed from the last meeting.
    assert page.get_by_label("Mikkel Hansen (Barn)").is_checked()
    assert page.get_by_label("Sara Hansen (Mor)").is_checked()
    assert not page.get_by_label("Freja Hansen (Barn)").is_checked()
    assert page.get_by_text("Foreslået ud fra sidste møde").is_visible()
    _both_sizes(page, "start a meeting, presence proposed")
    page.get_by_role("button", name="Start mødet").click()
    page.wait_for_url("**/meetings/*/")
    mistaken = Meeting.objects.latest("pk")
    page.get_by_text("Startet ved en fejl? Annullér mødet").click()
    _both_sizes(page, "meeting page, cancel opened")
    page.get_by_role("button", name="Annullér mødet").click()
    page.wait_for_url(f"**/cases/{world.hansen.pk}/")
    assert page.get_by_text("er annulleret").first.is_visible()
    mistaken.refresh_from_db()
    assert mistaken.is_cancelled and mistaken.cancelled_by == world.anna
    assert AccessLogEntry.objects.filter(object_type="meeting", object_id=str(mistaken.pk),
                                         purpose="cancelled").exists()
    assert list(Meeting.objects.held()) != [] and mistaken not in Meeting.objects.held()


def test_did_not_rate_by_keyboard_with_undo(page, browser_world, log_in):
    from fokus.ratings.models import MissingRating

    world = browser_world
    meeting = _meeting(world, [world.child, world.mother])
    log_in("anna")
    page.goto(f"/ratings/cases/{world.hansen.pk}/meetings/{meeting.pk}/")
    screenshot(page, "meeting-page-tablet")
    _both_sizes(page, "meeting page")
    control = page.locator(f"#rate-{world.child.pk}-outcome")
    summary = control.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")  # opens the one control
    reason = control.get_by_label("Hvorfor Mikkel ikke scorede CORS")
    assert reason.is_visible()
    page.keyboard.press("Tab")
    assert reason.evaluate("e => e === document.activeElement")
    page.keyboard.press("ArrowDown")
    assert reason.input_value() == "refused"
    screenshot(page, "meeting-page-did-not-rate-open-tablet")
    _both_sizes(page, "meeting page, did not rate open")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Save
    page.wait_for_load_state()
    control = page.locator(f"#rate-{world.child.pk}-outcome")
    control.get_by_text("Ville ikke").wait_for()
    missing = MissingRating.objects.get()
    assert (missing.person, missing.reason, missing.measures) == (world.child, "refused",
                                                                  "outcome")
    screenshot(page, "meeting-page-did-not-rate-saved-tablet")
    page.set_viewport_size(PHONE)
    # Nothing sideways on the phone: each row is who rates what, then its control.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(page, "meeting-page-did-not-rate-saved-phone")
    _both_sizes(page, "meeting page, did not rate saved")
    undo = control.get_by_role("button", name="Fortryd (Mikkel, CORS)")
    undo.focus()
    page.keyboard.press("Enter")
    page.locator(f"#rate-{world.child.pk}-outcome summary").wait_for()
    assert not MissingRating.objects.exists()
    assert page.get_by_text("Fortrudt").is_visible()


def test_the_phone_link_page_says_who_asks(page, browser_world):
    from fokus.instruments.models import Instrument
    from fokus.ratings.actions import create_rating_link
    from fokus.ratings.models import Rating

    world = browser_world
    _link, token = create_rating_link(
        world.anna, world.hansen, person=world.mother, rater=world.mother,
        instrument=Instrument.objects.get(code="ORS"), channel="email",
        address="sara@example.org", build_url=lambda t: f"/r/{t}/")
    page.set_viewport_size(PHONE)
    response = page.goto(f"/r/{token}/")
    assert "no-store" in response.headers["cache-control"]
    assert page.get_by_text("Testkommune", exact=True).is_visible()
    assert page.get_by_text("Før jeres næste møde spørger Anna, din rådgiver").is_visible()
    page.get_by_text("Hvad dine svar bruges til, og hvem der ser dem").click()
    assert page.get_by_text("Analytikere ser kun tal, uden navne.").is_visible()
    screenshot(page, "rating-link-who-asks-phone")
    _both_sizes(page, "rating link page, who asks")
    privacy = page.get_by_role("link", name="Sådan behandler Fokus dine oplysninger")
    assert privacy.get_attribute("rel") == "noopener noreferrer"
    # The privacy notice, public, at both sizes.
    page.goto("/privatliv/")
    assert page.get_by_role("heading", name="Sådan behandler Fokus dine oplysninger").is_visible()
    _both_sizes(page, "privacy notice")
    page.set_viewport_size(PHONE)
    screenshot(page, "privacy-notice-phone")
    page.goto("/privatliv/?lang=en")
    assert page.get_by_role("heading", name="Your rights").is_visible()
    # Rate on the link, then the used link's page.
    page.goto(f"/r/{token}/")
    lines = page.locator("section.step:not([hidden])").get_by_role("slider")
    for i in range(4):
        lines.nth(i).focus()
        lines.nth(i).press("Home")
        lines.nth(i).press("PageUp")
    page.get_by_role("button", name="Færdig", exact=True).click()
    page.get_by_text("Gemt").first.wait_for()
    assert Rating.objects.count() == 1
    page.goto(f"/r/{token}/")
    _both_sizes(page, "used rating link")
