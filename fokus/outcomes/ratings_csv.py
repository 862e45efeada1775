"""Reading and validating the ratings CSV file (docs/fit-definitions.md section 6).

Fast at national scale: pandas' C parser reads every column as a category, so
each distinct text (a date, a score, an id) is parsed and checked once, and the
per-row work is vectorised integer indexing. Scores become integer tenths.

Line numbers count the header as line 1, so data row i (0-based) is line
i + 2. A quoted field spanning several lines would shift later line numbers;
the format has no reason for such fields.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from os import PathLike
from typing import IO

import numpy as np
import numpy.typing as npt
import pandas as pd

from .columns import (
    FOUR_LINE_INSTRUMENTS,
    INSTRUMENTS,
    ITEM_COLUMNS,
    KNOWN_COLUMNS,
    NEEDS_BIRTH_DATE,
    PICTORIAL_INSTRUMENTS,
    REQUIRED_COLUMNS,
)
from .rules import OUTCOME_INSTRUMENTS

__all__ = ["FOUR_LINE_INSTRUMENTS", "INSTRUMENTS", "NEEDS_BIRTH_DATE", "OUTCOME_INSTRUMENTS",
           "PICTORIAL_INSTRUMENTS", "ReadResult", "RowError", "read_ratings_csv"]

_NUMBER = re.compile(r"^[+-]?(\d+)(?:[.,](\d*))?$|^[+-]?[.,](\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Parse outcome codes for one distinct text.
OK, MISSING, NOT_NUMBER, OUT_OF_RANGE, TOO_PRECISE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ReadResult:
    """Validated ratings (empty when there is any error) and the errors."""

    ratings: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)


def _parse_number(text: str) -> tuple[int, float]:
    """(status, value) for one distinct text of a score field."""
    s = text.strip()
    if not s:
        return MISSING, np.nan
    match = _NUMBER.match(s)
    if not match:
        return NOT_NUMBER, np.nan
    value = float(s.replace(",", "."))
    decimals = match.group(2) if match.group(2) is not None else (match.group(3) or "")
    if len(decimals.rstrip("0")) > 1:
        return TOO_PRECISE, value
    return OK, value


def _parse_date(text: str) -> np.datetime64:
    s = text.strip()
    if not _DATE.match(s):
        return np.datetime64("NaT", "D")
    try:
        return np.datetime64(s, "D")
    except ValueError:
        return np.datetime64("NaT", "D")


class Columns:
    """The file's columns as (codes per row, distinct texts): every check runs
    once per distinct text, then spreads to the rows by integer indexing."""

    names: list[str]
    n: int

    def column(self, name: str) -> tuple[npt.NDArray[np.intp], list[str]]:
        """Codes per row and the distinct texts, the last of which is ''.

        An absent column is all ''; a missing cell maps to the final ''.
        """
        raise NotImplementedError

    def category(self, name: str) -> pd.Series:
        """The column as a category series with surrounding spaces removed."""
        raise NotImplementedError


class PandasColumns(Columns):
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.names = [str(c) for c in frame.columns]
        self.n = len(frame)

    def column(self, name: str) -> tuple[npt.NDArray[np.intp], list[str]]:
        if name not in self.names:
            return np.full(self.n, 0, dtype=np.intp), [""]
        cat = self.frame[name].cat
        texts = [str(x) for x in cat.categories] + [""]
        codes = cat.codes.to_numpy().astype(np.intp)
        codes[codes < 0] = len(texts) - 1
        return codes, texts

    def category(self, name: str) -> pd.Series:
        return _stripped(self.frame[name])


def _column(cols: Columns, name: str) -> tuple[npt.NDArray[np.intp], list[str]]:
    return cols.column(name)


def _scores(frame: Columns, name: str, tenths_max: int,
            ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    """Status, tenths and raw value per row for a 0..max one-decimal score column."""
    codes, texts = _column(frame, name)
    status = np.empty(len(texts), dtype=np.int8)
    tenths = np.zeros(len(texts), dtype=np.int32)
    values = np.full(len(texts), np.nan)
    for i, text in enumerate(texts):
        st, value = _parse_number(text)
        if st in (OK, TOO_PRECISE):
            values[i] = value
            t = int(round(value * 10))
            if st == OK:
                tenths[i] = t
            if not 0 <= value * 10 <= tenths_max + 1e-9:
                st = OUT_OF_RANGE
        status[i] = st
    return status[codes], tenths[codes], values[codes]


def _dates(frame: Columns, name: str,
           ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.datetime64]]:
    """(missing, invalid, dates) per row."""
    codes, texts = _column(frame, name)
    parsed = np.array([_parse_date(t) for t in texts], dtype="datetime64[D]")
    empty = np.array([not t.strip() for t in texts])
    missing = empty[codes]
    dates = parsed[codes]
    invalid = ~missing & np.isnat(dates)
    return missing, invalid, dates


def _read_frame(source: str | PathLike[str] | IO[str]) -> tuple[pd.DataFrame | None, list[RowError]]:
    try:
        frame = pd.read_csv(
            source,
            dtype="category",
            keep_default_na=False,  # keep texts such as "NA" as they are
            skip_blank_lines=False,  # keep line numbers right
            skipinitialspace=True,
            encoding="utf-8",
        )
    except pd.errors.EmptyDataError:
        return None, [RowError(1, "the file is empty; a header row is required")]
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else 0
        return None, [RowError(line, f"cannot parse the CSV: {exc}")]
    except UnicodeDecodeError as exc:
        return None, [RowError(0, f"the file is not UTF-8: {exc}")]
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, []


def read_ratings_csv(source: str | PathLike[str] | IO[str] | bytes,
                     engine: str = "auto") -> ReadResult:
    """Read, validate and normalise a ratings CSV file.

    All or nothing: when any row breaks a rule the result has no ratings and
    lists every error with its line number and an English reason.

    The normalised frame keeps file order and has columns case_id, person_id,
    rater_id, instrument (categories), birth_date and date (datetime64),
    score_t (the total in integer tenths: the item sum for four-line
    instruments, total * 10 for YCORS/YCSRS), and every other column of the
    file (team_id, caseworker_id, intervention, ...) as categories.

    engine: "pandas" (pandas C parser, always available), "duckdb" or "auto"
    (DuckDB's parallel reader for a path when duckdb is installed; the result
    is the same frame, and any invalid or unusual file is read by pandas).
    """
    if engine not in ("auto", "duckdb", "pandas"):
        raise ValueError(f"unknown engine {engine!r}")
    cols: Columns | None = None
    errors: list[RowError] = []
    if engine != "pandas" and isinstance(source, str | PathLike):
        # DuckDB, when installed, reads a large clean file several times faster;
        # any file it cannot take as it is goes to the pandas reader, which
        # reports every problem with its line number.
        from ._duckdb_reader import read_clean_with_duckdb

        fast = read_clean_with_duckdb(source)
        if fast is not None:
            return ReadResult(fast, [])
    if cols is None:
        if isinstance(source, bytes):
            source = io.StringIO(source.decode("utf-8"))
        frame, errors = _read_frame(source)
        if frame is None:
            return ReadResult(pd.DataFrame(), errors)
        cols = PandasColumns(frame)
    return _validate(cols)


def _validate(cols: Columns) -> ReadResult:
    frame = cols
    errors: list[RowError] = []
    missing_columns = [c for c in REQUIRED_COLUMNS if c not in frame.names]
    if missing_columns:
        return ReadResult(pd.DataFrame(), [RowError(
            1, "the header lacks required column(s): " + ", ".join(missing_columns))])
    n = frame.n
    reasons: list[tuple[npt.NDArray[np.bool_], str | npt.NDArray[np.object_]]] = []

    for name in ("case_id", "person_id", "rater_id"):
        codes, texts = _column(frame, name)
        empty = np.array([not t.strip() for t in texts])[codes]
        reasons.append((empty, f"{name} is missing"))

    codes, texts = _column(frame, "instrument")
    instrument_texts = np.array([t.strip() for t in texts], dtype=object)
    instrument = instrument_texts[codes]
    known = np.isin(instrument_texts, INSTRUMENTS)[codes]
    empty_instrument = (instrument_texts == "")[codes]
    reasons.append((empty_instrument, "instrument is missing"))
    unknown_msg = np.array([f"unknown instrument '{t}' (expected one of {', '.join(INSTRUMENTS)})"
                            for t in instrument_texts], dtype=object)[codes]
    reasons.append((~known & ~empty_instrument, unknown_msg))
    four_line = np.isin(instrument_texts, FOUR_LINE_INSTRUMENTS)[codes]
    pictorial = np.isin(instrument_texts, PICTORIAL_INSTRUMENTS)[codes]
    needs_birth = np.isin(instrument_texts, NEEDS_BIRTH_DATE)[codes]

    d_missing, d_invalid, dates = _dates(frame, "date")
    reasons.append((d_missing, "date is missing"))
    reasons.append((d_invalid, "date is not a valid date in the form YYYY-MM-DD"))
    b_missing, b_invalid, births = _dates(frame, "birth_date")
    reasons.append((b_missing & needs_birth,
                    np.array([f"birth_date is required for {t}" for t in instrument_texts],
                             dtype=object)[codes]))
    reasons.append((b_invalid, "birth_date is not a valid date in the form YYYY-MM-DD"))
    with np.errstate(invalid="ignore"):
        born_later = ~np.isnat(births) & ~np.isnat(dates) & (births > dates)
    reasons.append((born_later, "birth_date is after the rating date"))

    item_sum = np.zeros(n, dtype=np.int32)
    items_ok = four_line.copy()
    for name in ITEM_COLUMNS:
        status, tenths, _ = _scores(frame, name, 100)
        item_sum += tenths
        items_ok &= status == OK
        reasons.append((four_line & (status == MISSING), f"{name} is required for this instrument"))
        reasons.append((four_line & (status == NOT_NUMBER), f"{name} is not a number"))
        reasons.append((four_line & (status == OUT_OF_RANGE),
                        f"{name} must be between 0.0 and 10.0"))
        reasons.append((four_line & (status == TOO_PRECISE),
                        f"{name} must have at most one decimal"))

    t_status, t_tenths, t_value = _scores(frame, "total", 400)
    given = t_status != MISSING
    # For a four-line instrument the total is a check of the items (within 0.05).
    reasons.append((four_line & given & (t_status == NOT_NUMBER), "total is not a number"))
    with np.errstate(invalid="ignore"):
        mismatch = (four_line & items_ok & given & (t_status != NOT_NUMBER)
                    & ~(np.abs(t_value * 100 - item_sum * 10) <= 5 + 1e-6))
    reasons.append((mismatch, "total does not equal the sum of item1..item4 (within 0.05)"))
    # YCORS/YCSRS: one pictorial choice scored 1-4, given as the total.
    with np.errstate(invalid="ignore"):
        bad_pictorial = pictorial & given & ~np.isin(t_value, [1.0, 2.0, 3.0, 4.0])
    reasons.append((pictorial & ~given, "total is required for this instrument (1-4)"))
    reasons.append((bad_pictorial, "total must be a whole number from 1 to 4 for this instrument"))

    bad = np.zeros(n, dtype=bool)
    for mask, _ in reasons:
        bad |= mask
    if bad.any():
        for row in np.flatnonzero(bad):
            for mask, reason in reasons:
                if mask[row]:
                    text = reason if isinstance(reason, str) else str(reason[row])
                    errors.append(RowError(int(row) + 2, text))
        return ReadResult(pd.DataFrame(), errors)

    score_t = np.where(four_line, item_sum, t_tenths).astype(np.int16)
    ratings = pd.DataFrame({
        "case_id": frame.category("case_id"),
        "person_id": frame.category("person_id"),
        "rater_id": frame.category("rater_id"),
        "instrument": pd.Categorical(instrument, categories=list(INSTRUMENTS)),
        "birth_date": births,
        "date": dates,
        "score_t": score_t,
    })
    for name in frame.names:
        if name not in KNOWN_COLUMNS and name not in ratings.columns:
            ratings[name] = frame.category(name)
    return ReadResult(ratings, [])


def _stripped(column: pd.Series) -> pd.Series:
    """A category column with surrounding spaces removed from its texts."""
    cats = column.cat.categories
    stripped = pd.Index([str(c).strip() for c in cats])
    if stripped.equals(cats):
        return column
    if stripped.is_unique:
        return column.cat.rename_categories(stripped)
    return column.astype(str).str.strip().astype("category")
