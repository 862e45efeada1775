"""Fokus outcomes engine: pure Python (numpy/pandas/scipy/statsmodels, DuckDB for files), no Django.

Entry points for the Django side:

- read_ratings_table(source, filename=, columns=) -> ReadResult(ratings, errors, warnings,
  header)   validate + normalise a CSV or XLSX ratings file (every bad row, with its line)
- read_header(source, filename=) -> the file's header texts (for a mapping step)
- read_ratings_csv(path) -> ReadResult                      the same reader, as the engine reads
- prepare_ratings(frame) -> frame                            normalise rows from the DB
- build_series(ratings, settings, model, missing) -> frame   one row per outcome series
- summarise(series, exclude_flags) / summarise_groups(series, by)
- time_to_wellbeing(series, by) / kaplan_meier(durations, reached)
- rules: every FIT rule, once (age groups, cutoffs, reliable change, alliance,
  on-track colours, expected path, scales, the young child's faces)
- etr_path / etr_at / etr_target / expected_change / met_percent
- srs_alerts(ratings, settings)
- jacobson_truax(pre, post, reliability, ...)
- fit_local_etr(long, ...) / compare_time_scales(long, ...) with series_ratings(ratings)

Every name is imported on first use (PEP 562): numpy, pandas, scipy and
statsmodels take about a second to import, and `fokus outcomes --help` or a
command that needs only the settings should not wait for them.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

# name -> the submodule that defines it
_WHERE = {
    "srs_alerts": "alliance",
    **dict.fromkeys(("DEFAULT_MODEL", "PUBLISHED_SETS", "EtrModel", "EtrParameterSet", "etr_at",
                     "etr_path", "etr_target", "expected_change", "met_percent"), "etr"),
    "JacobsonTruaxResult": "jacobson_truax", "jacobson_truax": "jacobson_truax",
    "ReadResult": "ratings_csv", "RowError": "ratings_csv", "read_ratings_csv": "ratings_csv",
    "read_ratings_table": "ratings_csv", "read_header": "ratings_csv",
    "on_track_colour": "rules",
    "build_series": "series", "prepare_ratings": "series", "series_ratings": "series",
    "DEFAULT_SETTINGS": "settings", "OutcomeSettings": "settings", "to_tenths": "settings",
    "summarise": "summary", "summarise_groups": "summary",
    "kaplan_meier": "survival", "time_to_wellbeing": "survival",
    # statsmodels takes seconds to import: the calibration loads only when used.
    "LocalEtrFit": "calibration", "compare_time_scales": "calibration",
    "fit_local_etr": "calibration",
}

if TYPE_CHECKING:
    from . import rules
    from .alliance import srs_alerts
    from .calibration import LocalEtrFit, compare_time_scales, fit_local_etr
    from .etr import (
        DEFAULT_MODEL,
        PUBLISHED_SETS,
        EtrModel,
        EtrParameterSet,
        etr_at,
        etr_path,
        etr_target,
        expected_change,
        met_percent,
    )
    from .jacobson_truax import JacobsonTruaxResult, jacobson_truax
    from .ratings_csv import (
        ReadResult,
        RowError,
        read_header,
        read_ratings_csv,
        read_ratings_table,
    )
    from .rules import on_track_colour
    from .series import build_series, prepare_ratings, series_ratings
    from .settings import DEFAULT_SETTINGS, OutcomeSettings, to_tenths
    from .summary import summarise, summarise_groups
    from .survival import kaplan_meier, time_to_wellbeing


def __getattr__(name: str) -> Any:
    if name == "rules":
        return import_module(".rules", __name__)
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


__all__ = [
    "DEFAULT_MODEL", "DEFAULT_SETTINGS", "PUBLISHED_SETS", "EtrModel", "EtrParameterSet",
    "JacobsonTruaxResult", "LocalEtrFit", "OutcomeSettings", "ReadResult", "RowError",
    "build_series", "compare_time_scales", "etr_at", "etr_path", "etr_target",
    "expected_change", "fit_local_etr", "jacobson_truax", "kaplan_meier", "met_percent",
    "on_track_colour", "prepare_ratings", "read_header", "read_ratings_csv",
    "read_ratings_table", "rules", "series_ratings", "srs_alerts",
    "summarise", "summarise_groups", "time_to_wellbeing", "to_tenths",
]
