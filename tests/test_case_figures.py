"""The caseload's and the board's figures, computed ahead (fokus.insights.case_figures):
the same as the case page's, never shown stale (a bulk insert that fires no signal
too), no names stored, pages that keep the order and the filters, and
`fokus refresh-figures`."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from fokus.cases import actions
from fokus.cases.access import get_case_detail_for_user
from fokus.insights import caseload as cl
from fokus.insights.board import get_board_for_user
from fokus.insights.case_figures import REASON_KINDS, caseload_reasons, named
from fokus.insights.models import CaseFigures
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals, track_of
from fokus.instruments.models import Instrument
from fokus.ratings.models import Rating
from tests.conftest import years_ago
from tests.test_board import team  # noqa: F401 - the board's fixture
from tests.test_caseload import TODAY, _case, _rate, day, need  # noqa: F401 - fixtures


def _oracle(user, case, lang):
    """The case page's own series and signals of the case."""
    data = case_series(get_case_detail_for_user(user, case.pk))
    tracks, signals = case_signals(data, lang, prompts={})
    return data, tracks, signals


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_caseloads_figures_are_the_case_pages(world, need, lang):  # noqa: F811
    """Each row's reasons, track colours and scores are those of case_series and
    case_signals for the same case, in the page's language."""
    from django.utils import translation

    with translation.override(lang):
        rows = cl.caseload_for_user(world.anna).rows
    assert rows
    for row in rows:
        data, _tracks, signals = _oracle(world.anna, row.case, lang)
        expected = caseload_reasons(signals)
        fit = [r for r in row.reasons if r.kind != "deadline"]
        assert [(r.kind, r.rank, r.colour, r.values, r.tie) for r in fit] == [
            (r["kind"], r["rank"], r["colour"], r["values"], r["tie"]) for r in expected]
        for child in row.children:
            own = [x for x in data.outcome if x.person_id == x.rater_id == child.person.pk]
            if own:
                x = own[0]
                assert (child.outcome.last, child.outcome.intake, child.outcome.n) == (
                    x.last, x.intake, len(x.points))
                assert child.colour == track_of(x, data.settings, data.model).colour
            else:
                assert child.outcome is None


def test_the_boards_figures_are_the_case_pages(world, team):  # noqa: F811
    board = get_board_for_user(world.lise, world.team_nord.pk)
    assert len(board.rows) == 3
    for row in board.rows:
        _data, tracks, signals = _oracle(world.lise, row.case, "da")
        assert [(s.kind, s.colour, s.who, s.values) for s in row.reasons] == [
            (s.kind, s.colour, s.who, s.values) for s in signals if s.kind in REASON_KINDS]
        assert [(t["label"], t["colour"], t["last"], t["expected"]) for t in row.tracks] == [
            (t.label, t.colour, t.last, t.expected) for t in tracks]


def test_no_name_is_stored(world, need):  # noqa: F811
    cl.caseload_for_user(world.anna)
    stored = json.dumps([f.data for f in CaseFigures.objects.all()], ensure_ascii=False)
    assert CaseFigures.objects.count() >= 8
    assert "Barn" not in stored and "Familien" not in stored


def test_a_new_rating_is_shown_at_once(world, login):
    case, child = _case(world, "Ny")
    _rate(world, child, [16, 14])
    client = login(world.anna)
    html = client.get(reverse("insights:case_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "BarnNy: 2 ratings from 16.0 to 14.0." in html
    stamp = CaseFigures.objects.get(case=case).stamp
    world.rate(child, "CORS", [5] * 4, on=TODAY)
    html = client.get(reverse("insights:case_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "BarnNy: 3 ratings from 16.0 to 20.0." in html
    assert CaseFigures.objects.get(case=case).stamp != stamp


def test_a_bulk_insert_without_signals_is_shown_too(world, team, login):  # noqa: F811
    """Ratings written past the actions (a COPY, an import) fire no signal: the stamp
    still sees them, on the caseload and on the board."""
    red, child = team["red"], team["red_child"]
    board = get_board_for_user(world.lise, world.team_nord.pk)
    assert "Barn Rød: <strong>14,0</strong>" in login(world.lise).get(
        reverse("insights:board", kwargs={"team_id": world.team_nord.pk})).content.decode()
    assert any(r.case == red for r in board.rows)
    Rating.objects.bulk_create([Rating(
        case=red, instrument=Instrument.objects.get(code="CORS"), person=child, rater=child,
        rated_on=TODAY, total=Decimal("9.5"), mode="paper")])
    html = login(world.lise).get(
        reverse("insights:board", kwargs={"team_id": world.team_nord.pk})).content.decode()
    assert "Barn Rød: <strong>9,5</strong>" in html
    row = next(r for r in cl.caseload_for_user(world.lise).rows if r.case == red)
    assert row.children[0].outcome.last == 9.5


def test_a_deadline_follows_the_day_without_recomputing(world, need):  # noqa: F811
    """The Barnets lov deadlines are worked out on reading, from the stored dates."""
    case = need["deadline"]

    def reason(today):
        rows = cl.caseload_for_user(world.anna, today=today).rows
        return next(r for r in rows if r.case == case).reason

    first = reason(TODAY)
    computed = CaseFigures.objects.get(case=case).computed_at
    later = reason(TODAY + datetime.timedelta(days=30))
    assert (first.values["state"], later.values["state"]) == ("coming", "passed")
    assert CaseFigures.objects.get(case=case).computed_at == computed


def test_a_settings_change_makes_the_figures_stale(world, need):  # noqa: F811
    from fokus.instruments.actions import set_setting

    cl.caseload_for_user(world.anna)
    before = dict(CaseFigures.objects.values_list("case_id", "stamp"))
    set_setting(world.admin, world.org, "reliable_change", Decimal("5"),
                valid_from=TODAY)
    cl.caseload_for_user(world.anna)
    after = dict(CaseFigures.objects.values_list("case_id", "stamp"))
    assert all(after[pk] != stamp for pk, stamp in before.items())


def test_a_name_is_put_back_in_the_page_s_language():
    names = {1: "Mor", 2: "Ida"}
    assert named("\x1e1\x1f", names, "da") == "Mor"
    assert named({"name": "\x1e1\x1f about \x1e2\x1f"}, names, "da") == {"name": "Mor om Ida"}
    assert named(["\x1e1\x1f about \x1e2\x1f", 3.5], names, "en") == ["Mor about Ida", 3.5]


def _many(world, n):
    for i in range(n):
        _case_, child = _case(world, f"Side{i:02d}")
        _rate(world, child, [16, 16 - 2 * (i % 4)])


def test_pages_keep_the_order(world, need):  # noqa: F811
    _many(world, 7)
    whole = [r.case.pk for r in cl.caseload_for_user(world.anna).rows]
    pages, page = [], 1
    while True:
        caseload = cl.caseload_for_user(world.anna, page=page, per_page=4)
        assert caseload.total == len(whole)
        pages += [r.case.pk for r in caseload.rows]
        if not caseload.page.has_next():
            break
        page += 1
    assert pages == whole and page == 5
    # a page past the end is the last one
    assert cl.caseload_for_user(world.anna, page=99, per_page=4).page.number == 5


def test_the_page_links_keep_the_filters_and_the_log_names_the_cases_shown(
        world, need, login, monkeypatch):  # noqa: F811
    from fokus.audit.models import AccessLogEntry

    _many(world, 7)
    monkeypatch.setattr(cl, "PER_PAGE", 3)
    client = login(world.anna)
    url = reverse("insights:case_list")
    response = client.get(url, {"signal": "not_on_track", "q": "barn", "page": "2"},
                          HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    caseload = response.context["caseload"]
    assert caseload.page.number == 2 and len(caseload.rows) == 3
    assert 'href="?signal=not_on_track&amp;q=barn&amp;page=2" aria-current="page"' in html
    assert 'href="?signal=not_on_track&amp;q=barn&amp;page=1" rel="prev"' in html
    assert '<nav class="pages" aria-label="Pages of the caseload">' in html
    assert f"Cases 4–6 of {caseload.total}" in html
    whole = cl.caseload_for_user(world.anna, cl.Filters(q="barn", signal="not_on_track"),
                                 per_page=100).rows
    assert [r.case.pk for r in caseload.rows] == [r.case.pk for r in whole[3:6]]
    entry = AccessLogEntry.objects.filter(username="anna", purpose="caseload").order_by("id")
    logged = [e for e in entry if e.detail.get("page") == 2][-1]
    assert logged.detail["case_ids"] == [r.case.pk for r in caseload.rows]


def test_the_board_shows_the_most_urgent_first_a_page_at_a_time(world, team, client):  # noqa: F811
    whole = get_board_for_user(world.lise, world.team_nord.pk)
    first = get_board_for_user(world.lise, world.team_nord.pk, per_page=2)
    second = get_board_for_user(world.lise, world.team_nord.pk, page=2, per_page=2)
    assert [r.case.pk for r in first.rows + second.rows] == [r.case.pk for r in whole.rows]
    assert first.n_on_board == 3 and first.n_open > 3


def test_refresh_figures(world, need):  # noqa: F811
    out = io.StringIO()
    call_command("refresh-figures", stdout=out)
    n = CaseFigures.objects.count()
    assert n >= 10 and f"{n} cases checked, {n} recomputed" in out.getvalue()
    call_command("refresh-figures", "--organisation", world.org.name, stdout=(out := io.StringIO()))
    assert "0 recomputed" in out.getvalue()
    child = actions.add_person(world.anna, need["red_far"], first_name="Lillebror", role="child",
                               birth_date=years_ago(8))
    assert child
    call_command("refresh-figures", stdout=(out := io.StringIO()))
    assert "1 recomputed" in out.getvalue()
    with pytest.raises(Exception, match="no organisation"):
        call_command("refresh-figures", "--organisation", "Nowhere")


def test_storing_the_same_case_twice_replaces_it(world, need):  # noqa: F811
    """Two requests that recompute the same stale case both store it (an upsert in case
    order): neither fails, and the row is one."""
    from fokus.insights.case_figures import recompute, settings_fingerprints

    case = need["red_far"]
    fingerprints = settings_fingerprints({world.org.pk})
    first = recompute([case.pk, need["yellow"].pk], fingerprints)
    second = recompute([need["yellow"].pk, case.pk], fingerprints)
    assert [f.case_id for f in first] == [f.case_id for f in second]
    assert CaseFigures.objects.filter(case=case).count() == 1
    assert CaseFigures.objects.get(case=case).computed_at == second[0].computed_at
