"""Fokus outcomes engine: pure Python (numpy/pandas/scipy/statsmodels/lifelines), no Django.

Entry points for the Django side:

- read_ratings_csv(path) -> ReadResult(ratings, errors)    validate + normalise a CSV
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
"""

from typing import Any

from . import rules
from .alliance import srs_alerts
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
from .ratings_csv import ReadResult, RowError, read_ratings_csv
from .rules import on_track_colour
from .series import build_series, prepare_ratings, series_ratings
from .settings import DEFAULT_SETTINGS, OutcomeSettings, to_tenths
from .summary import summarise, summarise_groups
from .survival import kaplan_meier, time_to_wellbeing

_LAZY = {"LocalEtrFit", "compare_time_scales", "fit_local_etr"}


def __getattr__(name: str) -> Any:
    # statsmodels takes seconds to import; load the calibration only when used.
    if name in _LAZY:
        from . import calibration

        return getattr(calibration, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL", "DEFAULT_SETTINGS", "PUBLISHED_SETS", "EtrModel", "EtrParameterSet",
    "JacobsonTruaxResult", "LocalEtrFit", "OutcomeSettings", "ReadResult", "RowError",
    "build_series", "compare_time_scales", "etr_at", "etr_path", "etr_target",
    "expected_change", "fit_local_etr", "jacobson_truax", "kaplan_meier", "met_percent",
    "on_track_colour", "prepare_ratings", "read_ratings_csv", "rules", "series_ratings", "srs_alerts",
    "summarise", "summarise_groups", "time_to_wellbeing", "to_tenths",
]
