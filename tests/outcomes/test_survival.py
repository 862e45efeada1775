"""Time to wellbeing (Kaplan-Meier) on hand-checkable examples."""

import datetime as dt

import pandas as pd
import pytest

from fokus.outcomes import build_series, kaplan_meier, prepare_ratings, time_to_wellbeing


def test_median_without_censoring():
    km = kaplan_meier([10, 20, 30, 40, 50], [True] * 5)
    assert km["median_days"] == 30
    assert km["n"] == 5 and km["n_reached"] == 5


def test_median_with_censoring():
    # S(10) = 3/4; 20 censored; S(30) = 3/4 * 1/2 = 3/8 <= 0.5, so the median is 30.
    km = kaplan_meier([10, 20, 30, 40], [True, False, True, True])
    assert km["median_days"] == 30
    assert km["curve"]["survival"][km["curve"]["days"].index(30.0)] == pytest.approx(0.375)


def test_median_not_reached_is_none():
    km = kaplan_meier([10, 20, 30], [True, False, False])
    assert km["median_days"] is None


def test_censoring_rule_from_series():
    def series(case, scores, gap=7, birth="1980-01-01"):
        start = dt.date(2024, 1, 1)
        return [{"case_id": case, "person_id": case, "rater_id": case, "birth_date": birth,
                 "instrument": "ORS", "date": str(start + dt.timedelta(days=i * gap)),
                 "total": s, "team_id": "T1"} for i, s in enumerate(scores)]

    frame = pd.DataFrame(
        series("A", ["20.0", "25.1"])                 # crosses at day 7
        + series("B", ["20.0", "22.0", "25.0"])       # never above 25: censored at day 14
        + series("C", ["20.0", "21.0", "26.0"])       # crosses at day 14
        + series("D", ["26.0", "30.0"])               # intake above the cutoff: left out
    )
    out = build_series(prepare_ratings(frame))
    km = time_to_wellbeing(out)
    assert km["n"] == 3 and km["n_reached"] == 2
    # S(7) = 2/3; at 14: one event among two at risk (B censored at 14 counts as at risk).
    assert km["curve"]["survival"][km["curve"]["days"].index(14.0)] == pytest.approx(1 / 3)
    assert km["median_days"] == 14
    assert set(time_to_wellbeing(out, by="team_id")) == {"T1"}


def _lifelines_km(durations, reached, label="all"):
    """kaplan_meier as it was computed with lifelines' KaplanMeierFitter: the reference."""
    import math

    import numpy as np
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    def finite(x):
        return None if x is None or not math.isfinite(x) else float(x)

    kmf = KaplanMeierFitter(label=label)
    kmf.fit(np.asarray(durations, dtype=np.float64),
            event_observed=np.asarray(reached, dtype=bool))
    ci = median_survival_times(kmf.confidence_interval_)
    curve = kmf.survival_function_.iloc[:, 0]
    band = kmf.confidence_interval_
    return {
        "median_days": finite(float(kmf.median_survival_time_)),
        "median_low": finite(float(ci.iloc[0, 0])),
        "median_high": finite(float(ci.iloc[0, 1])),
        "curve": {
            "days": [float(x) for x in curve.index],
            "survival": [float(x) for x in curve.to_numpy()],
            "low": [float(x) for x in band.iloc[:, 0].to_numpy()],
            "high": [float(x) for x in band.iloc[:, 1].to_numpy()],
        },
    }


def _km_cases():
    import numpy as np

    rng = np.random.default_rng(20261126)
    cases = [
        ([10, 20, 30, 40, 50], [True] * 5),
        ([10, 20, 30, 40], [True, False, True, True]),
        ([10, 20, 30], [True, False, False]),
        ([0, 0, 7, 7, 14], [True, False, True, True, False]),  # events at day 0, ties
        ([5], [True]), ([5], [False]), ([3, 3, 3], [True, True, True]),
        ([1, 2, 3, 4], [False] * 4),  # nobody reached
        ([-2, 4, 9], [True, False, True]),  # a negative duration moves the entry time
    ]
    for n in (2, 7, 40, 300, 3000):
        for p in (0.05, 0.5, 0.95):
            days = rng.integers(0, 400 if n > 100 else 60, n)
            cases.append((days.tolist(), (rng.random(n) < p).tolist()))
    return cases


@pytest.mark.parametrize("case", range(len(_km_cases())))
def test_kaplan_meier_is_lifelines_to_the_bit(case):
    durations, reached = _km_cases()[case]
    ours = kaplan_meier(durations, reached)
    theirs = _lifelines_km(durations, reached)
    assert ours["n"] == len(durations) and ours["n_reached"] == sum(reached)
    for key, value in theirs.items():
        assert ours[key] == value, key  # exact: the same floats, not approximately


def test_the_interval_constants_are_scipys():
    from scipy import stats

    from fokus.outcomes import summary

    assert summary.Z95 == float(stats.norm.ppf(0.975))
    for n in (2, 3, 5, 30, 31, 1000, 123457):
        assert summary.t_quantile(n - 1) == float(stats.t.ppf(0.975, n - 1))
