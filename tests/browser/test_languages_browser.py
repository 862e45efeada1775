"""The family's own language in a real browser: a parent rates on a phone link in
Arabic (right to left), the family screen in Farsi without wording says so and switches
to Danish, and the rating screen shows the instruction, labels and the words at both
ends. axe-core on each page at tablet and phone size; screenshots for a human look."""

from fokus.ratings.models import Rating
from tests.browser.conftest import PHONE, TABLET, assert_accessible, screenshot
from tests.browser.test_rating_screen import _in_english, _keys, _visible_step
from tests.test_rating_wording import ANCHORS, INSTRUCTION, LABELS, enter_wording


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_a_parent_rates_on_a_phone_link_in_arabic_right_to_left(page, browser_world):
    from fokus.instruments.models import Instrument
    from fokus.ratings.actions import create_rating_link

    world = browser_world
    enter_wording(world, "ORS")
    _link, token = create_rating_link(
        world.anna, world.hansen, person=world.mother, rater=world.mother,
        instrument=Instrument.objects.get(code="ORS"), channel="sms", address="12345678",
        build_url=lambda t: f"/r/{t}/?lang=ar")
    page.set_viewport_size(PHONE)
    page.goto(f"/r/{token}/?lang=ar")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    step = _visible_step(page)
    assert (step.get_attribute("lang"), step.get_attribute("dir")) == ("ar", "rtl")
    assert step.get_by_text(INSTRUCTION["ar"]).is_visible()
    for label in LABELS["ar"]:
        assert step.get_by_text(label, exact=True).is_visible()
    # The words at both ends sit under the ends of the line: low left, high right.
    line = step.get_by_role("slider").first
    box = line.bounding_box()
    low = step.locator(".anchor-low").first.bounding_box()
    high = step.locator(".anchor-high").first.bounding_box()
    assert low["x"] < box["x"] + box["width"] / 2 < high["x"] + high["width"]
    assert step.locator(".anchor-low").first.inner_text() == ANCHORS["ar"][0]
    # Usable on the phone: nothing sideways, the lines wide enough to mark, the text right-aligned.
    _fits(page)
    assert box["width"] > 300
    assert step.locator(".instruction").evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert_accessible(page, "rating link in Arabic on a phone")
    screenshot(page, "rating-link-arabic-phone")

    lines = step.get_by_role("slider")
    for i in range(4):
        _keys(lines.nth(i), ["Home"] + ["PageUp"] * (i + 4))
    assert lines.first.get_attribute("aria-valuetext") == "4.0 من 10"
    step.get_by_role("button", name="تم", exact=True).click()
    step.get_by_role("status").filter(has_text="تم الحفظ").wait_for()
    rating = Rating.objects.get()
    assert (rating.mode, rating.person, str(rating.total)) == ("link", world.mother, "22.0")
    assert [str(a.value) for a in rating.answers.order_by("item__position")] == [
        "4.0", "5.0", "6.0", "7.0"]
    page.set_viewport_size(TABLET)
    assert_accessible(page, "rating link in Arabic on a tablet, saved")


def test_the_family_screen_in_farsi_without_wording_offers_danish(page, browser_world, log_in):
    world = browser_world
    log_in("anna")
    _in_english(page)
    page.goto(f"/ratings/cases/{world.hansen.pk}/meetings/new/")
    page.get_by_label("Sara Hansen (Mother)").check()
    page.get_by_label("Sara Hansen rates in").select_option("fa")
    assert_accessible(page, "start a meeting, with languages")
    page.set_viewport_size(PHONE)
    _fits(page)
    assert_accessible(page, "start a meeting on a phone")
    page.set_viewport_size(TABLET)
    page.get_by_role("button", name="Start the meeting").click()
    page.wait_for_url("**/meetings/*/")
    page.get_by_label("Sara rates SRS", exact=True).uncheck()
    page.get_by_role("button", name="Hand the tablet over").click()
    page.wait_for_url("**/ratings/screen/")

    step = _visible_step(page)
    assert (step.get_attribute("lang"), step.get_attribute("dir")) == ("fa", "rtl")
    notice = step.locator(".no-wording .kind-message")
    assert notice.inner_text().startswith("این صفحه هنوز متنی به زبان شما")
    assert step.get_by_role("slider").count() == 0
    assert_accessible(page, "family screen in Farsi without wording")
    screenshot(page, "family-screen-farsi-no-wording-tablet")
    page.set_viewport_size(PHONE)
    _fits(page)
    assert_accessible(page, "family screen in Farsi without wording on a phone")
    page.set_viewport_size(TABLET)

    step.locator(".language-offer").get_by_role("button", name="Dansk").click()
    page.wait_for_url("**/ratings/screen/?step=0")
    step = _visible_step(page)
    assert (step.get_attribute("lang"), step.get_attribute("dir")) == ("da", "ltr")
    lines = step.get_by_role("slider")
    assert lines.count() == 4
    assert step.get_by_text("Individuelt", exact=True).is_visible()
    for i in range(4):
        _keys(lines.nth(i), ["Home"] + ["PageUp"] * 5)
    step.get_by_role("button", name="Færdig", exact=True).click()
    step.get_by_role("status").filter(has_text="Gemt").wait_for()
    page.wait_for_timeout(3500)  # the retry timer had its turn: still one rating
    rating = Rating.objects.get()
    assert (rating.person, rating.instrument.code, str(rating.total)) == (
        world.mother, "ORS", "20.0")


def test_the_rating_screen_shows_wording_and_anchors_at_tablet_and_phone_size(
        page, browser_world, log_in):
    world = browser_world
    enter_wording(world, "ORS", ("da",))
    enter_wording(world, "CORS", ("da",))
    log_in("anna")
    page.goto(f"/ratings/cases/{world.hansen.pk}/meetings/new/")
    page.get_by_label("Sara Hansen (Mor)").check()
    page.get_by_role("button", name="Start mødet").click()
    page.wait_for_url("**/meetings/*/")
    page.get_by_label("Sara udfylder SRS", exact=True).uncheck()
    page.get_by_role("button", name="Giv tabletten til familien").click()
    page.wait_for_url("**/ratings/screen/")
    step = _visible_step(page)
    assert step.locator(".instruction").inner_text() == INSTRUCTION["da"]
    assert step.locator(".vas-label").all_inner_texts() == LABELS["da"]
    assert step.locator(".anchor-low").all_inner_texts() == [ANCHORS["da"][0]] * 4
    assert step.locator(".anchor-high").all_inner_texts() == [ANCHORS["da"][1]] * 4
    assert_accessible(page, "rating screen with wording")
    screenshot(page, "rating-screen-wording-tablet")
    page.set_viewport_size(PHONE)
    _fits(page)
    assert_accessible(page, "rating screen with wording on a phone")
    screenshot(page, "rating-screen-wording-phone")


def test_the_paper_form_and_the_link_form_are_accessible(page, browser_world, log_in):
    world = browser_world
    enter_wording(world, "ORS", ("da",))
    log_in("anna")
    for url, name in ((f"/ratings/cases/{world.hansen.pk}/paper/?instrument=ORS", "paper form"),
                      (f"/ratings/cases/{world.hansen.pk}/paper/?instrument=WHO5",
                       "paper form WHO-5"),
                      (f"/ratings/cases/{world.hansen.pk}/links/new/", "link form")):
        page.set_viewport_size(TABLET)
        page.goto(url)
        assert_accessible(page, name)
        page.set_viewport_size(PHONE)
        _fits(page)
        assert_accessible(page, f"{name} on a phone")
    page.set_viewport_size(TABLET)
    page.goto(f"/ratings/cases/{world.hansen.pk}/paper/?instrument=ORS")
    assert page.get_by_text(INSTRUCTION["da"]).is_visible()
    screenshot(page, "paper-form-wording-tablet")
