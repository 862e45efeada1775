"""`fokus outcomes --input FILE.csv [--by COLUMN] --json` (docs/fit-definitions.md section 6)."""

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
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,10.5,4.8,4.8,4.8,,T1",
     "column item1: item1 must be between 0.0 and 10.0: 10.5."),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,-1,4.8,4.8,,T1",
     "column item2: item2 must be between 0.0 and 10.0: -1."),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,abc,4.8,,T1",
     "column item3: item3 is not a number: abc."),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.85,,T1",
     "column item4: item4 must have at most one decimal: 4.85."),
    ("C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,20.0,T1",
     "column total: total is 20.0, but the items add up to 19.2"),
    ("C1,P1,P1,,ORS,2024-01-08,4.8,4.8,4.8,4.8,,T1",
     "column birth_date: birth_date is required for ORS."),
    ("C1,P1,P1,1990-05-01,XRS,2024-01-08,4.8,4.8,4.8,4.8,,T1",
     "column instrument: XRS is not an instrument Fokus knows"),
    ("C1,P1,P1,1990-05-01,ORS,2024-02-30,4.8,4.8,4.8,4.8,,T1",
     "column date: date is not a date: 2024-02-30."),
    # DD-MM-YYYY is read (Danish Excel); a US-style date is not.
    ("C1,P1,P1,1990-05-01,ORS,01/08/2024,4.8,4.8,4.8,4.8,,T1",
     "column date: date is not a date: 01/08/2024."),
    (",P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,,T1",
     "column case_id: case_id is empty; it is required."),
    ("C3,B1,B1,2020-01-01,YCORS,2024-02-01,,,,,5,T2",
     "column total: total must be a whole number from 1 to 4 for YCORS: 5."),
])
def test_malformed_rows(tmp_path, capsys, row, reason):
    lines = [*GOOD[:2], row, *GOOD[2:]]
    code, out, err = run(tmp_path, capsys, lines)
    assert code == 2
    assert out == ""
    assert f"line 4, {reason}" in err


def test_all_errors_are_reported_at_once(tmp_path, capsys):
    lines = [*GOOD, "C1,P1,P1,1990-05-01,ORS,2024-01-08,10.5,4.8,4.8,4.8,,T1",
             "C1,P1,P1,,ORS,bad,4.8,4.8,4.8,4.8,,T1"]
    code, out, err = run(tmp_path, capsys, lines)
    assert code == 2 and out == ""
    assert "line 8, column item1: item1 must be between 0.0 and 10.0" in err
    assert "line 9, column date: date is not a date: bad." in err
    assert "line 9, column birth_date: birth_date is required for ORS" in err


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


# --- the streaming CLI gives the JSON of the reference path (pandas reader) ---

def _reference_json(path, by):
    """The JSON as the CLI made it before it streamed: read_ratings_csv,
    build_series and srs_alerts on the whole pandas frame."""
    from fokus.outcomes.alliance import srs_alerts
    from fokus.outcomes.cli import build_output, json_text
    from fokus.outcomes.engine import AllianceCounts
    from fokus.outcomes.etr import DEFAULT_MODEL
    from fokus.outcomes.ratings_csv import read_ratings_csv
    from fokus.outcomes.series import build_series
    from fokus.outcomes.settings import DEFAULT_SETTINGS

    read = read_ratings_csv(path, engine="pandas")  # the pandas reader only
    assert not read.errors
    series = build_series(read.ratings, DEFAULT_SETTINGS, DEFAULT_MODEL)
    alerts = srs_alerts(read.ratings, DEFAULT_SETTINGS)
    counts = AllianceCounts(len(alerts), int(alerts["alert"].sum()), int(alerts["low"].sum()),
                            int(alerts["drop"].sum()))
    return json_text(build_output(series, counts, by, []))


def _generated_lines(seed, untrimmed=False):
    """Ratings with ties on date, comma decimals, carer ratings, SRS drops and lows,
    group alliance ratings, pictorial ratings and two extra columns, in shuffled order."""
    import numpy as np

    rng = np.random.default_rng(seed)
    dates = [f"2024-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in (3, 17)]
    lines = []

    def score(value):
        value = min(max(round(value, 1), 0.0), 10.0) + 0.0  # never "-0.0"
        text = f"{value:.1f}"
        if rng.random() < 0.2:
            return f'"{text.replace(".", ",")}"'  # a Danish decimal comma
        return text if rng.random() < 0.8 else text.rstrip("0").rstrip(".") or "0"

    def row(case, person, rater, birth, instrument, date, level, team, worker):
        if instrument in ("YCORS", "YCSRS"):
            items, total = ["", "", "", ""], str(int(rng.integers(1, 5)))
        else:
            values = [level / 4 + rng.normal(0, 0.8) for _ in range(4)]
            items = [score(v) for v in values]
            tenths = sum(round(float(i.strip('"').replace(",", ".")) * 10) for i in items)
            total = "" if rng.random() < 0.3 else f"{tenths / 10:.1f}"
        return ",".join([case, person, rater, birth, instrument, date, *items, total, team,
                         worker])

    for c in range(40):
        case, team, worker = f"C{c}", f"T{c % 3}", f"W{c % 5}"
        child = c % 2 == 0
        birth_child = f"{2014 + c % 6}-0{1 + c % 9}-15"
        person = f"{case}-P0"
        birth = birth_child if child else "1985-06-01"
        outcome = "CORS" if child else "ORS"
        alliance = "CSRS" if child else "SRS"
        group_alliance = "CGSRS" if child else "GSRS"
        level = rng.uniform(8, 34)
        for date in sorted(rng.choice(dates, size=int(rng.integers(1, 7)))):  # ties: repeats
            level = min(40.0, level + rng.normal(2, 3))
            lines.append(row(case, person, person, birth, outcome, date, level, team, worker))
            srs = 38.5 if rng.random() < 0.6 else rng.uniform(28, 39)  # lows and drops
            lines.append(row(case, person, person, birth, alliance, date, srs, team, worker))
            if rng.random() < 0.3:
                lines.append(row(case, person, person, birth, group_alliance, date,
                                 rng.uniform(30, 40), team, worker))
            if child:  # a carer rating the child, and the carer's own alliance rating
                carer = f"{case}-P1"
                lines.append(row(case, person, carer, birth, outcome, date, level - 3, team,
                                 worker))
                rater = f"{carer} " if untrimmed and rng.random() < 0.3 else carer
                lines.append(row(case, carer, rater, "1980-02-02", "SRS", date,
                                 rng.uniform(33, 40), team, worker))
            if c % 7 == 0:
                lines.append(row(case, f"{case}-Y", f"{case}-Y", "2021-01-01", "YCORS", date,
                                 0, team, worker))
    order = rng.permutation(len(lines))
    return [lines[i] for i in order]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("by", [None, "team_id", "caseworker_id"])
@pytest.mark.parametrize("untrimmed", [False, True])
def test_json_equals_the_reference_path(tmp_path, capsys, seed, by, untrimmed):
    from fokus.outcomes.engine import series_from_csv

    header = HEADER + ",caseworker_id"
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([header, *_generated_lines(seed, untrimmed)]) + "\n",
                    encoding="utf-8")
    # The clean files stream (DuckDB), series and alliance counts from one scan; an
    # untrimmed alliance id leaves the alliance figures to the reference frame.
    fast = series_from_csv(path)
    assert fast.path == "duckdb"
    assert (fast.alliance is None) == untrimmed
    code = main(["--input", str(path), *(["--by", by] if by else []), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == _reference_json(path, by)
    # Not trivially equal: many series, every kind of figure, groups when asked.
    data = json.loads(out)
    assert len(data["series"]) > 40 and data["summary"]["n_eligible"] > 20
    assert data["alliance"]["n_drops"] > 0 and data["alliance"]["n_below_cutoff"] > 0
    assert data["summary"]["time_to_wellbeing"]["n_reached"] > 0
    assert ("groups" in data) == bool(by)
    if by:
        assert len(data["groups"]) > 2


def test_reference_path_file_gives_the_same_json(tmp_path, capsys):
    # Scores such as "7.00" and untrimmed ids are valid but not in canonical form,
    # so series_from_csv reads the file with pandas.
    from fokus.outcomes.engine import series_from_csv

    path = tmp_path / "ratings.csv"
    lines = [line.replace(".0,", ".00,") for line in _generated_lines(4, untrimmed=True)]
    path.write_text("\n".join([HEADER + ",caseworker_id", *lines]) + "\n", encoding="utf-8")
    assert series_from_csv(path).path == "reference"
    code = main(["--input", str(path), "--by", "team_id", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == _reference_json(path, "team_id")


def test_alliance_counts_from_csv_match_srs_alerts(tmp_path):
    from fokus.outcomes.alliance import srs_alerts
    from fokus.outcomes.engine import alliance_counts_from_csv
    from fokus.outcomes.ratings_csv import read_ratings_csv

    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([HEADER + ",caseworker_id", *_generated_lines(5)]) + "\n",
                    encoding="utf-8")
    alerts = srs_alerts(read_ratings_csv(path).ratings)
    counts = alliance_counts_from_csv(path)
    assert counts is not None
    assert (counts.n_ratings, counts.n_alerts, counts.n_below_cutoff, counts.n_drops) == (
        len(alerts), alerts["alert"].sum(), alerts["low"].sum(), alerts["drop"].sum())
    untrimmed = tmp_path / "untrimmed.csv"
    untrimmed.write_text("\n".join([HEADER + ",caseworker_id",
                                    *_generated_lines(5, untrimmed=True)]) + "\n",
                         encoding="utf-8")
    assert alliance_counts_from_csv(untrimmed) is None


# --- the series JSON written by column is the text of the records ---

def _records_text(frame, extra):
    from fokus.outcomes.cli import series_records

    return json.dumps(series_records(frame, extra), ensure_ascii=False, allow_nan=False)


def test_series_json_by_column_equals_json_dumps_of_the_records():
    import numpy as np
    import pandas as pd

    from fokus.outcomes.cli import series_json

    frame = pd.DataFrame({
        "case_id": ["C1", "C\"2\\", "Ærø 3", "C4", "C5"],
        "person_id": pd.array(["P1", None, "P\u00f83", "P\n4", "P5"], dtype="str"),
        "self_rating": [True, False, True, True, False],
        "first_date": pd.to_datetime(["2024-01-08", None, "2023-12-31", "2024-01-08",
                                      "1999-02-03"]),
        "age_at_intake": [0.1 + 0.2, -0.0, np.nan, np.inf, 1e16],
        "cutoff": [25.0, 28.0, 25.0, 32.0, -np.inf],
        "intake": [6.000000000000002, 1e-05, 5e-324, 1.7976931348623157e308, 0.0],
        "n_ratings": np.array([1, 2, 2**40, -3, 0], dtype=np.int64),
        "met_target": [True, None, False, np.nan, True],
        "category": ["improved", None, "unchanged", np.nan, "recovered"],
        "missing_reasons": [None, ["refused", "too_young"], [], {"a": 1.5}, "x"],
        "team_id": pd.Series([1, None, 3, 4, 5], dtype=object),
        "rest%s": [1.5, 2.5, np.nan, 4.0, 5.0],
    })
    extra = ["team_id", "rest%s"]
    assert series_json(frame, extra) == _records_text(frame, extra)
    assert series_json(frame.iloc[:0], extra) == _records_text(frame.iloc[:0], extra) == "[]"
    # Without -0.0 the floats go through their distinct values.
    no_negative_zero = frame.assign(age_at_intake=[0.3, 0.3, np.nan, 0.1 + 0.2, 7.75])
    assert series_json(no_negative_zero, extra) == _records_text(no_negative_zero, extra)


@pytest.mark.parametrize("seed", [1, 2])
def test_series_json_on_generated_series(tmp_path, seed):
    from fokus.outcomes.cli import SERIES_FIELDS, series_json
    from fokus.outcomes.engine import series_from_csv

    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([HEADER + ",caseworker_id", *_generated_lines(seed)]) + "\n",
                    encoding="utf-8")
    series = series_from_csv(path).series
    extra = [c for c in series.columns if c not in SERIES_FIELDS and c != "birth_date"
             and not c.startswith("_")]
    assert len(series) > 20
    assert series_json(series, extra) == _records_text(series, extra)


def test_build_output_records_or_table_give_the_same_text(tmp_path):
    from fokus.outcomes.cli import SeriesTable, alliance_counts, build_output, json_text
    from fokus.outcomes.ratings_csv import read_ratings_csv
    from fokus.outcomes.series import build_series
    from fokus.outcomes.settings import DEFAULT_SETTINGS

    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([HEADER + ",caseworker_id", *_generated_lines(7)]) + "\n",
                    encoding="utf-8")
    ratings = read_ratings_csv(path).ratings
    series = build_series(ratings)
    counts = alliance_counts(ratings, DEFAULT_SETTINGS)
    table = build_output(series, counts, "team_id", [], records=False)
    assert isinstance(table["series"], SeriesTable)
    assert table["series"].records() == build_output(series, counts, "team_id", [])["series"]
    text = json_text(table)
    assert text == json_text(build_output(series, counts, "team_id", []))
    assert list(json.loads(text)) == ["settings", "series", "summary", "alliance", "groups"]


def test_help_needs_no_statistics_libraries():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = ("import sys\n"
            "from fokus.__main__ import main\n"
            "try:\n    main(['fokus', 'outcomes', '--help'])\n"
            "except SystemExit:\n    pass\n"
            "heavy = {'scipy', 'lifelines', 'statsmodels', 'duckdb', 'pandas', 'django'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: S603
                          cwd=repo, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_parsers_flag_choices_are_the_engines():
    from fokus.outcomes.cli import FLAG_CHOICES
    from fokus.outcomes.series import FLAG_NAMES

    assert FLAG_CHOICES == FLAG_NAMES


def test_the_package_names_load_on_first_use():
    import fokus.outcomes as outcomes
    from fokus.outcomes.summary import summarise

    assert outcomes.summarise is summarise
    assert set(outcomes.__all__) <= set(dir(outcomes))
    for name in outcomes.__all__:
        assert getattr(outcomes, name) is not None
    with pytest.raises(AttributeError):
        outcomes.no_such_name  # noqa: B018


def test_an_unreadable_file_is_exit_2(tmp_path, capsys):
    missing = tmp_path / "no-such.csv"
    assert main(["--input", str(missing), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"cannot read {missing}" in err


def test_the_scan_starts_without_pandas():
    # `fokus outcomes --input` starts DuckDB on the file before pandas, scipy and the
    # rest of the engine load (they load in a thread meanwhile): the scan module
    # needs none of them.
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    code = ("import sys\n"
            "import fokus.outcomes.scan\n"
            "heavy = {'scipy', 'lifelines', 'statsmodels', 'pandas', 'django'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: S603
                          cwd=repo, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
