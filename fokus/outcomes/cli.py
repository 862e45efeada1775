"""`fokus outcomes --input FILE.csv [--by COLUMN] --json` (fit-reference.md section 6).

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
from .etr import DEFAULT_MODEL
from .ratings_csv import read_ratings_csv
from .series import FLAG_NAMES, build_series
from .settings import DEFAULT_SETTINGS
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
    parser.add_argument("--input", required=True, help="ratings CSV file (fit-reference.md 6)")
    parser.add_argument("--by", help="a column to summarise by (e.g. team_id)")
    parser.add_argument("--missing", help="optional CSV of missing ratings: "
                        "case_id, person_id, date, reason (rater_id optional)")
    parser.add_argument("--exclude", action="append", default=[], choices=list(FLAG_NAMES),
                        help="leave series with this validity flag out of the summaries "
                             "(repeatable); the series list still shows them")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["outcomes"]:  # called as `fokus outcomes ...`
        args_list = args_list[1:]
    args = build_parser().parse_args(args_list)
    try:
        read = read_ratings_csv(args.input)
    except OSError as exc:
        print(f"cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    if read.errors:
        for error in read.errors:
            print(f"{args.input}: {error}", file=sys.stderr)
        print(f"{len(read.errors)} error(s); nothing was imported", file=sys.stderr)
        return 2
    if args.by and args.by not in read.ratings.columns:
        print(f"{args.input}: line 1: no column {args.by!r} to group by", file=sys.stderr)
        return 2
    missing = None
    if args.missing:
        missing = pd.read_csv(args.missing, dtype=str, keep_default_na=False)
        absent = {"case_id", "person_id", "date", "reason"} - set(missing.columns)
        if absent:
            print(f"{args.missing}: line 1: missing column(s) {', '.join(sorted(absent))}",
                  file=sys.stderr)
            return 2

    settings, model = DEFAULT_SETTINGS, DEFAULT_MODEL
    series = build_series(read.ratings, settings, model, missing=missing)
    extra = [c for c in series.columns if c not in SERIES_FIELDS
             and c not in ("birth_date",) and not c.startswith("_")]
    output: dict[str, Any] = {
        "settings": {**settings.to_dict(), "etr_model": model.to_dict()},
        "series": series_records(series, extra),
        "summary": summarise(series, args.exclude),
    }
    output["summary"]["left_out"] = series.attrs.get("left_out", {})
    alerts = srs_alerts(read.ratings, settings)
    output["alliance"] = {"n_ratings": len(alerts), "n_alerts": int(alerts["alert"].sum()),
                          "n_below_cutoff": int(alerts["low"].sum()),
                          "n_drops": int(alerts["drop"].sum())}
    output["summary"]["time_to_wellbeing"] = time_to_wellbeing(series)
    if args.by:
        output["groups"] = summarise_groups(series, args.by, args.exclude)
        ttw = time_to_wellbeing(series, args.by)
        for key, group in output["groups"].items():
            group["time_to_wellbeing"] = ttw.get(key)
    if args.json:
        # dumps (not dump) uses the C encoder for the whole object.
        # The series records are built plain already; convert the rest.
        plain = _plain({k: v for k, v in output.items() if k != "series"})
        plain = {"settings": plain["settings"], "series": output["series"], **plain}
        sys.stdout.write(json.dumps(plain, ensure_ascii=False, allow_nan=False) + "\n")
    else:
        s = output["summary"]
        print(f"{s['n_series']} outcome series, {s['n_eligible']} with 2+ ratings")
        for key in ("mean_intake", "mean_change", "pre_post_es", "pct_recovered",
                    "pct_improved", "pct_unchanged", "pct_deteriorated", "pct_met_target"):
            value = s[key]
            print(f"  {key}: {'-' if value is None or value != value else f'{value:.2f}'}")
        print("(use --json for every figure with its interval)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
