"""`fokus outcomes --input FILE.csv [--by COLUMN] --json` (fit-reference.md section 6)."""

import json

import pytest

from fokus.outcomes.cli import main

HEADER = "case_id,person_id,rater_id,birth_date,instrument,date,item1,item2,item3,item4,total,team_id"
GOOD = [
    "C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,19.2,T1",
    "C1,P1,P1,1990-05-01,SRS,2024-01-08,9.0,9.0,9.0,9.0,36.0,T1",
    'C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,"5,3",20.3,T1',
    "C2,K1,K1,2008-03-01,ORS,2024-02-01,5.0,5.0,5.0,5.1,,T2",
    "C2,K1,K1,2008-03-01,ORS,2024-03-01,5.5,5.5,5.5,5.7,22.2,T2",
    "C3,B1,B1,2020-01-01,YCORS,2024-02-01,,,,,3,T2",
]


def run(tmp_path, capsys, lines, *extra):
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    code = main(["--input", str(path), *extra, "--json"])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_structure_and_values(tmp_path, capsys):
    code, out, err = run(tmp_path, capsys, GOOD, "--by", "team_id")
    assert code == 0, err
    data = json.loads(out)
    assert {"settings", "series", "summary", "groups"} <= set(data)
    assert data["settings"]["cutoff_adult"] == 25.0
    series = {s["case_id"]: s for s in data["series"]}
    assert len(series) == 2  # YCORS is never in outcome statistics
    adult, youth = series["C1"], series["C2"]
    assert (adult["intake"], adult["last"], adult["n_ratings"]) == (19.2, 20.3, 2)
    assert round(adult["etr_target"], 2) == 27.23 and round(adult["met_percent"], 2) == 13.70
    assert adult["age_group"] == "adult" and adult["category"] == "unchanged"
    assert youth["age_group"] == "youth" and round(youth["etr_target"], 2) == 28.42
    assert round(youth["met_percent"], 2) == 25.25
    summary = data["summary"]
    assert summary["n_series"] == 2 and summary["n_eligible"] == 2 and summary["n_with_etr"] == 2
    assert summary["pct_unchanged"] == 100.0
    assert summary["intervals"]["pct_unchanged"]["method"] == "wilson"
    assert "wilson" in summary["interval_methods"]
    assert set(data["groups"]) == {"T1", "T2"}
    assert data["groups"]["T1"]["n_series"] == 1


def test_without_by_there_are_no_groups(tmp_path, capsys):
    code, out, _ = run(tmp_path, capsys, GOOD)
    assert code == 0 and "groups" not in json.loads(out)


@pytest.mark.parametrize(("row", "reason"), [
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,10.5,4.8,4.8,4.8,,T1", "item1 must be between 0.0 and 10.0"),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,-1,4.8,4.8,,T1", "item2 must be between 0.0 and 10.0"),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,abc,4.8,,T1", "item3 is not a number"),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.85,,T1", "item4 must have at most one decimal"),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,20.0,T1", "total does not equal"),
    ("C1,P1,P1,,ORS,2024-01-08,4.8,4.8,4.8,4.8,,T1", "birth_date is required for ORS"),
    ("C1,P1,P1,1990-05-01,XRS,2024-01-08,4.8,4.8,4.8,4.8,,T1", "unknown instrument 'XRS'"),
    ("C1,P1,P1,1990-05-01,ORS,2024-02-30,4.8,4.8,4.8,4.8,,T1", "date is not a valid date"),
    ("C1,P1,P1,1990-05-01,ORS,08-01-2024,4.8,4.8,4.8,4.8,,T1", "date is not a valid date"),
    (",P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,,T1", "case_id is missing"),
    ("C3,B1,B1,2020-01-01,YCORS,2024-02-01,,,,,5,T2", "total must be a whole number from 1 to 4"),
])
def test_malformed_rows(tmp_path, capsys, row, reason):
    lines = [*GOOD[:2], row, *GOOD[2:]]
    code, out, err = run(tmp_path, capsys, lines)
    assert code == 2
    assert out == ""
    assert f"line 4: {reason}" in err


def test_all_errors_are_reported_at_once(tmp_path, capsys):
    lines = [*GOOD, "C1,P1,P1,1990-05-01,ORS,2024-01-08,10.5,4.8,4.8,4.8,,T1",
             "C1,P1,P1,,ORS,bad,4.8,4.8,4.8,4.8,,T1"]
    code, out, err = run(tmp_path, capsys, lines)
    assert code == 2 and out == ""
    assert "line 8: item1 must be between 0.0 and 10.0" in err
    assert "line 9: date is not a valid date" in err
    assert "line 9: birth_date is required for ORS" in err


def test_total_within_005_is_accepted(tmp_path, capsys):
    lines = ["C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,19.25,T1"]
    code, _, err = run(tmp_path, capsys, lines)
    assert code == 0, err


def test_missing_required_column(tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text("case_id,person_id,instrument,date\nC1,P1,ORS,2024-01-01\n", encoding="utf-8")
    assert main(["outcomes", "--input", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "line 1:" in err and "rater_id" in err


def test_runs_as_a_module(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "fokus.outcomes", "--input", str(path), "--json"],
        capture_output=True, text=True, cwd=repo, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["n_series"] == 2


def test_validity_flags_can_be_excluded(tmp_path, capsys):
    saw = [f"C9,S1,S1,1990-05-01,ORS,2024-0{m}-01,{x},{x},{x},{x},,T1"
           for m, x in zip(range(1, 6), ["2.5", "5.0", "2.5", "5.0", "2.5"], strict=True)]
    code, out, _ = run(tmp_path, capsys, GOOD + saw)
    data = json.loads(out)
    assert code == 0 and data["summary"]["flags"]["sawtooth"] == 1
    assert data["summary"]["n_series"] == 3
    code, out, _ = run(tmp_path, capsys, GOOD + saw, "--exclude", "sawtooth")
    data = json.loads(out)
    assert data["summary"]["n_series"] == 2 and len(data["series"]) == 3
    assert data["summary"]["excluded_by_flags"] == {"flags": ["sawtooth"], "n_series": 1}
