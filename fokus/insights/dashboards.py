"""The leaders' dashboards: pure functions from the engine's series frame
(`fokus.outcomes.build_series`) to the figures a dashboard, its CSV and the
quarterly PDF show. Every number comes from `fokus.outcomes` (summarise_groups,
time_to_wellbeing, difference_of_proportions); this module only picks, groups and
suppresses.

Suppression: a group with fewer series than the minimum (the Django setting
FOKUS_MIN_GROUP_SIZE, default 5, read by `dashboard_access`) is shown as "fewer
than N series" with no figures, and so is any single figure (or time-to-wellbeing
curve) resting on fewer than the minimum; the same rows feed the page, the CSV
and the PDF, so suppression holds everywhere. Figures per caseworker are never
computed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fokus.outcomes import summarise, summarise_groups, time_to_wellbeing
from fokus.outcomes.compare import difference_of_proportions

# The ways to group: the name in the form -> the series column.
GROUPINGS = {"team": "team_id", "intervention": "intervention", "age_group": "age_group",
             "rater": "rater", "period": "period"}

# The figures shown, in order: (key in the engine's summary, kind).
FIGURES = [
    ("pct_reliable_improvement", "percent"),
    ("pct_recovered", "percent"),
    ("pct_deteriorated", "percent"),
    ("pct_met_target", "percent"),
    ("pre_post_es", "effect"),
    ("mean_relative_es", "effect"),
]
PERCENT_FIGURES = [key for key, kind in FIGURES if kind == "percent"]
# A comparison with fewer series than this in a group gets a plain warning.
FEW_FOR_COMPARISON = 30


def quarter(day: Any) -> str:
    """'2025-Q3' for a date."""
    ts = pd.Timestamp(day)
    return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"


def with_period(series: pd.DataFrame) -> pd.DataFrame:
    """The series with a `period` column: the quarter of the series' first rating."""
    out = series.copy()
    if not len(out):
        out["period"] = []
        return out
    days = pd.to_datetime(out["first_date"])  # vectorised: quarter() for each row, at once
    out["period"] = days.dt.year.astype(str) + "-Q" + days.dt.quarter.astype(str)
    return out


def select(series: pd.DataFrame, *, team: int | None = None, intervention: str = "",
           period: str = "") -> pd.DataFrame:
    """The series matching the filters (team id, intervention type code, quarter)."""
    keep = pd.Series(True, index=series.index)
    if team is not None:
        keep &= series["team_id"].astype("Int64") == int(team)
    if intervention:
        keep &= series["intervention"].astype(str) == intervention
    if period:
        keep &= series["period"].astype(str) == period
    return series.loc[keep]


@dataclass
class Figure:
    key: str
    kind: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    suppressed: bool = False


@dataclass
class TimeToWellbeing:
    n: int
    n_reached: int
    median_days: float | None
    median_low: float | None
    median_high: float | None
    curve: dict = field(default_factory=dict)
    suppressed: bool = False


@dataclass
class GroupRow:
    key: str
    label: str
    n_series: int
    suppressed: bool
    n_eligible: int | None = None
    figures: list[Figure] = field(default_factory=list)
    ttw: TimeToWellbeing | None = None
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> (count, n)

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def _counts(summary: dict[str, Any]) -> dict[str, tuple[int, int]]:
    out = {}
    for key in PERCENT_FIGURES:
        n = int(summary["intervals"][key]["n"])
        value = summary[key]
        out[key] = (round(value * n / 100) if n and _num(value) is not None else 0, n)
    return out


def _row(key: str, label: str, summary: dict[str, Any], ttw: dict[str, Any] | None,
         min_size: int) -> GroupRow:
    n_series = int(summary["n_series"])
    if n_series < min_size:
        return GroupRow(key=key, label=label, n_series=n_series, suppressed=True)
    figures = []
    for name, kind in FIGURES:
        interval = summary["intervals"][name]
        n = int(interval["n"])
        hidden = n < min_size
        figures.append(Figure(name, kind, None if hidden else _num(summary[name]),
                              None if hidden else _num(interval["low"]),
                              None if hidden else _num(interval["high"]), n, hidden))
    t = None
    if ttw is not None:
        hidden = ttw["n"] < min_size
        t = TimeToWellbeing(ttw["n"], ttw["n_reached"],
                            None if hidden else ttw["median_days"],
                            None if hidden else ttw["median_low"],
                            None if hidden else ttw["median_high"],
                            {} if hidden else ttw["curve"], hidden)
    return GroupRow(key=key, label=label, n_series=n_series, suppressed=False,
                    n_eligible=int(summary["n_eligible"]), figures=figures, ttw=t,
                    counts=_counts(summary))


def _empty_ttw() -> dict[str, Any]:
    return {"n": 0, "n_reached": 0, "median_days": None, "median_low": None,
            "median_high": None, "curve": {}}


def group_rows(series: pd.DataFrame, by: str, *, min_size: int,
               labels: dict[str, str] | None = None) -> list[GroupRow]:
    """One row per group (`by` is a key of GROUPINGS), figures from the engine."""
    column = GROUPINGS[by]
    if series.empty:
        return []
    labels = labels or {}
    summaries = summarise_groups(series, column)
    curves = time_to_wellbeing(series, column)
    rows = [_row(key, labels.get(key, key) or "–", summary, curves.get(key, _empty_ttw()),
                 min_size)
            for key, summary in summaries.items()]
    return secondary_suppression(rows, min_size)


def secondary_suppression(rows: list[GroupRow], min_size: int) -> list[GroupRow]:
    """Suppress the smallest shown groups too while the suppressed groups together have
    fewer than `min_size` series: otherwise the total minus the shown groups would
    give the figures of a small group."""
    hidden = sum(r.n_series for r in rows if r.suppressed)
    while 0 < hidden < min_size:
        shown = [r for r in rows if not r.suppressed]
        if not shown:
            break
        smallest = min(shown, key=lambda r: (r.n_series, r.key))
        rows[rows.index(smallest)] = GroupRow(key=smallest.key, label=smallest.label,
                                              n_series=smallest.n_series, suppressed=True)
        hidden += smallest.n_series
    return rows


def overall_row(series: pd.DataFrame, *, min_size: int, label: str) -> GroupRow:
    """All the selected series together."""
    if series.empty:
        return GroupRow(key="", label=label, n_series=0, suppressed=True)
    return _row("", label, summarise(series), time_to_wellbeing(series), min_size)


@dataclass
class Difference:
    key: str
    a: Figure | None
    b: Figure | None
    difference: float | None  # percentage points, a - b
    low: float | None
    high: float | None
    clear: bool  # the interval of the difference leaves out 0


@dataclass
class Comparison:
    a: GroupRow
    b: GroupRow
    differences: list[Difference]
    suppressed: bool  # one of the groups is below the minimum: nothing is compared
    few: bool  # a group has fewer than FEW_FOR_COMPARISON series: a plain warning


def compare(a: GroupRow, b: GroupRow) -> Comparison:
    """Two groups (or periods) side by side: each percentage with its interval, and the
    difference in percentage points with Newcombe's interval."""
    if a.suppressed or b.suppressed:
        return Comparison(a, b, [], True, True)
    diffs = []
    for key in PERCENT_FIGURES:
        fa, fb = a.figure(key), b.figure(key)
        (xa, na), (xb, nb) = a.counts[key], b.counts[key]
        if fa is None or fb is None or fa.suppressed or fb.suppressed:
            diffs.append(Difference(key, fa, fb, None, None, None, False))
            continue
        d, low, high = difference_of_proportions(xa, na, xb, nb)
        if not math.isfinite(d):
            diffs.append(Difference(key, fa, fb, None, None, None, False))
            continue
        diffs.append(Difference(key, fa, fb, 100 * d, 100 * low, 100 * high,
                                low > 0 or high < 0))
    few = min(a.n_series, b.n_series) < FEW_FOR_COMPARISON
    return Comparison(a, b, diffs, False, few)
