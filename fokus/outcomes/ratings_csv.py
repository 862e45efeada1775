"""Reading and validating a ratings file, CSV or XLSX (docs/fit-definitions.md section 6).

One reader for `fokus outcomes` and the imports: `read_ratings_table` takes a path,
bytes or a binary file object; `read_ratings_csv` is the engine's name for it (the
same reader, the frame without the `line` column).

Every bad row is reported, whatever is wrong with it: a row with too many or too
few fields, an empty line, every bad field; each as a RowError with its line
number (the header is line 1; a quoted field spanning lines is counted right), the
column as the file's header names it, and an English gettext msgid with its
parameters (the Danish is in fokus/locale; this package imports no Django).

CSV: separated by commas, semicolons or tabs (found from the header; not a comma
gives a warning), a decimal point or comma, UTF-8 with or without a BOM, or
Windows-1252 (found by reading the whole file; a warning). Header texts are read as
the format's columns by `columns` (the mapping step's answer) or else by the
aliases in columns.py (Danish headers).

Fast at national scale: pandas' C parser reads every column as a category, so
each distinct text (a date, a score, an id) is parsed and checked once, and the
per-row work is vectorised integer indexing. The fields of each line are counted
on the bytes with numpy (quotes respected), as the parser itself pads short rows.
Scores become integer tenths.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from os import PathLike, fspath
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .columns import (
    ALIAS_COLUMN,
    FOUR_LINE_INSTRUMENTS,
    INSTRUMENTS,
    ITEM_COLUMNS,
    KNOWN_COLUMNS,
    NEEDS_BIRTH_DATE,
    PICTORIAL_INSTRUMENTS,
    REQUIRED_COLUMNS,
    header_key,
)
from .rules import OUTCOME_INSTRUMENTS

__all__ = ["FOUR_LINE_INSTRUMENTS", "INSTRUMENTS", "NEEDS_BIRTH_DATE", "OUTCOME_INSTRUMENTS",
           "PICTORIAL_INSTRUMENTS", "READER_MESSAGES", "ReadResult", "RowError", "Source",
           "read_header", "read_ratings_csv", "read_ratings_table"]

Source = str | PathLike[str] | bytes | IO[bytes]

# --- messages: English gettext msgids; the Danish is in fokus/locale (tools/add_danish.py)


def gettext_noop(text: str) -> str:
    """Marks a msgid (as django.utils.translation.gettext_noop does, without Django):
    the Django layer translates it when it shows the message."""
    return text


# The file as a whole (line 0) or its header (line 1).
FILE_EMPTY = gettext_noop("The file is empty: it needs a header row with the column names.")
FILE_NOT_TEXT = gettext_noop(
    "The file is neither UTF-8 nor Windows-1252 text. Save it from Excel as "
    "\"CSV UTF-8\" or as a workbook (.xlsx).")
FILE_NOT_WORKBOOK = gettext_noop(
    "The file cannot be read as an Excel workbook (.xlsx). Save it again "
    "from Excel, or as CSV.")
FILE_OLD_EXCEL = gettext_noop(
    "The file is in the old Excel format (.xls), which Fokus does not read. "
    "Save it from Excel as a workbook (.xlsx) or as \"CSV UTF-8\".")
FILE_BROKEN_CSV = gettext_noop(
    "The file cannot be read as CSV from this line on: check that every "
    "quote (\") is closed.")
HEADER_LACKS = gettext_noop(
    "The header lacks the required column(s) %(columns)s (the header has: "
    "%(header)s). Rename those columns or map them to the format's names.")
HEADER_FIRST_LINE_EMPTY = gettext_noop(
    "The first line is empty: it must be the header, with the column names.")
HEADER_TWICE = gettext_noop("The column %(column)s appears more than once in the header.")
HEADER_SAME_TARGET = gettext_noop(
    "The columns %(columns)s would all be read as %(target)s: keep or "
    "map only one of them.")
HEADER_NOT_IN_FILE = gettext_noop("The column %(column)s is not in the file's header.")
HEADER_RESERVED = gettext_noop("The column name %(column)s is reserved: rename that column.")
# Warnings (line 0): the file was read, but not as the format says.
WARN_WINDOWS_1252 = gettext_noop(
    "The file is in Windows-1252, not UTF-8: it was read as Windows-1252. "
    "Check that letters such as æ, ø and å look right.")
WARN_SEMICOLONS = gettext_noop(
    "The file is separated by semicolons (as Danish Excel saves CSV): it was "
    "read that way, with decimal commas.")
WARN_TABS = gettext_noop("The file is separated by tabs: it was read that way.")
# A line.
LINE_EMPTY = gettext_noop("The line is empty: delete it.")
LINE_TOO_MANY = gettext_noop(
    "The line has %(found)s fields, but the header has %(expected)s. A decimal "
    "comma splits a number in two in a comma-separated file: put such numbers "
    "in quotes (\"5,3\"), or save the file separated by semicolons.")
LINE_TOO_MANY_SEPARATORS = gettext_noop(
    "The line has %(found)s fields, but the header has %(expected)s: "
    "a separator too many, or a value containing one without quotes.")
LINE_TOO_FEW = gettext_noop(
    "The line has %(found)s fields, but the header has %(expected)s: a value or "
    "a separator is missing. Give every column a value or an empty field.")
LINE_NO_HEADER = gettext_noop(
    "The line has a value in column %(position)s, which has no name in the header.")
# A field (the column as the file's header names it).
FIELD_EMPTY = gettext_noop("%(column)s is empty; it is required.")
FIELD_UNKNOWN_INSTRUMENT = gettext_noop(
    "%(value)s is not an instrument Fokus knows; expected one of "
    "%(expected)s.")
FIELD_NOT_DATE = gettext_noop(
    "%(column)s is not a date: %(value)s. Write dates as YYYY-MM-DD or "
    "DD-MM-YYYY.")
FIELD_REQUIRED_FOR = gettext_noop("%(column)s is required for %(instrument)s.")
FIELD_BORN_AFTER = gettext_noop("%(column)s is after the date of the rating.")
FIELD_NOT_NUMBER = gettext_noop("%(column)s is not a number: %(value)s.")
FIELD_ITEM_RANGE = gettext_noop("%(column)s must be between 0.0 and 10.0: %(value)s.")
FIELD_TOO_PRECISE = gettext_noop("%(column)s must have at most one decimal: %(value)s.")
FIELD_TOTAL_SUM = gettext_noop(
    "%(column)s is %(value)s, but the items add up to %(sum)s (they must "
    "agree within 0.05).")
FIELD_FACES_REQUIRED = gettext_noop(
    "%(column)s is required for %(instrument)s: the face chosen, 1-4.")
FIELD_FACES_VALUE = gettext_noop(
    "%(column)s must be a whole number from 1 to 4 for %(instrument)s: "
    "%(value)s.")

READER_MESSAGES = (
    FILE_EMPTY, FILE_NOT_TEXT, FILE_NOT_WORKBOOK, FILE_OLD_EXCEL, FILE_BROKEN_CSV,
    HEADER_FIRST_LINE_EMPTY, HEADER_LACKS, HEADER_TWICE,
    HEADER_SAME_TARGET, HEADER_NOT_IN_FILE, HEADER_RESERVED, WARN_WINDOWS_1252,
    WARN_SEMICOLONS, WARN_TABS, LINE_EMPTY, LINE_TOO_MANY, LINE_TOO_MANY_SEPARATORS, LINE_TOO_FEW, LINE_NO_HEADER,
    FIELD_EMPTY, FIELD_UNKNOWN_INSTRUMENT, FIELD_NOT_DATE, FIELD_REQUIRED_FOR,
    FIELD_BORN_AFTER, FIELD_NOT_NUMBER, FIELD_ITEM_RANGE, FIELD_TOO_PRECISE, FIELD_TOTAL_SUM,
    FIELD_FACES_REQUIRED, FIELD_FACES_VALUE,
)

LINE = "line"  # the ratings' column of line numbers (read_ratings_table); reserved

_NUMBER = re.compile(r"^[+-]?(\d+)(?:[.,](\d*))?$|^[+-]?[.,](\d+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DANISH_DATE = re.compile(r"^(\d{1,2})[-.](\d{1,2})[-.](\d{4})$")

# Parse outcome codes for one distinct text.
OK, MISSING, NOT_NUMBER, OUT_OF_RANGE, TOO_PRECISE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class RowError:
    """One problem: line 0 is the file as a whole; column as the file's header names it.

    `message` is an English gettext msgid with %(name)s placeholders filled from
    `params`: Django code shows `gettext(error.message) % error.params`; str() is English.
    """

    line: int
    column: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, translate: Any = None) -> str:
        """The message with its parameters, through `translate` (a gettext) when given."""
        return (translate(self.message) if translate else self.message) % self.params

    @property
    def reason(self) -> str:
        return self.text()

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.text()}"


@dataclass
class ReadResult:
    """Validated ratings (empty when there is any error), the errors and warnings, and
    the file's header as read (for the mapping step)."""

    ratings: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    header: list[str] = field(default_factory=list)


# --- the file: its bytes, encoding, separator and lines ---------------------------------

_BLOCK = 1 << 22
_HEAD = 1 << 16
# Bytes that Windows-1252 leaves undefined: a file with one is not Windows-1252 text.
_CP1252_UNDEFINED = np.zeros(256, dtype=bool)
_CP1252_UNDEFINED[[0x81, 0x8D, 0x8F, 0x90, 0x9D]] = True
_SEPARATORS = (",", ";", "\t")


def _is_path(source: Source) -> bool:
    return isinstance(source, str | PathLike)


def _as_bytes(source: Source) -> bytes | None:
    """The bytes of an in-memory source; None for a path."""
    if _is_path(source):
        return None
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    data = source.read()  # type: ignore[union-attr]
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _head(source: Source, data: bytes | None) -> bytes:
    if data is not None:
        return data[:_HEAD]
    with open(fspath(source), "rb") as fh:  # type: ignore[arg-type]
        return fh.read(_HEAD)


def _blocks(source: Source, data: bytes | None) -> Iterator[bytes]:
    if data is not None:
        view = memoryview(data)
        for start in range(0, len(data), _BLOCK):
            yield view[start:start + _BLOCK]  # type: ignore[misc]
        return
    with open(fspath(source), "rb") as fh:  # type: ignore[arg-type]
        while block := fh.read(_BLOCK):
            yield block


def _is_workbook(source: Source, filename: str | None, head: bytes) -> bool:
    name = filename or (fspath(source) if _is_path(source) else "")  # type: ignore[arg-type]
    if str(name).lower().endswith((".xlsx", ".xlsm")):
        return True
    return head.startswith(b"PK\x03\x04")  # a zip archive: no CSV starts so


def _header_text(head: bytes) -> str:
    text = head.decode("utf-8", errors="replace") if not _is_cp1252(head) \
        else head.decode("cp1252", errors="replace")
    return text.lstrip("\ufeff")


def _is_cp1252(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Not just a character cut at the end of the first bytes of a longer file.
        return len(head) < _HEAD or exc.start < len(head) - 4
    return False


def _separator(first_line: str) -> str:
    """The separator of the header: the most frequent of , ; and tab outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = [(unquoted.count(sep), -i, sep) for i, sep in enumerate(_SEPARATORS)]
    best = max(counts)
    return best[2] if best[0] else ","


def _csv_header(head: bytes) -> tuple[str, list[str]]:
    """(separator, header texts stripped) of a CSV file's first bytes."""
    text = _header_text(head)
    first = text.split("\n", 1)[0]
    sep = _separator(first)
    try:
        row = next(csv.reader(io.StringIO(text), delimiter=sep), [])
    except csv.Error:  # no CSV (a lone carriage return, binary bytes): as the line reads
        row = first.split(sep)
    return sep, [name.strip() for name in row]


@dataclass
class _Layout:
    """What one pass over the bytes finds: UTF-8 or not, and the fields and the first
    line of every record (the header is record 0)."""

    encoding: str | None  # None: not UTF-8
    fields: npt.NDArray[np.int64]
    lines: npt.NDArray[np.int64]


def _layout(blocks: Iterator[bytes], sep: str, bom: bool) -> _Layout:
    """Count fields per record on the bytes (both encodings keep ASCII as it is), with
    the double-quote rule: a separator or line break inside quotes is part of a field.
    Positions, not running sums: a block's separators and line breaks are found once
    and counted against each other by binary search."""
    delim = ord(sep)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    parity = 0
    total_delims = total_newlines = size = 0
    last_byte = 10
    end_delims: list[npt.NDArray[np.int64]] = []
    end_newlines: list[npt.NDArray[np.int64]] = []
    for block in blocks:
        b = np.frombuffer(block, dtype=np.uint8)
        if not len(b):
            continue
        if utf8_ok:
            try:
                utf8.decode(block)
            except UnicodeDecodeError:
                utf8_ok = False
        newlines = np.flatnonzero(b == 10)
        delims = np.flatnonzero(b == delim)
        quotes = np.flatnonzero(b == 34)
        if parity or len(quotes):
            # Inside quotes when an odd number of quotes (with the carried parity) precede.
            ends = newlines[((np.searchsorted(quotes, newlines) + parity) & 1) == 0]
            delims = delims[((np.searchsorted(quotes, delims) + parity) & 1) == 0]
            physical = np.searchsorted(newlines, ends) + 1
            parity = (parity + len(quotes)) & 1
        else:
            ends = newlines
            physical = np.arange(1, len(newlines) + 1, dtype=np.int64)
        end_delims.append(np.searchsorted(delims, ends) + total_delims)
        end_newlines.append(physical + total_newlines)
        total_delims += len(delims)
        total_newlines += len(newlines)
        size += len(b)
        last_byte = int(b[-1])
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    if size and (last_byte != 10 or parity):  # the last record has no line break
        end_delims.append(np.array([total_delims], dtype=np.int64))
        end_newlines.append(np.array([total_newlines], dtype=np.int64))
    ed = np.concatenate(end_delims) if end_delims else np.zeros(0, dtype=np.int64)
    en = np.concatenate(end_newlines) if end_newlines else np.zeros(0, dtype=np.int64)
    fields = np.diff(ed, prepend=0) + 1
    lines = np.concatenate([[0], en[:-1]]) + 1 if len(en) else en
    encoding = ("utf-8-sig" if bom else "utf-8") if utf8_ok else None
    return _Layout(encoding, fields, lines)


def _not_cp1252_line(blocks: Iterator[bytes]) -> int:
    """The line of the first byte Windows-1252 leaves undefined; 0 when there is none."""
    newlines = 0
    for block in blocks:
        b = np.frombuffer(block, dtype=np.uint8)
        undefined = np.flatnonzero(_CP1252_UNDEFINED[b])
        if len(undefined):
            return newlines + int(np.count_nonzero(b[:undefined[0]] == 10)) + 1
        newlines += int(np.count_nonzero(b == 10))
    return 0


def _layout_by_csv(text: str, sep: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Fields and first lines per record by the csv module: for a file whose quotes
    the byte count cannot follow (a quote inside an unquoted field)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    fields, lines = [], []
    start = 1
    for row in reader:
        fields.append(max(len(row), 1))
        lines.append(start)
        start = reader.line_num + 1
    return np.array(fields, dtype=np.int64), np.array(lines, dtype=np.int64)


@dataclass
class _Table:
    """The file's cells as texts, before the rules: positional category columns."""

    header: list[str]
    header_line: int
    frame: pd.DataFrame  # columns 0 .. len(header) - 1 as categories
    lines: npt.NDArray[np.int64]  # the line of each row
    shape_errors: list[RowError]  # rows whose fields do not fit the header
    bad_shape: npt.NDArray[np.bool_]
    warnings: list[RowError]
    letters: bool = False  # columns named by letter (a workbook) rather than by number


def _read_csv(source: Source, data: bytes | None, head: bytes
              ) -> tuple[_Table | None, list[RowError]]:
    if not head.strip():
        return None, [RowError(1, None, FILE_EMPTY)]
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary Excel format (.xls)
        return None, [RowError(0, None, FILE_OLD_EXCEL)]
    if b"\r" in head and b"\n" not in head:  # old Mac line ends: carriage returns only
        if data is None:
            with open(fspath(source), "rb") as fh:  # type: ignore[arg-type]
                data = fh.read()
        data = data.replace(b"\r", b"\n")
        head = data[:_HEAD]
    sep, header = _csv_header(head)
    if not any(header):
        return None, [RowError(1, None, HEADER_FIRST_LINE_EMPTY)]
    bom = head.startswith(codecs.BOM_UTF8)
    layout = _layout(_blocks(source, data), sep, bom)
    if layout.encoding is None:
        # Not UTF-8: Windows-1252 (Danish Excel's older "CSV"), unless a byte says otherwise.
        bad_line = _not_cp1252_line(_blocks(source, data))
        if bad_line:
            return None, [RowError(bad_line, None, FILE_NOT_TEXT)]
        layout.encoding = "cp1252"
    warnings = []
    if layout.encoding == "cp1252":
        warnings.append(RowError(0, None, WARN_WINDOWS_1252))
    if sep == ";":
        warnings.append(RowError(0, None, WARN_SEMICOLONS))
    elif sep == "\t":
        warnings.append(RowError(0, None, WARN_TABS))
    width = len(header)
    most = int(layout.fields.max()) if len(layout.fields) else width
    names = list(range(max(width, most)))
    try:
        frame = pd.read_csv(
            io.BytesIO(data) if data is not None else source,  # type: ignore[arg-type]
            sep=sep, header=0, names=names, usecols=list(range(width)), dtype="category",
            keep_default_na=False,  # keep texts such as "NA" as they are
            skip_blank_lines=False,  # keep every line: an empty one is reported
            skipinitialspace=True, encoding=layout.encoding, engine="c")
    except pd.errors.EmptyDataError:
        return None, [RowError(1, None, FILE_EMPTY)]
    except pd.errors.ParserError as exc:
        match = re.search(r"row (\d+)", str(exc))  # the record, the header being 0
        record = int(match.group(1)) if match else 0
        lines = layout.lines
        line = int(lines[min(record, len(lines) - 1)]) if len(lines) else 1
        return None, [RowError(line, None, FILE_BROKEN_CSV)]
    fields, lines = layout.fields[1:], layout.lines[1:]
    if len(fields) != len(frame):
        text = (data if data is not None else open(fspath(source), "rb").read()  # type: ignore[arg-type]  # noqa: SIM115
                ).decode(layout.encoding)
        fields, lines = _layout_by_csv(text, sep)
        fields, lines = fields[1:], lines[1:]
        if len(fields) != len(frame):  # cannot tell: trust the parser's rows
            fields = np.full(len(frame), width, dtype=np.int64)
            lines = np.arange(len(frame), dtype=np.int64) + 2
    shape_errors: list[RowError] = []
    bad = fields != width
    if bad.any():
        first = frame[0].cat.codes.to_numpy() if width else np.zeros(len(frame))
        texts = [str(t).strip() for t in frame[0].cat.categories] if width else []
        blank_text = np.array([not t for t in texts] + [True])
        blank = (fields == 1) & blank_text[first]
        for row in np.flatnonzero(bad):
            if blank[row]:
                shape_errors.append(RowError(int(lines[row]), None, LINE_EMPTY))
            else:
                message = (LINE_TOO_FEW if fields[row] < width
                           else LINE_TOO_MANY if sep == "," else LINE_TOO_MANY_SEPARATORS)
                shape_errors.append(RowError(int(lines[row]), None, message,
                                             {"found": int(fields[row]), "expected": width}))
    frame.columns = list(range(width))
    return _Table(header, 1, frame, lines.astype(np.int64), shape_errors, bad, warnings), []


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV file would have."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # A number typed as 7.3 is 7.3; a computed 19.200000000000003 is 19.2.
        return str(int(value)) if value.is_integer() else repr(round(value, 9))
    return str(value).strip()


def _open_workbook(source: Source, data: bytes | None) -> Any:
    import openpyxl
    if data is None:  # by its bytes: openpyxl refuses a path not named .xlsx
        with open(fspath(source), "rb") as fh:  # type: ignore[arg-type]
            data = fh.read()
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever breaks, the file is no workbook we can read
        return None


def _workbook_rows(source: Source, data: bytes | None) -> Generator[tuple[int, list[str]], None, None] | None:
    book = _open_workbook(source, data)
    if book is None:
        return None

    def rows() -> Generator[tuple[int, list[str]], None, None]:
        try:
            sheet = book.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                texts = [_cell_text(v) for v in values]
                if any(texts):  # empty rows (formatting only) are no data
                    yield number, texts
        finally:
            book.close()
    return rows()


def _read_xlsx(source: Source, data: bytes | None) -> tuple[_Table | None, list[RowError]]:
    rows = _workbook_rows(source, data)
    if rows is None:
        return None, [RowError(0, None, FILE_NOT_WORKBOOK)]
    try:
        first = next(rows, None)
    except Exception:  # noqa: BLE001 - a damaged sheet
        return None, [RowError(0, None, FILE_NOT_WORKBOOK)]
    if first is None:
        return None, [RowError(1, None, FILE_EMPTY)]
    header_line, header = first
    while header and not header[-1]:
        header.pop()
    width = len(header)
    cells: list[list[str]] = [[] for _ in range(width)]
    lines: list[int] = []
    shape_errors: list[RowError] = []
    try:
        for number, texts in rows:
            lines.append(number)
            for i in range(width):
                cells[i].append(texts[i] if i < len(texts) else "")
            for i in range(width, len(texts)):
                if texts[i]:
                    shape_errors.append(RowError(number, None, LINE_NO_HEADER,
                                                 {"position": _column_letter(i)}))
                    break
    except Exception:  # noqa: BLE001 - a damaged sheet
        return None, [RowError(0, None, FILE_NOT_WORKBOOK)]
    frame = pd.DataFrame({i: pd.Categorical(cells[i]) for i in range(width)},
                         index=pd.RangeIndex(len(lines)))
    bad = np.zeros(len(lines), dtype=bool)
    return _Table(header, header_line, frame, np.array(lines, dtype=np.int64), shape_errors,
                  bad, [], letters=True), []


def _column_letter(index: int) -> str:
    """A 0-based column's spreadsheet name: A, B, ..., Z, AA, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _read_table(source: Source, filename: str | None) -> tuple[_Table | None, list[RowError]]:
    data = _as_bytes(source)
    head = _head(source, data)
    if _is_workbook(source, filename, head):
        return _read_xlsx(source, data)
    return _read_csv(source, data, head)


def read_header(source: Source, *, filename: str | None = None) -> list[str]:
    """The file's header texts (stripped) as read, for the mapping step: only the first
    bytes of a CSV file; [] when there is none."""
    data = _as_bytes(source)
    head = _head(source, data)
    if _is_workbook(source, filename, head):
        rows = _workbook_rows(source, data)
        try:
            first = next(rows, None) if rows is not None else None
        except Exception:  # noqa: BLE001 - a damaged sheet: no header to show
            first = None
        if rows is not None:
            rows.close()
        if first is None:
            return []
        header = first[1]
        while header and not header[-1]:
            header.pop()
        return header
    return _csv_header(head)[1] if head.strip() else []


# --- the header: which column is which ------------------------------------------------

def _resolve(header: list[str], columns: dict[str, str] | None, line: int,
             with_line: bool = False) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """(format or group column name -> position, name -> the file's header text, errors).

    `columns` maps a header text to a column name ("" leaves the column out); other
    headers are read by the aliases, or kept under their own text."""
    mapping = {str(k).strip(): (v or "").strip() for k, v in (columns or {}).items()}
    errors = [RowError(line, None, HEADER_NOT_IN_FILE, {"column": name})
              for name in mapping if name not in header]
    seen: dict[str, int] = {}
    for text in header:
        if text:
            seen[text] = seen.get(text, 0) + 1
    errors += [RowError(line, text, HEADER_TWICE, {"column": text})
               for text, count in seen.items() if count > 1]
    by_name: dict[str, list[int]] = {}
    for position, text in enumerate(header):
        if not text:
            continue
        if text in mapping:
            name = mapping[text]
            if not name:
                continue
        else:
            name = ALIAS_COLUMN.get(header_key(text), text)
        by_name.setdefault(name, []).append(position)
    positions: dict[str, int] = {}
    display: dict[str, str] = {}
    for name, where in by_name.items():
        if len(where) > 1 and len({header[p] for p in where}) > 1:
            errors.append(RowError(line, None, HEADER_SAME_TARGET, {
                "columns": ", ".join(header[p] for p in where), "target": name}))
        if with_line and name == LINE:  # the ratings' own column of line numbers
            errors.append(RowError(line, header[where[0]], HEADER_RESERVED,
                                   {"column": header[where[0]]}))
        positions[name] = where[0]
        display[name] = header[where[0]]
    lacking = [c for c in REQUIRED_COLUMNS if c not in positions]
    if lacking:
        errors.append(RowError(line, None, HEADER_LACKS, {
            "columns": ", ".join(lacking), "header": ", ".join(t for t in header if t)}))
    return positions, display, errors


def plain_header(header: list[str]) -> bool:
    """The header is read as it stands, without aliases: every text is its own column
    name (the DuckDB readers, which take names as they are, may read such a file)."""
    positions, _, errors = _resolve(header, None, 1)
    return (not errors and all(header)
            and all(header[p] == name for name, p in positions.items()))


# --- the rules ----------------------------------------------------------------------

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
    """YYYY-MM-DD, or the Danish DD-MM-YYYY / DD.MM.YYYY."""
    s = text.strip()
    danish = _DANISH_DATE.match(s)
    if danish:
        day, month, year = danish.groups()
        s = f"{year}-{int(month):02d}-{int(day):02d}"
    elif not _DATE.match(s):
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


def _scores(frame: Columns, name: str, tenths_max: int,
            ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int32], npt.NDArray[np.float64],
                       tuple[npt.NDArray[np.intp], list[str]]]:
    """Status, tenths and raw value per row for a 0..max one-decimal score column, and
    the column's (codes, texts)."""
    codes, texts = frame.column(name)
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
    return status[codes], tenths[codes], values[codes], (codes, texts)


def _dates(frame: Columns, name: str,
           ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.datetime64],
                      tuple[npt.NDArray[np.intp], list[str]]]:
    """(missing, invalid, dates) per row, and the column's (codes, texts)."""
    codes, texts = frame.column(name)
    parsed = np.array([_parse_date(t) for t in texts], dtype="datetime64[D]")
    empty = np.array([not t.strip() for t in texts])
    missing = empty[codes]
    dates = parsed[codes]
    invalid = ~missing & np.isnat(dates)
    return missing, invalid, dates, (codes, texts)


@dataclass
class _Check:
    """Rows that break one rule, and how to say it: `values` name a parameter filled
    per row from a column's (codes, texts)."""

    mask: npt.NDArray[np.bool_]
    column: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    values: dict[str, tuple[npt.NDArray[np.intp], list[str]]] = field(default_factory=dict)


def _validate(cols: Columns, display: dict[str, str], lines: npt.NDArray[np.int64],
              skip: npt.NDArray[np.bool_]) -> tuple[pd.DataFrame | None, list[RowError]]:
    """The engine's frame, or the errors of every row (rows in `skip` are not checked:
    their fields do not fit the header and were reported)."""
    frame = cols
    n = frame.n
    checks: list[_Check] = []

    def shown(name: str) -> str:
        return display.get(name, name)

    for name in ("case_id", "person_id", "rater_id"):
        codes, texts = frame.column(name)
        empty = np.array([not t.strip() for t in texts])[codes]
        checks.append(_Check(empty, shown(name), FIELD_EMPTY, {"column": shown(name)}))

    codes, texts = frame.column("instrument")
    instrument_texts = np.array([t.strip() for t in texts], dtype=object)
    instrument_values = (codes, [str(t) for t in instrument_texts])
    instrument = instrument_texts[codes]
    known = np.isin(instrument_texts, INSTRUMENTS)[codes]
    empty_instrument = (instrument_texts == "")[codes]
    checks.append(_Check(empty_instrument, shown("instrument"), FIELD_EMPTY,
                         {"column": shown("instrument")}))
    checks.append(_Check(~known & ~empty_instrument, shown("instrument"),
                         FIELD_UNKNOWN_INSTRUMENT, {"expected": ", ".join(INSTRUMENTS)},
                         {"value": instrument_values}))
    four_line = np.isin(instrument_texts, FOUR_LINE_INSTRUMENTS)[codes]
    pictorial = np.isin(instrument_texts, PICTORIAL_INSTRUMENTS)[codes]
    needs_birth = np.isin(instrument_texts, NEEDS_BIRTH_DATE)[codes]

    d_missing, d_invalid, dates, d_values = _dates(frame, "date")
    date = shown("date")
    checks.append(_Check(d_missing, date, FIELD_EMPTY, {"column": date}))
    checks.append(_Check(d_invalid, date, FIELD_NOT_DATE, {"column": date}, {"value": d_values}))
    b_missing, b_invalid, births, b_values = _dates(frame, "birth_date")
    birth = shown("birth_date")
    checks.append(_Check(b_missing & needs_birth, birth, FIELD_REQUIRED_FOR, {"column": birth},
                         {"instrument": instrument_values}))
    checks.append(_Check(b_invalid, birth, FIELD_NOT_DATE, {"column": birth},
                         {"value": b_values}))
    with np.errstate(invalid="ignore"):
        born_later = ~np.isnat(births) & ~np.isnat(dates) & (births > dates)
    checks.append(_Check(born_later, birth, FIELD_BORN_AFTER, {"column": birth}))

    item_sum = np.zeros(n, dtype=np.int32)
    items_ok = four_line.copy()
    for name in ITEM_COLUMNS:
        status, tenths, _, values = _scores(frame, name, 100)
        item_sum += tenths
        items_ok &= status == OK
        item = shown(name)
        checks.append(_Check(four_line & (status == MISSING), item, FIELD_REQUIRED_FOR,
                             {"column": item}, {"instrument": instrument_values}))
        for code, message in ((NOT_NUMBER, FIELD_NOT_NUMBER), (OUT_OF_RANGE, FIELD_ITEM_RANGE),
                              (TOO_PRECISE, FIELD_TOO_PRECISE)):
            checks.append(_Check(four_line & (status == code), item, message, {"column": item},
                                 {"value": values}))

    t_status, t_tenths, t_value, t_values = _scores(frame, "total", 400)
    given = t_status != MISSING
    total = shown("total")
    # For a four-line instrument the total is a check of the items (within 0.05).
    checks.append(_Check(four_line & given & (t_status == NOT_NUMBER), total, FIELD_NOT_NUMBER,
                         {"column": total}, {"value": t_values}))
    with np.errstate(invalid="ignore"):
        mismatch = (four_line & items_ok & given & (t_status != NOT_NUMBER)
                    & ~(np.abs(t_value * 100 - item_sum * 10) <= 5 + 1e-6))
    sums = np.unique(item_sum[mismatch]) if mismatch.any() else np.zeros(0, dtype=np.int32)
    sum_codes = np.searchsorted(sums, item_sum).clip(0, max(len(sums) - 1, 0))
    checks.append(_Check(mismatch, total, FIELD_TOTAL_SUM, {"column": total},
                         {"value": t_values,
                          "sum": (sum_codes, [f"{s / 10:.1f}" for s in sums.tolist()] or [""])}))
    # YCORS/YCSRS: one pictorial choice scored 1-4, given as the total.
    with np.errstate(invalid="ignore"):
        bad_pictorial = pictorial & given & ~np.isin(t_value, [1.0, 2.0, 3.0, 4.0])
    checks.append(_Check(pictorial & ~given, total, FIELD_FACES_REQUIRED, {"column": total},
                         {"instrument": instrument_values}))
    checks.append(_Check(bad_pictorial, total, FIELD_FACES_VALUE, {"column": total},
                         {"value": t_values, "instrument": instrument_values}))

    found: list[tuple[int, int, RowError]] = []
    for order, check in enumerate(checks):
        rows = np.flatnonzero(check.mask & ~skip)
        for row in rows.tolist():
            params = dict(check.params)
            for key, (codes_, texts_) in check.values.items():
                params[key] = texts_[codes_[row]].strip()
            found.append((row, order, RowError(int(lines[row]), check.column, check.message,
                                               params)))
    if found or skip.any():
        found.sort(key=lambda item: (item[0], item[1]))
        return None, [error for _, _, error in found]

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
    return ratings, []


def _stripped(column: pd.Series) -> pd.Series:
    """A category column with surrounding spaces removed from its texts."""
    cats = column.cat.categories
    stripped = pd.Index([str(c).strip() for c in cats])
    if stripped.equals(cats):
        return column
    if stripped.is_unique:
        return column.cat.rename_categories(stripped)
    return column.astype(str).str.strip().astype("category")


# --- the entry points -------------------------------------------------------------------

def read_ratings_table(source: Source, *, filename: str | None = None,
                       columns: dict[str, str] | None = None) -> ReadResult:
    """Read and validate a ratings file: CSV or XLSX (the first sheet), all or nothing.

    source: a path, bytes or a binary file object; `filename` (the upload's name) tells
    an .xlsx file when the source is not a path (else its first bytes do). `columns`:
    {the file's header text -> the format's column name} from the mapping step ("" leaves
    a column out); headers not in it are read by the Danish aliases (columns.py) or kept
    as group columns under their own text.

    The ratings (empty when there is any error) are the engine's frame (see
    read_ratings_csv) plus `line`, the file's line number of each rating (so a file
    column named "line" must be mapped to another name).
    """
    return _read(source, filename, columns, fast=True, line=True)


def read_ratings_csv(source: Source, engine: str = "auto") -> ReadResult:
    """Read, validate and normalise a ratings file (read_ratings_table, without `line`).

    All or nothing: when any row breaks a rule the result has no ratings and
    lists every error with its line number.

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
    return _read(source, None, None, fast=engine != "pandas", line=False)


def _read(source: Source, filename: str | None, columns: dict[str, str] | None, *,
          fast: bool, line: bool) -> ReadResult:
    if isinstance(source, str) and not source:
        raise FileNotFoundError("no file named")
    if fast and _is_path(source) and not columns:
        # DuckDB, when installed, reads a large clean file several times faster;
        # any file it cannot take as it is goes to the pandas reader, which
        # reports every problem with its line number.
        head = _head(source, None)
        csv_file = head.strip() and not _is_workbook(source, filename, head)
        header = _csv_header(head)[1] if csv_file else []
        if header and plain_header(header) and not (line and LINE in header):
            from ._duckdb_reader import read_clean_with_duckdb

            ratings = read_clean_with_duckdb(source)  # type: ignore[arg-type]
            if ratings is not None:
                if line:
                    ratings[LINE] = np.arange(len(ratings), dtype=np.int64) + 2
                return ReadResult(ratings, [], [], header)
    table, errors = _read_table(source, filename)
    if table is None:
        return ReadResult(pd.DataFrame(), errors, [], [])
    positions, display, errors = _resolve(table.header, columns, table.header_line, line)
    if errors:
        return ReadResult(pd.DataFrame(), errors, table.warnings, table.header)
    unnamed = [p for p, text in enumerate(table.header) if not text]
    row_errors = list(table.shape_errors)
    if unnamed:
        row_errors += _values_without_header(table, unnamed)
    frame = table.frame[list(positions.values())]
    frame.columns = list(positions.keys())
    ratings, field_errors = _validate(PandasColumns(frame), display, table.lines,
                                      table.bad_shape)
    errors = sorted(row_errors + field_errors, key=lambda e: e.line)  # stable: row, then rule
    if errors or ratings is None:
        return ReadResult(pd.DataFrame(), errors, table.warnings, table.header)
    if line:
        ratings[LINE] = table.lines
    return ReadResult(ratings, [], table.warnings, table.header)


def _values_without_header(table: _Table, unnamed: list[int]) -> list[RowError]:
    """A row with a value under a column without a name: which value is it?"""
    errors = []
    has_value = np.zeros(len(table.frame), dtype=bool)
    where = np.full(len(table.frame), -1)
    for position in reversed(unnamed):
        cat = table.frame[position].cat
        filled = np.array([bool(str(t).strip()) for t in cat.categories] + [False])
        codes = cat.codes.to_numpy().astype(np.intp)
        value = filled[codes]
        where[value] = position
        has_value |= value
    for row in np.flatnonzero(has_value & ~table.bad_shape).tolist():
        position = int(where[row])
        errors.append(RowError(int(table.lines[row]), None, LINE_NO_HEADER, {
            "position": _column_letter(position) if table.letters else position + 1}))
    return errors
