"""Time to wellbeing: Kaplan-Meier, docs/fit-definitions.md section 4.

Days from intake to the first rating above the cutoff; a series that never
crossed is censored at its last rating; only series with intake <= cutoff.

The estimator is lifelines' KaplanMeierFitter (with its exponential Greenwood
band and its median), computed here with the same numpy operations in the same
order, so the figures are lifelines' to the last bit (tests/outcomes/test_survival.py
compares them on many inputs) without lifelines' import and per-fit overhead
(at 100 groups that was most of a second each).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .summary import Z95

METHOD = ("Kaplan-Meier (lifelines KaplanMeierFitter); 95% interval of the median from "
          "lifelines' exponential Greenwood (log(-log)) pointwise band")


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _cumsum_ffill(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """pandas' Series.cumsum (NaN skipped, left NaN), then ffill: what lifelines does."""
    missing = np.isnan(values)
    if not missing.any():
        return np.cumsum(values)
    total = np.cumsum(np.where(missing, 0.0, values))
    total[missing] = np.nan
    index = np.where(~missing, np.arange(len(total)), 0)
    np.maximum.accumulate(index, out=index)
    return total[index]  # a NaN with nothing before it stays NaN


def _median(times: npt.NDArray[np.float64], survival: npt.NDArray[np.float64]) -> float:
    """lifelines' qth_survival_time(0.5, ...): the first time the curve is at or below 0.5."""
    if survival[-1] > 0.5:
        return math.inf
    return float(times[np.searchsorted(-survival, -0.5)])


def _fit(durations: npt.NDArray[np.float64], reached: npt.NDArray[np.bool_],
         ) -> tuple[npt.NDArray[np.float64], ...]:
    """(timeline, survival, low, high) as KaplanMeierFitter.fit gives them."""
    if not np.all(np.isfinite(durations)):
        raise ValueError("durations must be finite")
    n = len(durations)
    # The event table: the distinct durations and the entry time min(0, first duration),
    # with the ratings removed and the events observed at each.
    times, inverse = np.unique(durations, return_inverse=True)
    removed = np.bincount(inverse.reshape(-1), minlength=len(times)).astype(np.int64)
    observed = np.bincount(inverse.reshape(-1), weights=reached.astype(np.float64),
                           minlength=len(times)).astype(np.int64)
    birth = min(0.0, float(durations.min()))
    if times[0] != birth:
        times = np.r_[birth, times]
        removed = np.r_[0, removed]
        observed = np.r_[0, observed]
    # Everyone enters at the first row: at risk = n - removed before.
    before = np.r_[0, np.cumsum(removed)[:-1]]
    population = n - before
    deaths = observed
    with np.errstate(divide="ignore", invalid="ignore"):
        log_estimate = _cumsum_ffill(np.log(population - deaths) - np.log(population))
        pop = population.astype(np.float64)
        var = deaths / (pop * (pop - deaths.astype(np.float64)))
        var[var == np.inf] = 0.0
        cumulative_sq = _cumsum_ffill(var)
        survival = np.exp(log_estimate)
        v = np.log(survival)
        low = np.exp(-np.exp(np.log(-v) - Z95 * np.sqrt(cumulative_sq) / v))
        high = np.exp(-np.exp(np.log(-v) + Z95 * np.sqrt(cumulative_sq) / v))
    low[np.isnan(low)] = 1.0
    high[np.isnan(high)] = 1.0
    return times, survival, low, high


def kaplan_meier(durations: npt.ArrayLike, reached: npt.ArrayLike,
                 label: str = "all") -> dict[str, Any]:
    """Kaplan-Meier of time to wellbeing: median (days) with its 95% interval, and the curve.

    `durations` are days from intake; `reached` is True when the series crossed
    the cutoff (event) and False when it is censored at its last rating. A
    median (or interval end) not reached is None.
    """
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(reached, dtype=bool)
    result: dict[str, Any] = {"label": label, "n": int(len(d)), "n_reached": int(e.sum()),
                              "method": METHOD}
    if len(d) == 0:
        result.update(median_days=None, median_low=None, median_high=None,
                      curve={"days": [], "survival": [], "low": [], "high": []})
        return result
    times, survival, low, high = _fit(d, e)
    result.update(
        median_days=_finite(_median(times, survival)),
        median_low=_finite(_median(times, low)),
        median_high=_finite(_median(times, high)),
        curve={
            "days": times.tolist(),
            "survival": survival.tolist(),
            "low": low.tolist(),
            "high": high.tolist(),
        },
    )
    return result


def time_to_wellbeing(series: pd.DataFrame, by: str | None = None) -> dict[str, Any]:
    """Kaplan-Meier curves from `build_series` output, overall or by a group column."""
    usable = series.loc[series["ttw_eligible"]]
    if by is None:
        return kaplan_meier(usable["days_to_wellbeing"], usable["reached_wellbeing"])
    keys = usable[by].astype(object).where(usable[by].notna(), "").astype(str)
    return {str(value): kaplan_meier(part["days_to_wellbeing"], part["reached_wellbeing"],
                                     label=str(value))
            for value, part in usable.groupby(keys, sort=True)}
