"""The DuckDB half of `engine.series_from_csv`: one scan of a ratings CSV file.

DuckDB reads the file in parallel, checks every row against a canonical form
that is a strict subset of the rules in ratings_csv (scores "7.3", "7", "10.0"
or a Danish "7,3"; dates YYYY-MM-DD; ids starting with a printable ASCII
character; a total equal to the item sum; the instrument's required fields)
and keeps every row typed (ids, instrument, day numbers, the score in integer
tenths, the group columns) in a table whose rowid is the file order. One GROUP
BY then numbers the outcome series (in the reference order: by the file row of
their first rating) and the alliance sequences, with each series' first rating.
`engine` fetches the integer columns and does the rest in numpy.

This module imports no pandas (only DuckDB and the rules), so that `fokus
outcomes` can start the scan at once and load pandas and scipy while DuckDB
works: DuckDB releases the GIL while it runs a query.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike, fspath
from typing import Any

from .columns import (
    FOUR_LINE_INSTRUMENTS,
    INSTRUMENTS,
    ITEM_COLUMNS,
    KNOWN_COLUMNS,
    NEEDS_BIRTH_DATE,
    REQUIRED_COLUMNS,
)
from .rules import ALLIANCE_INSTRUMENTS, OUTCOME_INSTRUMENTS, SCALES

GROUP_ALLIANCE = tuple(c for c in ALLIANCE_INSTRUMENTS if SCALES[c].group_session)
_POS = "__fokus_pos"  # reserved: a file with this column goes to the reference path


class _Clock:
    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def reset(self) -> None:
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


def _line_count(path: str) -> int:
    """Lines in the file (a last line without a newline counts).

    Read in 16 MiB blocks into one reused buffer and counted in C; not through
    mmap, whose file pages would all count in the process's resident memory.
    """
    block = bytearray(1 << 24)
    view = memoryview(block)
    count = 0
    last = b""
    size = 0
    with open(path, "rb", buffering=0) as fh:
        while True:
            got = fh.readinto(block)
            if not got:
                break
            size += got
            count += block.count(b"\n", 0, got)
            last = bytes(view[got - 1:got])
    if size == 0:
        return 0
    return count + (0 if last == b"\n" else 1)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


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


@dataclass
class Scan:
    """A scanned file: the DuckDB connection holding the tables t (every row) and k
    (the sequences), or usable False when the file is for the reference path."""

    usable: bool
    path: str = ""
    lines: int = 0
    names: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    alliance_ok: bool = False  # no alliance id with surrounding whitespace
    # some id or group value of an outcome series starts or ends with a character
    # that str.strip might remove (checked exactly in engine)
    maybe_untrimmed: bool = True
    con: Any = None
    tmp: Any = None

    def close(self, wait: bool = True) -> None:
        """Close the connection and remove the spill directory; without wait, in a
        thread (the interpreter waits for it before it exits)."""
        con, tmp = self.con, self.tmp
        self.con = self.tmp = None

        def run() -> None:
            if con is not None:
                con.close()
            if tmp is not None:
                tmp.cleanup()

        if wait:
            run()
        else:
            threading.Thread(target=run, name="fokus-outcomes-close").start()


def scan_csv(source: str | PathLike[str], group_columns: Sequence[str] | None = None,
             timings: dict[str, float] | None = None) -> Scan:
    """Scan the file into DuckDB (see the module text). Not usable when DuckDB is
    not installed, the file is unusual (a blank line, a quoted line break, a ragged
    row, bad UTF-8, an odd header) or any row breaks a rule: the reference reader
    then reports it exactly. Close the result when done."""
    clock = _Clock(timings)
    try:
        import duckdb
    except ImportError:
        return Scan(False)
    path = fspath(source)
    # The file's lines are counted in a thread while DuckDB reads it (both mostly
    # outside the GIL); _scan compares the two.
    counter = _LineCounter(path)
    counter.start()
    scan = Scan(False, path, tmp=tempfile.TemporaryDirectory(prefix="fokus-outcomes-"))
    try:
        scan.con = con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        con.execute(f"SET temp_directory = '{_literal(scan.tmp.name)}/spill'")
        con.execute("SET memory_limit = '1GB'")
        scan.usable = _scan(con, scan, counter, group_columns, clock)
    except (duckdb.Error, UnicodeDecodeError, ValueError, OSError):
        clock.lap("duckdb (gave up)")
        scan.usable = False
    finally:
        counter.join()
    if not scan.usable:
        scan.close()
    return scan


class _LineCounter(threading.Thread):
    def __init__(self, path: str) -> None:
        super().__init__(name="fokus-outcomes-lines", daemon=True)
        self.path = path
        self.lines = 0
        self.error: OSError | None = None

    def run(self) -> None:
        try:
            self.lines = _line_count(self.path)
        except OSError as exc:
            self.error = exc

    def result(self) -> int:
        self.join()
        if self.error is not None:
            raise self.error
        return self.lines


def _scan(con: Any, scan: Scan, counter: _LineCounter, group_columns: Sequence[str] | None,
          clock: _Clock) -> bool:
    src = _source(scan.path)
    columns = _plain_columns(con, src, group_columns)
    if columns is None:
        return False
    scan.names, scan.extra = columns
    # The scan: every row, checked and typed (every cell of a row that passes is in
    # canonical form). With preserve_insertion_order the table keeps file order, so
    # its rowid orders ratings of one date (row_number() OVER () on the scan would
    # make the work single-threaded).
    con.execute(f"CREATE TABLE t AS {_scan_query(scan.names, scan.extra, src)}")  # noqa: S608
    clock.lap("read and validate (duckdb)")
    # Every line of the file must be one row (no blank lines, no quoted line breaks,
    # nothing skipped by the CSV sniffer), and no row may break a rule.
    checked = con.execute("SELECT count(*), count(*) FILTER (WHERE NOT ok), "
                          "count(*) FILTER (WHERE kind = 0) FROM t").fetchone()
    scan.lines = counter.result()
    if checked is None or checked[0] != scan.lines - 1 or checked[1] or not checked[2]:
        return False  # errors, no outcome rows, or an unusual file: the reference path
    # One GROUP BY numbers the sequences: the outcome series first, in the reference
    # order (by the file row of their first rating), then the alliance sequences;
    # it gives each outcome series its first rating (by date, then file order).
    # (One arg_min of a struct: the key is compared once for all the fields.)
    fields = ["ic", "b", *(f"e{n}" for n in range(len(scan.extra)))]
    struct = ", ".join(f"'{f}': {f}" for f in fields)
    unpack = ", ".join(f"first.{f} AS {f}" for f in fields)
    con.execute(f"""CREATE TABLE k AS SELECT ci, pi, ri, kind, fpos, {unpack},
                    (row_number() OVER (ORDER BY kind, fpos) - 1)::INTEGER AS sid FROM (
                      SELECT ci, pi, ri, kind, min(rowid) AS fpos,
                      arg_min({{{struct}}}, {ORDER_KEY}) AS first
                      FROM t WHERE kind IS NOT NULL GROUP BY ci, pi, ri, kind)""")  # noqa: S608
    # An alliance id with surrounding whitespace (the reference reader would strip
    # it) leaves the alliance figures to srs_alerts over the reference frame. For the
    # outcome series, the same test over the ids and group values tells whether any
    # value needs Python's exact str.strip test (engine does it then).
    def untrimmed(columns: list[str]) -> str:
        return " OR ".join(f"regexp_matches({c}, '{_UNTRIMMED}')" for c in columns)

    texts = ["ci", "pi", "ri", *(f"e{n}" for n in range(len(scan.extra)))]
    query = (f"SELECT count(*) FILTER (WHERE kind > 0 AND ({untrimmed(texts[:3])})), "  # noqa: S608
             f"count(*) FILTER (WHERE kind = 0 AND ({untrimmed(texts)})) FROM k")
    found = con.execute(query).fetchone()
    scan.alliance_ok = found is not None and not found[0]
    scan.maybe_untrimmed = found is None or bool(found[1])
    clock.lap("series keys (duckdb)")
    return True


# Orders the ratings of a sequence: by date, then by place in the file.
ORDER_KEY = f"((d::BIGINT + {_DAY_OFFSET}) << 34) + rowid"
