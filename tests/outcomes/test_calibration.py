"""Local expected paths: the mixed model recovers parameters it was simulated from."""

import json

import numpy as np
import pandas as pd

from fokus.outcomes import compare_time_scales, fit_local_etr
from fokus.outcomes.etr import SHORT_TERM_YOUTH, EtrParameterSet

TRUE = SHORT_TERM_YOUTH


def simulate(n_series=300, seed=7):
    """Series from the published short-term youth set with random intercepts and slopes."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(n_series):
        intake = round(float(rng.uniform(6, 32)), 1)
        n = int(rng.integers(4, 11))
        t = np.arange(n, dtype=float)
        days = np.r_[0, np.cumsum(rng.integers(7, 90, n - 1))]
        u0, u1 = rng.normal(0, 1.5), rng.normal(0, 0.25)
        score = TRUE.value_at(np.full(n, intake), np.minimum(t, TRUE.flatten)) + u0 + u1 * t
        score = score + rng.normal(0, 1.5, n)
        score[0] = intake
        parts.append(pd.DataFrame({"series": i, "meeting": t + 1, "days": days,
                                   "score": score, "intake": intake}))
    return pd.concat(parts, ignore_index=True)


def test_meeting_fit_recovers_the_published_youth_set():
    fit = fit_local_etr(simulate(), "meeting", holdout_fraction=0.2, seed=1)
    truth = list(TRUE.mean) + list(TRUE.by_intake)
    for coef, true in zip(fit.coefficients, truth, strict=True):
        # Within 4 standard errors, and the interval is honest about it.
        assert abs(coef["estimate"] - true) < 4 * coef["se"], coef
    # The path itself: targets within 0.5 points over the intake range.
    for intake in (10.0, 20.0, 30.0):
        assert abs(fit.parameter_set.target(intake)[0] - TRUE.target(intake)[0]) < 0.5
    assert fit.n_series == 240 and fit.converged
    assert fit.holdout["n_series"] == 60 and fit.holdout["rmse"] < 3.0
    # The parameter set is plain data the Django side can store and load.
    data = json.loads(json.dumps(fit.to_dict()))
    loaded = EtrParameterSet.from_dict(data["parameter_set"])
    assert loaded.mean == fit.parameter_set.mean and loaded.n_series == 240


def test_time_scales_are_compared_on_the_same_held_back_series():
    result = compare_time_scales(simulate(n_series=200, seed=3), seed=2)
    # Simulated on meeting number with irregular gaps: meetings predict better.
    assert result["better"] == "meeting"
    assert result["holdout_rmse"]["meeting"] < result["holdout_rmse"]["weeks"]
    assert result["meeting"].holdout["n_ratings"] == result["weeks"].holdout["n_ratings"]
    # The published set generated the data, so it predicts about as well as the local fit.
    assert abs(result["published_holdout"]["rmse"] - result["holdout_rmse"]["meeting"]) < 0.3


def test_series_ratings_gives_the_long_form_for_fitting():
    from fokus.outcomes import prepare_ratings, series_ratings

    frame = pd.DataFrame([
        {"case_id": "C1", "person_id": "P1", "rater_id": "P1", "birth_date": "1990-01-01",
         "instrument": "ORS", "date": date, "total": total}
        for date, total in (("2024-01-15", "22.0"), ("2024-01-01", "18.5"), ("2024-02-12", "25.0"))
    ] + [{"case_id": "C1", "person_id": "P1", "rater_id": "P1", "birth_date": "1990-01-01",
          "instrument": "SRS", "date": "2024-01-01", "total": "36.0"}])
    long = series_ratings(prepare_ratings(frame))
    assert long["meeting"].tolist() == [1, 2, 3]
    assert long["days"].tolist() == [0, 14, 42]
    assert long["score"].tolist() == [18.5, 22.0, 25.0]
    assert set(long["intake"]) == {18.5} and set(long["age_group"]) == {"adult"}
