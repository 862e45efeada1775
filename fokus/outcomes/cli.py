"""`fokus outcomes --input FILE.csv [--by COLUMN] --json` (docs/fit-definitions.md section 6).

Works without Django or a database. Exit codes: 0 success, 2 invalid input
(every error on stderr with its line number, nothing on stdout).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import numpy as np
import pandas as pd

from .alliance import srs_alerts
from .engine import AllianceCounts, alliance_counts_from_csv, series_from_csv
from .etr import DEFAULT_MODEL
from .ratings_csv import KNOWN_COLUMNS, REQUIRED_COLUMNS, read_ratings_csv
from .series import FLAG_NAMES
from .settings import DEFAULT_SETTINGS, OutcomeSettings
from .summary import summarise, summarise_groups
from .survival import time_to_wellbeing

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fokus outcomes",
        description="Outcome series and group summary of a ratings CSV file.")
    parser.add_argument("--input", required=True, help="ratings CSV file (docs/fit-definitions.md 6)")
    parser.add_argument("--by", help="a column to summarise by (e.g. team_id)")
    parser.add_argument("--missing", help="optional CSV of missing ratings: "
                        "case_id, person_id, date, reason (rater_id optional)")
    parser.add_argument("--exclude", action="append", default=[], choices=list(FLAG_NAMES),
                        help="leave series with this validity flag out of the summaries "
                             "(repeatable); the series list still shows them")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _ratings_columns(path: str) -> set[str]:
    """The columns of read_ratings_csv(path).ratings for a valid file, from its header."""
    header = pd.read_csv(path, nrows=0, dtype=str, keep_default_na=False,
                         skipinitialspace=True, encoding="utf-8")
    names = [str(c).strip() for c in header.columns]
    return ({*REQUIRED_COLUMNS, "birth_date", "score_t"}
            | {c for c in names if c not in KNOWN_COLUMNS})


def alliance_counts(ratings: pd.DataFrame, settings: OutcomeSettings) -> AllianceCounts:
    """The alliance figures of a ratings frame in the engine's form (srs_alerts): the
    reference path, and the database's ratings (`fokus outcomes --organisation`)."""
    alerts = srs_alerts(ratings, settings)
    return AllianceCounts(len(alerts), int(alerts["alert"].sum()), int(alerts["low"].sum()),
                          int(alerts["drop"].sum()))


def build_output(series: pd.DataFrame, alliance: AllianceCounts, by: str | None,
                 exclude: list[str], settings: OutcomeSettings = DEFAULT_SETTINGS,
                 model: Any = DEFAULT_MODEL) -> dict[str, Any]:
    """The output object (before JSON conversion) from the series and alliance counts."""
    extra = [c for c in series.columns if c not in SERIES_FIELDS
             and c not in ("birth_date",) and not c.startswith("_")]
    output: dict[str, Any] = {
        "settings": {**settings.to_dict(), "etr_model": model.to_dict()},
        "series": series_records(series, extra),
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


def json_text(output: dict[str, Any]) -> str:
    """The output as one line of JSON."""
    # dumps (not dump) uses the C encoder for the whole object.
    # The series records are built plain already; convert the rest.
    plain = _plain({k: v for k, v in output.items() if k != "series"})
    plain = {"settings": plain["settings"], "series": output["series"], **plain}
    return json.dumps(plain, ensure_ascii=False, allow_nan=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["outcomes"]:  # called as `fokus outcomes ...`
        args_list = args_list[1:]
    args = build_parser().parse_args(args_list)
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
        result = series_from_csv(args.input, settings, model, missing=missing)
    except OSError as exc:
        print(f"cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    if result.errors:
        for error in result.errors:
            print(f"{args.input}: {error}", file=sys.stderr)
        print(f"{len(result.errors)} error(s); nothing was imported", file=sys.stderr)
        return 2
    if args.by and args.by not in _ratings_columns(args.input):
        print(f"{args.input}: line 1: no column {args.by!r} to group by", file=sys.stderr)
        return 2
    if missing_failed is not None:
        raise missing_failed
    if missing_absent:
        print(f"{args.missing}: line 1: missing column(s) {', '.join(sorted(missing_absent))}",
              file=sys.stderr)
        return 2
    counts = alliance_counts_from_csv(args.input, settings) if result.path == "duckdb" else None
    if counts is None:  # the reference path: the pandas frame, as before
        try:
            read = read_ratings_csv(args.input)
        except OSError as exc:
            print(f"cannot read {args.input}: {exc}", file=sys.stderr)
            return 2
        counts = alliance_counts(read.ratings, settings)
    output = build_output(result.series, counts, args.by, args.exclude, settings, model)
    write_output(output, args.json, sys.stdout)
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
