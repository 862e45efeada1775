"""Exports (issue 13, point 5): `fokus export ratings` as CSV and XLSX; export, import
into an empty organisation, export again gives the same file; no cell starts a formula."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from fokus.cases import actions as case_actions
from tests.conftest import years_ago


@pytest.fixture
def rated(world):
    day1 = timezone.localdate() - datetime.timedelta(days=30)
    day2 = timezone.localdate() - datetime.timedelta(days=2)
    world.rate(world.teen, "ORS", [4.2, 5, 6.1, 3.3], on=day1)
    world.rate(world.teen, "SRS", [9, 9.5, 8.8, 10], on=day1)
    world.rate(world.teen, "ORS", [6.2, 6, 7.1, 5.3], on=day2)
    world.rate(world.child, "CORS", [3, 4, 5, 6.6], rater=world.mother, on=day1)
    world.rate(world.child, "CORS", [7, 7, 7, 7], on=day2)
    world.rate(world.berg_child, "CORS", [1, 2.5, 3, 4], user=world.bo)
    toddler = case_actions.add_person(world.anna, world.hansen, first_name="Lille",
                                      role="child", birth_date=years_ago(4))
    world.rate(toddler, "YCORS", [2])
    return world


@pytest.fixture
def empty(world):
    from fokus.cases.models import Team, Unit
    from fokus.instruments.actions import create_organisation
    from fokus.instruments.models import InstrumentLicence

    org = create_organisation("Tomkommune", settings_valid_from=datetime.date(2000, 1, 1))
    team = Team.objects.create(unit=Unit.objects.create(organisation=org, name="Familie"),
                               name="Team Tom")
    InstrumentLicence.objects.create(organisation=org, family="ors", licensee="Tomkommune",
                                     valid_from=datetime.date(2000, 1, 1))
    return org, team


def export(org, path, **options):
    call_command("export", "ratings", organisation=org.name, output=str(path),
                 columns="format", stdout=io.StringIO(), **options)


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_import_export_gives_the_same_file(rated, empty, tmp_path, suffix):
    from fokus.ratings.models import Rating

    org, team = empty
    first, second = tmp_path / f"first.{suffix}", tmp_path / f"second.{suffix}"
    export(rated.org, first)
    call_command("import", str(first), organisation=org.name, team=team.name,
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert Rating.objects.filter(case__organisation=org).count() == 7
    export(org, second)
    if suffix == "csv":
        assert first.read_text() == second.read_text()
        assert first.read_text().count("\n") == 8  # the header and 7 ratings
    else:
        from openpyxl import load_workbook

        def cells(path):
            return [list(r) for r in load_workbook(path, read_only=True).active
                    .iter_rows(values_only=True)]

        assert cells(first) == cells(second) and len(cells(first)) == 8
    # And a third time into the same organisation: nothing added.
    call_command("import", str(second), organisation=org.name, team=team.name,
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert Rating.objects.filter(case__organisation=org).count() == 7


@pytest.mark.django_db
def test_scopes_a_team_and_a_case(rated, tmp_path):
    out = tmp_path / "team.csv"
    export(rated.org, out, team=rated.hansen.team.name)
    assert rated.berg.reference not in out.read_text()
    export(rated.org, out, case=rated.berg.reference)
    lines = out.read_text().splitlines()
    assert len(lines) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_no_cell_starts_a_formula(rated, empty, tmp_path, suffix):
    """An imported id that starts like a formula is written as text."""
    org, team = empty
    source = tmp_path / "formula.csv"
    day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    born = years_ago(15).isoformat()
    source.write_text("case_id,person_id,rater_id,birth_date,instrument,date,item1,item2,"
                      f"item3,item4,total\n=HYPERLINK(1),@P,+R,{born},ORS,{day},1,2,3,4,10\n"
                      f"=HYPERLINK(1),@P,@P,{born},SRS,{day},1,2,3,4,10\n")
    call_command("import", str(source), organisation=org.name, team=team.name,
                 stdout=io.StringIO(), stderr=io.StringIO())
    out = tmp_path / f"out.{suffix}"
    export(org, out)
    if suffix == "csv":
        cells = [c for line in out.read_text().splitlines() for c in line.split(",")]
    else:
        from openpyxl import load_workbook

        cells = [str(c) for r in load_workbook(out, read_only=True).active
                 .iter_rows(values_only=True) for c in r if c is not None]
    assert "'=HYPERLINK(1)" in cells and "'@P" in cells and "'+R" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]


@pytest.mark.django_db
def test_the_case_page_links_its_ratings_file(rated, login):
    from django.urls import reverse

    from fokus.audit.models import AccessLogEntry

    client = login(rated.anna)
    page = client.get(reverse("insights:case", kwargs={"case_id": rated.hansen.pk}))
    url = reverse("interchange:case_ratings", kwargs={"case_id": rated.hansen.pk, "fmt": "csv"})
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert len(lines) == 7  # the header and Hansen's six ratings
    assert all(line.startswith(rated.hansen.reference + ",") for line in lines[1:])
    entry = AccessLogEntry.objects.filter(purpose="ratings download", action="list").get()
    assert entry.detail["case_ids"] == [rated.hansen.pk]
    xlsx = client.get(url.replace(".csv", ".xlsx"))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert client.get(url.replace(".csv", ".pdf")).status_code == 404


@pytest.mark.django_db
def test_the_department_head_gets_no_organisation_file(rated, login):
    from django.urls import reverse

    from fokus.audit.models import AccessLogEntry

    url = reverse("interchange:organisation_ratings", kwargs={"fmt": "csv"})
    assert login(rated.dorte).get(url).status_code == 404
    assert AccessLogEntry.objects.filter(username=rated.dorte.username, action="denied").exists()
    from fokus.accounts.models import Role, User

    karen = User.objects.create_user("karen", organisation=rated.org, role=Role.FIT_SUPERUSER)
    response = login(karen).get(url)
    assert response.status_code == 200
    assert len(response.content.decode().splitlines()) == 8
