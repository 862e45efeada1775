"""Outcome series straight from a ratings CSV file, out of core (docs/fit-definitions.md section 6).

`series_from_csv(path)` gives the same `build_series` frame (and the same
errors) as `read_ratings_csv(path)` followed by `build_series(ratings)`, with
memory that does not grow with the whole file. Two DuckDB paths (DuckDB runs
with a memory limit and spills to a temporary directory):

engine="sql" (the default, "auto"): DuckDB does nearly everything, streaming.

1. Pass 1, a parallel aggregate that stores nothing: the number of rows (it
   must equal the file's lines - 1) and of rows failing a canonical form that
   is a strict subset of the rules in ratings_csv (scores "7.3", "7", "10.0"
   or a Danish "7,3"; dates YYYY-MM-DD; ids starting with a printable ASCII
   character; a total equal to the item sum; the instrument's required
   fields). Any failure, or an unusual file (a blank line, a quoted line
   break, a ragged row, bad UTF-8, an odd header, ids or group values with
   surrounding spaces), runs the reference path instead (the pandas reader,
   then build_series): every error message and line number comes from one
   place, all or nothing.
2. Pass 2: the ORS/CORS rows, typed (scores in integer tenths, dates as day
   numbers), into a table that keeps file order (rowid = order among them).
3. One GROUP BY (case, person, rater) gives each series' first rating
   (arg_min on date, then file order: birth date, instrument, group columns)
   and its first place in the file, which numbers the series in the reference
   order; then (series, day, score) integers in series order go to Python.
4. `series.series_frame` (the one implementation of the per-series formulas,
   shared with build_series) computes age groups, cutoffs, categories, ETR,
   signals, time to wellbeing and sawtooth flags, vectorised.

Figures at 10 million ratings on a 2-core machine: bench/outcomes_bench.py.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike, fspath
from typing import Any

import numpy as np
import pandas as pd

from ._duckdb_reader import _line_count, _quote, _sql_list
from .etr import DEFAULT_MODEL, EtrModel
from .ratings_csv import (
    FOUR_LINE_INSTRUMENTS,
    INSTRUMENTS,
    ITEM_COLUMNS,
    KNOWN_COLUMNS,
    NEEDS_BIRTH_DATE,
    OUTCOME_INSTRUMENTS,
    REQUIRED_COLUMNS,
    RowError,
    read_ratings_csv,
)
from .rules import ALLIANCE_INSTRUMENTS, SCALES, alliance_drop, alliance_low
from .series import OrderedRatings, build_series, series_frame
from .settings import DEFAULT_SETTINGS, OutcomeSettings

GROUP_ALLIANCE = tuple(c for c in ALLIANCE_INSTRUMENTS if SCALES[c].group_session)
_POS = "__fokus_pos"  # the file row number, carried through build_series as a group column


@dataclass
class SeriesResult:
    """The series frame (empty when there is any error), the errors, and how it ran."""

    series: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    path: str = "reference"  # "duckdb" (out of core) or "reference" (pandas reader)
    n_ratings: int = 0


def series_from_csv(
    source: str | PathLike[str],
    settings: OutcomeSettings = DEFAULT_SETTINGS,
    model: EtrModel = DEFAULT_MODEL,
    missing: pd.DataFrame | None = None,
    group_columns: Sequence[str] | None = None,
    engine: str = "auto",
    timings: dict[str, float] | None = None,
) -> SeriesResult:
    """Read, validate and build every outcome series of a ratings CSV file.

    The result equals `build_series(read_ratings_csv(source).ratings, ...)`
    (the same columns, values, order and `attrs["left_out"]`), and when the
    file has errors, the same errors. engine: "auto" or "sql" (the streaming
    DuckDB path when duckdb is installed, else the reference) or "pandas" (the
    reference path only). `timings`, when given, receives seconds per stage.
    """
    clock = _Clock(timings)
    if engine not in ("auto", "sql", "pandas"):
        raise ValueError(f"unknown engine {engine!r}")
    if engine != "pandas":
        fast = _fast(fspath(source), settings, model, missing, group_columns, clock)
        if fast is not None:
            return fast
    read = read_ratings_csv(source, engine="pandas")
    clock.lap("read (reference)")
    if read.errors:
        return SeriesResult(pd.DataFrame(), read.errors, "reference", 0)
    series = build_series(read.ratings, settings, model, missing=missing,
                          group_columns=group_columns)
    clock.lap("series (reference)")
    return SeriesResult(series, [], "reference", len(read.ratings))


class _Clock:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


def _fast(path: str, settings: OutcomeSettings, model: EtrModel,
          missing: pd.DataFrame | None, group_columns: Sequence[str] | None,
          clock: _Clock) -> SeriesResult | None:
    try:
        import duckdb
    except ImportError:
        return None
    try:
        lines = _line_count(path)
    except OSError:
        return None
    if lines < 2:
        return None
    with tempfile.TemporaryDirectory(prefix="fokus-outcomes-") as tmp:
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.execute("SET preserve_insertion_order = true")
            con.execute(f"SET temp_directory = '{_literal(tmp)}/spill'")
            con.execute("SET memory_limit = '1GB'")
            return _run_sql(con, path, lines, settings, model, missing, group_columns, clock)
        except (duckdb.Error, UnicodeDecodeError, ValueError):
            clock.lap("duckdb (gave up)")
            return None
        finally:
            con.close()


def _sql_array(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _source(path: str) -> str:
    return (f"read_csv('{_literal(path)}', header = true, all_varchar = true, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = true, null_padding = false)")


# Python's str.strip removes these at either end (ASCII controls and space, and
# any non-ASCII whitespace); a field starting or ending with one of them, or
# with any non-ASCII character, is left to the pandas reader.
_UNTRIMMED = r"^[\x00-\x20\x{7f}-\x{10ffff}]|[\x00-\x20\x{7f}-\x{10ffff}]$"


def _rows_query(names: list[str], extra: list[str], source: str, pos: str, bucket: str,
                k: int, every_row: bool = False) -> str:
    """The checked, typed rows of `source`: outcome rows that pass (bucket `bucket`,
    an SQL expression < k) and every row that fails (bucket k), with `pos` as
    the row's place in the file; with every_row, all rows (bucket k if not an
    outcome row that passes)."""

    def col(name: str) -> str:
        return _quote(name) if name in names else "NULL::VARCHAR"

    # Canonical forms (GLOB is a cheap exact pattern); each implies the pandas rules
    # and gives the same value. A Danish comma is read as the decimal point.
    score = ("({x} GLOB '[0-9].[0-9]' OR {x} GLOB '[0-9],[0-9]' OR {x} GLOB '[0-9]' "
             "OR {x} IN ('10', '10.0', '10,0'))")
    total_form = ("({x} GLOB '[0-9].[0-9]' OR {x} GLOB '[0-9][0-9].[0-9]' OR {x} GLOB '[0-9]' "
                  "OR {x} GLOB '[0-9][0-9]' OR {x} GLOB '[0-9],[0-9]' OR {x} GLOB '[0-9][0-9],[0-9]')")
    date_form = "({x} GLOB '[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')"
    number = "TRY_CAST(CASE WHEN contains({x}, ',') THEN replace({x}, ',', '.') ELSE {x} END AS DECIMAL({p},1))"
    four = _sql_list(FOUR_LINE_INSTRUMENTS)
    items = [f"i{n}" for n in range(1, 5)]
    items_sum = " + ".join(f"v{n}" for n in range(1, 5))
    items_ok = " AND ".join(score.format(x=i) for i in items)
    # An id must not be blank: one whose first character is printable ASCII is not
    # (anything else goes to the pandas reader). Surrounding spaces on the ids and
    # group columns of outcome rows are checked per bucket (they would be stripped).
    ids_ok = " AND ".join(f"(ascii({c}) BETWEEN 33 AND 126)" for c in ("ci", "pi", "ri"))
    extras_ok = "true"
    item_cols = ", ".join(f"{col(c)} AS i{n}" for n, c in enumerate(ITEM_COLUMNS, start=1))
    item_vals = ", ".join(number.format(x=col(c), p=3) + f" AS v{n}"
                          for n, c in enumerate(ITEM_COLUMNS, start=1))
    extra_cols = "".join(f", {_quote(c)} AS e{n}" for n, c in enumerate(extra))
    extra_out = "".join(f", coalesce(e{n}, '') AS e{n}" for n in range(len(extra)))
    ok = f"""coalesce(
            {ids_ok} AND {extras_ok}
            AND ins IN {_sql_list(INSTRUMENTS)}
            AND {date_form.format(x="ds")} AND d IS NOT NULL
            AND (CASE WHEN bs IS NULL OR bs = '' THEN ins NOT IN {_sql_list(NEEDS_BIRTH_DATE)}
                      ELSE {date_form.format(x="bs")} AND b IS NOT NULL AND b <= d END)
            AND (CASE WHEN ins IN {four} THEN
                   {items_ok}
                   AND (ts IS NULL OR ts = '' OR ({total_form.format(x="ts")}
                        AND {number.format(x='ts', p=4)} = {items_sum}))
                 ELSE ts IN ('1', '2', '3', '4') END),
            false)"""
    outcome = _sql_list(OUTCOME_INSTRUMENTS)
    # Every outcome row that passes goes to bucket hash(case_id) % k; rows that
    # fail go to bucket k, only to be counted.
    query = f"""
          SELECT (CASE WHEN ok AND ins IN {outcome} THEN {bucket} ELSE {k} END)::INTEGER
                   AS bucket,
                 pos, ok, ci, pi, ri, ins,
                 datediff('day', DATE '1970-01-01', d)::INTEGER AS d,
                 datediff('day', DATE '1970-01-01', b)::INTEGER AS b,
                 (({items_sum}) * 10)::SMALLINT AS s{extra_out}
          FROM (SELECT *, {ok} AS ok FROM (
            SELECT {pos} AS pos, {col('case_id')} AS ci,
                   {col('person_id')} AS pi, {col('rater_id')} AS ri, {col('instrument')} AS ins,
                   {col('date')} AS ds, {col('birth_date')} AS bs, {col('total')} AS ts,
                   TRY_CAST({col('date')} AS DATE) AS d,
                   TRY_CAST({col('birth_date')} AS DATE) AS b,
                   {item_cols}, {item_vals}{extra_cols}
            FROM {source}) AS c) AS t
          WHERE (ok AND ins IN {outcome}) OR NOT ok"""  # noqa: S608
    return query.rsplit("WHERE", 1)[0] if every_row else query


def _plain_columns(con: Any, src: str, group_columns: Sequence[str] | None
                   ) -> tuple[list[str], list[str]] | None:
    """The header's columns and the extra (grouping) ones, or None when the header is
    anything but plain: the reference reader then reports it exactly."""
    names = [str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]  # noqa: S608
    plain = all(x == x.strip() and x for x in names) and len(set(names)) == len(names)
    if (not plain or any(c not in names for c in REQUIRED_COLUMNS)
            or any(c not in names for c in ITEM_COLUMNS) or _POS in names):
        return None
    extra = [c for c in names if c not in KNOWN_COLUMNS]
    if group_columns is not None and any(c not in extra for c in group_columns):
        return None  # let build_series report it as it would
    return names, extra


_DAY_OFFSET = 1_000_000  # days: keeps (day + offset) positive for any YYYY-MM-DD from 1000 on


def _run_sql(con: Any, path: str, lines: int, settings: OutcomeSettings, model: EtrModel,
             missing: pd.DataFrame | None, group_columns: Sequence[str] | None,
             clock: _Clock) -> SeriesResult | None:
    """One streaming scan of the file: DuckDB checks every row, keeps the outcome
    rows (typed) and the row numbers; then one GROUP BY gives the first rating
    of every series, and Python gets only integer (series, day, score) columns
    in series order plus the per-series table, for `series_frame`."""
    src = _source(path)
    columns = _plain_columns(con, src, group_columns)
    if columns is None:
        return None
    names, extra = columns
    # Pass 1, a parallel aggregate that keeps nothing: the number of rows (every
    # line of the file must be one row: no blank lines, no quoted line breaks,
    # nothing skipped by the CSV sniffer) and of rows that break a rule.
    query = _rows_query(names, extra, src, "0", "0", 1, every_row=True)
    counts = f"SELECT count(*), count(*) FILTER (WHERE NOT ok), count(*) FILTER (WHERE bucket = 0) FROM ({query})"  # noqa: S608, E501
    checked = con.execute(counts).fetchone()
    clock.lap("validate (duckdb)")
    if checked is None or checked[0] != lines - 1 or checked[1] or not checked[2]:
        return None  # errors, no outcome rows, or an unusual file: the reference path
    # Pass 2: the outcome rows, typed (every cell is known to be in canonical
    # form now). With preserve_insertion_order the table keeps file order, so
    # its rowid orders ratings of one date (row_number() OVER () on the scan
    # would make the work single-threaded).
    number = "replace({x}, ',', '.')::DECIMAL(3,1)"
    items = " + ".join(number.format(x=_quote(c)) for c in ITEM_COLUMNS)
    extra_out = "".join(f", coalesce({_quote(c)}, '') AS e{n}" for n, c in enumerate(extra))
    con.execute(f"""CREATE TABLE o AS SELECT case_id AS ci, person_id AS pi, rater_id AS ri,
                    list_position({_sql_array(OUTCOME_INSTRUMENTS)}, instrument)::TINYINT AS ins,
                    datediff('day', DATE '1970-01-01', date::DATE)::INTEGER AS d,
                    datediff('day', DATE '1970-01-01', birth_date::DATE)::INTEGER AS b,
                    (({items}) * 10)::SMALLINT AS s{extra_out}
                    FROM {src} WHERE instrument IN {_sql_list(OUTCOME_INSTRUMENTS)}""")  # noqa: S608
    clock.lap("outcome rows (duckdb)")
    # key orders the ratings of a series: by date, then by place in the file.
    key = f"((d::BIGINT + {_DAY_OFFSET}) << 34) + rowid"
    extras = "".join(f", arg_min(e{n}, {key}) AS e{n}" for n in range(len(extra)))
    con.execute(f"""CREATE TABLE s AS SELECT ci, pi, ri, min(rowid) AS fpos,
                    arg_min(ins, {key}) AS ins, arg_min(b, {key}) AS b{extras}
                    FROM o GROUP BY ci, pi, ri""")  # noqa: S608
    # Series in the reference order: by the file row of their first appearance.
    con.execute("CREATE TABLE s2 AS SELECT *, (row_number() OVER (ORDER BY fpos) - 1)::INTEGER "
                "AS sid FROM s")
    con.execute("DROP TABLE s")
    first = con.execute("SELECT * FROM s2 ORDER BY sid").fetchdf()
    clock.lap("series keys (duckdb)")
    texts = ["ci", "pi", "ri", *(f"e{n}" for n in range(len(extra)))]
    for short in texts:
        values = first[short].astype(str)
        if (values != values.str.strip()).any():
            return None  # the pandas reader strips surrounding spaces; let it
    rows = con.execute(f"SELECT s2.sid, o.d, o.s FROM o JOIN s2 USING (ci, pi, ri) "  # noqa: S608
                       f"ORDER BY s2.sid, {key.replace('d::', 'o.d::').replace('rowid', 'o.rowid')}"
                       ).fetchnumpy()
    con.close()  # gives DuckDB's memory back before the Python stage
    clock.lap("ratings in series order (duckdb)")
    series_of = np.asarray(rows["sid"]).astype(np.int64)
    n = len(series_of)
    new = np.ones(n, dtype=bool)
    new[1:] = series_of[1:] != series_of[:-1]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, n - 1]
    ordered = OrderedRatings(np.zeros(0, dtype=np.int64), series_of, starts, ends,
                             np.asarray(rows["s"]).astype(np.int64),
                             np.asarray(rows["d"]).astype(np.int64))
    del rows
    frame = pd.DataFrame({
        "case_id": first["ci"].to_numpy(dtype=object),
        "person_id": first["pi"].to_numpy(dtype=object),
        "rater_id": first["ri"].to_numpy(dtype=object),
        "instrument": np.asarray(("", *OUTCOME_INSTRUMENTS), dtype=object)[
            first["ins"].to_numpy().astype(np.int64)],
        "birth_date": first["b"].to_numpy().astype(np.int64).astype("datetime64[D]"),
    })
    groups = list(extra) if group_columns is None else list(group_columns)
    for n_extra, name in enumerate(extra):
        if name in groups:
            frame[name] = first[f"e{n_extra}"].to_numpy(dtype=object)
    del first
    series = series_frame(ordered, frame, settings, model, missing, groups)
    clock.lap("series (python)")
    return SeriesResult(series, [], "duckdb", lines - 1)




@dataclass
class AllianceCounts:
    """The figures the CLI reports from `alliance.srs_alerts`."""

    n_ratings: int
    n_alerts: int
    n_below_cutoff: int
    n_drops: int


def alliance_counts_from_csv(source: str | PathLike[str],
                             settings: OutcomeSettings = DEFAULT_SETTINGS,
                             ) -> AllianceCounts | None:
    """The counts of `srs_alerts(read_ratings_csv(source).ratings, settings)`
    for a file that `series_from_csv` read on the DuckDB path (so every row is
    known to be valid and in canonical form), without loading the outcome rows.

    Only the alliance rows (SRS, CSRS, GSRS, CGSRS) are read, in file order; the
    total is the item sum in integer tenths (as the reference reader's score_t),
    and each rating is compared with the previous one of the same case, person,
    rater and family (individual or group) by date, then file order. None when
    DuckDB is not installed, fails, or an alliance id has surrounding
    whitespace (the reference reader would strip it): use srs_alerts then.
    """
    try:
        import duckdb
    except ImportError:
        return None
    path = fspath(source)
    with tempfile.TemporaryDirectory(prefix="fokus-alliance-") as tmp:
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.execute("SET preserve_insertion_order = true")
            con.execute(f"SET temp_directory = '{_literal(tmp)}/spill'")
            con.execute("SET memory_limit = '1GB'")
            number = "replace({x}, ',', '.')::DECIMAL(3,1)"
            items = " + ".join(number.format(x=_quote(c)) for c in ITEM_COLUMNS)
            # With preserve_insertion_order the table keeps file order: rowid
            # orders ratings of one date as the reference's input row does.
            con.execute(f"""CREATE TABLE a AS SELECT case_id AS ci, person_id AS pi,
                            rater_id AS ri,
                            (instrument IN {_sql_list(GROUP_ALLIANCE)})::TINYINT AS fam,
                            date::DATE AS d, (({items}) * 10)::INTEGER AS s
                            FROM {_source(path)}
                            WHERE instrument IN {_sql_list(ALLIANCE_INSTRUMENTS)}""")  # noqa: S608
            untrimmed = " OR ".join(f"regexp_matches({c}, '{_UNTRIMMED}')"
                                    for c in ("ci", "pi", "ri"))
            found = con.execute(f"SELECT count(*) FILTER (WHERE {untrimmed}) FROM a").fetchone()  # noqa: S608
            if found is None or found[0]:
                return None
            # DuckDB pairs each rating with the previous one; the rules themselves
            # (low, drop) are the engine's functions in rules.py, applied to the arrays.
            pairs = con.execute("""SELECT s, coalesce(lag(s) OVER (PARTITION BY ci, pi, ri, fam
                                                               ORDER BY d, rowid), -1) AS prev
                                  FROM a""").fetchnumpy()
        except (duckdb.Error, UnicodeDecodeError, ValueError):
            return None
        finally:
            con.close()
    total, previous = pairs["s"].astype(np.int64), pairs["prev"].astype(np.int64)
    low = np.asarray(alliance_low(total, settings))
    fell = np.asarray(alliance_drop(previous, total, settings)) & (previous >= 0)
    return AllianceCounts(len(total), int(np.sum(low | fell)), int(np.sum(low)),
                          int(np.sum(fell)))
