"""Each signal fires on data built for it, and not otherwise."""

import datetime

import pytest
from django.utils import translation

from fokus.cases.access import get_case_detail_for_user
from fokus.cases.models import Meeting
from fokus.insights.models import ConversationPrompt, SignalKind
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals
from fokus.ratings.actions import record_missing_rating
from tests.test_graph import _split, day


def signals_of(world, lang="en"):
    case = get_case_detail_for_user(world.anna, world.hansen.pk)
    return case_signals(case_series(case), lang)


def kinds(world, who=None):
    _tracks, found = signals_of(world)
    return sorted(s.kind for s in found if who is None or s.who == who)


def outcome(world, person, totals, *, rater=None, start=0):
    code = "CORS" if person == world.child else "ORS"
    for i, total in enumerate(totals):
        world.rate(person, code, _split(total), rater=rater, on=day(start + i))


# Reliable deterioration: latest <= intake - 6.0 (exactly 6.0 counts).

def test_a_drop_of_exactly_six_is_reliable_deterioration(world):
    outcome(world, world.mother, [20.0, 14.0])
    assert SignalKind.DETERIORATION in kinds(world, "Sara")
    tracks, _found = signals_of(world)
    assert tracks[0].colour == "red"


def test_a_drop_of_five_point_nine_is_not(world):
    outcome(world, world.mother, [20.0, 14.1])
    assert SignalKind.DETERIORATION not in kinds(world, "Sara")


# On track (docs/fit-definitions.md section 3).

def test_on_track_colours(world):
    outcome(world, world.mother, [19.2, 23.0])   # ETR(2) for an adult at 19.2 is about 22.3
    outcome(world, world.teen, [20.1, 20.0])     # youth: below ETR(2) but within 6: yellow
    tracks, found = signals_of(world)
    colours = {t.label: t.colour for t in tracks}
    assert colours == {"Sara": "green", "Freja": "yellow"}
    assert [s.who for s in found if s.kind == SignalKind.NOT_ON_TRACK] == ["Freja"]


def test_one_rating_is_grey_and_signals_nothing(world):
    outcome(world, world.mother, [10.0])
    tracks, found = signals_of(world)
    assert tracks[0].colour == "grey" and found == []


# Alliance: low (< 36) and falling (a drop of >= 1.0 from the previous).

def test_low_and_falling_alliance(world):
    for i, total in enumerate([39.0, 38.0]):
        world.rate(world.mother, "SRS", _split(total), on=day(i))
    for i, total in enumerate([37.0, 35.9]):
        world.rate(world.teen, "SRS", _split(total), on=day(i))
    assert kinds(world, "Sara") == [SignalKind.FALLING_ALLIANCE]
    assert kinds(world, "Freja") == [SignalKind.FALLING_ALLIANCE, SignalKind.LOW_ALLIANCE]


def test_alliance_at_36_and_a_drop_under_one_signal_nothing(world):
    for i, total in enumerate([36.9, 36.0]):
        world.rate(world.mother, "SRS", _split(total), on=day(i))
    assert kinds(world) == []


# No rating at the last two meetings.

def _meetings(world, n):
    return [Meeting.objects.create(case=world.hansen, held_on=day(i), kind="home_visit")
            for i in range(n)]


def test_no_rating_at_the_last_two_meetings_with_reasons(world):
    meetings = _meetings(world, 3)
    outcome(world, world.mother, [20.0])           # rated at the first meeting only
    outcome(world, world.teen, [20.0, 21.0, 22.0])  # rated at all three
    record_missing_rating(world.anna, world.hansen, meeting=meetings[2], person=world.mother,
                          reason="refused")
    with translation.override("en"):
        _tracks, found = signals_of(world)
    missing = [s for s in found if s.kind == SignalKind.NO_RATING]
    assert [s.who for s in missing] == ["Sara"]
    assert missing[0].values["reasons"] == "Refused"


def test_rating_at_one_of_the_last_two_meetings_is_enough(world):
    _meetings(world, 3)
    outcome(world, world.mother, [20.0, 21.0])
    assert SignalKind.NO_RATING not in kinds(world)


# Raters who disagree.

def test_child_down_while_parent_up(world):
    outcome(world, world.child, [25.0, 22.0])
    outcome(world, world.mother, [20.0, 23.0])
    _tracks, found = signals_of(world)
    disagree = [s for s in found if s.kind == SignalKind.RATERS_DISAGREE]
    assert len(disagree) == 1 and disagree[0].values["how"] == "directions"


def test_far_apart_at_the_same_date(world):
    outcome(world, world.child, [30.0])
    outcome(world, world.child, [20.0], rater=world.mother)
    _tracks, found = signals_of(world)
    disagree = [s for s in found if s.kind == SignalKind.RATERS_DISAGREE]
    assert [(s.values["how"], s.values["difference"]) for s in disagree] == [("apart", 10.0)]


def test_nine_point_nine_apart_and_both_up_is_agreement(world):
    outcome(world, world.child, [20.0, 29.9])
    outcome(world, world.child, [19.0, 20.0], rater=world.mother)
    assert SignalKind.RATERS_DISAGREE not in kinds(world)


# Nothing changes.

def test_nothing_changes(world):
    outcome(world, world.mother, [15.0, 16.0, 15.5, 17.0])
    assert SignalKind.NO_CHANGE in kinds(world, "Sara")
    outcome(world, world.teen, [15.0, 16.0, 18.0, 21.0])
    assert SignalKind.NO_CHANGE not in kinds(world, "Freja")


# Conversation prompts: seeded, in the language, editable (and the edit is logged).

def test_every_signal_has_a_seeded_prompt_in_both_languages(db):
    for kind in SignalKind.values:
        for language in ("da", "en"):
            assert ConversationPrompt.objects.get(kind=kind, language=language).text


def test_prompt_follows_the_administrators_edit(world):
    from fokus.audit.models import AccessLogEntry
    from fokus.insights.actions import update_prompt

    update_prompt(world.admin, ConversationPrompt.objects.get(kind="deterioration", language="en"),
                  text="Ask what has happened since last time.")
    outcome(world, world.mother, [20.0, 14.0])
    _tracks, found = signals_of(world)
    assert [s.prompt for s in found if s.kind == SignalKind.DETERIORATION] == [
        "Ask what has happened since last time."]
    assert AccessLogEntry.objects.filter(username="admin",
                                         object_type="conversation_prompt").exists()


def test_admin_edits_a_prompt_through_the_admin(world, client):
    prompt = ConversationPrompt.objects.get(kind="low_alliance", language="da")
    client.force_login(world.admin)
    url = f"/admin/insights/conversationprompt/{prompt.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "Hvad kunne jeg gøre anderledes?"})
    assert response.status_code == 302
    prompt.refresh_from_db()
    assert prompt.text == "Hvad kunne jeg gøre anderledes?"


def test_signals_show_on_the_case_page(world, client):
    outcome(world, world.mother, [20.0, 14.0])
    client.force_login(world.anna)
    html = client.get(f"/cases/{world.hansen.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sara is reliably worse than at the start: from 20.0 to 14.0." in html
    assert 'class="prompt"' in html


@pytest.fixture(autouse=True)
def _dates_are_in_the_past():
    assert day(3) < datetime.date.today()  # noqa: DTZ011
