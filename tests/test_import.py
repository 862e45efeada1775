"""Import of historical ratings (issue 13, point 3): the import core
(fokus.interchange.imports) and `fokus import`."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from fokus.interchange.imports import check_import, read_file, run_import

HEADER = "case_id,person_id,rater_id,birth_date,instrument,date,item1,item2,item3,item4,total\n"


def day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def born(years: int) -> str:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=1).isoformat()


def good_file() -> str:
    """Two cases: a teenager's ORS and SRS at two meetings, a mother rating her younger
    child's CORS, the child's own CORS; a second family's ORS."""
    return HEADER + "".join([
        f"S-100,T1,T1,{born(15)},ORS,{day(60)},4.2,5.0,6.1,3.3,18.6\n",
        f"S-100,T1,T1,{born(15)},SRS,{day(60)},9.0,9.5,8.8,10.0,37.3\n",
        f"S-100,T1,T1,{born(15)},ORS,{day(30)},6.2,6.0,7.1,5.3,24.6\n",
        f"S-100,C2,M1,{born(9)},CORS,{day(30)},3.0,4.0,5.0,6.6,18.6\n",
        f"S-100,C2,C2,{born(9)},CORS,{day(30)},7.0,7.0,7.0,7.0,28.0\n",
        f"S-200,T9,T9,{born(16)},ORS,{day(10)},1.0,2.5,3.0,4.0,10.5\n",
    ])


@pytest.fixture
def target(world):
    """An organisation with a team and a licence, and its FIT superuser."""
    from fokus.accounts.models import Role, User
    from fokus.cases.models import Team, Unit
    from fokus.instruments.actions import create_organisation
    from fokus.instruments.models import InstrumentLicence

    org = create_organisation("Importkommune", settings_valid_from=datetime.date(2000, 1, 1))
    team = Team.objects.create(unit=Unit.objects.create(organisation=org, name="Familie"),
                               name="Team Import")
    InstrumentLicence.objects.create(organisation=org, family="ors", licensee="Importkommune",
                                     valid_from=datetime.date(2000, 1, 1))
    user = User.objects.create_user("importer", organisation=org, role=Role.FIT_SUPERUSER)
    user.teams.set([team])
    return org, user, team


def read(text: str):
    return read_file(text.encode(), filename="ratings.csv")


def stored(org) -> list[tuple]:
    from fokus.ratings.models import Rating

    rows = []
    for r in (Rating.objects.filter(case__organisation=org)
              .select_related("case", "person", "rater", "instrument", "meeting")
              .prefetch_related("answers__item")):
        answers = tuple(str(a.value) for a in sorted(r.answers.all(), key=lambda a: a.item.position))
        rows.append((r.case.reference, r.person.import_id, r.rater.import_id, r.instrument.code,
                     r.rated_on, answers, str(r.total), r.meeting.held_on == r.rated_on))
    return sorted(rows)


@pytest.mark.django_db
def test_creates_cases_persons_meetings_and_ratings(target):
    from fokus.audit.models import AccessLogEntry
    from fokus.cases.models import Case, Meeting, Person

    org, user, team = target
    result = run_import(user, org, read(good_file()), team=team)
    assert result.errors == []
    assert (result.cases_new, result.persons_new, result.ratings_new,
            result.ratings_already_there) == (2, 4, 6, 0)
    assert set(Case.objects.filter(organisation=org).values_list("reference", "team")) == {
        ("S-100", team.pk), ("S-200", team.pk)}
    persons = {p.import_id: p for p in Person.objects.filter(case__organisation=org)}
    assert set(persons) == {"T1", "C2", "M1", "T9"}
    assert persons["C2"].role == "child" and persons["M1"].role == "other"
    assert persons["M1"].birth_date is None  # a rater the file gives no birth date for
    assert str(persons["C2"].birth_date) == born(9)
    # One held meeting per case and date: S-100 on two days, S-200 on one.
    assert Meeting.objects.filter(case__organisation=org).count() == 3
    rows = stored(org)
    assert len(rows) == 6 and all(on_meeting for *_, on_meeting in rows)
    assert ("S-100", "C2", "M1", "CORS", datetime.date.fromisoformat(day(30)),
            ("3.0", "4.0", "5.0", "6.6"), "18.6", True) in rows
    entry = AccessLogEntry.objects.get(object_type="import")
    assert entry.user_id == user.pk and entry.detail["ratings_new"] == 6


@pytest.mark.django_db
def test_the_same_file_twice_adds_nothing(target):
    from fokus.audit.models import AccessLogEntry
    from fokus.cases.models import Meeting, Person

    org, user, team = target
    run_import(user, org, read(good_file()), team=team)
    before = stored(org)
    again = run_import(user, org, read(good_file()), team=team)
    assert again.errors == []
    assert (again.cases_new, again.persons_new, again.ratings_new,
            again.ratings_already_there) == (0, 0, 0, 6)
    assert stored(org) == before
    assert Person.objects.filter(case__organisation=org).count() == 4
    assert Meeting.objects.filter(case__organisation=org).count() == 3
    assert AccessLogEntry.objects.filter(object_type="import").count() == 2


@pytest.mark.django_db
def test_a_stored_rating_with_other_answers_is_an_error(target):
    org, user, team = target
    run_import(user, org, read(good_file()), team=team)
    changed = good_file().replace("4.2,5.0,6.1,3.3,18.6", "4.3,5.0,6.1,3.3,18.7")
    result = run_import(user, org, read(changed), team=team)
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "A rating with the same case, person, rater, instrument and date is already "
            "stored with other answers.")]
    assert result.ratings_new == 0


@pytest.mark.django_db
def test_bad_rows_store_nothing_and_the_report_is_complete(target):
    from fokus.cases.models import Case, Person
    from fokus.ratings.models import Rating

    org, user, team = target
    text = good_file() + "".join([
        # line 8: a reader error (not a number)
        f"S-300,A,A,{born(15)},ORS,{day(5)},x,5,5,5,\n",
    ])
    result = run_import(user, org, read(text), team=team)
    assert [(e.line, e.column) for e in result.errors] == [(8, "item1")]
    # Database rules: a birth date disagreeing in the file, the age not fitting, future.
    text = good_file() + "".join([
        f"S-100,T1,T1,{born(14)},ORS,{day(5)},5,5,5,5,20\n",     # line 8
        f"S-300,K,K,{born(8)},ORS,{day(5)},5,5,5,5,20\n",        # line 9: ORS at 8
        f"S-300,K,K,{born(8)},CORS,{day(-3)},5,5,5,5,20\n",      # line 10: in the future
    ])
    result = check_import(org, read(text), team=team)
    got = [(e.line, e.column) for e in result.errors]
    assert got == [(8, "birth_date"), (9, "instrument"), (10, "date")]
    assert result.errors[0].params["other"] == 2
    assert result.errors[1].params["age"] == 7 or result.errors[1].params["age"] == 8
    result = run_import(user, org, read(text), team=team)
    assert len(result.errors) == 3
    assert not Case.objects.filter(organisation=org).exists()
    assert not Person.objects.filter(case__organisation=org).exists()
    assert not Rating.objects.filter(case__organisation=org).exists()


@pytest.mark.django_db
def test_database_rules_with_line_numbers(target, world):
    from fokus.instruments.models import InstrumentLicence

    org, user, team = target
    run_import(user, org, read(good_file()), team=team)
    # A stored birth date disagreeing with the file's; the licence ended.
    text = HEADER + f"S-200,T9,T9,{born(12)},ORS,{day(5)},5,5,5,5,20\n"
    result = check_import(org, read(text), team=team)
    assert [(e.line, e.column, e.params.get("stored")) for e in result.errors] == [
        (2, "birth_date", born(16))]
    InstrumentLicence.objects.filter(organisation=org).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=20))
    result = check_import(org, read(good_file()), team=team)
    assert [(e.line, e.column) for e in result.errors] == [(7, "instrument")]
    # New cases need a team.
    result = check_import(org, read(HEADER + f"S-999,A,A,{born(15)},ORS,{day(90)},5,5,5,5,20\n"))
    assert [(e.line, e.column, e.params) for e in result.errors] == [(0, "case_id", {"n": 1})]
    # Another organisation's case of the same number is not this one's.
    assert world.org != org


@pytest.mark.django_db
def test_same_key_twice_in_the_file_with_other_answers(target):
    org, user, team = target
    text = good_file() + f"S-200,T9,T9,{born(16)},ORS,{day(10)},1.0,2.5,3.0,4.1,10.6\n"
    result = check_import(org, read(text), team=team)
    assert [(e.line, e.params) for e in result.errors] == [(8, {"other": 7})]
    same = good_file() + f"S-200,T9,T9,{born(16)},ORS,{day(10)},1.0,2.5,3.0,4.0,10.5\n"
    result = run_import(user, org, read(same), team=team)
    assert result.errors == [] and result.ratings_new == 6
    assert result.ratings_already_there == 1


@pytest.mark.django_db
def test_all_or_nothing_when_the_database_fails(target, monkeypatch):
    from fokus.cases.models import Case
    from fokus.interchange import imports
    from fokus.ratings.models import Rating

    org, user, team = target

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports.RatingAnswer.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        run_import(user, org, read(good_file()), team=team)
    assert not Case.objects.filter(organisation=org).exists()
    assert not Rating.objects.filter(case__organisation=org).exists()


@pytest.mark.django_db
def test_progress_is_reported(target):
    org, user, team = target
    calls = []
    run_import(user, org, read(good_file()), team=team, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (6, 6)


@pytest.mark.django_db
def test_the_command_prints_the_report_and_stores_nothing(target, tmp_path):
    from fokus.ratings.models import Rating

    org, user, team = target
    bad = tmp_path / "bad.csv"
    bad.write_text(good_file() + f"S-300,A,A,{born(15)},ORS,{day(5)},x,5,5,5,\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(bad), organisation=org.name, team=team.name,
                     stdout=out, stderr=err)
    assert "line 8" in out.getvalue() and "item1" in out.getvalue()
    assert not Rating.objects.filter(case__organisation=org).exists()

    good = tmp_path / "good.csv"
    good.write_text(good_file())
    out = io.StringIO()
    call_command("import", str(good), organisation=org.name, team=team.name, dry_run=True,
                 stdout=out, stderr=io.StringIO())
    assert "6 new ratings" in out.getvalue()
    assert not Rating.objects.filter(case__organisation=org).exists()
    call_command("import", str(good), organisation=org.name, team=team.name,
                 stdout=out, stderr=io.StringIO())
    assert Rating.objects.filter(case__organisation=org).count() == 6


@pytest.mark.django_db
def test_a_role_column_gives_the_roles(target):
    from fokus.cases.models import Person

    org, user, team = target
    text = (HEADER.rstrip("\n") + ",role\n"
            + f"S-1,K,K,{born(10)},CORS,{day(5)},5,5,5,5,20,child\n"
            + f"S-1,F,F,{born(40)},SRS,{day(5)},5,5,5,5,20,father\n"
            + f"S-1,X,X,{born(40)},SRS,{day(4)},5,5,5,5,20,king\n")
    result = check_import(org, read(text), team=team)
    assert [(e.line, e.column, e.params["value"]) for e in result.errors] == [(4, "role", "king")]
    run_import(user, org, read(text.replace("king", "")), team=team)
    roles = dict(Person.objects.filter(case__organisation=org).values_list("import_id", "role"))
    assert roles == {"K": "child", "F": "father", "X": "other"}


@pytest.mark.django_db
def test_fhir_files_go_through_the_command_both_ways(world, target, tmp_path):
    from fokus.ratings.models import Rating

    org, user, team = target
    world.rate(world.teen, "ORS", [4.2, 5, 6.1, 3.3],
               on=timezone.localdate() - datetime.timedelta(days=3))
    path = tmp_path / "out.ndjson"
    call_command("export", "fhir", organisation=world.org.name, output=str(path),
                 stdout=io.StringIO())
    out = io.StringIO()
    call_command("import", str(path), organisation=org.name, team=team.name, stdout=out,
                 stderr=io.StringIO())
    assert "1 new ratings" in out.getvalue()
    assert Rating.objects.filter(case__organisation=org).count() == 1
