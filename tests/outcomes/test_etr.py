"""ETR worked examples (docs/fit-definitions.md section 3) and parameter sets as data."""

import json

import pytest

from fokus.outcomes import (
    PUBLISHED_SETS,
    EtrParameterSet,
    etr_at,
    etr_path,
    etr_target,
    expected_change,
    met_percent,
    on_track_colour,
)


@pytest.mark.parametrize(
    ("group", "intake", "last", "target", "change", "percent"),
    [("adult", 19.2, 20.3, 27.23, 8.03, 13.70), ("youth", 20.1, 22.2, 28.42, 8.32, 25.25)],
)
def test_worked_examples(group, intake, last, target, change, percent):
    assert round(etr_target(intake, group), 2) == target
    expected = expected_change(intake, group)
    assert round(expected, 2) == change
    assert round(met_percent(intake, last, expected), 2) == percent


def test_path_starts_at_intake_and_flattens():
    path = etr_path(19.2, "adult", n_ratings=2)
    assert path[0] == 19.2
    assert len(path) == 12
    assert path[9] == path[10] == path[11]  # t = min(m - 1, 9) from meeting 10 on
    assert path[5] == pytest.approx(etr_target(19.2, "adult"))  # meeting 6: t = 5


def test_long_series_use_the_long_term_set():
    short = etr_at(15.0, "youth", meeting=13, n_ratings=12)
    long = etr_at(15.0, "youth", meeting=13, n_ratings=13)
    assert short != long


def test_published_sets_are_serialisable_data():
    assert len(PUBLISHED_SETS) == 4
    for params in PUBLISHED_SETS:
        data = json.loads(json.dumps(params.to_dict()))
        assert {"name", "source", "date", "n_series", "mean", "by_intake"} <= set(data)
        assert EtrParameterSet.from_dict(data) == params


def test_signal():
    assert on_track_colour([20.0], "adult") == "grey"
    assert on_track_colour([32.1, 35.0], "adult") == "grey"
    assert on_track_colour([19.2, 27.0], "adult") == "green"  # ETR(2) about 22.5
    assert on_track_colour([19.2, 21.0], "adult") == "yellow"
    assert on_track_colour([19.2, 16.0], "adult") == "red"
    # Reliable deterioration is red even where the ETR is low: 14.3 -> 8.3 is exactly -6.0.
    assert on_track_colour([14.3, 8.3], "adult") == "red"
