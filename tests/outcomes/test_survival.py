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
