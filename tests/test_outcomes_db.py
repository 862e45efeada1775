"""`fokus outcomes --organisation` and `fokus export ratings` (issue 9, part 7): the
engine over the database prints the JSON of the engine over the exported file."""

import json
import math

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fokus.__main__ import main as fokus_main
from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Organisation, Team
from fokus.demo.generator import generate_demo
from fokus.outcomes.cli import main as outcomes_main

ORG = "Demo Kommune"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    # A command run from the command line closes the database connections when it
    # ends (run_from_argv); in a test that would close the test's transaction.
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def demo(db):
    generate_demo()
    return Organisation.objects.get(name=ORG)


def _db_json(capsys, *extra):
    assert fokus_main(["fokus", "outcomes", "--organisation", ORG, *extra, "--json"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out)


def _export(tmp_path, capsys):
    ratings, missing = tmp_path / "export.csv", tmp_path / "missing.csv"
    assert fokus_main(["fokus", "export", "ratings", "--organisation", ORG,
                       "--output", str(ratings), "--missing-output", str(missing)]) == 0
    capsys.readouterr()
    return ratings, missing


def same_figures(a, b, path="") -> bool:
    """Equal, floats to 12 significant digits: the file's ids are text, so its series are
    summed in another order than the database's integer ids, which moves the last bit."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (path, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), (path, sorted(a.keys() ^ b.keys()))
        for key in a:
            same_figures(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_figures(x, y, f"{path}[{i}]")
    else:
        assert a == b, (path, a, b)
    return True


def by_key(series: list[dict]) -> list[dict]:
    return sorted(series, key=lambda x: (str(x["case_id"]), str(x["person_id"]),
                                         str(x["rater_id"])))


def _file_json(capsys, ratings, *extra):
    assert outcomes_main(["--input", str(ratings), *extra, "--json"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out)


def test_database_json_equals_the_exported_files_json(demo, tmp_path, capsys):
    by_team = _db_json(capsys, "--by", "team")
    assert {"settings", "series", "summary", "groups", "alliance"} <= set(by_team)
    assert by_team["summary"]["n_eligible"] > 50
    teams = {str(pk) for pk in Team.objects.filter(unit__organisation=demo)
             .values_list("pk", flat=True)}
    assert set(by_team["groups"]) == teams  # group keys are the team ids
    # The settings in force at the first rating, as the case pages use.
    assert by_team["settings"]["name"] == "settings in force"

    ratings, missing = _export(tmp_path, capsys)
    header = ratings.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == ["case_id", "person_id", "rater_id", "birth_date", "instrument", "date",
                      "item1", "item2", "item3", "item4", "total", "team_id", "caseworker_id",
                      "intervention", "rater"]
    instruments = {line.split(",")[4] for line in ratings.read_text().splitlines()[1:]}
    assert {"ORS", "SRS", "YCORS"} <= instruments  # alliance and faces rows too
    from_file = _file_json(capsys, ratings, "--missing", str(missing), "--by", "team_id")
    assert same_figures(from_file["summary"], by_team["summary"])
    assert same_figures(from_file["groups"], by_team["groups"])
    assert same_figures(from_file["alliance"], by_team["alliance"])
    # The same series; a file's ids are text, so they come in text order ("105" < "11").
    assert same_figures(by_key(from_file["series"]), by_key(by_team["series"]))

    # The other groupings given as ratings-file columns.
    for db_by, column in (("intervention", "intervention"), ("rater", "rater")):
        db = _db_json(capsys, "--by", db_by)
        assert same_figures(db["groups"], _file_json(capsys, ratings, "--missing",
                                                     str(missing), "--by", column)["groups"])
    ages = _db_json(capsys, "--by", "age_group")
    assert set(ages["groups"]) <= {"child", "youth", "adult"} and ages["groups"]

    # Without the missing-ratings file only the missing-rating figures differ.
    plain = _file_json(capsys, ratings, "--by", "team_id")
    missing_figures = {"flags", "missing_ratings_by_reason"}
    assert same_figures(
        {k: v for k, v in plain["summary"].items() if k not in missing_figures},
        {k: v for k, v in by_team["summary"].items() if k not in missing_figures})


def test_each_read_is_one_access_log_entry_without_names(demo, tmp_path, capsys):
    before = AccessLogEntry.objects.filter(object_type="rating", action="list").count()
    _db_json(capsys, "--by", "team")
    _export(tmp_path, capsys)
    entries = list(AccessLogEntry.objects.filter(object_type="rating", action="list")
                   .order_by("id"))[before:]
    assert [e.purpose for e in entries] == ["fokus outcomes --organisation",
                                            "fokus export ratings"]
    outcomes, export = entries
    assert outcomes.object_id == str(demo.pk)
    assert outcomes.detail["organisation_id"] == demo.pk
    assert outcomes.detail["by"] == "team" and outcomes.detail["n_ratings"] > 0
    assert export.detail["output"] == "export.csv"
    # Ids and counts only: no person's name anywhere in the entries.
    from fokus.cases.models import Person

    text = json.dumps([e.detail for e in entries]) + " ".join(e.purpose for e in entries)
    for first, last in Person.objects.filter(case__organisation=demo)[:50].values_list(
            "first_name", "last_name"):
        assert first not in text and last not in text


def test_unknown_organisation_is_refused(db, tmp_path, capsys):
    with pytest.raises(CommandError, match="no organisation named 'Ingen Kommune'"):
        call_command("outcomes-db", organisation="Ingen Kommune", json=True)
    with pytest.raises(CommandError, match="no organisation named 'Ingen Kommune'"):
        call_command("export", "ratings", organisation="Ingen Kommune",
                     output=str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()
    # From the command line: a message on stderr and a non-zero exit.
    for argv in (["fokus", "outcomes", "--organisation", "Ingen Kommune", "--json"],
                 ["fokus", "export", "ratings", "--organisation", "Ingen Kommune",
                  "--output", str(tmp_path / "x.csv")]):
        with pytest.raises(SystemExit) as exit_:
            fokus_main(argv)
        assert exit_.value.code != 0
        out, err = capsys.readouterr()
        assert out == "" and "no organisation named 'Ingen Kommune'" in err


def test_input_and_organisation_exclude_each_other(capsys):
    assert fokus_main(["fokus", "outcomes", "--input", "x.csv", "--organisation", ORG]) == 2
    assert "exclude each other" in capsys.readouterr().err


def test_no_grouping_by_caseworker(db, capsys):
    with pytest.raises(CommandError, match="invalid choice: 'caseworker'"):
        call_command("outcomes-db", "--organisation", ORG, "--by", "caseworker")
