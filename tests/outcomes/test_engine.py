"""The out-of-core path (series_from_csv) gives exactly the reference result."""

import pandas as pd
import pytest

from fokus.outcomes import build_series, read_ratings_csv
from fokus.outcomes.engine import series_from_csv

pytest.importorskip("duckdb")

HEADER = ("case_id,person_id,rater_id,birth_date,instrument,date,"
          "item1,item2,item3,item4,total,team_id,intervention")
ROWS = [
    # ties on date resolved by file order; a Danish comma in a quoted field
    "C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,19.2,T1,MST",
    'C1,P1,P1,1990-05-01,ORS,2024-01-08,5.0,5.0,5.0,"5,3",,T1,MST',
    "C1,P1,P1,1990-05-01,SRS,2024-01-08,9.0,9.0,9.0,10.0,37.0,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,7,7.0,7.0,6.3,27.3,T2,MST",
    # youth/adult boundary: 18 on the day of intake
    "C2,P2,P2,2006-02-01,ORS,2024-02-01,2.0,3.0,4.0,5.0,14.0,T2,FFT",
    "C2,P2,P2,2006-02-01,ORS,2024-03-01,6.0,6.0,6.0,6.3,24.3,T2,FFT",
    # child 12 / 13 boundary, self and carer ratings
    "C3,K1,K1,2011-03-02,CORS,2024-03-01,3.0,3.0,3.0,3.0,12.0,,PMTO",
    "C3,K1,MOR,2011-03-02,CORS,2024-03-01,5.5,5.5,5.5,5.7,22.2,T3,PMTO",
    "C3,K1,K1,2011-03-02,CORS,2024-04-01,8.0,8.0,8.0,8.1,32.1,T3,PMTO",
    "C3,K1,MOR,2011-03-02,CORS,2024-04-01,7.0,7.0,7.0,7.2,28.2,T3,PMTO",
    "C4,K2,K2,2011-03-01,CORS,2024-03-01,1.0,1.0,1.0,1.0,4.0,T3,PMTO",
    "C4,K2,K2,2011-03-01,CORS,2024-03-08,10,10.0,10.0,10.0,40.0,T3,PMTO",
    # under 6: left out; a single rating; pictorial instruments
    "C5,B1,B1,2020-01-01,ORS,2024-02-01,5.0,5.0,5.0,5.0,20.0,T4,",
    "C5,B1,B1,2020-01-01,YCORS,2024-02-01,,,,,3,T4,",
    "C5,B1,B1,,YCSRS,2024-02-01,,,,,4,T4,",
    "C6,P6,P6,1970-01-01,ORS,2024-05-05,2.0,2.0,2.0,2.0,8.0,T5,MST",
    # 20.3 - 14.3 is exactly a reliable change of 6.0
    "C7,P7,P7,1980-01-01,ORS,2024-01-01,3.5,3.6,3.6,3.6,14.3,T5,MST",
    "C7,P7,P7,1980-01-01,ORS,2024-02-01,5.0,5.0,5.0,5.3,20.3,T5,MST",
]


def write(tmp_path, rows):
    path = tmp_path / "ratings.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def reference(path):
    read = read_ratings_csv(path, engine="pandas")
    return read, (build_series(read.ratings) if not read.errors else None)


def test_same_series_as_the_reference(tmp_path):
    rows = [*ROWS, *(r.replace("C1,", "C8,").replace("P1", "P8") for r in ROWS[:4])]
    path = write(tmp_path, rows)
    read, expected = reference(path)
    assert not read.errors
    result = series_from_csv(path)
    assert result.path == "duckdb" and not result.errors
    pd.testing.assert_frame_equal(result.series, expected)
    assert result.series.attrs == expected.attrs
    assert result.series["intake"].tolist()[0] == 19.2  # the first of the tie


@pytest.mark.parametrize("row", [
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,10.1,,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-13-22,5.0,5.0,5.0,5.3,,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,20.2,T1,MST",
    "C1,P1,P1,,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",
    "C1,,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",
    "C1,P1,P1,1990-05-01,XYZ,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.35,,T1,MST",
    "",
])
def test_same_errors_as_the_reference(tmp_path, row):
    path = write(tmp_path, [*ROWS[:2], row, *ROWS[2:]])
    read, _ = reference(path)
    result = series_from_csv(path)
    assert result.errors == read.errors and result.errors
    assert result.errors[0].line == 4
    assert result.series.empty


@pytest.mark.parametrize("row", [
    "C1, P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",   # a space: stripped
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,20.30,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1 ,MST",
    "C1,P1\u00a0,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",  # strip removes it
    "C1,Pø,Pø,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,Ærø",  # not whitespace: kept
])
def test_unusual_but_valid_files_give_the_reference_result(tmp_path, row):
    path = write(tmp_path, [*ROWS, row])
    _, expected = reference(path)
    result = series_from_csv(path)
    assert not result.errors
    pd.testing.assert_frame_equal(result.series, expected)


@pytest.mark.parametrize("engine", ["sql", "auto"])
def test_each_fast_path_matches_the_reference(tmp_path, engine):
    rows = [*ROWS, *(r.replace("C1,", "C8,").replace("P1", "P8") for r in ROWS[:4])]
    path = write(tmp_path, rows)
    read, expected = reference(path)
    result = series_from_csv(path, engine=engine)
    assert result.path == "duckdb" and not result.errors
    pd.testing.assert_frame_equal(result.series, expected)
    assert result.series.attrs == expected.attrs


def _generated_rows(seed, n_rows=3000):
    """Random rows with the tricky cases: many same-date ties (file order decides),
    Danish comma decimals, birthdays on the intake date (age boundaries 6, 13,
    18), carer ratings, under-6 children, alliance rows in between, sawtooth
    series and scores on both sides of every cutoff."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_rows):
        case = int(rng.integers(0, 60))
        person = int(rng.integers(0, 2))
        pid = f"C{case}-P{person}"
        rid = pid if rng.random() < 0.7 else f"C{case}-R{int(rng.integers(0, 2))}"
        age = int(rng.choice([4, 5, 6, 12, 13, 17, 18, 40]))
        # Birthday on 2024-03-01 for age boundaries on the first date.
        birth = f"{2024 - age - (case % 2)}-03-0{1 + case % 3}"
        date = f"2024-0{3 + int(rng.integers(0, 3))}-0{1 + int(rng.integers(0, 3))}"
        instrument = str(rng.choice(["ORS", "CORS", "SRS", "CSRS"], p=[0.4, 0.3, 0.2, 0.1]))
        high = rng.random() < 0.5
        tenths = rng.integers(60, 100, 4) if high else rng.integers(0, 50, 4)
        items = [f"{t // 10}.{t % 10}" for t in tenths]
        if rng.random() < 0.2:
            k = int(rng.integers(0, 4))
            items[k] = f'"{items[k].replace(".", ",")}"'
        total = "" if rng.random() < 0.3 else f"{sum(int(t) for t in tenths) / 10:.1f}"
        rows.append(f"K{case},{pid},{rid},{birth},{instrument},{date},{','.join(items)},"
                    f"{total},T{case % 4},{'' if case % 5 == 0 else 'MST'}")
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_path_on_generated_files(tmp_path, seed):
    path = write(tmp_path, _generated_rows(seed))
    read, expected = reference(path)
    assert not read.errors
    result = series_from_csv(path, engine="sql")
    assert result.path == "duckdb" and not result.errors
    assert result.series.attrs["left_out"]["under_6"] > 0
    assert expected["flag_sawtooth"].any() and expected["reached_wellbeing"].any()
    pd.testing.assert_frame_equal(result.series, expected)
    assert result.series.attrs == expected.attrs


def test_sql_path_with_missing_ratings_and_group_columns(tmp_path):
    path = write(tmp_path, _generated_rows(4, 500))
    missing = pd.DataFrame({"case_id": ["K1", "K2"], "person_id": ["C1-P0", "C2-P1"],
                            "date": ["2024-01-01", "2024-09-01"], "reason": ["ill", "moved"]})
    read, _ = reference(path)
    expected = build_series(read.ratings, missing=missing, group_columns=["intervention"])
    result = series_from_csv(path, engine="sql", missing=missing, group_columns=["intervention"])
    assert result.path == "duckdb"
    pd.testing.assert_frame_equal(result.series, expected)


def test_the_scan_keeps_file_order(tmp_path):
    # The table's rowid is the file order only if no operator between the CSV reader
    # and the table can reorder rows: DuckDB plans `x IN (a, b, c, ...)` as a hash
    # join, which does in a parallel scan (a small file is read by one thread, so the
    # other tests would not notice; bench/cli_bench.py's file would).
    import duckdb

    from fokus.outcomes.scan import _plain_columns, _scan_query, _source

    path = write(tmp_path, ROWS)
    con = duckdb.connect()
    source = _source(str(path))
    columns = _plain_columns(con, source, None)
    assert columns is not None
    names, extra = columns
    plan = "\n".join(str(row[1]) for row in con.execute(
        f"EXPLAIN CREATE TABLE t AS {_scan_query(names, extra, source)}").fetchall())
    assert "READ_CSV" in plan.upper()
    for operator in ("JOIN", "ORDER", "AGGREGATE", "WINDOW"):
        assert operator not in plan.upper(), plan


def test_sequence_order_is_by_sequence_then_date_then_file_row():
    import numpy as np

    from fokus.outcomes.engine import _sequence_order

    rng = np.random.default_rng(7)
    n = 5000
    row = rng.permutation(n).astype(np.int64)
    for sequence, day in [
        (rng.integers(0, 300, n), rng.integers(18000, 18100, n)),       # one combined key
        (rng.integers(0, 300, n), rng.integers(-10**9, 10**9, n)),       # too wide: lexsort
    ]:
        sequence, day = sequence.astype(np.int64), day.astype(np.int64)
        assert np.array_equal(_sequence_order(sequence, day, row),
                              np.lexsort((row, day, sequence)))
    assert len(_sequence_order(*(np.zeros(0, dtype=np.int64),) * 3)) == 0
