"""The DuckDB fast path and the pandas reader give the same frame."""

import pandas as pd
import pytest

from fokus.outcomes import read_ratings_csv
from fokus.outcomes._duckdb_reader import read_clean_with_duckdb

pytest.importorskip("duckdb")  # an optional accelerator: without it pandas reads everything

HEADER = "case_id,person_id,rater_id,birth_date,instrument,date,item1,item2,item3,item4,total,team_id,intervention"
ROWS = [
    "C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,19.2,T1,MST",
    "C1,P1,P1,1990-05-01,SRS,2024-01-08,9.0,9.0,9.0,10.0,37.0,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",
    "C2,K1,K1,2008-03-01,CORS,2024-02-01,0.0,5.0,5.0,5.1,15.1,,FFT",
    "C2,K1,MOR,2008-03-01,CORS,2024-02-01,5.5,5.5,5.5,5.7,22.2,T2,FFT",
    "C3,B1,B1,2020-01-01,YCORS,2024-02-01,,,,,3,T2,",
    "C3,B1,B1,,YCSRS,2024-02-01,,,,,4,T2,",
]


def frames(tmp_path, lines):
    path = tmp_path / "r.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path, read_clean_with_duckdb(path), read_ratings_csv(path, engine="pandas")


def same(fast, slow):
    assert list(fast.columns) == list(slow.columns)
    for name in fast.columns:
        if isinstance(slow[name].dtype, pd.CategoricalDtype):
            assert fast[name].astype(str).tolist() == slow[name].astype(str).tolist(), name
        else:
            pd.testing.assert_series_equal(fast[name], slow[name], check_names=False)


def test_clean_file_is_read_the_same_way(tmp_path):
    _, fast, slow = frames(tmp_path, ROWS)
    assert fast is not None and not slow.errors
    same(fast, slow.ratings)
    assert fast["score_t"].tolist() == [192, 370, 203, 151, 222, 30, 40]


@pytest.mark.parametrize("row", [
    'C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,"5,3",,T1,MST',  # Danish comma
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5,5.0,5.0,5.3,,T1,MST",      # no decimal
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,20.30,T1,MST",
    "C1, P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",   # a space
])
def test_unusual_but_valid_rows_go_to_pandas(tmp_path, row):
    path, fast, slow = frames(tmp_path, [*ROWS, row])
    assert fast is None
    assert not slow.errors
    assert not read_ratings_csv(path).errors  # auto gives the pandas result


@pytest.mark.parametrize("row", [
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,10.1,,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-13-22,5.0,5.0,5.0,5.3,,T1,MST",
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,20.2,T1,MST",
    "C1,P1,P1,,ORS,2024-01-22,5.0,5.0,5.0,5.3,,T1,MST",
    "",
])
def test_invalid_rows_are_reported_by_the_pandas_reader(tmp_path, row):
    path, fast, slow = frames(tmp_path, [*ROWS[:2], row, *ROWS[2:]])
    assert fast is None
    errors = read_ratings_csv(path).errors
    assert errors and errors[0].line == 4
