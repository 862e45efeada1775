"""A meeting page that prevents mistakes: presence proposed from the last meeting,
"did not rate" behind one control with an undo, absent people never counted as not
rating, and a meeting started by mistake cancelled and left out of everything but
the access log."""

import datetime
import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.cases.access import get_case_detail_for_user
from fokus.cases.models import Meeting
from fokus.insights.fit_use import fit_use_for_user
from fokus.insights.models import SignalKind
from fokus.insights.ratings_frame import missing_frame
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals
from fokus.ratings.actions import record_missing_rating, withdraw_missing_rating
from fokus.ratings.models import MissingRating, Rating
from tests.test_graph import _split

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _day(n):
    return timezone.localdate() - datetime.timedelta(days=30 - 7 * n)


def _meeting(world, n, present, *, user=None):
    return case_actions.record_meeting(user or world.anna, world.hansen, held_on=_day(n),
                                       kind="home_visit", participants=present)


def _signals(world):
    case = get_case_detail_for_user(world.anna, world.hansen.pk)
    return case_signals(case_series(case), "en")[1]


def _no_rating(world):
    return [s.who for s in _signals(world) if s.kind == SignalKind.NO_RATING]


def _meeting_url(world, meeting, name="insights:meeting"):
    return reverse(name, kwargs={"case_id": world.hansen.pk, "meeting_id": meeting.pk})


# Presence proposed from the last meeting.

def test_who_is_present_is_proposed_from_the_last_meeting_held(world, client):
    _meeting(world, 0, [world.child, world.mother, world.teen])
    _meeting(world, 1, [world.child, world.mother])
    mistaken = _meeting(world, 2, [world.teen])
    case_actions.cancel_meeting(world.anna, world.hansen, mistaken)
    client.force_login(world.anna)
    page = client.get(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}), **EN)
    assert page.context["form"]["present"].value() == [world.child.pk, world.mother.pk]
    content = page.content.decode()
    assert "Proposed from the last meeting" in content
    assert content.count("checked") == 2


def test_the_first_meeting_proposes_nobody(world, client):
    client.force_login(world.anna)
    page = client.get(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}), **EN)
    assert not page.context["form"]["present"].value()
    assert "Proposed from the last meeting" not in page.content.decode()


# "Did not rate": one control per person, with an undo.

def test_did_not_rate_is_one_control_per_person_not_a_row_of_buttons(world, client):
    meeting = _meeting(world, 0, [world.child, world.mother])
    client.force_login(world.anna)
    content = client.get(_meeting_url(world, meeting), **EN).content.decode()
    assert content.count('<select name="reason"') == 4  # child and mother, outcome and alliance
    assert 'name="reason" value="refused"' not in content  # no button that saves on one tap
    assert content.count("<summary>Did not rate…") == 4


def test_did_not_rate_and_its_undo_are_actions_in_the_access_log(world, client):
    meeting = _meeting(world, 0, [world.child, world.mother])
    client.force_login(world.anna)
    url = _meeting_url(world, meeting, "ratings:missing_rating")
    response = client.post(url, {"person": world.child.pk, "measures": "outcome",
                                 "reason": "too_upset"}, **EN)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#rate-{world.child.pk}-outcome")
    missing = MissingRating.objects.get()
    page = client.get(_meeting_url(world, meeting), **EN).content.decode()
    assert "Too upset" in page and ">Undo<" in page
    client.post(url, {"person": world.child.pk, "measures": "outcome", "undo": "1"}, **EN)
    assert not MissingRating.objects.exists()
    log = AccessLogEntry.objects.filter(object_type="missing_rating", object_id=str(missing.pk))
    assert sorted(log.values_list("action", "purpose")) == [
        ("create", "too_upset"), ("delete", "undo too_upset")]
    assert withdraw_missing_rating(world.anna, world.hansen, meeting=meeting,
                                   person=world.child) is False  # nothing left to undo


def test_without_a_reason_nothing_is_recorded(world, client):
    meeting = _meeting(world, 0, [world.child])
    client.force_login(world.anna)
    client.post(_meeting_url(world, meeting, "ratings:missing_rating"),
                {"person": world.child.pk, "measures": "outcome", "reason": ""}, **EN)
    assert not MissingRating.objects.exists()


# Someone not present never counts as "did not rate".

def test_someone_absent_from_the_last_meetings_is_not_signalled_as_not_rating(world):
    first = _meeting(world, 0, [world.mother, world.teen])
    world.rate(world.mother, "ORS", _split(20.0), on=first.held_on, meeting=first)
    for n in (1, 2):  # the mother stayed away from the last two meetings
        _meeting(world, n, [world.teen])
    assert "Sara" not in _no_rating(world)
    # Present at both and not rating: that is the signal.
    for n in (3, 4):
        _meeting(world, n, [world.mother, world.teen])
    assert "Sara" in _no_rating(world)


def test_recorded_as_not_present_is_not_counted_as_not_rating(world):
    first = _meeting(world, 0, [world.mother])
    world.rate(world.mother, "ORS", _split(20.0), on=first.held_on, meeting=first)
    last = [_meeting(world, n, [world.mother]) for n in (1, 2)]
    record_missing_rating(world.anna, world.hansen, meeting=last[1], person=world.mother,
                          reason="not_present")
    assert _no_rating(world) == []


def test_the_engine_gets_missing_ratings_of_people_present_at_meetings_held(world):
    held = _meeting(world, 0, [world.child, world.mother])
    other = _meeting(world, 1, [world.child])
    record_missing_rating(world.anna, world.hansen, meeting=held, person=world.child,
                          reason="refused")
    record_missing_rating(world.anna, world.hansen, meeting=held, person=world.mother,
                          reason="not_present")
    # Written past the page (which offers only the people present): not counted.
    MissingRating.objects.create(case=world.hansen, meeting=other, person=world.mother,
                                 reason="refused")
    record_missing_rating(world.anna, world.hansen, meeting=other, person=world.child,
                          reason="too_upset")
    case_actions.cancel_meeting(world.anna, world.hansen, other)
    frame = missing_frame(world.org.pk)
    assert frame[["person_id", "reason"]].values.tolist() == [[str(world.child.pk), "refused"]]


# A meeting started by mistake is cancelled.

def test_a_cancelled_meeting_is_left_out_of_signals_and_the_case_series(world, client):
    first = _meeting(world, 0, [world.mother])
    world.rate(world.mother, "ORS", _split(20.0), on=first.held_on, meeting=first)
    mistakes = [_meeting(world, n, [world.mother]) for n in (1, 2)]
    assert _no_rating(world) == ["Sara"]
    client.force_login(world.anna)
    for meeting in mistakes:
        response = client.post(_meeting_url(world, meeting, "ratings:meeting_cancel"), **EN)
        assert response.status_code == 302
        assert response["Location"] == reverse("insights:case",
                                                kwargs={"case_id": world.hansen.pk})
    assert _no_rating(world) == []
    case = get_case_detail_for_user(world.anna, world.hansen.pk)
    assert [m.pk for m in case_series(case).meetings] == [first.pk]
    assert list(Meeting.objects.held()) == [first]
    assert Meeting.objects.count() == 3  # kept, for the access log
    for meeting in mistakes:
        assert AccessLogEntry.objects.filter(object_type="meeting", object_id=str(meeting.pk),
                                             action="update", purpose="cancelled").exists()
        # Its page and its controls are gone.
        assert client.get(_meeting_url(world, meeting), **EN).status_code == 404
        assert client.post(_meeting_url(world, meeting, "ratings:missing_rating"),
                           {"person": world.mother.pk, "reason": "refused"}).status_code == 404


def test_held_on_prefetched_meetings_makes_no_query(world, django_assert_num_queries):
    _meeting(world, 0, [world.mother])
    case_actions.cancel_meeting(world.anna, world.hansen, _meeting(world, 1, [world.mother]))
    case = get_case_detail_for_user(world.anna, world.hansen.pk)
    with django_assert_num_queries(0):
        assert len(list(case.meetings.held())) == 1
        assert len(list(case.meetings.all())) == 2


def test_a_cancelled_meeting_is_left_out_of_fit_use(world):
    for n in range(5):
        _meeting(world, n, [world.child])
    before = fit_use_for_user(world.dorte)
    assert sum(r.meetings for r in before.months) == 5
    record_missing_rating(world.anna, world.hansen, meeting=Meeting.objects.last(),
                          person=world.child, reason="refused")
    case_actions.cancel_meeting(world.anna, world.hansen, Meeting.objects.last())
    after = fit_use_for_user(world.dorte)  # the kept counts see the cancellation
    assert sum(r.meetings for r in after.months) == 4
    assert all(not t.missing for t in after.teams)


def test_a_cancelled_meeting_is_left_out_of_the_caseload_figures(world):
    from fokus.insights.case_figures import fresh_summaries

    _meeting(world, 0, [world.mother])
    late = _meeting(world, 3, [world.mother])
    org = {world.hansen.pk: world.org.pk}
    assert fresh_summaries(org)[world.hansen.pk].last_meeting == late.held_on
    case_actions.cancel_meeting(world.anna, world.hansen, late)
    assert fresh_summaries(org)[world.hansen.pk].last_meeting == _day(0)


def test_a_meeting_with_ratings_cannot_be_cancelled(world, client):
    meeting = _meeting(world, 0, [world.mother])
    world.rate(world.mother, "ORS", _split(20.0), on=meeting.held_on, meeting=meeting)
    with pytest.raises(ValidationError):
        case_actions.cancel_meeting(world.anna, world.hansen, meeting)
    client.force_login(world.anna)
    page = client.get(_meeting_url(world, meeting), **EN).content.decode()
    assert "Cancel the meeting" not in page
    client.post(_meeting_url(world, meeting, "ratings:meeting_cancel"), **EN)
    meeting.refresh_from_db()
    assert not meeting.is_cancelled and Rating.objects.count() == 1


def test_a_rating_arriving_for_a_cancelled_meeting_is_kept_without_it(world, client):
    client.force_login(world.anna)
    client.post(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}), {
        "held_on": timezone.localdate().isoformat(), "kind": "home_visit",
        "present": [world.mother.pk]}, **EN)
    meeting = Meeting.objects.get()
    client.post(_meeting_url(world, meeting, "ratings:hand_over"),
                {"steps": [f"outcome-{world.mother.pk}-{world.mother.pk}"]}, **EN)
    screen = client.session["fokus_kiosk"]["id"]
    Meeting.objects.filter(pk=meeting.pk).update(cancelled_at=timezone.now())
    response = client.post(reverse("ratings:kiosk_submit"), json.dumps(
        {"step": 0, "key": str(uuid.uuid4()), "screen": screen,
         "answers": ["5", "5", "5", "5"]}), content_type="application/json", **EN)
    assert response.status_code == 201  # never lost: kept, without the cancelled meeting
    rating = Rating.objects.get()
    assert rating.meeting_id is None and rating.person == world.mother


def test_another_team_cannot_cancel(world, client):
    meeting = _meeting(world, 0, [world.mother])
    client.force_login(world.bo)
    assert client.post(_meeting_url(world, meeting, "ratings:meeting_cancel")).status_code == 404
    meeting.refresh_from_db()
    assert not meeting.is_cancelled
