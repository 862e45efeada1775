"""Series building, categories, flags and properties (docs/fit-definitions.md sections 4 and 6)."""

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from fokus.outcomes import build_series, prepare_ratings, srs_alerts, summarise

START = dt.date(2024, 1, 8)


def rows(scores, birth="1990-05-01", case="C1", person="P1", rater=None, instrument="ORS",
         gap_days=14, start=START, **extra):
    rater = rater or person
    return [{"case_id": case, "person_id": person, "rater_id": rater, "birth_date": birth,
             "instrument": instrument, "date": (start + dt.timedelta(days=i * gap_days)).isoformat(),
             "total": str(s), **extra} for i, s in enumerate(scores)]


def series_of(*row_lists, missing=None):
    frame = pd.DataFrame([r for rs in row_lists for r in rs])
    return build_series(prepare_ratings(frame), missing=missing)


def one(scores, **kw):
    return series_of(rows(scores, **kw)).iloc[0]


def test_exact_change_of_six_is_reliable():
    s = one(["14.3", "20.3"])
    assert s["change"] == 6.0
    assert s["category"] == "improved"
    assert one(["20.3", "14.3"])["category"] == "deteriorated"
    assert one(["14.3", "20.2"])["category"] == "unchanged"


def test_floats_are_made_exact():
    # Binary floats 14.3 and 20.3 differ by 5.999999999999998; the engine works in tenths.
    frame = pd.DataFrame(rows([14.3, 20.3]))
    frame["total"] = frame["total"].astype(float)
    s = build_series(prepare_ratings(frame)).iloc[0]
    assert s["category"] == "improved"


def test_last_exactly_at_cutoff_is_not_recovered():
    assert one(["19.0", "25.0"])["category"] == "improved"  # adult cutoff 25: not above
    assert one(["19.0", "25.1"])["category"] == "recovered"
    assert one(["25.1", "31.1"])["category"] == "improved"  # intake above the cutoff


def test_etr_only_up_to_intake_32():
    at = one(["32.0", "33.0"])
    above = one(["32.1", "33.0"])
    assert at["has_etr"] and not np.isnan(at["etr_target"])
    assert not above["has_etr"] and np.isnan(above["etr_target"])
    assert above["signal"] == "grey" and above["flag_intake_above_ceiling"]


def test_worked_example_through_the_engine():
    s = one(["19.2", "20.3"])
    assert round(s["etr_target"], 2) == 27.23
    assert round(s["met_percent"], 2) == 13.70
    assert s["met_target"] is False
    assert s["relative_effect_size"] == (1.1 - s["expected_change"]) / 7.75


def test_age_groups_cutoffs_and_carer_ratings():
    # Intake 2024-01-08. Born 2011-01-09: 12 at intake (a child); 2011-01-08: 13 (youth).
    child = one(["20.0", "26.0"], birth="2011-01-09", instrument="CORS")
    youth = one(["20.0", "26.0"], birth="2011-01-08")
    carer = one(["20.0", "26.0"], birth="2011-01-09", instrument="CORS", rater="MOR")
    assert (child["age_group"], child["cutoff"], child["sd"]) == ("child", 32.0, 7.25)
    assert (youth["age_group"], youth["cutoff"]) == ("youth", 28.0)
    assert (carer["age_group"], carer["cutoff"]) == ("child", 28.0)
    under_6 = series_of(rows(["10.0", "20.0"], birth="2019-01-01"))
    assert len(under_6) == 0 and under_6.attrs["left_out"]["under_6"] == 1


def test_series_keys_and_order():
    # Two raters for one person are two series; same-day ratings keep file order.
    a = rows(["10.0", "12.0"], person="B", rater="B", birth="2000-01-01")
    b = rows(["30.0", "31.0"], person="B", rater="MOR", birth="2000-01-01")
    same_day = rows(["15.0", "22.0"], person="D", gap_days=0, birth="2000-01-01")
    out = series_of(b[:1] + a + b[1:], same_day).set_index(["person_id", "rater_id"])
    assert out.loc[("B", "B"), "intake"] == 10.0
    assert out.loc[("B", "MOR"), "n_ratings"] == 2
    assert (out.loc[("D", "D"), "intake"], out.loc[("D", "D"), "last"]) == (15.0, 22.0)


def test_a_child_turning_13_keeps_one_series():
    before = rows(["20.0"], birth="2011-02-01", instrument="CORS")
    after = rows(["27.0"], birth="2011-02-01", start=dt.date(2024, 3, 1))
    s = series_of(before, after).iloc[0]
    assert (s["n_ratings"], s["age_group"], s["cutoff"]) == (2, "child", 32.0)


def test_sawtooth_flag():
    assert one(["10.0", "20.0", "10.0", "20.0", "10.0"])["flag_sawtooth"]
    assert one(["10.0", "20.0", "10.0", "20.0"])["swings"] == 3
    # Two big rises in a row are one swing: the direction did not reverse.
    assert one(["5.0", "12.0", "19.0", "12.0", "19.0", "12.0"])["swings"] == 4
    assert not one(["10.0", "16.0", "22.0", "28.0", "34.0"])["flag_sawtooth"]
    assert not one(["10.0", "15.9", "10.0", "15.9", "10.0"])["flag_sawtooth"]


def test_missing_ratings_by_reason_and_flags():
    missing = pd.DataFrame([
        {"case_id": "C1", "person_id": "P1", "date": "2024-01-01", "reason": "ill"},
        {"case_id": "C1", "person_id": "P1", "date": "2024-01-15", "reason": "declined"},
        {"case_id": "C1", "person_id": "P1", "date": "2024-01-16", "reason": "declined"},
    ])
    s = series_of(rows(["10.0", "12.0", "15.0"]), missing=missing).iloc[0]
    assert s["n_missing"] == 3
    assert s["missing_reasons"] == {"ill": 1, "declined": 2}
    assert s["flag_missing_intake"] and not s["flag_missing_last"]
    summary = summarise(series_of(rows(["10.0", "12.0", "15.0"]), missing=missing),
                        exclude_flags=["missing_intake"])
    assert summary["n_series"] == 0 and summary["excluded_by_flags"]["n_series"] == 1


def test_time_to_wellbeing_fields():
    crossed = one(["20.0", "24.0", "25.1", "20.0"], gap_days=7)
    assert crossed["reached_wellbeing"] and crossed["days_to_wellbeing"] == 14
    never = one(["20.0", "25.0", "24.0"], gap_days=10)
    assert not never["reached_wellbeing"] and never["days_to_wellbeing"] == 20
    assert not one(["26.0", "30.0"])["ttw_eligible"]


def test_srs_alerts():
    frame = pd.DataFrame(rows(["38.0", "37.0", "36.1", "35.9"], instrument="SRS"))
    alerts = srs_alerts(prepare_ratings(frame))
    assert alerts["drop"].tolist() == [False, True, False, False]  # 1.0 exactly; 0.9 not
    assert alerts["low"].tolist() == [False, False, False, True]
    assert alerts["alert"].tolist() == [False, True, False, True]


score = st.integers(min_value=0, max_value=400)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(score, min_size=1, max_size=6), min_size=1, max_size=8))
def test_categories_partition_the_eligible_series(all_scores):
    row_lists = [rows([f"{t / 10:.1f}" for t in scores], case=f"C{i}")
                 for i, scores in enumerate(all_scores)]
    out = series_of(*row_lists)
    eligible = out[out["eligible"]]
    assert eligible["category"].isin(["recovered", "improved", "unchanged",
                                      "deteriorated"]).all()
    assert out.loc[~out["eligible"], "category"].isna().all()
    summary = summarise(out)
    total = sum(summary[f"pct_{c}"] for c in ("recovered", "improved", "unchanged",
                                               "deteriorated"))
    if len(eligible):
        assert abs(total - 100.0) < 1e-9


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), min_size=2, max_size=8),
       st.integers(min_value=1, max_value=100))
def test_shifting_a_series_keeps_its_change(tenths, shift):
    base = one([f"{t / 10:.1f}" for t in tenths])
    moved = one([f"{(t + shift) / 10:.1f}" for t in tenths])
    assert moved["change"] == base["change"]
    assert moved["swings"] == base["swings"]
    if base["category"] != "recovered" and moved["category"] != "recovered":
        assert moved["category"] == base["category"]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=340))
def test_change_of_exactly_six_is_reliable_everywhere(intake):
    s = one([f"{intake / 10:.1f}", f"{(intake + 60) / 10:.1f}"])
    assert s["category"] in ("improved", "recovered")


def test_interval_methods():
    from scipy import stats

    from fokus.outcomes.summary import t_interval, wilson

    low, high = wilson(10, 26)
    # Wilson by hand: centre (p + z^2/2n) / (1 + z^2/n), half-width z sqrt(p q / n + z^2/4n^2) / (...)
    z, n, p = 1.959963984540054, 26, 10 / 26
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    assert (low, high) == (centre - half, centre + half)
    mean, lo, hi, count = t_interval([1.0, 2.0, 3.0, 4.0])
    expected = stats.t.interval(0.95, 3, loc=2.5, scale=stats.sem([1, 2, 3, 4]))
    assert count == 4 and abs(lo - expected[0]) < 1e-12 and abs(hi - expected[1]) < 1e-12


def test_summary_has_n_and_interval_for_every_figure():
    out = series_of(*[rows([f"{10 + i}.0", f"{18 + i}.0"], case=f"C{i}") for i in range(5)])
    summary = summarise(out)
    for name in ("mean_intake", "mean_change", "pre_post_es", "pre_post_es_fixed_sd",
                 "pct_recovered", "pct_improved", "pct_unchanged", "pct_deteriorated",
                 "pct_reliable_improvement", "pct_met_target", "mean_relative_es"):
        interval = summary["intervals"][name]
        assert interval["n"] == 5 and interval["method"] in summary["interval_methods"]
    assert summary["pct_improved"] == 100.0


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=190), st.sampled_from([
    ("1990-05-01", None, 250), ("2010-01-01", None, 280),
    ("2015-01-01", None, 320), ("2015-01-01", "MOR", 280)]))
def test_last_exactly_at_the_cutoff_is_never_recovered(intake, who):
    birth, rater, cutoff = who
    at = one([f"{intake / 10:.1f}", f"{cutoff / 10:.1f}"], birth=birth, rater=rater)
    above = one([f"{intake / 10:.1f}", f"{(cutoff + 1) / 10:.1f}"], birth=birth, rater=rater)
    assert at["cutoff"] * 10 == cutoff
    assert at["category"] != "recovered"
    if cutoff + 1 - intake >= 60:
        assert above["category"] == "recovered"


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=400))
def test_etr_ceiling_boundary(last):
    assert one(["32.0", f"{last / 10:.1f}"])["has_etr"]
    assert not one(["32.1", f"{last / 10:.1f}"])["has_etr"]
