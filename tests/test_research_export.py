"""The pseudonymised research export (issue 11, point 9)."""

import csv
import datetime
import io
import re
import zipfile

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.privacy import actions, research
from fokus.privacy.models import ResearchProject
from tests.conftest import years_ago


def _day(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def rated(world):
    """Hansen: Mikkel (child) and Sara (mother) rated at three meetings 30 days apart;
    Berg: Emil rated twice."""
    for n, ago in enumerate((90, 60, 30)):
        world.rate(world.child, "CORS", [2 + n, 3, 4, 5], on=_day(ago))
        world.rate(world.mother, "ORS", [4, 4 + n, 5, 6], on=_day(ago))
        world.rate(world.child, "CORS", [3, 3, 3, 3 + n], on=_day(ago), rater=world.mother)
    for ago in (40, 10):
        world.rate(world.berg_child, "CORS", [5, 5, 5, 5], on=_day(ago), user=world.bo)
    Person = type(world.child)
    Person.objects.filter(pk=world.child.pk).update(cpr="0101151234")
    return world


def _project(world, name="Trivsel 2026"):
    return actions.save_research_project(world.admin, ResearchProject(
        organisation=world.org, name=name, purpose="Følgeforskning"))


def _rows(download) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        return list(csv.DictReader(io.StringIO(archive.read("ratings.csv").decode())))


def test_the_file_has_pseudonyms_ages_and_no_identifying_data(rated):
    project = _project(rated)
    download = research.download_for_user(rated.ali, project.pk)
    rows = _rows(download)
    assert download.n_rows == len(rows) == 11
    assert list(rows[0]) == research.COLUMNS
    assert "birth_date" not in rows[0]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        raw = b"".join(archive.read(n) for n in archive.namelist()).decode()
        dictionary = list(csv.DictReader(io.StringIO(archive.read("data_dictionary.csv")
                                                     .decode())))
    # The data dictionary names every column.
    assert [d["column"] for d in dictionary] == research.COLUMNS
    assert all(d["description"] for d in dictionary)
    for person in (rated.child, rated.mother, rated.berg_child):
        assert person.first_name not in raw
        assert not person.last_name or person.last_name not in raw
        assert person.birth_date.isoformat() not in raw
    for secret in ("0101151234", "010115", "Hansen", "Familien", "2025-0001"):
        assert secret not in raw
    # No Fokus id where a pseudonym belongs.
    ids = {str(p.pk) for p in (rated.child, rated.mother, rated.berg_child)}
    for row in rows:
        assert re.fullmatch(r"[0-9A-F]{12}", row["person_id"])
        assert re.fullmatch(r"[0-9A-F]{12}", row["case_id"])
        assert row["person_id"] not in ids
    # A self-rating's rater is the person; the mother's rating of her son is hers.
    assert sum(r["rater_id"] == r["person_id"] for r in rows) == 8
    assert len({r["rater_id"] for r in rows} - {r["person_id"] for r in rows}) == 0
    # Age at intake instead of the birth date.
    child = research.project_pseudonym(project.secret, "person", rated.child.pk)
    mother = research.project_pseudonym(project.secret, "person", rated.mother.pk)
    # Born 10 and 38 years ago today; the first rating was 90 days ago.
    assert {r["age_at_intake"] for r in rows if r["person_id"] == child} == {"9"}
    assert {r["age_at_intake"] for r in rows if r["person_id"] == mother} == {"37"}


def test_stable_within_a_project_and_unlinkable_across_projects(rated):
    first, second = _project(rated), _project(rated, "Et andet projekt")
    a = _rows(research.download_for_user(rated.ali, first.pk))
    b = _rows(research.download_for_user(rated.ali, first.pk))
    assert a == b
    other = _rows(research.download_for_user(rated.ali, second.pk))
    assert {r["person_id"] for r in a}.isdisjoint({r["person_id"] for r in other})
    assert {r["case_id"] for r in a}.isdisjoint({r["case_id"] for r in other})


def test_dates_shifted_per_person_with_true_intervals(rated):
    project = _project(rated)
    rows = _rows(research.download_for_user(rated.ali, project.pk))
    true_days = [_day(90), _day(60), _day(30)]
    for person in (rated.child, rated.mother):
        code = research.project_pseudonym(project.secret, "person", person.pk)
        days = sorted({datetime.date.fromisoformat(r["date"]) for r in rows
                       if r["person_id"] == code})
        assert len(days) == 3
        assert [(d - days[0]).days for d in days] == [0, 30, 60]  # intervals kept
        shift = (days[0] - true_days[0]).days
        assert shift == research.day_offset(project.secret, person.pk)
        assert 1 <= abs(shift) <= 180
        assert not set(days) & set(true_days)  # no true date
    assert (research.day_offset(project.secret, rated.child.pk)
            != research.day_offset(project.secret, rated.mother.pk))


def test_offsets_are_never_zero_and_within_bounds():
    offsets = [research.day_offset("s3cret", n) for n in range(2000)]
    assert 0 not in offsets
    assert min(offsets) == -180 and max(offsets) == 180


def test_every_download_is_logged_with_project_and_rows(rated):
    project = _project(rated)
    research.download_for_user(rated.ali, project.pk)
    entry = AccessLogEntry.objects.filter(purpose="research export").get()
    assert entry.user_id == rated.ali.pk and entry.action == "list"
    assert entry.detail["research_project_id"] == project.pk
    assert entry.detail["n_rows"] == 11 and entry.detail["pseudonymised"] is True
    assert entry.detail["person_ids"] == sorted(
        [rated.child.pk, rated.mother.pk, rated.berg_child.pk])
    created = AccessLogEntry.objects.get(object_type="research_project", action="create")
    assert created.user_id == rated.admin.pk


@pytest.mark.parametrize("persona", ["anna", "lise", "bo", "dorte", "admin"])
def test_other_roles_are_refused_and_logged(rated, persona):
    project = _project(rated)
    user = getattr(rated, persona)
    with pytest.raises(Http404):
        research.download_for_user(user, project.pk)
    with pytest.raises(Http404):
        research.list_projects_for_user(user)
    assert AccessLogEntry.objects.filter(user_id=user.pk, action="denied").count() == 2
    assert not AccessLogEntry.objects.filter(purpose="research export", action="list").exists()


def test_inactive_or_foreign_projects_are_refused(rated):
    from fokus.instruments.actions import create_organisation

    other = create_organisation("Andenkommune", settings_valid_from=datetime.date(2000, 1, 1))
    foreign = ResearchProject.objects.create(organisation=other, name="X", purpose="Y")
    closed = _project(rated)
    closed.active = False
    actions.save_research_project(rated.admin, closed)
    for project in (foreign, closed):
        with pytest.raises(Http404):
            research.download_for_user(rated.ali, project.pk)


def test_pages(rated, login):
    project = _project(rated)
    client = login(rated.ali)
    page = client.get(reverse("privacy:research_projects"))
    assert page.status_code == 200
    assert "Dataudtræk til forskning" in page.content.decode()  # Danish by default
    assert project.name.encode() in page.content and b"age_at_intake" in page.content
    response = client.get(reverse("privacy:research_download",
                                  kwargs={"project_id": project.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == [
        "ratings.csv", "data_dictionary.csv"]
    client = login(rated.anna)
    assert client.get(reverse("privacy:research_projects")).status_code == 404
    assert client.get(reverse("privacy:research_download",
                              kwargs={"project_id": project.pk})).status_code == 404


def test_project_secret_is_not_in_the_log_or_the_admin(rated, login):
    project = _project(rated)
    for entry in AccessLogEntry.objects.all():
        assert project.secret not in str(entry.detail)
    page = login(rated.admin).get(reverse("admin:privacy_researchproject_change",
                                          args=[project.pk]))
    assert page.status_code == 200 and project.secret.encode() not in page.content


# ---------------------------------------------------------------------------
# The analyst's pages show no exact date (issue 11, point 9).

ANALYST_PAGES = ("insights:case_list", "insights:dashboard", "insights:fit_use",
                 "insights:dashboard_csv", "privacy:research_projects")


def _exact_dates(text: str, days) -> list[str]:
    """Every way a page might write one of these days exactly."""
    from django.utils import formats, translation

    found = []
    for day in days:
        forms = {day.isoformat(), f"{day:%d.%m.%Y}", f"{day:%d-%m-%Y}", f"{day:%d/%m/%Y}",
                 f"{day.day}.{day.month}.{day.year}", f"{day:%d.%m.%y}"}
        for lang in ("da", "en"):
            with translation.override(lang):
                forms |= {formats.date_format(day, f) for f in
                          ("DATE_FORMAT", "SHORT_DATE_FORMAT")}
        found += [f for f in forms if f in text]
    return found


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_analysts_pages_show_no_exact_date(rated, login, lang):
    from django.db.models import Min

    from fokus.cases.models import Case

    case_actions.close_case(rated.anna, rated.hansen, closed_on=_day(5))
    _project(rated)
    days = set(Case.objects.values_list("opened_on", flat=True))
    days |= set(Case.objects.exclude(closed_on=None).values_list("closed_on", flat=True))
    days |= {_day(n) for n in (90, 60, 40, 30, 10)}  # the ratings' days
    days |= {years_ago(10), years_ago(38), years_ago(15), years_ago(8)}
    assert Case.objects.aggregate(first=Min("opened_on"))["first"] in days
    client = login(rated.ali)
    client.cookies["django_language"] = lang
    for name in ANALYST_PAGES:
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200, name
        text = response.content.decode("utf-8-sig")
        assert _exact_dates(text, days) == [], name
    # The files an analyst may take: the quarterly report (PDF) and the spreadsheet.
    from openpyxl import load_workbook
    from pypdf import PdfReader

    report = client.get(reverse("insights:report_pdf"))
    assert report.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(report.content)).pages)
    assert _exact_dates(text, days) == []
    sheet = client.get(reverse("insights:dashboard_xlsx"))
    assert sheet.status_code == 200
    values = [c.value for ws in load_workbook(io.BytesIO(sheet.content)).worksheets
              for r in ws.iter_rows() for c in r if c.value is not None]
    assert _exact_dates(" ".join(map(str, values)), days) == []
    assert not [v for v in values if isinstance(v, datetime.date)
                and (v.date() if isinstance(v, datetime.datetime) else v) in days]
    # The list still says when, by month.
    page = client.get(reverse("insights:case_list")).content.decode()
    month = formats.date_format(rated.hansen.opened_on, "YEAR_MONTH_FORMAT")
    assert month in page


def test_the_admin_creates_a_project_through_the_action(rated, login):
    client = login(rated.admin)
    response = client.post(reverse("admin:privacy_researchproject_add"), {
        "organisation": rated.org.pk, "name": "Tidlig indsats", "purpose": "Effekt",
        "active": "on"})
    assert response.status_code == 302
    project = ResearchProject.objects.get(name="Tidlig indsats")
    assert project.created_by == rated.admin and len(project.secret) == 64
    entry = AccessLogEntry.objects.get(object_type="research_project", action="create")
    assert entry.object_id == str(project.pk) and project.secret not in str(entry.detail)
