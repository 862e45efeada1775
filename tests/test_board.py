"""The team's FIT conference board (issue 9, part 2): which cases, in what order,
decisions through the action with their log entry, "moved since", refusals, and a
fixed number of queries."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.insights.actions import record_team_decision
from fokus.insights.board import get_board_for_user
from fokus.insights.models import TeamDecision
from tests.conftest import years_ago
from tests.test_graph import _split

TODAY = timezone.localdate()


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def rate_line(world, person, code, totals, *, start=70, step=14, rater=None, user=None):
    for i, total in enumerate(totals):
        world.rate(person, code, _split(total), on=ago(start - i * step), rater=rater,
                   user=user)


def new_case(world, family, totals, *, alliance=None, team=None, worker=None, ref=None):
    worker = worker or world.anna
    team = team or world.team_nord
    case = case_actions.create_case(worker, team=team, reference=ref or f"2025-{family[:4]}",
                                    family_name=f"Familien {family}", caseworkers=[worker],
                                    opened_on=ago(120), phase="support")
    child = case_actions.add_person(worker, case, first_name=f"Barn {family}", role="child",
                                    birth_date=years_ago(10))
    if totals:
        rate_line(world, child, "CORS", totals, user=worker)
    if alliance:
        rate_line(world, child, "CSRS", alliance, user=worker)
    return case, child


@pytest.fixture
def team(world):
    """Team Nord's cases: red (a reliable fall), yellow (a little below the path),
    a low alliance on an on-track line, one on track; and a closed red case."""
    red, red_child = new_case(world, "Rød", [24.0, 21.0, 17.0, 14.0])
    yellow, _ = new_case(world, "Gul", [20.0, 21.0, 22.0, 23.0])
    low, _ = new_case(world, "Alliance", [20.0, 24.0, 28.0, 31.0], alliance=[38.0, 37.0, 30.0, 28.0])
    green, _ = new_case(world, "Grøn", [20.0, 24.0, 28.0, 31.0], alliance=[38.0, 38.0, 38.0, 39.0])
    closed, _ = new_case(world, "Lukket", [24.0, 21.0, 17.0, 14.0])
    case_actions.close_case(world.anna, closed, closed_on=TODAY)
    other, _ = new_case(world, "Syd", [24.0, 21.0, 17.0, 14.0], team=world.team_syd,
                        worker=world.bo)
    return {"red": red, "red_child": red_child, "yellow": yellow, "low": low, "green": green,
            "closed": closed, "other": other}


def board_url(team):
    return reverse("insights:board", kwargs={"team_id": team.pk})


def families(board):
    return [row.case.family_name for row in board.rows]


def test_the_board_shows_the_team_s_open_cases_off_track_or_low_alliance_most_urgent_first(
        world, team):
    board = get_board_for_user(world.lise, world.team_nord.pk)
    shown = families(board)
    assert shown[0] == "Familien Rød"
    assert set(shown) == {"Familien Rød", "Familien Gul", "Familien Alliance"}
    assert board.rows[0].colour == "red"
    colours = [row.colour for row in board.rows]
    assert colours == sorted(colours, key={"red": 0, "yellow": 1}.__getitem__)
    # The reasons are case_signals' own.
    kinds = {row.case.family_name: {s.kind for s in row.reasons} for row in board.rows}
    assert "not_on_track" in kinds["Familien Rød"]
    assert kinds["Familien Alliance"] & {"low_alliance", "falling_alliance"}
    entry = AccessLogEntry.objects.filter(username="lise", object_type="team_board").last()
    assert entry.action == "list"
    assert set(entry.detail["case_ids"]) == {team["red"].pk, team["yellow"].pk, team["low"].pk}


def test_the_page_shows_reason_scores_graph_and_form(world, team, client):
    client.force_login(world.lise)
    html = client.get(board_url(world.team_nord)).content.decode()
    assert "Familien Rød" in html and "Familien Grøn" not in html
    assert "Familien Syd" not in html and "Familien Lukket" not in html
    assert reverse("insights:case_graph_svg", kwargs={"case_id": team["red"].pk}) in html
    assert reverse("insights:case", kwargs={"case_id": team["red"].pk}) in html
    # The reason in words (the signal's own text), the latest score, the form's labels.
    assert "Barn Rød er ikke på rette spor: den seneste scoring 14,0" in html
    assert "Barn Rød: <strong>14,0</strong>" in html
    assert f'id="id_c{team["red"].pk}-what"' in html
    assert "Hvad besluttede teamet" in html


def test_a_decision_is_stored_with_its_log_entry_and_shown_beside_the_case(world, team, client):
    client.force_login(world.lise)
    red = team["red"]
    response = client.post(board_url(world.team_nord), {
        "case": red.pk, f"c{red.pk}-what": "Netværksmøde med skolen",
        f"c{red.pk}-who": str(world.anna.pk), f"c{red.pk}-who_text": "",
        f"c{red.pk}-by_when": ago(-14).isoformat(), f"c{red.pk}-decided_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#case-{red.pk}")
    decision = TeamDecision.objects.get(case=red)
    assert (decision.who_user, decision.team, decision.created_by) == (
        world.anna, world.team_nord, world.lise)
    entry = AccessLogEntry.objects.get(object_type="team_decision", object_id=str(decision.pk))
    assert (entry.action, entry.username, entry.case_id) == ("create", "lise", red.pk)
    html = client.get(board_url(world.team_nord)).content.decode()
    assert "Netværksmøde med skolen" in html


def test_next_week_the_board_shows_last_week_s_decisions_and_whether_the_line_moved(
        world, team):
    red, child = team["red"], team["red_child"]
    record_team_decision(world.lise, world.team_nord, red, what="Tal med Barn Rød alene",
                         who="Anna", by_when=ago(1), decided_on=ago(7))
    record_team_decision(world.lise, world.team_nord, red, what="Gammel beslutning",
                         who="Anna", by_when=None, decided_on=ago(21))
    # Before any new rating: nothing to compare.
    row = next(r for r in get_board_for_user(world.lise, world.team_nord.pk).rows
               if r.case == red)
    assert [d.what for d in row.decisions] == ["Tal med Barn Rød alene"]
    assert row.decided_on == ago(7)
    assert [m.direction for m in row.movements] == ["no_new_rating"]
    # A new rating after the decision: down from 14.0, less than the reliable change.
    world.rate(child, "CORS", _split(12.0), on=ago(2))
    row = next(r for r in get_board_for_user(world.lise, world.team_nord.pk).rows
               if r.case == red)
    (move,) = row.movements
    assert (move.before, move.after, move.direction, move.reliable) == (14.0, 12.0, "down", False)
    assert row.moved
    # And reliably up: 14.0 -> 22.0 is more than the reliable change.
    world.rate(child, "CORS", _split(22.0), on=ago(1))
    row = next(r for r in get_board_for_user(world.lise, world.team_nord.pk).rows
               if r.case == red)
    (move,) = row.movements
    assert (move.direction, move.reliable) == ("up", True)


def test_unchanged_and_the_words_on_the_page(world, team, client):
    red, child = team["red"], team["red_child"]
    record_team_decision(world.lise, world.team_nord, red, what="Samtale", who=world.anna,
                         by_when=None, decided_on=ago(7))
    world.rate(child, "CORS", _split(14.0), on=ago(1))
    client.force_login(world.lise)
    html = client.get(board_url(world.team_nord), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Samtale" in html and "Anna" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(board_url(world.team_nord)).content.decode()
    assert "unchanged at 14.0" in html


def test_refusals_of_the_action(world, team):
    with pytest.raises(ValidationError):  # Bo is not of Team Nord
        record_team_decision(world.bo, world.team_nord, team["red"], what="x", who="y",
                             by_when=None, decided_on=TODAY)
    with pytest.raises(ValidationError):  # the case is Team Syd's
        record_team_decision(world.lise, world.team_nord, team["other"], what="x", who="y",
                             by_when=None, decided_on=TODAY)
    with pytest.raises(ValidationError):  # an analyst acts for no team
        record_team_decision(world.ali, world.team_nord, team["red"], what="x", who="y",
                             by_when=None, decided_on=TODAY)
    with pytest.raises(ValidationError):  # Bo is not a member to give it to
        record_team_decision(world.lise, world.team_nord, team["red"], what="x", who=world.bo,
                             by_when=None, decided_on=TODAY)
    with pytest.raises(ValidationError):  # due before the conference
        record_team_decision(world.lise, world.team_nord, team["red"], what="x", who="y",
                             by_when=ago(3), decided_on=TODAY)
    assert not TeamDecision.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type="team_decision").exists()


def test_the_form_s_errors_are_in_danish(world, team, client):
    client.force_login(world.lise)
    red = team["red"]
    response = client.post(board_url(world.team_nord), {
        "case": red.pk, f"c{red.pk}-what": "", f"c{red.pk}-who": "",
        f"c{red.pk}-decided_on": TODAY.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Intet blev gemt" in html
    assert "Vælg hvem der gør det, eller skriv et navn." in html
    assert not TeamDecision.objects.exists()


@pytest.mark.parametrize("persona", ["anna", "lise"])
def test_who_sees_the_board(world, team, client, persona):
    client.force_login(getattr(world, persona))
    assert client.get(board_url(world.team_nord)).status_code == 200


@pytest.mark.parametrize("persona", ["bo", "dorte", "ali", "admin"])
def test_others_get_404_and_the_refusal_is_logged(world, team, client, persona):
    client.force_login(getattr(world, persona))
    response = client.get(board_url(world.team_nord))
    assert response.status_code == 404
    assert "Familien Rød" not in response.content.decode()
    assert AccessLogEntry.objects.filter(username=persona, action="denied",
                                         object_type="team_board").exists()


def test_another_team_s_caseworker_cannot_record_a_decision(world, team, client):
    client.force_login(world.bo)
    red = team["red"]
    response = client.post(board_url(world.team_nord), {
        "case": red.pk, f"c{red.pk}-what": "x", f"c{red.pk}-who_text": "y",
        f"c{red.pk}-decided_on": TODAY.isoformat()})
    assert response.status_code == 404
    assert not TeamDecision.objects.exists()
    assert AccessLogEntry.objects.filter(username="bo", action="denied").exists()


def test_a_case_of_another_team_cannot_be_posted_to_this_team_s_board(world, team, client):
    client.force_login(world.dorte)
    other = team["other"]
    response = client.post(board_url(world.team_nord), {
        "case": other.pk, f"c{other.pk}-what": "x", f"c{other.pk}-who_text": "y",
        f"c{other.pk}-decided_on": TODAY.isoformat()})
    assert response.status_code == 404
    assert not TeamDecision.objects.exists()


def test_a_missing_team_is_404(world, client):
    client.force_login(world.dorte)
    assert client.get(reverse("insights:board", kwargs={"team_id": 999999})).status_code == 404


def _count(world, client):
    client.force_login(world.lise)
    url = board_url(world.team_nord)
    client.get(url)  # sessions, content types: warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _add_cases(world, n, start):
    for i in range(n):
        case, child = new_case(world, f"Mange{start + i}", [24.0, 21.0 - i % 3, 17.0, 14.0],
                               alliance=[38.0, 30.0], ref=f"2026-{start + i:04d}")
        record_team_decision(world.lise, world.team_nord, case, what="Møde", who=world.anna,
                             by_when=None, decided_on=ago(30 + i))


def test_the_board_reads_with_a_fixed_number_of_queries(world, client):
    _add_cases(world, 3, 0)
    few = _count(world, client)
    _add_cases(world, 7, 3)
    many = _count(world, client)
    print(f"board queries: {few} for 3 cases, {many} for 10")
    assert few == many, (few, many)
    assert many <= 25


def test_the_board_s_signals_are_case_signals_own(world, team):
    """board_signals leaves out only the prompts and the kinds the board does not show."""
    from fokus.cases.access import get_case_detail_for_user
    from fokus.insights.case_figures import REASON_KINDS, board_signals
    from fokus.insights.series import case_series
    from fokus.insights.signals import case_signals

    for key in ("red", "yellow", "low", "green"):
        data = case_series(get_case_detail_for_user(world.lise, team[key].pk))
        tracks, signals = case_signals(data, "da")
        board_tracks, board = board_signals(data, "da")
        assert [(t.label, t.colour) for t in board_tracks] == [(t.label, t.colour) for t in tracks]
        assert [(s.kind, s.colour, s.values) for s in board] == [
            (s.kind, s.colour, s.values) for s in signals if s.kind in REASON_KINDS], key
