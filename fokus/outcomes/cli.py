"""`fokus outcomes --input FILE.csv [--by COLUMN] --json` (docs/fit-definitions.md section 6).

Works without Django or a database. Exit codes: 0 success, 2 invalid input
(every error on stderr with its line number, nothing on stdout). The reader's
warnings (a semicolon-separated or Windows-1252 file) go to stderr too; in Danish
when the locale is Danish.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
from collections.abc import Iterator
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .settings import DEFAULT_SETTINGS, OutcomeSettings  # the standard library only

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from .engine import AllianceCounts

# numpy, pandas, DuckDB and scipy take most of a second to import: they are imported
# where they are used, so that `--help`, a wrong argument or a missing file answer at
# once; with a file, DuckDB starts on it first (scan.py needs only DuckDB, numpy and
# the rules) and pandas, scipy and the engine load in a thread meanwhile.

# = series.FLAG_NAMES (tested), here so that the parser needs no numpy.
FLAG_CHOICES = ("intake_above_ceiling", "sawtooth", "missing_intake", "missing_last")

SERIES_FIELDS = (
    "case_id", "person_id", "rater_id", "self_rating", "first_instrument", "first_date",
    "last_date", "age_at_intake", "age_group", "cutoff", "sd", "n_ratings", "span_days",
    "eligible", "intake", "last", "change", "category", "effect_size", "has_etr", "etr_target",
    "expected_change", "met_target", "met_percent", "relative_effect_size", "etr_last",
    "signal", "ttw_eligible", "reached_wellbeing", "days_to_wellbeing", "swings",
    "flag_intake_above_ceiling", "flag_sawtooth", "flag_missing_intake", "flag_missing_last",
    "n_missing", "missing_reasons",
)


def _plain(value: Any) -> Any:
    """JSON-ready value: NaN -> null, numpy scalars -> Python, dates -> ISO text."""
    import numpy as np
    import pandas as pd
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(type(v) is float and math.isfinite(v) for v in value):
            return list(value)  # a curve: already plain, skip the per-item work
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, np.datetime64 | pd.Timestamp):
        return str(pd.Timestamp(value).date())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _column_values(column: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values, converted a column at a time."""
    import numpy as np
    import pandas as pd
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        days = column.to_numpy().astype("datetime64[D]")
        return [None if d == "NaT" else d for d in np.datetime_as_string(days).tolist()]
    if pd.api.types.is_float_dtype(column.dtype):
        return [None if x != x or x in (math.inf, -math.inf) else x
                for x in column.to_numpy().tolist()]
    if pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return list(column.to_numpy().tolist())
    return [_plain(v) for v in column.astype(object).tolist()]


def series_records(series: pd.DataFrame, extra: list[str]) -> list[dict[str, Any]]:
    fields = [f for f in SERIES_FIELDS if f in series.columns] + extra
    columns = [_column_values(series[f]) for f in fields]
    return [dict(zip(fields, row, strict=True)) for row in zip(*columns, strict=True)]


# --- the series as JSON text, a column at a time --------------------------------
#
# The same text as json.dumps(series_records(...), ensure_ascii=False) (tested), built
# without a dict per series: each column becomes its JSON texts at once (a float
# column through its distinct values, as most are tenths, cutoffs or few ratios),
# and one %-template per row joins them. At 100,000 series this is several times
# faster than building the records and encoding them.

_encode_str = json.encoder.encode_basestring  # what json.dumps uses with ensure_ascii=False


def _take(texts: list[str], codes: npt.NDArray[np.intp], prefix: str) -> list[str]:
    """prefix + texts[code] for each code: each distinct text is built once."""
    import numpy as np
    return np.array([prefix + t for t in texts], dtype=object)[codes].tolist()


def _coded(known: npt.NDArray[np.bool_], inverse: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Codes into ["null", *distinct]: 0 where a value is missing."""
    import numpy as np
    codes = np.zeros(len(known), dtype=np.intp)
    codes[known] = inverse.reshape(-1) + 1
    return codes


def _float_texts(values: npt.NDArray[np.float64], prefix: str) -> list[str]:
    """repr of each float as json.dumps writes it; NaN and +-inf as null."""
    import numpy as np
    finite = np.isfinite(values)
    good = values[finite]
    if np.any((good == 0) & np.signbit(good)):  # -0.0: np.unique would merge it with 0.0
        return [prefix + (float.__repr__(x) if math.isfinite(x) else "null")
                for x in values.tolist()]
    # The distinct values once (most columns are tenths, cutoffs or a few ratios).
    unique, inverse = np.unique(good, return_inverse=True)
    return _take(["null", *map(float.__repr__, unique.tolist())], _coded(finite, inverse),
                 prefix)


def _value_text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return float.__repr__(value) if math.isfinite(value) else "null"
    return json.dumps(_plain(value), ensure_ascii=False, allow_nan=False)


def _column_json(column: pd.Series, prefix: str = "") -> list[str]:
    """prefix + each value of the column as JSON text: the values of _column_values,
    encoded as json.dumps does."""
    import numpy as np
    import pandas as pd
    dtype = column.dtype
    numpy_dtype = not isinstance(dtype, pd.api.extensions.ExtensionDtype)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        days = column.to_numpy().astype("datetime64[D]")
        known = ~np.isnat(days)
        unique, inverse = np.unique(days[known], return_inverse=True)
        texts = ['"' + d + '"' for d in np.datetime_as_string(unique).tolist()]
        return _take(["null", *texts], _coded(known, inverse), prefix)
    if pd.api.types.is_float_dtype(dtype):
        return _float_texts(column.to_numpy(dtype=np.float64, na_value=np.nan), prefix)
    if numpy_dtype and pd.api.types.is_bool_dtype(dtype):
        return _take(["false", "true"], column.to_numpy().astype(np.intp), prefix)
    if numpy_dtype and pd.api.types.is_integer_dtype(dtype):
        unique, inverse = np.unique(column.to_numpy(), return_inverse=True)
        return _take(list(map(int.__repr__, unique.tolist())), inverse.reshape(-1), prefix)
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "boolean", "empty"):
        # Text (or True/False) with None/NaN as null: each distinct value encoded once.
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        texts = [_value_text(v) for v in uniques.tolist()]
        return _take(["null", *texts], np.asarray(codes, dtype=np.intp) + 1, prefix)
    return [prefix + _value_text(v) for v in column.astype(object).tolist()]


def series_json(series: pd.DataFrame, extra: list[str]) -> str:
    """json.dumps(series_records(series, extra), ensure_ascii=False), built by column."""
    return "".join(series_json_chunks(series, extra))


def series_json_chunks(series: pd.DataFrame, extra: list[str],
                       rows: int = 10_000) -> Iterator[str]:
    """series_json's text in pieces of `rows` series each, so that a writer need not
    hold (and copy) the whole text at once."""
    fields = [f for f in SERIES_FIELDS if f in series.columns] + extra
    n = len(series)
    if not n:
        yield "[]"
        return
    if not fields:
        yield "[" + ", ".join(["{}"] * n) + "]"
        return
    # One flat list of pieces, each `"key": value` with its separator, joined a chunk
    # of rows at a time.
    width = len(fields)
    parts: list[str] = [""] * (width * n)
    for j, name in enumerate(fields):
        parts[j::width] = _column_json(series[name], ("}, {" if j == 0 else ", ")
                                       + _encode_str(name) + ": ")
    parts[0] = "[{" + parts[0][4:]
    parts.append("}]")
    step = width * rows
    for start in range(0, len(parts), step):
        yield "".join(parts[start:start + step])


class SeriesTable:
    """The `series` of an output that json_text writes by column (series_json); `records()`
    gives the list of dicts that build_output(records=True) puts there."""

    def __init__(self, series: pd.DataFrame, extra: list[str]) -> None:
        self.series, self.extra = series, extra

    def records(self) -> list[dict[str, Any]]:
        return series_records(self.series, self.extra)

    def json(self) -> str:
        return series_json(self.series, self.extra)

    def json_chunks(self) -> Iterator[str]:
        return series_json_chunks(self.series, self.extra)

    def __len__(self) -> int:
        return len(self.series)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fokus outcomes",
        description="Outcome series and group summary of a ratings CSV file.")
    parser.add_argument("--input", required=True,
                        help="ratings file, CSV or XLSX (docs/fit-definitions.md 6)")
    parser.add_argument("--by", help="a column to summarise by (e.g. team_id)")
    parser.add_argument("--missing", help="optional CSV of missing ratings: "
                        "case_id, person_id, date, reason (rater_id optional)")
    parser.add_argument("--exclude", action="append", default=[], choices=list(FLAG_CHOICES),
                        help="leave series with this validity flag out of the summaries "
                             "(repeatable); the series list still shows them")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _ratings_columns(path: str) -> dict[str, str]:
    """The columns of read_ratings_csv(path).ratings for a valid file, from its header:
    {a name --by may give (the column's name, or the file's header text) -> the column}."""
    from .ratings_csv import KNOWN_COLUMNS, REQUIRED_COLUMNS, _resolve, read_header
    header = read_header(path)
    positions, display, _ = _resolve(header, None, 1)
    names = {*REQUIRED_COLUMNS, "birth_date", "score_t"} | {
        c for c in positions if c not in KNOWN_COLUMNS}
    by_text = {display[c]: c for c in names if c in display}
    return {**by_text, **{c: c for c in names}}


def gettext_noop(text: str) -> str:
    """Marks a msgid (the command translates at print time: _translator)."""
    return text


# The command's own words around the reader's messages (Danish in fokus/locale).
WHERE_LINE = gettext_noop("line %(line)s")
WHERE_LINE_COLUMN = gettext_noop("line %(line)s, column %(column)s")
WHERE_FILE = gettext_noop("the file")
WARNING = gettext_noop("warning")
N_ERRORS = gettext_noop("%(count)s error(s); nothing was imported")
CLI_MESSAGES = (WHERE_LINE, WHERE_LINE_COLUMN, WHERE_FILE, WARNING, N_ERRORS)


def _translator() -> Any:
    """gettext for the command's messages: Danish when LANGUAGE, LC_ALL, LC_MESSAGES or
    LANG starts with "da" (the compiled catalogue is read as a file: no Django), else
    English (the msgids)."""
    import gettext
    import os
    from pathlib import Path
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            if not value.startswith("da"):
                break
            catalogue = Path(__file__).resolve().parents[1] / "locale" / "da" / "LC_MESSAGES" / "django.mo"
            try:
                with open(catalogue, "rb") as fh:
                    return gettext.GNUTranslations(fh).gettext
            except OSError:
                break
    return lambda text: text


def render(error: Any, translate: Any) -> str:
    """A reader's RowError as the command prints it: where, then the message."""
    if not error.line:
        where = translate(WHERE_FILE)
    elif error.column:
        where = translate(WHERE_LINE_COLUMN) % {"line": error.line, "column": error.column}
    else:
        where = translate(WHERE_LINE) % {"line": error.line}
    return f"{where}: {error.text(translate)}"


def alliance_counts(ratings: pd.DataFrame, settings: OutcomeSettings) -> AllianceCounts:
    """The alliance figures of a ratings frame in the engine's form (srs_alerts): the
    reference path, and the database's ratings (`fokus outcomes --organisation`)."""
    from .alliance import srs_alerts
    from .engine import AllianceCounts
    alerts = srs_alerts(ratings, settings)
    return AllianceCounts(len(alerts), int(alerts["alert"].sum()), int(alerts["low"].sum()),
                          int(alerts["drop"].sum()))


def build_output(series: pd.DataFrame, alliance: AllianceCounts, by: str | None,
                 exclude: list[str], settings: OutcomeSettings = DEFAULT_SETTINGS,
                 model: Any = None, *, records: bool = True) -> dict[str, Any]:
    """The output object (before JSON conversion) from the series and alliance counts.

    records=False leaves `series` as a SeriesTable, which json_text writes by column
    (the same text, several times faster on many series): what the commands use."""
    from .etr import DEFAULT_MODEL
    from .summary import summarise, summarise_groups
    from .survival import time_to_wellbeing
    model = DEFAULT_MODEL if model is None else model
    extra = [c for c in series.columns if c not in SERIES_FIELDS
             and c not in ("birth_date",) and not c.startswith("_")]
    table = SeriesTable(series, extra)
    output: dict[str, Any] = {
        "settings": {**settings.to_dict(), "etr_model": model.to_dict()},
        "series": table.records() if records else table,
        "summary": summarise(series, exclude),
    }
    output["summary"]["left_out"] = series.attrs.get("left_out", {})
    output["alliance"] = {"n_ratings": alliance.n_ratings, "n_alerts": alliance.n_alerts,
                          "n_below_cutoff": alliance.n_below_cutoff,
                          "n_drops": alliance.n_drops}
    output["summary"]["time_to_wellbeing"] = time_to_wellbeing(series)
    if by:
        output["groups"] = summarise_groups(series, by, exclude)
        ttw = time_to_wellbeing(series, by)
        for key, group in output["groups"].items():
            group["time_to_wellbeing"] = ttw.get(key)
    return output


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def json_text(output: dict[str, Any]) -> str:
    """The output as one line of JSON: settings, series, then the rest in their order."""
    return "".join(json_chunks(output))


def json_chunks(output: dict[str, Any]) -> Iterator[str]:
    """json_text in pieces (the series a few thousand at a time): what the command writes."""
    # The series records are built plain already (or written by column); convert the rest.
    plain = _plain({k: v for k, v in output.items() if k not in ("settings", "series")})
    series = output["series"]
    rest = _dumps(plain)[1:-1]  # the other members, without the braces
    yield '{"settings": ' + _dumps(_plain(output["settings"])) + ', "series": '
    if isinstance(series, SeriesTable):
        yield from series.json_chunks()
    else:
        yield _dumps(series)
    yield (", " + rest if rest else "") + "}\n"


def _load_engine() -> None:
    """Import what the command needs after the scan (in a thread, during the scan)."""
    try:
        for name in ("engine", "summary", "survival"):
            import_module(f".{name}", __package__)
    except Exception:  # noqa: BLE001, S110 - the main thread imports them again and reports
        pass


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["outcomes"]:  # called as `fokus outcomes ...`
        args_list = args_list[1:]
    args = build_parser().parse_args(args_list)
    try:  # an unreadable file is answered before the libraries load
        with open(args.input, "rb"):
            pass
    except OSError as exc:
        print(f"cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    # The work starts at once: DuckDB scans the file while pandas, scipy and the rest
    # of the engine load in another thread (DuckDB releases the GIL while it runs).
    from .scan import scan_csv

    loader = threading.Thread(target=_load_engine, name="fokus-outcomes-load", daemon=True)
    loader.start()
    try:
        # A workbook goes to the reader (engine.series_from_csv knows it by its name).
        workbook = args.input.lower().endswith((".xlsx", ".xlsm"))
        scanned = None if workbook else scan_csv(args.input)
    finally:
        loader.join()
    import pandas as pd

    from .engine import series_from_csv
    from .etr import DEFAULT_MODEL
    from .ratings_csv import read_ratings_csv

    missing = None
    missing_absent: set[str] = set()
    missing_failed: Exception | None = None
    if args.missing:
        try:
            missing = pd.read_csv(args.missing, dtype=str, keep_default_na=False)
        except Exception as exc:  # noqa: BLE001 - raised below, after the ratings checks
            missing_failed = exc
        else:
            missing_absent = {"case_id", "person_id", "date", "reason"} - set(missing.columns)
            if missing_absent:
                missing = None  # reported below, after any error in the ratings file
    settings, model = DEFAULT_SETTINGS, DEFAULT_MODEL
    # The outcome series stream through DuckDB when the file allows (the same
    # frame and errors as read_ratings_csv + build_series, far less memory).
    # Every extra column is a group column, as build_series does by default,
    # so the series records list the same columns as before.
    try:
        result = series_from_csv(args.input, settings, model, missing=missing, scanned=scanned)
    except OSError as exc:
        print(f"cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    translate = _translator()
    for warning in result.warnings:
        print(f"{args.input}: {translate(WARNING)}: {render(warning, translate)}",
              file=sys.stderr)
    if result.errors:
        for error in result.errors:
            print(f"{args.input}: {render(error, translate)}", file=sys.stderr)
        print(translate(N_ERRORS) % {"count": len(result.errors)}, file=sys.stderr)
        return 2
    if args.by:
        by_column = _ratings_columns(args.input).get(args.by)
        if by_column is None:
            print(f"{args.input}: line 1: no column {args.by!r} to group by", file=sys.stderr)
            return 2
        args.by = by_column
    if missing_failed is not None:
        raise missing_failed
    if missing_absent:
        print(f"{args.missing}: line 1: missing column(s) {', '.join(sorted(missing_absent))}",
              file=sys.stderr)
        return 2
    # The DuckDB path counts the alliance ratings in the same scan of the file.
    counts = result.alliance
    if counts is None:  # the reference path: the pandas frame, as before
        try:
            read = read_ratings_csv(args.input)
        except OSError as exc:
            print(f"cannot read {args.input}: {exc}", file=sys.stderr)
            return 2
        counts = alliance_counts(read.ratings, settings)
    output = build_output(result.series, counts, args.by, args.exclude, settings, model,
                          records=False)
    if args.json:
        for chunk in json_chunks(output):
            sys.stdout.write(chunk)
    else:
        write_output(output, False, sys.stdout)
    return 0


def write_output(output: dict[str, Any], as_json: bool, stream: Any) -> None:
    """The output as one line of JSON, or (without --json) a short text summary."""
    if as_json:
        stream.write(json_text(output))
        return
    s = output["summary"]
    lines = [f"{s['n_series']} outcome series, {s['n_eligible']} with 2+ ratings"]
    for key in ("mean_intake", "mean_change", "pre_post_es", "pct_recovered",
                "pct_improved", "pct_unchanged", "pct_deteriorated", "pct_met_target"):
        value = s[key]
        lines.append(f"  {key}: {'-' if value is None or value != value else f'{value:.2f}'}")
    lines.append("(use --json for every figure with its interval)")
    stream.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
