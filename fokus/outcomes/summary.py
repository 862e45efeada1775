"""Group summaries with n and 95% intervals (docs/fit-definitions.md section 6 item 8).

Each figure keeps its plain name (e.g. `pct_recovered`, a number) and gets an
entry in `intervals` with n, low, high and the method. `interval_methods`
explains each method once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

# scipy.special holds the quantile functions scipy.stats' norm.ppf and t.ppf call
# (ndtri, stdtrit): the same numbers (tested) without the second it takes to import
# scipy.stats.
from scipy.special import ndtri, stdtrit

from .series import CATEGORIES, FLAG_NAMES

Z95 = float(ndtri(0.975))  # = scipy.stats.norm.ppf(0.975)


def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with df degrees of freedom (= stats.t.ppf)."""
    return float(stdtrit(df, 0.975))

INTERVAL_METHODS: dict[str, str] = {
    "wilson": "Wilson score interval for a proportion (95%), in percent",
    "t": "t-interval for a mean: mean +/- t(0.975, n-1) * SD / sqrt(n)",
    "becker": (
        "pre-post effect size d = mean(change) / SD(intake): normal interval d +/- 1.96 * SE, "
        "SE^2 = 2(1 - r)/n + d^2/(2n), r = correlation of intake and last "
        "(Becker 1988, standardised mean change with the pre-test SD)"
    ),
}


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion, as fractions."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_interval(values: npt.ArrayLike) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return (mean, math.nan, math.nan, n)
    half = float(t_quantile(n - 1) * x.std(ddof=1) / math.sqrt(n))
    return (mean, mean - half, mean + half, n)


def pre_post_effect_size(intake: npt.ArrayLike, last: npt.ArrayLike,
                         ) -> tuple[float, float, float, int]:
    """(d, low, high, n): mean(change) / sample SD of intakes, Becker (1988) interval."""
    pre = np.asarray(intake, dtype=np.float64)
    post = np.asarray(last, dtype=np.float64)
    n = len(pre)
    if n < 2:
        return (math.nan, math.nan, math.nan, n)
    sd = float(pre.std(ddof=1))
    if sd == 0:
        return (math.nan, math.nan, math.nan, n)
    d = float((post - pre).mean() / sd)
    if n < 3 or float(post.std(ddof=1)) == 0:
        return (d, math.nan, math.nan, n)
    r = float(np.corrcoef(pre, post)[0, 1])
    se = math.sqrt(2 * (1 - r) / n + d * d / (2 * n))
    return (d, d - Z95 * se, d + Z95 * se, n)


def _interval(n: int, low: float, high: float, method: str) -> dict[str, Any]:
    return {"n": n, "low": low, "high": high, "method": method}


def summarise(series: pd.DataFrame, exclude_flags: Iterable[str] = ()) -> dict[str, Any]:
    """The group summary of a set of outcome series (from `build_series`).

    `exclude_flags` names validity flags (e.g. "sawtooth", "intake_above_ceiling",
    "missing_intake", "missing_last") whose series are left out; how many were
    left out is reported.
    """
    exclude = [f"flag_{name}" for name in exclude_flags]
    unknown = [name for name in exclude if name not in series.columns]
    if unknown:
        raise ValueError(f"unknown validity flag(s): {', '.join(unknown)}")
    # Column by column with masks (not a copy of the frame per subset): the same
    # values in the same order, so the same figures.
    n_all = len(series)
    dropped = (series[exclude].any(axis=1).to_numpy(dtype=bool) if exclude
               else np.zeros(n_all, dtype=bool))
    used = ~dropped
    eligible = used & series["eligible"].to_numpy(dtype=bool)
    n_elig = int(np.count_nonzero(eligible))

    def values(column: str, mask: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
        return np.asarray(series[column])[mask]

    out: dict[str, Any] = {"n_series": int(np.count_nonzero(used)), "n_eligible": n_elig}
    intervals: dict[str, dict[str, Any]] = {}

    for name, column in (("mean_intake", "intake"), ("mean_change", "change")):
        mean, low, high, n = t_interval(values(column, eligible))
        out[name] = mean
        intervals[name] = _interval(n, low, high, "t")
    d, low, high, n = pre_post_effect_size(values("intake", eligible), values("last", eligible))
    out["pre_post_es"] = d
    intervals["pre_post_es"] = _interval(n, low, high, "becker")
    # The same with the fixed SD of section 2: the mean of change / SD per series.
    mean, low, high, n = t_interval(values("effect_size", eligible))
    out["pre_post_es_fixed_sd"] = mean
    intervals["pre_post_es_fixed_sd"] = _interval(n, low, high, "t")

    category = values("category", eligible)
    counts = {cat: int(np.count_nonzero(category == cat)) for cat in CATEGORIES}
    for cat in CATEGORIES:
        _percent(out, intervals, f"pct_{cat}", counts[cat], n_elig)
    _percent(out, intervals, "pct_reliable_improvement",
             counts.get("recovered", 0) + counts.get("improved", 0), n_elig)
    # pct_reliable_improvement is by definition the sum of the two percentages.
    if n_elig:
        out["pct_reliable_improvement"] = out["pct_recovered"] + out["pct_improved"]

    with_etr = eligible & series["has_etr"].to_numpy(dtype=bool)
    n_etr = int(np.count_nonzero(with_etr))
    out["n_with_etr"] = n_etr
    _percent(out, intervals, "pct_met_target",
             int(series["met_target"][with_etr].astype(bool).sum()), n_etr)
    mean, low, high, n = t_interval(values("relative_effect_size", with_etr))
    out["mean_relative_es"] = mean
    intervals["mean_relative_es"] = _interval(n, low, high, "t")
    mean, low, high, n = t_interval(values("met_percent", with_etr))
    out["mean_met_percent"] = mean
    intervals["mean_met_percent"] = _interval(n, low, high, "t")

    out["signals"] = {k: int(v) for k, v in series["signal"][used].value_counts().items()}
    out["flags"] = {name: int(series[f"flag_{name}"].sum()) for name in FLAG_NAMES
                    if f"flag_{name}" in series.columns}
    out["excluded_by_flags"] = {"flags": list(exclude_flags), "n_series": int(dropped.sum())}
    out["missing_ratings_by_reason"] = (_missing_by_reason(series["missing_reasons"][used])
                                        if "missing_reasons" in series.columns else {})
    out["intervals"] = intervals
    out["interval_methods"] = dict(INTERVAL_METHODS)
    return out


def _percent(out: dict[str, Any], intervals: dict[str, dict[str, Any]], name: str,
             count: int, n: int) -> None:
    low, high = wilson(count, n)
    out[name] = 100.0 * count / n if n else math.nan
    intervals[name] = _interval(n, 100.0 * low, 100.0 * high, "wilson")


def _missing_by_reason(reasons_by_series: pd.Series) -> dict[str, int]:
    totals: dict[str, int] = {}
    for reasons in reasons_by_series.dropna():
        for reason, count in reasons.items():
            totals[reason] = totals.get(reason, 0) + int(count)
    return totals


def summarise_groups(series: pd.DataFrame, by: str, exclude_flags: Iterable[str] = (),
                     ) -> dict[str, dict[str, Any]]:
    """A summary per value of `by` (taken from each series' first rating)."""
    if by not in series.columns:
        raise KeyError(f"no column {by!r} in the series")
    flags = list(exclude_flags)
    keys = series[by].astype(object).where(series[by].notna(), "")
    # Only the columns summarise reads are split into the groups.
    used = series[[c for c in series.columns if c in _SUMMARY_COLUMNS or c.startswith("flag_")]]
    return {str(value): summarise(part, flags)
            for value, part in used.groupby(keys.astype(str), sort=True, observed=True)}


# The columns summarise reads (besides the flag_ columns).
_SUMMARY_COLUMNS = frozenset((
    "eligible", "intake", "change", "last", "effect_size", "category", "has_etr", "met_target",
    "relative_effect_size", "met_percent", "signal", "missing_reasons"))
