"""FHIR R4 round trip (issue 13, point 2): export, import into an empty organisation
through the ratings-file import, the same ratings; the same file twice adds nothing."""

import datetime
import io
import json

import pytest
from django.utils import timezone

from fokus.cases import actions as case_actions
from fokus.interchange import fhir
from tests.conftest import years_ago


@pytest.fixture
def rated(world):
    """Hansen: a teenager's ORS and SRS, a mother rating her child with the CORS, the
    child's own CORS, a four-year-old's faces; Berg: a CORS."""
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


def stored_ratings(organisation) -> list[tuple]:
    """Every rating of the organisation as the file's ids see it: (case, person, rater,
    instrument, date, answers, total), sorted."""
    from fokus.ratings.models import Rating

    rows = []
    for r in (Rating.objects.filter(case__organisation=organisation)
              .select_related("case", "person", "rater", "instrument")
              .prefetch_related("answers__item")):
        answers = tuple(str(a.value) for a in sorted(r.answers.all(),
                                                       key=lambda a: a.item.position))
        rows.append((fhir.case_key(r.case), fhir.person_key(r.person), fhir.person_key(r.rater),
                     r.instrument.code, r.rated_on, answers, str(r.total),
                     r.person.birth_date, r.person.role))
    return sorted(rows)


@pytest.fixture
def empty_organisation(world):
    from fokus.accounts.models import Role, User
    from fokus.cases.models import Team, Unit
    from fokus.instruments.actions import create_organisation
    from fokus.instruments.models import InstrumentLicence

    org = create_organisation("Nabokommune", settings_valid_from=datetime.date(2000, 1, 1))
    team = Team.objects.create(unit=Unit.objects.create(organisation=org, name="Familie"),
                               name="Team Øst")
    InstrumentLicence.objects.create(organisation=org, family="ors", licensee="Nabokommune",
                                     valid_from=datetime.date(2000, 1, 1))
    leader = User.objects.create_user("nabo", organisation=org, role=Role.FIT_SUPERUSER)
    leader.teams.set([team])
    return org, leader, team


def import_into(lines, organisation, user, team):
    import inspect

    from fokus.interchange.imports import run_import

    takes_team = "team" in inspect.signature(run_import).parameters
    return fhir.import_ndjson(user, organisation, lines, **({"team": team} if takes_team else {}))


@pytest.mark.django_db
def test_export_import_gives_the_same_ratings_and_twice_adds_nothing(rated, empty_organisation):
    from fokus.ratings.models import Rating

    org, user, team = empty_organisation
    out = io.StringIO()
    fhir.export_organisation(rated.org, out, user=None, include_cpr=False)
    lines = out.getvalue().splitlines()

    result = import_into(lines, org, user, team)
    assert result.errors == []
    assert result.ratings_new == 7 and result.counts()["cases_new"] == 2
    assert stored_ratings(org) == stored_ratings(rated.org)

    again = import_into(lines, org, user, team)
    assert again.errors == [] and again.ratings_new == 0
    assert again.ratings_already_there == 7
    assert Rating.objects.filter(case__organisation=org).count() == 7

    # And out again: the same resources with the same case and person ids, but for the
    # mother's birth date: she only rates (her child), and the ratings file, the import's
    # way in, has a birth date for the person rated only.
    second = io.StringIO()
    fhir.export_organisation(org, second, user=None, include_cpr=False)
    mother = fhir.person_key(rated.mother)
    assert kinds_and_ids(second.getvalue().splitlines(), without_birth=mother) == \
        kinds_and_ids(lines, without_birth=mother)
    assert f'"value":"{mother}"}}],"birthDate"' not in second.getvalue()


def kinds_and_ids(lines: list[str], *, without_birth: str) -> list[tuple]:
    """What a file says without the installation's own resource ids (and one person's
    birth date)."""
    said = []
    for resource in map(json.loads, lines):
        if any(i.get("value") == without_birth for i in resource.get("identifier", [])
               if isinstance(i, dict)):
            resource.pop("birthDate", None)
        identifiers = tuple(sorted((i["system"].rsplit("/", 1)[-1], i["value"])
                                   for i in resource.get("identifier", [])
                                   if isinstance(i, dict)))
        said.append((resource["resourceType"], identifiers, resource.get("birthDate"),
                     resource.get("authored"), json.dumps(resource.get("item"))
                     if resource["resourceType"] == "QuestionnaireResponse" else None))
    return sorted(said)


@pytest.mark.django_db
def test_the_ratings_file_rules_are_reported_on_the_response_lines(rated, empty_organisation):
    from fokus.ratings.models import Rating

    org, user, team = empty_organisation
    out = io.StringIO()
    fhir.export_case(rated.hansen, out, user=None, include_cpr=False)
    lines = out.getvalue().splitlines()
    numbered = list(enumerate(lines, start=1))
    responses = [(n, json.loads(line)) for n, line in numbered
                 if '"QuestionnaireResponse"' in line]
    # An answer above 10 (the reader's rule), and a CORS of the teenager (the database's
    # rule: CORS is for ages 6-12).
    (n_high, high), (n_age, age) = responses[0], responses[1]
    high["item"][0]["answer"] = [{"valueDecimal": 11.5}]
    age["questionnaire"] = age["questionnaire"].replace("/srs|", "/csrs|")
    lines[n_high - 1], lines[n_age - 1] = json.dumps(high), json.dumps(age)
    result = import_into(lines, org, user, team)
    reported = {e.line for e in result.errors}
    assert reported == {n_high}, [str(e) for e in result.errors]
    assert Rating.objects.filter(case__organisation=org).count() == 0
    lines[n_high - 1] = numbered[n_high - 1][1]  # the first fixed: now the age is reported
    result = import_into(lines, org, user, team)
    assert {e.line for e in result.errors} == {n_age}, [str(e) for e in result.errors]
    assert "CSRS" in str(result.errors[0])
    assert Rating.objects.filter(case__organisation=org).count() == 0


@pytest.mark.django_db
def test_the_command_line_round_trip(rated, empty_organisation, tmp_path):
    from django.core.management import call_command

    org, _user, team = empty_organisation
    path = tmp_path / "hansen.ndjson"
    call_command("export", "fhir", "--organisation", rated.org.name, "--output", str(path),
                 stdout=io.StringIO())
    for resource in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        assert fhir.CPR_SYSTEM not in json.dumps(resource)
    out = io.StringIO()
    call_command("import", str(path), "--organisation", org.name, "--team", team.name,
                 stdout=out, stderr=io.StringIO())
    assert "7 new ratings" in out.getvalue()
    assert stored_ratings(org) == stored_ratings(rated.org)


@pytest.mark.django_db
def test_a_source_patient_of_the_same_case_rates_and_of_another_case_is_refused(
        rated, empty_organisation):
    org, user, team = empty_organisation
    out = io.StringIO()
    fhir.export_organisation(rated.org, out, user=None, include_cpr=False)
    resources = [json.loads(line) for line in out.getvalue().splitlines()]
    patients = {fhir.person_key(p): f"Patient/{fhir.patient_id(p.pk)}"
                for p in (rated.mother, rated.berg_child)}
    # The mother's rating of her child with the mother's Patient as its source (no
    # RelatedPerson): still her rating of the child.
    by_mother = next(r for r in resources if r["resourceType"] == "QuestionnaireResponse"
                     and r["source"]["reference"].startswith("RelatedPerson/"))
    by_mother["source"] = {"reference": patients[fhir.person_key(rated.mother)]}
    lines = [json.dumps(r) for r in resources if r["resourceType"] != "RelatedPerson"]
    result = import_into(lines, org, user, team)
    assert result.errors == [] and result.ratings_new == 7
    assert stored_ratings(org) == stored_ratings(rated.org)
    # A child of another case as the source: refused, on that line.
    by_mother["source"] = {"reference": patients[fhir.person_key(rated.berg_child)]}
    lines = [json.dumps(r) for r in resources if r["resourceType"] != "RelatedPerson"]
    line = next(n for n, text in enumerate(lines, start=1) if by_mother["id"] in text)
    result = import_into(lines, org, user, team)
    assert [(e.line, e.message) for e in result.errors] == [(line, fhir.OTHER_CASE)]
