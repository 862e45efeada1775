"""Optional fast path for large, clean ratings files, used when DuckDB is installed.

DuckDB parses the file in parallel; one SQL pass types every cell and checks
it against a canonical form that is a strict subset of the rules in
ratings_csv (a score must read exactly as its one-decimal value, e.g. "7.3";
a date exactly as YYYY-MM-DD; ids without surrounding spaces; a total equal to
the item sum). If every row passes, the result is the frame the pandas reader
would give for the same file (tests compare the two). If any row fails, or the
file is unusual in any way (a blank line, a quoted line break, a ragged row,
bad UTF-8), this returns None and the pandas reader runs, so every error
message and line number comes from one place.
"""

from __future__ import annotations

from os import PathLike, fspath
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .ratings_csv import (
    FOUR_LINE_INSTRUMENTS,
    INSTRUMENTS,
    ITEM_COLUMNS,
    KNOWN_COLUMNS,
    NEEDS_BIRTH_DATE,
    PICTORIAL_INSTRUMENTS,
    REQUIRED_COLUMNS,
)
from .scan import _line_count, _quote, _sql_list

NO_DATE = -2_000_000_000  # a missing birth date in the integer day column


def read_clean_with_duckdb(source: str | PathLike[str]) -> pd.DataFrame | None:
    try:
        import duckdb
    except ImportError:
        return None
    path = fspath(source)
    con = duckdb.connect()
    try:
        return _read(con, path)
    except (duckdb.Error, UnicodeDecodeError, ValueError):
        return None
    finally:
        con.close()


def _scatter(pos: npt.NDArray[Any], values: npt.NDArray[Any], n: int) -> npt.NDArray[Any]:
    """Values back in file order (pos is the row's 0-based place in the file)."""
    out = np.empty(n, dtype=values.dtype)
    out[pos] = values
    return out


def _read(con: Any, path: str) -> pd.DataFrame | None:
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = true")  # rowid = place in the file
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true, "
        "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false)",
        [path])
    names = [str(r[0]) for r in con.execute("DESCRIBE raw").fetchall()]
    row = con.execute("SELECT count(*) FROM raw").fetchone()
    n = int(row[0]) if row else 0
    plain = all(x == x.strip() for x in names) and len(set(names)) == len(names)
    if (n == 0 or not plain or any(c not in names for c in REQUIRED_COLUMNS)
            or any(c not in names for c in ITEM_COLUMNS) or _line_count(path) != n + 1):
        return None

    def col(name: str) -> str:
        return _quote(name) if name in names else "NULL::VARCHAR"

    # Canonical forms (GLOB is a cheap exact pattern): a score is d.d or 10.0,
    # a total d.d or dd.d, a date dddd-dd-dd. Each implies the pandas rules.
    one_decimal = "(({x} GLOB '[0-9].[0-9]') OR {x} = '10.0')"
    total_form = "({x} GLOB '[0-9].[0-9]' OR {x} GLOB '[0-9][0-9].[0-9]')"
    date_form = "({x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')"
    four, pict = _sql_list(FOUR_LINE_INSTRUMENTS), _sql_list(PICTORIAL_INSTRUMENTS)
    items = [f"i{k}" for k in range(1, 5)]
    items_sum = " + ".join(f"v{k}" for k in range(1, 5))
    items_ok = " AND ".join(one_decimal.format(x=i) for i in items)
    ids_ok = " AND ".join(f"({c} <> '' AND {c} = trim({c}))" for c in ("ci", "pi", "ri"))
    instrument_list = "[" + ", ".join(f"'{x}'" for x in INSTRUMENTS) + "]"
    item_cols = ", ".join(f"{col(c)} AS i{k}" for k, c in enumerate(ITEM_COLUMNS, start=1))
    item_vals = ", ".join(f"TRY_CAST({col(c)} AS DECIMAL(3,1)) AS v{k}"
                          for k, c in enumerate(ITEM_COLUMNS, start=1))
    con.execute(f"""
        CREATE TABLE typed AS
        WITH c AS (
          SELECT rowid AS pos, {col('case_id')} AS ci, {col('person_id')} AS pi,
                 {col('rater_id')} AS ri, {col('instrument')} AS ins,
                 {col('date')} AS ds, {col('birth_date')} AS bs, {col('total')} AS ts,
                 TRY_CAST({col('date')} AS DATE) AS d, TRY_CAST({col('birth_date')} AS DATE) AS b,
                 TRY_CAST({col('total')} AS DECIMAL(4,1)) AS t, {item_cols}, {item_vals}
          FROM raw)
        SELECT
          pos,
          (list_position({instrument_list}, ins) - 1)::TINYINT AS instrument,
          datediff('day', DATE '1970-01-01', d)::INTEGER AS d,
          coalesce(datediff('day', DATE '1970-01-01', b)::INTEGER, {NO_DATE}) AS b,
          (CASE WHEN ins IN {pict} THEN TRY_CAST(ts AS INTEGER) * 10
                ELSE ({items_sum}) * 10 END)::SMALLINT AS s,
          coalesce(
            {ids_ok}
            AND ins IN {_sql_list(INSTRUMENTS)}
            AND {date_form.format(x="ds")} AND d IS NOT NULL
            AND (CASE WHEN bs IS NULL THEN ins NOT IN {_sql_list(NEEDS_BIRTH_DATE)}
                      ELSE {date_form.format(x="bs")} AND b IS NOT NULL AND b <= d END)
            AND (CASE WHEN ins IN {four} THEN
                   {items_ok}
                   AND (ts IS NULL OR ({total_form.format(x="ts")} AND t = {items_sum}))
                 ELSE ts IN ('1', '2', '3', '4') END),
            false) AS ok
        FROM c
    """)  # noqa: S608 - header names are quoted; the rest are constants
    bad = con.execute("SELECT count(*) FROM typed WHERE NOT ok").fetchone()
    if bad is None or bad[0]:
        return None
    typed = con.execute("SELECT pos, instrument, d, b, s FROM typed").fetchnumpy()
    pos = np.asarray(typed["pos"])

    def in_order(values: Any) -> npt.NDArray[Any]:
        return _scatter(pos, np.asarray(values), n)

    frame: dict[str, Any] = {}
    # Ids: one join against the distinct (case, person, rater) keys.
    keys = ("case_id", "person_id", "rater_id")
    key_cols = ", ".join(_quote(k) for k in keys)
    # Names are quoted header names; nothing else is interpolated.
    make_keys = f"CREATE TABLE k AS SELECT {key_cols}, (row_number() OVER () - 1)::INTEGER AS code FROM (SELECT DISTINCT {key_cols} FROM raw)"  # noqa: S608
    con.execute(make_keys)
    key_values = con.execute(f"SELECT {key_cols} FROM k ORDER BY code").fetchnumpy()  # noqa: S608
    join_keys = f"SELECT raw.rowid AS pos, k.code FROM raw JOIN k USING ({key_cols})"  # noqa: S608
    joined = con.execute(join_keys).fetchnumpy()
    key_code = _scatter(np.asarray(joined["pos"]), np.asarray(joined["code"]), n)
    for name in keys:
        per_key, uniques = pd.factorize(np.asarray(key_values[name], dtype=object))
        frame[name] = pd.Categorical.from_codes(per_key[key_code],
                                                categories=[str(u) for u in uniques])
    frame["instrument"] = pd.Categorical.from_codes(in_order(typed["instrument"]),
                                                    categories=list(INSTRUMENTS))
    births = in_order(typed["b"]).astype(np.int64)
    born = births.astype("datetime64[D]")
    born[births == NO_DATE] = np.datetime64("NaT")
    frame["birth_date"] = born
    frame["date"] = in_order(typed["d"]).astype(np.int64).astype("datetime64[D]")
    frame["score_t"] = in_order(typed["s"]).astype(np.int16)
    # Other columns (team_id, ...): one join against their distinct combinations.
    extra = [c for c in names if c not in KNOWN_COLUMNS]
    if extra:
        cols = ", ".join(_quote(c) for c in extra)
        on = " AND ".join(f"raw.{_quote(c)} IS NOT DISTINCT FROM g.{_quote(c)}" for c in extra)
        make_groups = f"CREATE TABLE g AS SELECT *, (row_number() OVER () - 1)::INTEGER AS code FROM (SELECT DISTINCT {cols} FROM raw)"  # noqa: S608
        con.execute(make_groups)
        combos = con.execute("SELECT * FROM g ORDER BY code").fetchnumpy()
        for name in extra:
            texts = ["" if v is None else str(v) for v in np.asarray(combos[name], dtype=object)]
            if any(t != t.strip() for t in texts):
                return None  # the pandas reader strips these; let it
            combos[name] = np.asarray(texts, dtype=object)
        join_groups = f"SELECT raw.rowid AS pos, g.code FROM raw JOIN g ON {on}"  # noqa: S608
        joined = con.execute(join_groups).fetchnumpy()
        combo_code = _scatter(np.asarray(joined["pos"]), np.asarray(joined["code"]), n)
        for name in extra:
            per_combo, uniques = pd.factorize(combos[name])
            frame[name] = pd.Categorical.from_codes(per_combo[combo_code],
                                                    categories=[str(u) for u in uniques])
    return pd.DataFrame(frame)
