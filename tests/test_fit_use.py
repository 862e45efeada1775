"""How FIT is used (issue 9, part 4): the shares per team and month counted in the
database, small months suppressed, who sees it, the log and a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.insights.actions import save_meeting_record
from fokus.insights.fit_use import fit_use_for_user
from fokus.instruments.models import Instrument
from fokus.ratings.actions import record_missing_rating
from fokus.ratings.models import RatingLink
from tests.test_graph import _split

TODAY = timezone.localdate()


def this_month(k: int) -> datetime.date:
    """A day of the current month, not in the future."""
    return TODAY - datetime.timedelta(days=min(k, TODAY.day - 1))


def meetings(world, person, user, n, *, outcome=(), alliance=(), start=0):
    out = []
    for i in range(n):
        meeting = case_actions.record_meeting(user, person.case, held_on=this_month(start + i),
                                              kind="office")
        if i in outcome:
            world.rate(person, "CORS", _split(20 + i), on=meeting.held_on, meeting=meeting,
                       user=user)
        if i in alliance:
            world.rate(person, "CSRS", _split(36), on=meeting.held_on, meeting=meeting,
                       user=user)
        out.append(meeting)
    return out


@pytest.fixture
def use_world(world):
    w = world
    # Team Nord: 6 meetings this month; outcome at 4, alliance at 3, both at 2.
    w.nord_meetings = meetings(w, w.child, w.anna, 6, outcome={0, 1, 2, 3}, alliance={2, 3, 4})
    record_missing_rating(w.anna, w.hansen, meeting=w.nord_meetings[5], person=w.child,
                          reason="refused")
    for m in w.nord_meetings[:2]:
        save_meeting_record(w.anna, w.hansen, m, note="Notat", next_steps="")
    cors = Instrument.objects.get(code="CORS")
    for i, used in enumerate([True, False]):
        RatingLink.objects.create(case=w.hansen, person=w.child, rater=w.child, instrument=cors,
                                  token_hash=f"{i:064d}", channel="sms", created_by=w.anna,
                                  expires_at=timezone.now() + datetime.timedelta(days=3),
                                  used_at=timezone.now() if used else None)
    # Team Syd: 2 meetings, fewer than the minimum of 5.
    w.syd_meetings = meetings(w, w.berg_child, w.bo, 2, outcome={0})
    return w


def test_shares_by_team_and_month(use_world):
    w = use_world
    report = fit_use_for_user(w.dorte)
    nord = next(r for r in report.months if r.team == "Team Nord")
    assert nord.meetings == 6 and not nord.suppressed
    assert nord.pct_outcome == pytest.approx(100 * 4 / 6)
    assert nord.pct_alliance == pytest.approx(100 * 3 / 6)
    assert nord.pct_both == pytest.approx(100 * 2 / 6)
    assert nord.links_sent == 2 and nord.pct_links_answered == pytest.approx(50)
    assert nord.n_records == 2
    expected = sorted((TODAY - m.held_on).days for m in w.nord_meetings[:2])
    assert nord.median_days_to_record == pytest.approx(sum(expected) / 2)
    teams = {t.team: t for t in report.teams}
    assert teams["Team Nord"].missing == {"refused": 1}
    # Hansen and Olsen are Team Nord's cases; 4 + 3 ratings.
    assert teams["Team Nord"].ratings_per_case == pytest.approx(7 / 2)


def test_a_small_month_is_suppressed(use_world, login):
    syd = next(r for r in fit_use_for_user(use_world.dorte).months if r.team == "Team Syd")
    assert syd.suppressed and syd.pct_outcome is None
    html = login(use_world.dorte).get(reverse("insights:fit_use")).content.decode()
    assert "færre end 5 møder" in html


def test_team_leader_sees_her_team_and_caseworker_404(use_world, login):
    w = use_world
    report = fit_use_for_user(w.lise)
    assert {r.team for r in report.months} == {"Team Nord"}
    assert login(w.anna).get(reverse("insights:fit_use")).status_code == 404
    assert AccessLogEntry.objects.filter(user_id=w.anna.pk, action="denied",
                                         object_type="dashboard").exists()


def test_logged_and_bounded(use_world, login):
    w = use_world
    client = login(w.dorte)
    client.get(reverse("insights:fit_use"))
    with CaptureQueriesContext(connection) as kept:
        first = client.get(reverse("insights:fit_use"))
    assert first.status_code == 200
    meetings(w, w.teen, w.anna, 1, start=1)
    with CaptureQueriesContext(connection) as one_more:
        client.get(reverse("insights:fit_use"))
    meetings(w, w.teen, w.anna, 5, start=2)
    with CaptureQueriesContext(connection) as five_more:
        page = client.get(reverse("insights:fit_use"))
    # Kept counts: no counting query; new meetings: counted again, in as many queries.
    assert len(kept) <= 17  # 16, and the access-log chain's head
    assert len(one_more) == len(five_more) == len(kept) + 6
    # Never older than the newest meeting: the six new meetings are counted.
    assert (sum(r.meetings for r in page.context["report"].months)
            == sum(r.meetings for r in first.context["report"].months) + 6)
    assert AccessLogEntry.objects.filter(user_id=w.dorte.pk, action="list",
                                         object_type="fit_use").count() == 4
