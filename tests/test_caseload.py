"""The caseload, sorted by need (fokus.insights.caseload and the page at /cases/)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessAction, AccessLogEntry
from fokus.cases import actions
from fokus.insights import caseload as cl
from fokus.insights.deadlines import add_months
from tests.conftest import years_ago

TODAY = timezone.localdate()


def day(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def _case(world, name, *, user=None, phase="support", opened_on=None):
    user = user or world.anna
    case = actions.create_case(user, team=world.team_nord, reference=f"N-{name}",
                               family_name=f"Familien {name}", caseworkers=[user],
                               opened_on=opened_on or day(300), phase=phase)
    child = actions.add_person(user, case, first_name=f"Barn{name}", role="child",
                               birth_date=years_ago(10))
    return case, child


def _rate(world, child, totals, *, code="CORS", user=None, meetings=None):
    """The child's own ratings with these totals, two weeks apart, the last today."""
    for i, total in enumerate(totals):
        on = day(14 * (len(totals) - 1 - i))
        world.rate(child, code, [total / 4] * 4, on=on, user=user or world.anna,
                   meeting=meetings[i] if meetings else None)


@pytest.fixture
def need(world):
    """One case of Anna's for each reason, named so that the alphabet would put them
    in another order than need does."""
    cases = {}
    cases["red_far"], c = _case(world, "Ravn")
    _rate(world, c, [16, 12])
    cases["red_near"], c = _case(world, "Dahl")  # the same gap as Birk: by name after it
    _rate(world, c, [16, 14])
    cases["red_near_b"], c = _case(world, "Birk")
    _rate(world, c, [16, 14])
    cases["yellow"], c = _case(world, "Andersen")
    _rate(world, c, [16, 18])
    cases["deterioration"], c = _case(world, "Krog")  # above the ETR ceiling: grey, but worse
    _rate(world, c, [36, 28])
    cases["alliance"], c = _case(world, "Aagaard")
    _rate(world, c, [30], code="CSRS")
    cases["no_rating"], c = _case(world, "Bak")
    meetings = [actions.record_meeting(world.anna, cases["no_rating"], held_on=day(n),
                                       kind="office", participants=[c]) for n in (40, 20, 5)]
    world.rate(c, "CORS", [5] * 4, on=day(40), meeting=meetings[0])
    opened = add_months(TODAY, -4) + datetime.timedelta(days=5)
    cases["deadline"], c = _case(world, "Aas", phase="investigation", opened_on=opened)
    return cases


def _order(user, **filters):
    return [r.case.family_name for r in cl.caseload_for_user(user, cl.Filters(**filters)).rows]


def test_a_caseworker_sees_her_cases_by_need_then_her_teams(world, need):
    assert _order(world.anna) == [
        "Familien Ravn", "Familien Birk", "Familien Dahl",  # red: the furthest below first
        "Familien Andersen",  # yellow
        "Familien Krog",  # reliable deterioration
        "Familien Aagaard",  # low alliance
        "Familien Bak",  # no rating at the last two meetings
        "Familien Aas",  # the investigation's 4 months are almost up
        "Familien Hansen",  # nothing calls for attention
        "Familien Olsen",  # the team's case, after hers
    ]


def test_each_row_says_why_it_is_where_it_is(world, need):
    rows = {r.case.family_name: r for r in cl.caseload_for_user(world.anna).rows}
    assert [(rows[f"Familien {n}"].reason.kind, rows[f"Familien {n}"].reason.colour) for n in
            ("Ravn", "Andersen", "Krog", "Aagaard", "Bak", "Aas")] == [
        ("not_on_track", "red"), ("not_on_track", "yellow"), ("deterioration", "red"),
        ("low_alliance", "red"), ("no_rating", "yellow"), ("deadline", "yellow")]
    assert rows["Familien Hansen"].reason is None
    # Ravn's child is also reliably worse (16 to 12 is not, 6 points is the limit): one reason
    assert [r.kind for r in rows["Familien Ravn"].reasons] == ["not_on_track"]


def test_the_reasons_in_words_in_danish_and_english(world, need, login):
    client = login(world.anna)
    html = client.get(reverse("insights:case_list")).content.decode()
    expected = cl.caseload_for_user(world.anna).rows[0].reason.values["expected"]
    assert f"Ikke på rette spor: BarnRavn 12,0, forventet {expected:.1f}".replace(".", ",") in html
    assert "Pålideligt forværret: BarnKrog fra 36,0 til 28,0" in html
    assert "Lavt samarbejde: BarnAagaard scorede sidste møde 30,0" in html
    assert "Ingen scoring: BarnBak har ikke scoret ved de seneste 2 møder" in html
    left = (add_months(need["deadline"].opened_on, 4) - TODAY).days  # 5, or less at a month's end
    assert "Børnefaglig undersøgelse senest" in html and f"om {left} dage" in html
    html = client.get(reverse("insights:case_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Not on track: BarnRavn 12.0, expected {expected:.1f}" in html
    assert "Reliably worse: BarnKrog from 36.0 to 28.0" in html
    assert "Investigation due" in html and f"in {left} days" in html


def test_each_child_has_a_sparkline_with_a_text_equivalent_and_coloured_scores(world, need, login):
    html = login(world.anna).get(reverse("insights:case_list"), HTTP_ACCEPT_LANGUAGE="en"
                                 ).content.decode()
    assert 'role="img" aria-label="BarnRavn\'s outcome trajectory"' in html
    assert "BarnRavn: 2 ratings from 16.0 to 12.0. Well below the expected path." in html
    assert "BarnAndersen: 2 ratings from 16.0 to 18.0. Below the expected path." in html
    assert 'class="spark-cut"' in html
    # colour is never the only carrier: the word is beside the dot
    assert '<span class="dot dot-red" aria-hidden="true"></span></span><span class="word">' \
           'Well below the expected path</span>' in html
    assert 'Alliance</span> <span class="n">30.0' in html and ">low</span>" in html


def test_a_young_childs_faces_are_shown_as_text(world, login):
    case, _child = _case(world, "Lille")
    small = actions.add_person(world.anna, case, first_name="Ida", role="child",
                               birth_date=years_ago(4))
    world.rate(small, "YCORS", ["3"], on=day(14))
    world.rate(small, "YCORS", ["4"], on=day(0))
    html = login(world.anna).get(reverse("insights:case_list"), HTTP_ACCEPT_LANGUAGE="en"
                                 ).content.decode()
    assert "faces: 3, 4" in html


def test_a_team_leader_sees_the_teams_caseload_with_a_caseworker_column(world, need, login):
    caseload = cl.caseload_for_user(world.lise)
    assert caseload.show_caseworker and not caseload.mine_first
    names = [r.case.family_name for r in caseload.rows]
    assert names[0] == "Familien Ravn" and names[-2:] == ["Familien Hansen", "Familien Olsen"]
    html = login(world.lise).get(reverse("insights:case_list"), HTTP_ACCEPT_LANGUAGE="en"
                                 ).content.decode()
    assert '<th scope="col">Caseworker</th>' in html
    assert "<td>Anna</td>" in html
    html = login(world.anna).get(reverse("insights:case_list"), HTTP_ACCEPT_LANGUAGE="en"
                                 ).content.decode()
    assert '<th scope="col">Caseworker</th>' not in html


def test_the_team_member_filter(world, need, login):
    assert _order(world.lise, member=world.lise.pk) == ["Familien Olsen"]
    assert "Familien Olsen" not in _order(world.lise, member=world.anna.pk)
    client = login(world.lise)
    html = client.get(reverse("insights:case_list"), {"member": world.lise.pk}).content.decode()
    assert "Familien Olsen" in html and "Familien Ravn" not in html
    assert '<label for="id_member">' in html
    # a caseworker has no team-member filter; one asked for anyway is left out, the rest apply
    html = login(world.anna).get(reverse("insights:case_list"), {
        "member": world.lise.pk, "phase": "investigation"}).content.decode()
    assert "Familien Aas" in html and "Familien Olsen" not in html and "Familien Ravn" not in html
    assert '<label for="id_member">' not in login(world.anna).get(
        reverse("insights:case_list")).content.decode()


def test_the_phase_filter(world, need):
    assert _order(world.anna, phase="investigation") == ["Familien Aas"]
    assert _order(world.anna, phase="screening") == ["Familien Olsen"]


def test_the_intervention_type_filter(world, need):
    actions.add_intervention(world.anna, need["yellow"], type="bl32_2", start=day(20))
    actions.add_intervention(world.anna, need["alliance"], type="bl32_5", start=day(20))
    assert _order(world.anna, intervention="bl32_2") == ["Familien Andersen"]


def test_the_signal_filter(world, need, login):
    assert _order(world.anna, signal="not_on_track") == [
        "Familien Ravn", "Familien Birk", "Familien Dahl", "Familien Andersen"]
    assert _order(world.anna, signal="deterioration") == ["Familien Krog"]
    assert _order(world.anna, signal="alliance") == ["Familien Aagaard"]
    assert _order(world.anna, signal="no_rating") == ["Familien Bak"]
    assert _order(world.anna, signal="deadline") == ["Familien Aas"]
    assert _order(world.anna, signal="none") == ["Familien Hansen", "Familien Olsen"]
    html = login(world.anna).get(reverse("insights:case_list"), {"signal": "alliance"}
                                 ).content.decode()
    assert "Familien Aagaard" in html and "Familien Ravn" not in html


def test_search_and_closed_cases(world, need, login):
    assert _order(world.anna, q="barnkrog") == ["Familien Krog"]
    assert _order(world.anna, q="N-Dahl") == ["Familien Dahl"]
    actions.close_case(world.anna, world.olsen, closed_on=TODAY)
    assert "Familien Olsen" not in _order(world.anna)
    assert "Familien Olsen" in _order(world.anna, include_closed=True)
    client = login(world.anna)
    assert "Familien Olsen" in client.get(reverse("insights:case_list"),
                                          {"closed": "on"}).content.decode()


def test_another_teams_caseworker_does_not_see_the_cases(world, need, login):
    assert _order(world.bo) == ["Familien Berg"]
    html = login(world.bo).get(reverse("insights:case_list")).content.decode()
    assert "Familien Ravn" not in html and "BarnRavn" not in html and "Familien Hansen" not in html


def test_one_list_entry_in_the_access_log_with_the_case_ids(world, need, login):
    client = login(world.anna)  # the login has its own entry
    before = AccessLogEntry.objects.count()
    client.get(reverse("insights:case_list"), {"phase": "investigation"})
    entries = list(AccessLogEntry.objects.order_by("id")[before:])
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.action, entry.object_type, entry.purpose, entry.user_id) == (
        AccessAction.LIST, "case", "caseload", world.anna.pk)
    assert entry.detail["case_ids"] == [need["deadline"].pk]
    assert entry.detail["filters"] == {"phase": "investigation"}


def test_the_analyst_still_gets_the_pseudonymised_list(world, need, login):
    html = login(world.ali).get(reverse("insights:case_list")).content.decode()
    assert "Familien" not in html and "BarnRavn" not in html and "N-Ravn" not in html


def _busy(world, n: int, prefix: str):
    """n cases of Lise's team, each with every kind of thing case_series reads."""
    for i in range(n):
        case, child = _case(world, f"{prefix}{i}", user=world.lise)
        mother = actions.add_person(world.lise, case, first_name="Mor", role="mother",
                                    birth_date=years_ago(40))
        actions.add_intervention(world.lise, case, type="bl32_2", start=day(100))
        meetings = [actions.record_meeting(world.lise, case, held_on=day(14 * (2 - k)),
                                           kind="office", participants=[child, mother])
                    for k in range(3)]
        _rate(world, child, [16, 14 + 2 * (i % 2), 20], user=world.lise, meetings=meetings)
        _rate(world, child, [30, 34, 38], code="CSRS", user=world.lise, meetings=meetings)
        from fokus.ratings.actions import record_missing_rating

        record_missing_rating(world.lise, case, meeting=meetings[-1], person=mother,
                              reason="refused", measures="outcome")


def _queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("insights:case_list"))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


MAX_CASELOAD_QUERIES = 16


def test_the_caseload_makes_the_same_number_of_queries_for_5_and_50_cases(world, login):
    """Warm (the figures computed), and cold (every case's figures to compute): the
    number of queries does not grow with the number of cases."""
    client = login(world.lise)
    actions.close_case(world.anna, world.olsen, closed_on=TODAY)
    actions.close_case(world.anna, world.hansen, closed_on=TODAY)
    _busy(world, 5, "Få")
    few_cold = _queries(client)
    few = _queries(client)
    _busy(world, 45, "Mange")
    many_cold = _queries(client)
    many = _queries(client)
    assert len(client.get(reverse("insights:case_list")).context["caseload"].rows) == 50
    assert len(many) == len(few), "\n".join(many)
    assert len(many_cold) == len(few_cold), "\n".join(many_cold)
    # session, user, team members (the filter), the visible cases, the settings and ETR
    # sets (the stamp), the cases' stamps now, their stored figures, the page's cases with
    # their figures, people and caseworkers, the access-log insert
    print("caseload queries:", len(few), len(many), "cold:", len(few_cold), len(many_cold))
    assert len(few) <= MAX_CASELOAD_QUERIES, "\n".join(few)
