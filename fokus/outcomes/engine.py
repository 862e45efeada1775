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

from ._duckdb_reader import _line_count, _quote
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
class AllianceCounts:
    """The figures the CLI reports from `alliance.srs_alerts`."""

    n_ratings: int
    n_alerts: int
    n_below_cutoff: int
    n_drops: int


@dataclass
class SeriesResult:
    """The series frame (empty when there is any error), the errors, and how it ran."""

    series: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    path: str = "reference"  # "duckdb" (out of core) or "reference" (pandas reader)
    n_ratings: int = 0
    # The alliance counts, when the DuckDB path could give them from the same scan;
    # None otherwise (srs_alerts over the reference frame gives them then).
    alliance: AllianceCounts | None = None


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


def _codes(values: tuple[str, ...]) -> str:
    """`ic` (the instrument's place in INSTRUMENTS, from 1) is one of `values`: as
    comparisons, never `IN (...)`, which DuckDB may plan as a join that does not
    keep the file order the table's rowid must have (tested)."""
    return "(" + " OR ".join(f"ic = {INSTRUMENTS.index(v) + 1}" for v in values) + ")"


def _any(column: str, values: tuple[str, ...]) -> str:
    """`column` is one of `values`, as comparisons (see _codes)."""
    return "(" + " OR ".join(f"{column} = '{v}'" for v in values) + ")"


def _scan_query(names: list[str], extra: list[str], source: str) -> str:
    """Every row of `source`, checked and typed: ok (the row is in canonical form and
    keeps every rule), ci, pi, ri (the ids as written), ic (the instrument's place
    in INSTRUMENTS, from 1), kind (0 an outcome rating, 1 an individual and 2 a
    group alliance rating, else NULL), d and b (days since 1970), s (the item sum
    in integer tenths) and e0, e1, ... (the extra columns, '' for empty)."""

    def col(name: str) -> str:
        return _quote(name) if name in names else "NULL::VARCHAR"

    # Canonical forms (GLOB is a cheap exact pattern); each implies the pandas rules
    # and gives the same value. A Danish comma is read as the decimal point.
    score = ("({x} GLOB '[0-9].[0-9]' OR {x} GLOB '[0-9],[0-9]' OR {x} GLOB '[0-9]' "
             "OR {x} = '10' OR {x} = '10.0' OR {x} = '10,0')")
    total_form = ("({x} GLOB '[0-9].[0-9]' OR {x} GLOB '[0-9][0-9].[0-9]' OR {x} GLOB '[0-9]' "
                  "OR {x} GLOB '[0-9][0-9]' OR {x} GLOB '[0-9],[0-9]' OR {x} GLOB '[0-9][0-9],[0-9]')")
    date_form = "({x} GLOB '[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')"
    number = "TRY_CAST(CASE WHEN contains({x}, ',') THEN replace({x}, ',', '.') ELSE {x} END AS DECIMAL({p},1))"
    items = [f"i{n}" for n in range(1, 5)]
    items_sum = " + ".join(f"v{n}" for n in range(1, 5))
    items_ok = " AND ".join(score.format(x=i) for i in items)
    # An id must not be blank: one whose first character is printable ASCII is not
    # (anything else goes to the pandas reader). Surrounding spaces on the ids and
    # group columns are checked on the distinct series (they would be stripped).
    ids_ok = " AND ".join(f"(ascii({c}) BETWEEN 33 AND 126)" for c in ("ci", "pi", "ri"))
    item_cols = ", ".join(f"{col(c)} AS i{n}" for n, c in enumerate(ITEM_COLUMNS, start=1))
    item_vals = ", ".join(number.format(x=col(c), p=3) + f" AS v{n}"
                          for n, c in enumerate(ITEM_COLUMNS, start=1))
    extra_cols = "".join(f", {_quote(c)} AS e{n}" for n, c in enumerate(extra))
    extra_out = "".join(f", coalesce(e{n}, '') AS e{n}" for n in range(len(extra)))
    ok = f"""coalesce(
            {ids_ok}
            AND ic IS NOT NULL
            AND {date_form.format(x="ds")} AND d IS NOT NULL
            AND (CASE WHEN bs IS NULL OR bs = '' THEN NOT {_codes(NEEDS_BIRTH_DATE)}
                      ELSE {date_form.format(x="bs")} AND b IS NOT NULL AND b <= d END)
            AND (CASE WHEN {_codes(FOUR_LINE_INSTRUMENTS)} THEN
                   {items_ok}
                   AND (ts IS NULL OR ts = '' OR ({total_form.format(x="ts")}
                        AND {number.format(x='ts', p=4)} = {items_sum}))
                 ELSE ts = '1' OR ts = '2' OR ts = '3' OR ts = '4' END),
            false)"""
    kind = (f"(CASE WHEN {_codes(OUTCOME_INSTRUMENTS)} THEN 0 "
            f"WHEN {_codes(GROUP_ALLIANCE)} THEN 2 "
            f"WHEN {_codes(ALLIANCE_INSTRUMENTS)} THEN 1 END)::TINYINT")
    return f"""
          SELECT {ok} AS ok, ci, pi, ri, ic::TINYINT AS ic, {kind} AS kind,
                 datediff('day', DATE '1970-01-01', d)::INTEGER AS d,
                 datediff('day', DATE '1970-01-01', b)::INTEGER AS b,
                 (({items_sum}) * 10)::SMALLINT AS s{extra_out}
          FROM (
            SELECT {col('case_id')} AS ci,
                   {col('person_id')} AS pi, {col('rater_id')} AS ri,
                   list_position({_sql_array(INSTRUMENTS)}, {col('instrument')}) AS ic,
                   {col('date')} AS ds, {col('birth_date')} AS bs, {col('total')} AS ts,
                   TRY_CAST({col('date')} AS DATE) AS d,
                   TRY_CAST({col('birth_date')} AS DATE) AS b,
                   {item_cols}, {item_vals}{extra_cols}
            FROM {source}) AS c"""  # noqa: S608


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
    """One scan of the file: DuckDB checks every row and keeps every row typed (ids,
    instrument code, day numbers, score in tenths, group columns) in a table whose
    rowid is the file order. From that table, one GROUP BY gives the first rating
    of every series, Python gets only integer (series, day, score) columns in
    series order plus the per-series table, for `series_frame`; and the alliance
    ratings give the alliance counts (the reference's srs_alerts) without a second
    read of the file."""
    src = _source(path)
    columns = _plain_columns(con, src, group_columns)
    if columns is None:
        return None
    names, extra = columns
    # The scan: every row, checked and typed (every cell of a row that passes is in
    # canonical form). With preserve_insertion_order the table keeps file order, so
    # its rowid orders ratings of one date (row_number() OVER () on the scan would
    # make the work single-threaded).
    con.execute(f"CREATE TABLE t AS {_scan_query(names, extra, src)}")  # noqa: S608
    clock.lap("read and validate (duckdb)")
    # Every line of the file must be one row (no blank lines, no quoted line breaks,
    # nothing skipped by the CSV sniffer), and no row may break a rule.
    checked = con.execute("SELECT count(*), count(*) FILTER (WHERE NOT ok), "
                          "count(*) FILTER (WHERE kind = 0) FROM t").fetchone()
    if checked is None or checked[0] != lines - 1 or checked[1] or not checked[2]:
        return None  # errors, no outcome rows, or an unusual file: the reference path
    # One GROUP BY numbers the sequences: the outcome series first, in the reference
    # order (by the file row of their first rating), then the alliance sequences;
    # it gives each outcome series its first rating (by date, then file order).
    key = f"((d::BIGINT + {_DAY_OFFSET}) << 34) + rowid"
    extras = "".join(f", arg_min(e{n}, {key}) AS e{n}" for n in range(len(extra)))
    con.execute(f"""CREATE TABLE k AS SELECT *,
                    (row_number() OVER (ORDER BY kind, fpos) - 1)::INTEGER AS sid FROM (
                      SELECT ci, pi, ri, kind, min(rowid) AS fpos,
                      arg_min(ic, {key}) AS ic, arg_min(b, {key}) AS b{extras}
                      FROM t WHERE kind IS NOT NULL GROUP BY ci, pi, ri, kind)""")  # noqa: S608
    first = con.execute("SELECT * EXCLUDE (kind, fpos) FROM k WHERE kind = 0 ORDER BY sid"
                        ).fetchdf()
    clock.lap("series keys (duckdb)")
    texts = ["ci", "pi", "ri", *(f"e{n}" for n in range(len(extra)))]
    for short in texts:
        values = first[short].astype(str)
        if (values != values.str.strip()).any():
            return None  # the pandas reader strips surrounding spaces; let it
    # An alliance id with surrounding whitespace (the reference reader would strip
    # it) leaves the alliance figures to srs_alerts over the reference frame.
    untrimmed = " OR ".join(f"regexp_matches({c}, '{_UNTRIMMED}')" for c in ("ci", "pi", "ri"))
    found = con.execute(f"SELECT count(*) FROM k WHERE kind > 0 AND ({untrimmed})").fetchone()  # noqa: S608
    alliance_ok = found is not None and not found[0]
    # Every rating as (sequence, day, score), in sequence order, then by date, then file
    # order: the outcome series, then (if they are to be counted) the alliance sequences.
    rows = con.execute(f"SELECT k.sid, t.d, t.s FROM t JOIN k USING (ci, pi, ri, kind) "  # noqa: S608
                       f"WHERE t.kind {'IS NOT NULL' if alliance_ok else '= 0'} "
                       f"ORDER BY k.sid, {key.replace('d::', 't.d::').replace('rowid', 't.rowid')}"
                       ).fetchnumpy()
    con.close()  # gives DuckDB's memory back before the Python stage
    clock.lap("ratings in series order (duckdb)")
    sequence = np.asarray(rows["sid"]).astype(np.int64)
    n_series = len(first)
    split = int(np.searchsorted(sequence, n_series))
    alliance = (_alliance_from_sequences(sequence[split:], np.asarray(rows["s"][split:]),
                                         settings) if alliance_ok else None)
    series_of = sequence[:split]
    n = len(series_of)
    new = np.ones(n, dtype=bool)
    new[1:] = series_of[1:] != series_of[:-1]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, n - 1]
    ordered = OrderedRatings(np.zeros(0, dtype=np.int64), series_of, starts, ends,
                             np.asarray(rows["s"][:split]).astype(np.int64),
                             np.asarray(rows["d"][:split]).astype(np.int64))
    del rows
    frame = pd.DataFrame({
        "case_id": first["ci"].to_numpy(dtype=object),
        "person_id": first["pi"].to_numpy(dtype=object),
        "rater_id": first["ri"].to_numpy(dtype=object),
        "instrument": np.asarray(("", *INSTRUMENTS), dtype=object)[
            first["ic"].to_numpy().astype(np.int64)],
        "birth_date": first["b"].to_numpy().astype(np.int64).astype("datetime64[D]"),
    })
    groups = list(extra) if group_columns is None else list(group_columns)
    for n_extra, name in enumerate(extra):
        if name in groups:
            frame[name] = first[f"e{n_extra}"].to_numpy(dtype=object)
    del first
    series = series_frame(ordered, frame, settings, model, missing, groups)
    clock.lap("series (python)")
    return SeriesResult(series, [], "duckdb", lines - 1, alliance)


def _alliance_from_sequences(sequence: Any, score_t: Any,
                             settings: OutcomeSettings) -> AllianceCounts:
    """The counts of srs_alerts from the alliance ratings in sequence order (each
    sequence by date, then file order): each rating is compared with the previous
    one of its sequence, by the rules in rules.py."""
    total = np.asarray(score_t).astype(np.int64)
    seq = np.asarray(sequence)
    previous = np.full(len(total), -1, dtype=np.int64)
    same = seq[1:] == seq[:-1]
    previous[1:][same] = total[:-1][same]
    low = np.asarray(alliance_low(total, settings))
    fell = np.asarray(alliance_drop(previous, total, settings)) & (previous >= 0)
    return AllianceCounts(len(total), int(np.sum(low | fell)), int(np.sum(low)),
                          int(np.sum(fell)))


def _alliance_counts(con: Any, table: str, alliance: str, group: str,
                     settings: OutcomeSettings) -> AllianceCounts | None:
    """The counts of srs_alerts over the rows of `table` (ci, pi, ri, d as a day or
    date, s as the total in tenths, rowid in file order) where `alliance` holds;
    `group` tells a group alliance rating (GSRS, CGSRS) from an individual one.
    None when an alliance id has surrounding whitespace (the reference reader
    would strip it): the caller uses srs_alerts then."""
    untrimmed = " OR ".join(f"regexp_matches({c}, '{_UNTRIMMED}')" for c in ("ci", "pi", "ri"))
    found = con.execute(f"SELECT count(*) FILTER (WHERE {untrimmed}) FROM "  # noqa: S608
                        f"(SELECT DISTINCT ci, pi, ri FROM {table} WHERE {alliance})").fetchone()
    if found is None or found[0]:
        return None
    # DuckDB pairs each rating with the previous one of the same case, person, rater
    # and family (individual or group) by date, then file order; the rules themselves
    # (low, drop) are the engine's functions in rules.py, applied to the arrays.
    pairs = con.execute(f"""SELECT s, coalesce(lag(s) OVER (
                              PARTITION BY ci, pi, ri, ({group}) ORDER BY d, rowid), -1) AS prev
                            FROM {table} WHERE {alliance}""").fetchnumpy()  # noqa: S608
    total, previous = pairs["s"].astype(np.int64), pairs["prev"].astype(np.int64)
    low = np.asarray(alliance_low(total, settings))
    fell = np.asarray(alliance_drop(previous, total, settings)) & (previous >= 0)
    return AllianceCounts(len(total), int(np.sum(low | fell)), int(np.sum(low)),
                          int(np.sum(fell)))


def alliance_counts_from_csv(source: str | PathLike[str],
                             settings: OutcomeSettings = DEFAULT_SETTINGS,
                             ) -> AllianceCounts | None:
    """The counts of `srs_alerts(read_ratings_csv(source).ratings, settings)`
    for a file that `series_from_csv` read on the DuckDB path (so every row is
    known to be valid and in canonical form), without loading the outcome rows.
    (`series_from_csv` gives the same counts from its own scan, in
    `SeriesResult.alliance`; this reads the file for them alone.)

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
                            ({_any('instrument', GROUP_ALLIANCE)})::TINYINT AS fam,
                            date::DATE AS d, (({items}) * 10)::INTEGER AS s
                            FROM {_source(path)}
                            WHERE {_any('instrument', ALLIANCE_INSTRUMENTS)}""")  # noqa: S608
            return _alliance_counts(con, "a", "true", "fam = 1", settings)
        except (duckdb.Error, UnicodeDecodeError, ValueError):
            return None
        finally:
            con.close()
