"""Time to wellbeing: Kaplan-Meier (lifelines), docs/fit-definitions.md section 4.

Days from intake to the first rating above the cutoff; a series that never
crossed is censored at its last rating; only series with intake <= cutoff.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

METHOD = ("Kaplan-Meier (lifelines KaplanMeierFitter); 95% interval of the median from "
          "lifelines' exponential Greenwood (log(-log)) pointwise band")


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


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
    kmf = KaplanMeierFitter(label=label)
    kmf.fit(d, event_observed=e)
    ci = median_survival_times(kmf.confidence_interval_)
    curve = kmf.survival_function_.iloc[:, 0]
    band = kmf.confidence_interval_
    result.update(
        median_days=_finite(float(kmf.median_survival_time_)),
        median_low=_finite(float(ci.iloc[0, 0])),
        median_high=_finite(float(ci.iloc[0, 1])),
        curve={
            "days": [float(x) for x in curve.index],
            "survival": [float(x) for x in curve.to_numpy()],
            "low": [float(x) for x in band.iloc[:, 0].to_numpy()],
            "high": [float(x) for x in band.iloc[:, 1].to_numpy()],
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
