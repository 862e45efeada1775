"""Issue 10: a 4-year-old's faces and a 10-year-old's lines on one family screen, one
hand-over: each child gets the scale of their age, each rating is stored once."""

from fokus.ratings.models import Rating
from tests.browser.conftest import PHONE, assert_accessible, screenshot
from tests.browser.test_rating_screen import (
    _done_and_saved,
    _in_english,
    _keys,
    _next,
    _visible_step,
)


def test_a_young_childs_faces_and_an_older_childs_lines_on_one_screen(page, browser_world,
                                                                      log_in):
    from fokus.cases import actions
    from tests.conftest import years_ago

    world = browser_world
    ida = actions.add_person(world.anna, world.hansen, first_name="Ida", last_name="Hansen",
                             role="child", birth_date=years_ago(4))
    log_in("anna")
    _in_english(page)
    page.goto(f"/ratings/cases/{world.hansen.pk}/meetings/new/")
    page.get_by_label("Ida Hansen (Child)").check()
    page.get_by_label("Mikkel Hansen (Child)").check()
    page.get_by_role("button", name="Start the meeting").click()
    page.wait_for_url("**/meetings/*/")
    for label in ("Ida rates YCSRS", "Mikkel rates CSRS"):  # how life is going only
        page.get_by_label(label, exact=True).uncheck()
    page.get_by_role("button", name="Hand the tablet over").click()
    page.wait_for_url("**/ratings/screen/")

    seen = {}
    for _ in range(2):
        step = _visible_step(page)
        name = step.get_by_role("heading", level=1).inner_text()
        if name == "Ida":
            # Four large faces to choose from, no line.
            assert step.get_by_role("radio").count() == 4
            assert step.get_by_role("slider").count() == 0
            assert_accessible(page, "young child's faces")
            page.set_viewport_size(PHONE)
            screenshot(page, "family-screen-faces-phone")
            step.get_by_text("Happy", exact=True).click()
        else:
            assert name == "Mikkel"
            # Four lines, no faces to choose.
            lines = step.get_by_role("slider")
            assert lines.count() == 4 and step.get_by_role("radio").count() == 0
            assert_accessible(page, "older child's lines")
            for i in range(4):
                _keys(lines.nth(i), ["Home"] + ["PageUp"] * 6)  # 6.0 each
        seen[name] = True
        _done_and_saved(page)
        _next(page)
    assert seen == {"Ida": True, "Mikkel": True}

    ratings = {r.person_id: r for r in Rating.objects.filter(case=world.hansen)}
    assert len(ratings) == 2
    assert (ratings[ida.pk].instrument.code, str(ratings[ida.pk].total)) == ("YCORS", "3.0")
    mikkel = ratings[world.child.pk]
    assert (mikkel.instrument.code, str(mikkel.total)) == ("CORS", "24.0")
