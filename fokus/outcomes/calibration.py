"""Local expected paths: the ETR model form fitted to an organisation's own series.

Model (docs/fit-definitions.md section 3, mixed-effects growth model):

    score_ij = sum_k (mean_k + by_intake_k * c_i) * t_ij^k + u0_i + u1_i * t_ij + e_ij
    c_i = intake_i - 20,  k = 0..3,  (u0, u1) random intercept and slope per series

fitted with statsmodels MixedLM (REML) on the ratings after intake (t > 0): the
intake rating is the covariate, and ETR(meeting 1) is the intake by definition.
Time is either the meeting number (t = meeting - 1) or the elapsed weeks since
intake (t = days / 7), capped at `flatten` as in the published model.

Prediction error is measured on held-back series (a random share of whole
series): the fixed-effects path from each held-back series' intake is compared
with its ratings after intake (RMSE, MAE), the use the path is put to.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from statsmodels.regression.mixed_linear_model import MixedLM

from .etr import DEFAULT_MODEL, EtrModel, EtrParameterSet

TimeScale = Literal["meeting", "weeks"]
DEFAULT_FLATTEN: dict[str, tuple[float, float]] = {
    # (flatten, target_flatten): the published meeting values; for weeks a
    # choice (half a year to the target, a year to the plateau) to be reviewed.
    "meeting": (9.0, 5.0),
    "weeks": (52.0, 26.0),
}
COEFFICIENT_NAMES = ("mean0", "mean1", "mean2", "mean3",
                     "byIntake0", "byIntake1", "byIntake2", "byIntake3")


@dataclass
class LocalEtrFit:
    """A fitted local parameter set with its uncertainty and prediction error."""

    parameter_set: EtrParameterSet
    time_scale: str
    coefficients: list[dict[str, float | str]]
    n_series: int
    n_ratings: int
    converged: bool
    random_effects: dict[str, float]
    holdout: dict[str, float | int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter_set": self.parameter_set.to_dict(),
            "time_scale": self.time_scale,
            "coefficients": self.coefficients,
            "n_series": self.n_series,
            "n_ratings": self.n_ratings,
            "converged": self.converged,
            "random_effects": self.random_effects,
            "holdout": self.holdout,
        }


def _time(long: pd.DataFrame, time_scale: str) -> npt.NDArray[np.float64]:
    if time_scale == "meeting":
        return long["meeting"].to_numpy(dtype=np.float64) - 1.0
    if time_scale == "weeks":
        return long["days"].to_numpy(dtype=np.float64) / 7.0
    raise ValueError(f"unknown time scale {time_scale!r}")


def split_series(long: pd.DataFrame, holdout_fraction: float, seed: int,
                 ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(train, test) row masks: a random share of whole series is held back."""
    ids = long["series"].unique()
    rng = np.random.default_rng(seed)
    n_test = int(round(len(ids) * holdout_fraction))
    test_ids = rng.choice(ids, size=n_test, replace=False) if n_test else ids[:0]
    test = long["series"].isin(test_ids).to_numpy()
    return ~test, test


def prediction_error(params: EtrParameterSet, long: pd.DataFrame,
                     time_scale: str | None = None) -> dict[str, float | int]:
    """RMSE and MAE of the fixed path against ratings after intake."""
    scale = time_scale or params.time_scale
    t = _time(long, scale)
    after = t > 0
    if not after.any():
        return {"n_series": 0, "n_ratings": 0, "rmse": math.nan, "mae": math.nan}
    part = long.loc[after]
    tt = np.minimum(t[after], params.flatten)
    predicted = params.value_at(part["intake"].to_numpy(dtype=np.float64), tt)
    err = part["score"].to_numpy(dtype=np.float64) - predicted
    return {"n_series": int(part["series"].nunique()), "n_ratings": int(len(part)),
            "rmse": float(np.sqrt(np.mean(err**2))), "mae": float(np.mean(np.abs(err)))}


def fit_local_etr(
    long: pd.DataFrame,
    time_scale: TimeScale = "meeting",
    flatten: float | None = None,
    target_flatten: float | None = None,
    name: str | None = None,
    source: str = "Fokus local calibration (statsmodels MixedLM, REML)",
    date: dt.date | None = None,
    holdout_fraction: float = 0.2,
    seed: int = 0,
) -> LocalEtrFit:
    """Fit the ETR form to long-form series (`series_ratings` output, closed series).

    `long` needs columns series, meeting, days, score, intake. Filter it to one
    age set (adult, or youth and child) before fitting, as the published sets do.
    """
    default_flatten, default_target = DEFAULT_FLATTEN[time_scale]
    flatten = default_flatten if flatten is None else flatten
    target_flatten = default_target if target_flatten is None else target_flatten
    train_mask, test_mask = split_series(long, holdout_fraction, seed)
    train = long.loc[train_mask]
    t_all = _time(train, time_scale)
    after = t_all > 0
    data = train.loc[after]
    # Scale time to [0, 1] for a well-conditioned fit; coefficients are scaled back.
    scale = float(flatten)
    t = np.minimum(t_all[after], flatten) / scale
    c = data["intake"].to_numpy(dtype=np.float64) - 20.0
    powers = np.column_stack([t**k for k in range(4)])
    exog = np.column_stack([powers, powers * c[:, None]])
    exog_re = np.column_stack([np.ones_like(t), t])
    model = MixedLM(data["score"].to_numpy(dtype=np.float64), exog,
                    groups=data["series"].to_numpy(), exog_re=exog_re)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is reported in the result
        result = model.fit(reml=True, method=["lbfgs", "powell"])
    fe = np.asarray(result.fe_params, dtype=np.float64)
    se = np.asarray(result.bse_fe, dtype=np.float64)
    unscale = np.array([scale**-k for k in range(4)] * 2)
    est = fe * unscale
    est_se = se * unscale
    coefficients: list[dict[str, float | str]] = [
        {"name": nm, "estimate": float(e), "se": float(s), "low": float(e - 1.96 * s),
         "high": float(e + 1.96 * s)}
        for nm, e, s in zip(COEFFICIENT_NAMES, est, est_se, strict=True)
    ]
    n_series = int(data["series"].nunique())
    params = EtrParameterSet(
        name=name or f"local ({time_scale})",
        source=source,
        date=date or dt.date.today(),  # noqa: DTZ011 - a calendar date label, no time zone
        n_series=n_series,
        mean=(float(est[0]), float(est[1]), float(est[2]), float(est[3])),
        by_intake=(float(est[4]), float(est[5]), float(est[6]), float(est[7])),
        flatten=float(flatten),
        target_flatten=float(target_flatten),
        max_meetings=int(flatten) + 3 if time_scale == "meeting" else int(flatten),
        time_scale=time_scale,
        extra={"coefficients": coefficients},
    )
    cov_re = np.asarray(result.cov_re, dtype=np.float64)
    random_effects = {
        "sd_intercept": float(math.sqrt(max(cov_re[0, 0], 0.0))),
        "sd_slope_per_unit_time": float(math.sqrt(max(cov_re[1, 1], 0.0)) / scale),
        "residual_sd": float(math.sqrt(result.scale)),
    }
    holdout = prediction_error(params, long.loc[test_mask]) if test_mask.any() else {}
    return LocalEtrFit(
        parameter_set=params, time_scale=time_scale, coefficients=coefficients,
        n_series=n_series, n_ratings=int(len(data)), converged=bool(result.converged),
        random_effects=random_effects, holdout=holdout,
    )


def compare_time_scales(long: pd.DataFrame, age_set: str = "youth",
                        holdout_fraction: float = 0.2, seed: int = 0,
                        model: EtrModel = DEFAULT_MODEL) -> dict[str, Any]:
    """Fit on meeting number and on elapsed weeks; report which predicts held-back series better.

    Both fits use the same split of series, and the published short-term set
    for `age_set` is scored on the same held-back ratings as a baseline.
    """
    fits = {scale: fit_local_etr(long, scale, holdout_fraction=holdout_fraction, seed=seed)
            for scale in ("meeting", "weeks")}
    _, test_mask = split_series(long, holdout_fraction, seed)
    published = prediction_error(model.short_set(age_set), long.loc[test_mask], "meeting")
    rmse = {scale: fit.holdout.get("rmse", math.nan) for scale, fit in fits.items()}
    better = min(rmse, key=lambda k: rmse[k] if not math.isnan(rmse[k]) else math.inf)
    return {"meeting": fits["meeting"], "weeks": fits["weeks"], "better": better,
            "holdout_rmse": rmse, "published_holdout": published}
