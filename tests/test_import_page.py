"""The import page (issue 13, point 3) with Django's test client: a team leader uploads a
spreadsheet of historical ratings (Danish headers, semicolons, decimal commas), maps its
columns, sees every bad row before anything is stored, fixes the file and imports it;
importing it again adds nothing. Who may, and a job that is not one's own, refused."""

import datetime

import pytest
from django.urls import reverse

from fokus.accounts.models import Role, User
from fokus.audit.models import AccessAction, AccessLogEntry
from fokus.cases.models import Case, Team, Unit
from fokus.instruments.actions import create_organisation
from fokus.interchange import forms as interchange_forms
from fokus.interchange.actions import delete_expired_jobs
from fokus.interchange.models import ImportJob
from fokus.ratings.models import Rating
from tests.conftest import PASSWORD, years_ago

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HEADER = "Sagsnr;Person;Bedømmer;Fødselsdato;Skema;Dato;Spm1;Spm2;Spm3;Spm4"


def spreadsheet(*, bad: bool) -> bytes:
    """Two cases, a child (CORS) and a mother (ORS) rating twice, as Danish Excel saves
    CSV. bad: line 3 has a line above 10 and line 6 an instrument Fokus does not know."""
    child, mother = years_ago(10).isoformat(), years_ago(38).isoformat()
    rows = [
        HEADER,
        f"IMP-1;barn1;barn1;{child};CORS;2024-01-10;4,5;5;6,2;3",
        f"IMP-1;barn1;barn1;{child};CORS;2024-02-07;{'12' if bad else '5,5'};6;7;4,1",
        f"IMP-1;mor1;mor1;{mother};ORS;2024-01-10;3;3,5;4;2",
        f"IMP-1;mor1;mor1;{mother};ORS;2024-02-07;5;5;5,5;4",
        f"IMP-2;barn2;barn2;{child};{'XYZ' if bad else 'CORS'};2024-03-01;2;2;2;2",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE


def upload(client, content: bytes, team, name="maalinger.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("interchange:import_upload"),
                       {"file": SimpleUploadedFile(name, content), "team": team.pk})


def job_of(response) -> ImportJob:
    assert response.status_code == 302, getattr(response, "context", None) and \
        response.context["form"].errors
    job_id = response["Location"].rstrip("/").split("/")[-2]
    return ImportJob.objects.get(pk=job_id)


def confirm_mapping(client, job):
    """Takes the columns the page preselected, as a user who checks and confirms them."""
    page = client.get(reverse("interchange:import_mapping", kwargs={"job_id": job.pk}))
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in interchange_forms.FORMAT_COLUMN_NAMES}
    return client.post(reverse("interchange:import_mapping", kwargs={"job_id": job.pk}), data)


def test_bad_rows_reported_nothing_stored_then_the_fixed_file_imported(world, client,
                                                                       immediate):
    client.force_login(world.lise)
    cases, ratings = Case.objects.count(), Rating.objects.count()

    job = job_of(upload(client, spreadsheet(bad=True), world.team_nord))
    assert job.kind == "csv" and job.header[0] == "Sagsnr"
    mapping = client.get(reverse("interchange:import_mapping", kwargs={"job_id": job.pk}))
    form = mapping.context["form"]
    # The Danish headers are recognised and preselected; the explanation is in Danish.
    assert form["case_id"].value() == "Sagsnr" and form["date"].value() == "Dato"
    assert form["item1"].value() == "Spm1" and form["total"].value() in ("", None)
    assert "Ratings with the same number" not in mapping.content.decode()

    saved = confirm_mapping(client, job)
    assert saved["Location"] == reverse("interchange:import_preview", kwargs={"job_id": job.pk})
    preview = client.get(saved["Location"])
    errors = preview.context["errors"]
    assert sorted(e["line"] for e in errors) == [3, 6], errors
    assert all(e["reason"] for e in errors)
    assert reverse("interchange:import_start", kwargs={"job_id": job.pk}) not in preview.content.decode()
    # Forcing the import of the bad file stores nothing and queues nothing.
    start = client.post(reverse("interchange:import_start", kwargs={"job_id": job.pk}))
    assert start["Location"] == reverse("interchange:import_preview", kwargs={"job_id": job.pk})
    job.refresh_from_db()
    assert job.state == ImportJob.State.UPLOADED
    assert (Case.objects.count(), Rating.objects.count()) == (cases, ratings)

    fixed = job_of(upload(client, spreadsheet(bad=False), world.team_nord))
    confirm_mapping(client, fixed)
    preview = client.get(reverse("interchange:import_preview", kwargs={"job_id": fixed.pk}))
    assert preview.context["errors"] == []
    assert preview.context["counts"]["ratings_new"] == 5
    assert preview.context["counts"]["cases_new"] == 2
    assert "Importér 5 målinger" in preview.content.decode()
    assert Rating.objects.count() == ratings  # the preview stores nothing

    start = client.post(reverse("interchange:import_start", kwargs={"job_id": fixed.pk}))
    progress = client.get(start["Location"])
    assert progress.context["status"]["state"] == "done"
    assert progress.context["status"]["percent"] == 100
    assert Rating.objects.count() == ratings + 5
    assert Case.objects.count() == cases + 2
    fixed.refresh_from_db()
    assert bytes(fixed.content) == b""  # the file is not kept once imported
    status = client.get(reverse("interchange:import_status", kwargs={"job_id": fixed.pk})).json()
    assert status["finished"] and status["percent"] == 100

    # The same file again: nothing to add, and the page says so.
    again = job_of(upload(client, spreadsheet(bad=False), world.team_nord))
    confirm_mapping(client, again)
    preview = client.get(reverse("interchange:import_preview", kwargs={"job_id": again.pk}))
    assert preview.context["counts"]["ratings_new"] == 0
    assert preview.context["counts"]["ratings_already_there"] == 5
    assert "allerede" in preview.content.decode()
    assert Rating.objects.count() == ratings + 5


def test_english_report(world, client):
    client.force_login(world.lise)
    client.cookies.load({"django_language": "en"})
    job = job_of(upload(client, spreadsheet(bad=True), world.team_nord))
    confirm_mapping(client, job)
    preview = client.get(reverse("interchange:import_preview", kwargs={"job_id": job.pk}),
                         HTTP_ACCEPT_LANGUAGE="en")
    assert "rows cannot be taken" in preview.content.decode()


def test_mapping_needs_the_required_columns_once(world, client):
    client.force_login(world.lise)
    job = job_of(upload(client, spreadsheet(bad=False), world.team_nord))
    data = {name: "" for name in interchange_forms.FORMAT_COLUMN_NAMES}
    data.update(case_id="Sagsnr", person_id="Person", rater_id="Person", instrument="Skema",
                date="Dato")
    refused = client.post(reverse("interchange:import_mapping", kwargs={"job_id": job.pk}), data)
    assert refused.status_code == 200 and refused.context["form"].errors
    data.pop("date")
    assert client.post(reverse("interchange:import_mapping", kwargs={"job_id": job.pk}),
                       data).status_code == 200
    job.refresh_from_db()
    assert job.mapping == {}


@pytest.mark.parametrize(("content", "name"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "billede.csv"),   # a picture called .csv
    (HEADER.encode() + b"\r\n", "maalinger.xlsx"),          # text called .xlsx
    (b"", "tom.csv"),
])
def test_a_file_is_judged_by_its_content(world, client, content, name):
    client.force_login(world.lise)
    response = upload(client, content, world.team_nord, name=name)
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_a_file_over_the_limit_is_refused(world, client, monkeypatch):
    monkeypatch.setattr(interchange_forms, "MAX_BYTES", 100)
    client.force_login(world.lise)
    response = upload(client, spreadsheet(bad=False), world.team_nord)
    assert "MB" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_an_xlsx_workbook_is_read(world, client):
    import io

    from openpyxl import Workbook

    book = Workbook()
    for line in spreadsheet(bad=False).decode().splitlines():
        book.active.append(line.split(";"))
    out = io.BytesIO()
    book.save(out)
    client.force_login(world.lise)
    job = job_of(upload(client, out.getvalue(), world.team_nord, name="maalinger.xlsx"))
    assert job.kind == "xlsx" and job.header[:2] == ["Sagsnr", "Person"]
    confirm_mapping(client, job)
    preview = client.get(reverse("interchange:import_preview", kwargs={"job_id": job.pk}))
    assert preview.context["errors"] == [] and preview.context["counts"]["ratings_new"] == 5


@pytest.mark.parametrize("persona", ["anna", "bo", "dorte", "ali", "admin"])
def test_only_team_leaders_and_fit_superusers_import(world, client, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("interchange:import_upload")).status_code == 404
    assert upload(client, spreadsheet(bad=False), world.team_nord).status_code == 404
    assert not ImportJob.objects.exists()
    assert AccessLogEntry.objects.filter(username=persona, action=AccessAction.DENIED,
                                         object_type="import").exists()


def test_a_team_leader_imports_for_his_own_teams_a_fit_superuser_for_any(world, client):
    client.force_login(world.lise)
    page = client.get(reverse("interchange:import_upload"))
    assert list(page.context["form"].fields["team"].queryset) == [world.team_nord]
    refused = upload(client, spreadsheet(bad=False), world.team_syd)
    assert refused.status_code == 200 and refused.context["form"].errors["team"]
    karen = User.objects.create_user("karen", password=PASSWORD, organisation=world.org,
                                     role=Role.FIT_SUPERUSER)
    client.force_login(karen)
    assert job_of(upload(client, spreadsheet(bad=False), world.team_syd)).team == world.team_syd


def test_another_organisations_job_is_refused_and_logged(world, client):
    other = create_organisation("Andenkommune", settings_valid_from=datetime.date(2000, 1, 1))
    team = Team.objects.create(unit=Unit.objects.create(organisation=other, name="Afd"),
                               name="Team Øst")
    leader = User.objects.create_user("ole", organisation=other, role=Role.TEAM_LEADER)
    leader.teams.set([team])
    client.force_login(leader)
    theirs = job_of(upload(client, spreadsheet(bad=False), team))
    # Another user of the same organisation does not open it either.
    colleague = job_of(upload(client, spreadsheet(bad=False), team))

    client.force_login(world.lise)
    for name in ("import_mapping", "import_preview", "import_progress", "import_status"):
        assert client.get(reverse(f"interchange:{name}",
                                  kwargs={"job_id": theirs.pk})).status_code == 404
    assert client.post(reverse("interchange:import_start",
                               kwargs={"job_id": theirs.pk})).status_code == 404
    assert AccessLogEntry.objects.filter(username="lise", action=AccessAction.DENIED,
                                         object_id=str(theirs.pk)).count() == 5
    karen = User.objects.create_user("karen", organisation=other, role=Role.FIT_SUPERUSER)
    client.force_login(karen)
    assert client.get(reverse("interchange:import_preview",
                              kwargs={"job_id": colleague.pk})).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == ImportJob.State.UPLOADED and theirs.mapping == {}


def test_jobs_are_deleted_after_a_day(world, client):
    client.force_login(world.lise)
    old = job_of(upload(client, spreadsheet(bad=False), world.team_nord))
    new = job_of(upload(client, spreadsheet(bad=False), world.team_nord))
    ImportJob.objects.filter(pk=old.pk).update(
        created_at=old.created_at - datetime.timedelta(days=1, minutes=1))
    assert delete_expired_jobs() == 1
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [new.pk]
    assert client.get(reverse("interchange:import_preview",
                              kwargs={"job_id": old.pk})).status_code == 404


def test_the_menu_links_the_import_page_for_those_who_may(world, client):
    client.force_login(world.lise)
    assert reverse("interchange:import_upload") in client.get(
        reverse("insights:case_list")).content.decode()
    client.force_login(world.anna)
    assert reverse("interchange:import_upload") not in client.get(
        reverse("insights:case_list")).content.decode()


def test_the_progress_statement_names_the_job_table():
    from fokus.interchange.tasks import PROGRESS_SQL

    assert f"UPDATE {ImportJob._meta.db_table} " in PROGRESS_SQL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_from_outside_while_the_import_s_transaction_runs(world):
    """The worker's import holds one transaction; the page reads the progress from
    another connection meanwhile."""
    from django.db import DEFAULT_DB_ALIAS, connections, transaction

    from fokus.interchange.tasks import _Progress

    job = ImportJob.objects.create(organisation=world.org, team=world.team_nord,
                                   created_by=world.lise, kind="csv", content=b"x")
    reader = connections.create_connection(DEFAULT_DB_ALIAS)
    progress = _Progress(job.pk)
    try:
        with transaction.atomic():
            progress(3000, 9000)
            with reader.cursor() as cursor:
                cursor.execute("SELECT progress_done, progress_total FROM "
                               "interchange_importjob WHERE id = %s", [job.pk])
                assert cursor.fetchone() == (3000, 9000)
    finally:
        progress.close()
        reader.close()


def test_the_worker_task_deletes_the_expired_files(world, immediate):
    from fokus.interchange.tasks import delete_expired_import_files

    old = ImportJob.objects.create(organisation=world.org, team=world.team_nord,
                                   created_by=world.lise, kind="csv", content=b"x")
    ImportJob.objects.filter(pk=old.pk).update(
        created_at=old.created_at - datetime.timedelta(days=2))
    assert delete_expired_import_files.enqueue().return_value == 1
    assert not ImportJob.objects.exists()
    assert AccessLogEntry.objects.filter(action=AccessAction.DELETE, object_type="import").exists()
