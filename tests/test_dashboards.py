"""The leaders' dashboards (issue 9, parts 3, 5 and 6): the figures are the engine's,
small groups are suppressed on the page, in the CSV and in the PDF, who sees what,
the access log, and a fixed number of queries."""

import datetime
import re
import subprocess
import tempfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.insights.ratings_frame import first_rating_day, missing_frame, ratings_frame
from fokus.insights.series import outcome_settings
from fokus.instruments.access import etr_model_in_force
from fokus.outcomes import build_series, summarise_groups
from tests.conftest import years_ago
from tests.test_graph import _split

TODAY = timezone.localdate()
LINES = [[14, 22, 30], [12, 15, 16], [18, 26, 33], [20, 19, 21], [10, 18, 27],
         [16, 24, 29], [22, 14, 12], [15, 21, 26]]


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def add_cases(world, team, worker, n, kind, prefix, *, start=0):
    people = []
    for i in range(n):
        case = case_actions.create_case(
            worker, team=team, reference=f"{prefix}-{i:04d}", family_name=f"Familien {prefix}{i}",
            caseworkers=[worker], opened_on=ago(200), phase="support")
        case_actions.add_intervention(worker, case, type=kind, start=ago(190))
        child = case_actions.add_person(worker, case, first_name=f"Barn{prefix}{i}",
                                        last_name=f"Efternavn{prefix}{i}", role="child",
                                        birth_date=years_ago(10))
        for k, total in enumerate(LINES[(start + i) % len(LINES)]):
            world.rate(child, "CORS", _split(total), on=ago(150 - 21 * k), user=worker)
        people.append(child)
    return people


@pytest.fixture
def dash_world(world):
    """Team Nord: 7 series in family treatment (§32, 2); Team Syd: 4 series in home
    support (§32, 1), a group below the minimum of 5; Team Vest: 6 series, suppressed
    too so that the total minus Team Nord does not give Team Syd's figures."""
    from fokus.cases.models import Team

    world.team_vest = Team.objects.create(unit=world.team_nord.unit, name="Team Vest")
    world.nord_children = add_cases(world, world.team_nord, world.anna, 7, "bl32_2", "N")
    world.syd_children = add_cases(world, world.team_syd, world.bo, 4, "bl32_1", "S", start=3)
    world.vest_children = add_cases(world, world.team_vest, world.bo, 6, "bl32_8", "V", start=5)
    return world


def engine_groups(org, by, keep):
    day = first_rating_day(org.pk)
    series = build_series(ratings_frame(org.pk), outcome_settings(org.pk, day),
                          etr_model_in_force(org.pk, day), missing=missing_frame(org.pk))
    return summarise_groups(series.loc[keep(series)], by)


def test_figures_equal_the_engine(dash_world, login):
    w = dash_world
    response = login(w.dorte).get(reverse("insights:dashboard"),
                                  {"by": "team", "intervention": "bl32_2"})
    assert response.status_code == 200
    rows = {r.key: r for r in response.context["rows"]}
    engine = engine_groups(w.org, "team_id", lambda s: s["intervention"] == "bl32_2")
    assert set(rows) == set(engine) == {str(w.team_nord.pk)}
    row, summary = rows[str(w.team_nord.pk)], engine[str(w.team_nord.pk)]
    assert row.n_series == summary["n_series"] == 7
    assert row.n_eligible == summary["n_eligible"]
    for figure in row.figures:
        interval = summary["intervals"][figure.key]
        assert figure.n == interval["n"]
        assert figure.value == pytest.approx(summary[figure.key])
        if figure.low is not None:
            assert figure.low == pytest.approx(interval["low"])
            assert figure.high == pytest.approx(interval["high"])


def test_figures_equal_the_engine_by_age_group(dash_world, login):
    response = login(dash_world.dorte).get(reverse("insights:dashboard"), {"by": "age_group"})
    engine = engine_groups(dash_world.org, "age_group", lambda s: s["age_group"] == s["age_group"])
    rows = {r.key: r for r in response.context["rows"]}
    assert set(rows) == set(engine)
    for key, row in rows.items():
        f = row.figure("pct_recovered")
        assert f.value == pytest.approx(engine[key]["pct_recovered"])


def test_a_group_of_four_is_suppressed_on_the_page(dash_world, login):
    w = dash_world
    response = login(w.dorte).get(reverse("insights:dashboard"), {"by": "team"})
    rows = {r.key: r for r in response.context["rows"]}
    syd = rows[str(w.team_syd.pk)]
    assert syd.suppressed and syd.figures == [] and syd.ttw is None
    assert not rows[str(w.team_nord.pk)].suppressed
    assert rows[str(w.team_vest.pk)].suppressed  # secondary suppression
    html = response.content.decode()
    syd_row = re.search(r"<th scope=\"row\">Team Syd</th>(.*?)</tr>", html, re.S).group(1)
    assert "færre end 5 forløb" in syd_row
    assert not re.search(r"\d", re.sub(r"<[^>]*>", "", syd_row).replace("færre end 5 forløb", ""))


def test_a_group_of_four_is_suppressed_in_the_csv(dash_world, login):
    w = dash_world
    response = login(w.dorte).get(reverse("insights:dashboard_csv"), {"by": "team"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    syd = next(line for line in lines if line.startswith("Team Syd"))
    cells = syd.split(";")
    assert cells[-1] == "færre end 5 forløb"
    assert all(c == "" for c in cells[1:-1])
    nord = next(line for line in lines if line.startswith("Team Nord")).split(";")
    assert nord[1] == "7"


def test_a_group_of_four_is_suppressed_in_the_xlsx(dash_world, login):
    from io import BytesIO

    from openpyxl import load_workbook

    w = dash_world
    response = login(w.dorte).get(reverse("insights:dashboard_xlsx"), {"by": "team"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    csv_lines = login(w.dorte).get(reverse("insights:dashboard_csv"), {"by": "team"}
                                   ).content.decode("utf-8-sig").splitlines()
    assert len(rows) == len(csv_lines)  # the same table as the CSV
    syd = rows["Team Syd"]
    assert syd[-1] == "færre end 5 forløb"
    assert all(cell in (None, "") for cell in syd[1:-1])
    assert str(rows["Team Nord"][1]) == "7"


def test_the_analysts_xlsx_names_nobody(dash_world, login):
    from io import BytesIO

    from openpyxl import load_workbook

    from fokus.cases.models import Case, Person

    w = dash_world
    response = login(w.ali).get(reverse("insights:dashboard_xlsx"), {"by": "quarter"})
    assert response.status_code == 200
    text = " ".join(str(cell) for row in load_workbook(BytesIO(response.content)).active
                    .iter_rows(values_only=True) for cell in row if cell is not None)
    secrets = ({p.first_name for p in Person.objects.all()}
               | {p.last_name for p in Person.objects.all() if p.last_name}
               | {c.reference for c in Case.objects.all()}
               | {c.family_name for c in Case.objects.all()})
    assert not [secret for secret in secrets if secret in text]
    assert not re.search(r"\b\d{2}\.\d{2}\.\d{4}\b", text)


def test_a_group_of_four_is_suppressed_in_the_pdf(dash_world, login):
    w = dash_world
    response = login(w.dorte).get(reverse("insights:report_pdf"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(response.content)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True,  # noqa: S603,S607
                              text=True, check=True).stdout
    assert "FIT-kvartalsrapport" in text
    words = " ".join(text.split())
    assert "Team Nord" in words
    # The row of Team Syd: its name and the suppression text, no figures between them.
    assert re.search(r"Team Syd færre end 5 forløb", words)


def test_the_minimum_is_a_setting(dash_world, login, settings):
    settings.FOKUS_MIN_GROUP_SIZE = 3
    response = login(dash_world.dorte).get(reverse("insights:dashboard"), {"by": "team"})
    rows = {r.key: r for r in response.context["rows"]}
    assert not any(r.suppressed for r in rows.values())


def test_secondary_suppression():
    from fokus.insights.dashboards import GroupRow, secondary_suppression

    rows = [GroupRow("a", "A", 40, False), GroupRow("b", "B", 3, True),
            GroupRow("c", "C", 9, False), GroupRow("d", "D", 12, False)]
    assert [r.suppressed for r in secondary_suppression(rows, 5)] == [False, True, True, False]
    rows = [GroupRow("a", "A", 40, False), GroupRow("b", "B", 3, True),
            GroupRow("c", "C", 2, True)]
    assert [r.suppressed for r in secondary_suppression(rows, 5)] == [False, True, True]


def test_team_leader_sees_only_her_team(dash_world, login):
    w = dash_world
    client = login(w.lise)
    response = client.get(reverse("insights:dashboard"), {"by": "team"})
    assert response.status_code == 200
    assert [r.label for r in response.context["rows"]] == ["Team Nord"]
    assert "Team Syd" not in response.content.decode()
    other = client.get(reverse("insights:dashboard"), {"by": "team", "team": w.team_syd.pk})
    assert other.context["rows"] == []
    assert other.context["overall"].n_series == 0


@pytest.mark.parametrize("who", ["anna", "bo", "admin"])
def test_caseworker_and_administrator_get_404_logged(dash_world, login, who):
    user = getattr(dash_world, who)
    client = login(user)
    for name in ("insights:dashboard", "insights:dashboard_csv", "insights:report_pdf",
                 "insights:fit_use"):
        assert client.get(reverse(name)).status_code == 404
    denied = AccessLogEntry.objects.filter(user_id=user.pk, action="denied")
    assert denied.count() == 4


def test_the_read_is_logged_once_without_names(dash_world, login):
    w = dash_world
    client = login(w.dorte)  # the login has its own entry
    since = AccessLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    client.get(reverse("insights:dashboard"), {"by": "intervention", "team": w.team_nord.pk})
    entries = list(AccessLogEntry.objects.filter(user_id=w.dorte.pk, seq__gt=since))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "list" and entry.object_type == "dashboard"
    assert entry.detail["by"] == "intervention" and entry.detail["team"] == w.team_nord.pk
    assert entry.detail["n_series"] == 7
    assert "Barn" not in str(entry.detail)


def _analyst_pages(client, world):
    pages = []
    for by in ("team", "intervention", "age_group", "rater", "period"):
        pages.append(client.get(reverse("insights:dashboard"), {"by": by}))
        pages.append(client.get(reverse("insights:dashboard_csv"), {"by": by}))
    rows = pages[0].context["rows"]
    keys = [r.key for r in rows]
    pages.append(client.get(reverse("insights:dashboard"),
                            {"by": "team", "a": keys[0], "b": keys[-1]}))
    pages.append(client.get(reverse("insights:fit_use")))
    return pages


def _pdf_text(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        return subprocess.run(["pdftotext", f.name, "-"], capture_output=True,  # noqa: S603,S607
                              text=True, check=True).stdout


def test_analyst_pages_are_pseudonymised(dash_world, login):
    w = dash_world
    from fokus.cases.models import Case, Person

    Person.objects.filter(pk=w.nord_children[0].pk).update(cpr="0707614285")
    client = login(w.ali)
    pages = _analyst_pages(client, w)
    assert all(p.status_code == 200 for p in pages)
    pdf = client.get(reverse("insights:report_pdf"))
    assert pdf.status_code == 200
    texts = [p.content.decode("utf-8-sig") for p in pages] + [_pdf_text(pdf.content)]
    names = set()
    for p in Person.objects.all():
        names |= {p.first_name, p.last_name} - {""}
    for u in (w.anna, w.bo, w.lise, w.dorte):
        names |= {u.first_name, u.last_name, u.get_full_name()} - {""}
    references = set(Case.objects.values_list("reference", flat=True))
    families = set(Case.objects.values_list("family_name", flat=True))
    for text in texts:
        for word in names | references | families | {"0707614285", "070761-4285"}:
            assert not re.search(rf"\b{re.escape(word)}\b", text), word
        assert not re.search(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b", text)
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)
    assert pages[0].context["dash"].pseudonymised
    assert AccessLogEntry.objects.filter(user_id=w.ali.pk, action="list",
                                         detail__pseudonymised=True).exists()


def test_comparison_warns_when_n_is_small(dash_world, login):
    w = dash_world
    response = login(w.dorte).get(reverse("insights:dashboard"),
                                  {"by": "team", "a": w.team_nord.pk, "b": w.team_syd.pk})
    comparison = response.context["comparison"]
    assert comparison.suppressed
    assert "kan ikke sammenlignes" in response.content.decode()


def test_a_bounded_number_of_queries(dash_world, login):
    """A read of kept figures and a read after new ratings (which rebuilds the changed
    cases' series) each cost the same number of queries, however many cases changed."""
    w = dash_world
    client = login(w.dorte)
    url = reverse("insights:dashboard")
    client.get(url)  # warm: session, sites, the organisation's series
    with CaptureQueriesContext(connection) as kept:
        client.get(url, {"by": "intervention"})
    add_cases(w, w.team_syd, w.bo, 1, "bl32_3", "X")
    with CaptureQueriesContext(connection) as one_new:
        client.get(url, {"by": "intervention"})
    add_cases(w, w.team_syd, w.bo, 5, "bl32_3", "Y")
    with CaptureQueriesContext(connection) as five_new:
        client.get(url, {"by": "intervention"})
    with CaptureQueriesContext(connection) as kept_again:
        client.get(url, {"by": "intervention"})
    assert len(kept) == len(kept_again) <= 16
    assert len(one_new) == len(five_new) <= 30
    assert five_new.captured_queries != kept_again.captured_queries


def test_a_name_that_looks_like_a_formula_is_text_in_the_csv_and_the_xlsx(dash_world, login):
    """CSV injection: a team typed as "=HYPERLINK(...)" never runs as a formula."""
    from io import BytesIO

    from openpyxl import load_workbook

    w = dash_world
    w.team_nord.name = '=HYPERLINK("http://evil.example","x")'
    w.team_nord.save()
    import csv

    text = login(w.dorte).get(reverse("insights:dashboard_csv"), {"by": "team"}
                              ).content.decode("utf-8-sig")
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    assert ["'" + w.team_nord.name] == [row[0] for row in rows if "HYPERLINK" in row[0]]
    assert not any(cell.startswith("=") for row in rows for cell in row)
    book = load_workbook(BytesIO(login(w.dorte).get(reverse("insights:dashboard_xlsx"),
                                                    {"by": "team"}).content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert any(cell.value == "'" + w.team_nord.name for cell in cells)
    assert not any(cell.data_type == "f" for cell in cells)
    # A number stays a number.
    assert next(row for row in rows if "HYPERLINK" in row[0])[1] == "7"


def test_safe_cell_leaves_numbers_and_plain_text_alone():
    from decimal import Decimal

    from fokus.lib.spreadsheet import safe_cell

    assert safe_cell(-0.3) == -0.3 and safe_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert safe_cell("-0,3") == "-0,3" and safe_cell("+12") == "+12"
    assert safe_cell("Team Nord") == "Team Nord" and safe_cell(None) == ""
    for risky in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
