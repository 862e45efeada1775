"""Outcome series straight from a ratings CSV file, out of core (docs/fit-definitions.md section 6).

`series_from_csv(path)` gives the same `build_series` frame (and the same
errors) as `read_ratings_csv(path)` followed by `build_series(ratings)`, with
memory that does not grow with the whole file, and the alliance counts of
`srs_alerts` from the same read. DuckDB runs with a memory limit and spills to
a temporary directory.

1. `scan.scan_csv`: one parallel scan of the file checks every row against a
   canonical form that is a strict subset of the rules in ratings_csv and
   keeps every row typed in a table in file order; one GROUP BY numbers the
   outcome series in the reference order (and the alliance sequences) with
   each series' first rating. Any failure, or an unusual file (a blank line,
   a quoted line break, a ragged row, bad UTF-8, an odd header, ids or group
   values with surrounding spaces), runs the reference path instead (the
   pandas reader, then build_series): every error message and line number
   comes from one place, all or nothing. A file whose header is not the
   format's names as they stand (Danish headers read by their aliases), or a
   workbook, goes to the reader at once.
2. (sequence, day, score) integers in sequence order go to Python, with the
   per-series table.
3. `series.series_frame` (the one implementation of the per-series formulas,
   shared with build_series) computes age groups, cutoffs, categories, ETR,
   signals, time to wellbeing and sawtooth flags, vectorised; the alliance
   ratings, each with the previous one of its sequence, give the alliance
   counts by the rules in rules.py.

Figures at 10 million ratings on a 2-core machine: bench/outcomes_bench.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import INSTRUMENTS
from .etr import DEFAULT_MODEL, EtrModel
from .ratings_csv import RowError, plain_header, read_header, read_ratings_csv
from .rules import alliance_drop, alliance_low
from .scan import ORDER_KEY, Scan, _Clock, scan_csv
from .series import OrderedRatings, build_series, series_frame
from .settings import DEFAULT_SETTINGS, OutcomeSettings


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
    # The reader's warnings (a semicolon-separated or Windows-1252 file: the reference path).
    warnings: list[RowError] = field(default_factory=list)


def series_from_csv(
    source: str | PathLike[str],
    settings: OutcomeSettings = DEFAULT_SETTINGS,
    model: EtrModel = DEFAULT_MODEL,
    missing: pd.DataFrame | None = None,
    group_columns: Sequence[str] | None = None,
    engine: str = "auto",
    timings: dict[str, float] | None = None,
    scanned: Scan | None = None,
) -> SeriesResult:
    """Read, validate and build every outcome series of a ratings CSV file.

    The result equals `build_series(read_ratings_csv(source).ratings, ...)`
    (the same columns, values, order and `attrs["left_out"]`), and when the
    file has errors, the same errors. engine: "auto" or "sql" (the streaming
    DuckDB path when duckdb is installed, else the reference) or "pandas" (the
    reference path only). `timings`, when given, receives seconds per stage.
    `scanned`: `scan.scan_csv(source, group_columns)` already run (the command
    starts it before pandas loads); it is closed here.
    """
    clock = _Clock(timings)
    if engine not in ("auto", "sql", "pandas"):
        raise ValueError(f"unknown engine {engine!r}")
    if engine != "pandas" and not _plain_file(source):
        engine = "pandas"  # Danish headers or another separator: the reader's rules
    if engine != "pandas":
        scan = scanned if scanned is not None else scan_csv(source, group_columns, timings)
        clock.reset()
        if scan.usable:
            try:
                fast = _from_scan(scan, settings, model, missing, group_columns, clock)
            finally:
                scan.close()
            if fast is not None:
                return fast
    elif scanned is not None:
        scanned.close()
    read = read_ratings_csv(source, engine="pandas")
    clock.lap("read (reference)")
    if read.errors:
        return SeriesResult(pd.DataFrame(), read.errors, "reference", 0,
                            warnings=read.warnings)
    series = build_series(read.ratings, settings, model, missing=missing,
                          group_columns=group_columns)
    clock.lap("series (reference)")
    return SeriesResult(series, [], "reference", len(read.ratings), warnings=read.warnings)


def _plain_file(source: str | PathLike[str]) -> bool:
    """The file's header names the format's columns as they are, comma-separated: the
    DuckDB scan, which takes the names as they stand, reads it as the reader would.
    (A file with aliases, or separated otherwise, is read by the reader.)"""
    if str(source).lower().endswith((".xlsx", ".xlsm")):
        return False
    try:
        header = read_header(source)
    except OSError:
        return True  # the scan reports it as before
    return bool(header) and plain_header(header)


def _from_scan(scan: Scan, settings: OutcomeSettings, model: EtrModel,
               missing: pd.DataFrame | None, group_columns: Sequence[str] | None,
               clock: _Clock) -> SeriesResult | None:
    """The series (and alliance counts) of a usable scan; None when an id or group
    value has surrounding spaces (the pandas reader strips them; let it)."""
    import duckdb

    con, extra, lines = scan.con, scan.extra, scan.lines
    alliance_ok = scan.alliance_ok
    try:
        first = con.execute("SELECT * EXCLUDE (kind, fpos) FROM k WHERE kind = 0 ORDER BY sid"
                            ).fetchdf()
        texts = ["ci", "pi", "ri", *(f"e{n}" for n in range(len(extra)))]
        for short in texts if scan.maybe_untrimmed else ():
            values = first[short].astype(str)
            if (values != values.str.strip()).any():
                return None  # the pandas reader strips surrounding spaces; let it
        # Every rating as (sequence, day, score), in sequence order, then by date, then
        # file order: the outcome series, then (if they are to be counted) the alliance
        # sequences.
        # (DuckDB joins in parallel; numpy sorts the integer key faster than DuckDB's
        # ORDER BY on two cores.)
        rows = con.execute("SELECT k.sid, t.d, t.s, t.rowid AS r FROM t "  # noqa: S608
                           "JOIN k USING (ci, pi, ri, kind) "
                           f"WHERE t.kind {'IS NOT NULL' if alliance_ok else '= 0'}").fetchnumpy()
    except (duckdb.Error, UnicodeDecodeError, ValueError):
        return None
    scan.close(wait=False)  # gives DuckDB's memory back, in a thread
    day = np.asarray(rows["d"]).astype(np.int64)
    order = _sequence_order(np.asarray(rows["sid"]).astype(np.int64), day,
                            np.asarray(rows["r"]).astype(np.int64))
    sequence = np.asarray(rows["sid"])[order].astype(np.int64)
    rows = {"d": day[order], "s": np.asarray(rows["s"])[order]}
    clock.lap("ratings in series order (duckdb)")
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


def _sequence_order(sequence: Any, day: Any, row: Any) -> Any:
    """The permutation that sorts ratings by sequence, then date, then file row (ORDER_KEY):
    one argsort of a combined integer key when it fits in 63 bits (the keys are all
    different, so any sort gives the same order), else a lexsort."""
    if not len(sequence):
        return np.zeros(0, dtype=np.intp)
    first_day = int(day.min())
    span = int(day.max()) - first_day + 1
    n_rows, n_sequences = int(row.max()) + 1, int(sequence.max()) + 1
    if n_sequences * span * n_rows < 2**63:
        return np.argsort((sequence * span + (day - first_day)) * n_rows + row)
    return np.lexsort((row, day, sequence))


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


def alliance_counts_from_csv(source: str | PathLike[str],
                             settings: OutcomeSettings = DEFAULT_SETTINGS,
                             ) -> AllianceCounts | None:
    """The counts of `srs_alerts(read_ratings_csv(source).ratings, settings)` for a
    file that `series_from_csv` reads on the DuckDB path (which gives them in
    `SeriesResult.alliance` from its own scan): each alliance rating compared with
    the previous one of the same case, person, rater and family (individual or
    group) by date, then file order. None when DuckDB is not installed or the
    file is for the reference path, or an alliance id has surrounding whitespace
    (the reference reader would strip it): use srs_alerts then."""
    if not _plain_file(source):
        return None
    scan = scan_csv(source)
    if not scan.usable:
        return None
    try:
        if not scan.alliance_ok:
            return None
        order = ORDER_KEY.replace("d::", "t.d::").replace("rowid", "t.rowid")
        rows = scan.con.execute(f"SELECT k.sid, t.s FROM t JOIN k USING (ci, pi, ri, kind) "  # noqa: S608
                                f"WHERE t.kind > 0 ORDER BY k.sid, {order}").fetchnumpy()
    finally:
        scan.close()
    return _alliance_from_sequences(np.asarray(rows["sid"]), np.asarray(rows["s"]), settings)
