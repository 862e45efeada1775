"""The case page's verdicts and the outcomes engine's agree, because both call the
rules in fokus.outcomes.rules: the same ratings, fed to the case page's signals and
to the engine (build_series, srs_alerts), give the same on-track colours, the same
reliable deterioration, the same cutoffs and the same alliance alerts, on generated
cases that include the boundaries (a change of exactly 6.0, an intake of exactly
32.0, a last score exactly at the cutoff)."""

import random

import pandas as pd
import pytest

from fokus.cases.access import get_case_detail_for_user
from fokus.insights.models import SignalKind
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals
from fokus.outcomes import build_series, prepare_ratings, rules, srs_alerts
from fokus.ratings.models import Rating
from tests.test_graph import _split, day


def _series_totals(rng: random.Random, cutoff: float) -> list[float]:
    """A series of totals whose steps hit the boundaries often."""
    intake = rng.choice([32.0, 32.1, 31.9, cutoff, 20.0, 14.0, round(rng.uniform(4, 36), 1)])
    totals = [intake]
    for _ in range(rng.randint(0, 5)):
        step = rng.choice(["minus6", "plus6", "cutoff", "minus5.9", "free", "same"])
        value = {"minus6": intake - 6.0, "plus6": intake + 6.0, "cutoff": cutoff,
                 "minus5.9": intake - 5.9, "same": totals[-1],
                 "free": rng.uniform(0, 40)}[step]
        totals.append(round(min(40.0, max(0.0, value)), 1))
    return totals


def _alliance_totals(rng: random.Random) -> list[float]:
    totals = [rng.choice([36.0, 35.9, 40.0, 37.0])]
    for _ in range(rng.randint(0, 4)):
        totals.append(round(min(40.0, max(0.0, totals[-1] + rng.choice(
            [-1.0, -0.9, 0.0, 1.0, -3.0, rng.uniform(-5, 5)]))), 1))
    return totals


def _generate(world, seed):
    rng = random.Random(seed)
    # (person rated, rater, instrument, cutoff the generator aims at)
    plan = [(world.mother, world.mother, "ORS", 25.0), (world.teen, world.teen, "ORS", 28.0),
            (world.child, world.child, "CORS", 32.0), (world.child, world.mother, "CORS", 28.0)]
    for person, rater, code, cutoff in plan:
        for i, total in enumerate(_series_totals(rng, cutoff)):
            world.rate(person, code, _split(total), rater=rater, on=day(i))
    for person, code in [(world.mother, "SRS"), (world.teen, "SRS"), (world.child, "CSRS")]:
        for i, total in enumerate(_alliance_totals(rng)):
            world.rate(person, code, _split(total), on=day(i))


def _engine_frame(case_id):
    rows = Rating.objects.filter(case_id=case_id).order_by("rated_on", "id").values_list(
        "case_id", "person_id", "rater_id", "instrument__code", "rated_on",
        "person__birth_date", "total")
    frame = pd.DataFrame(list(rows), columns=["case_id", "person_id", "rater_id", "instrument",
                                              "date", "birth_date", "total"])
    for key in ("case_id", "person_id", "rater_id"):
        frame[key] = frame[key].astype(str)
    return prepare_ratings(frame)


@pytest.mark.parametrize("seed", range(12))
def test_case_page_and_engine_agree(world, seed):
    _generate(world, seed)
    data = case_series(get_case_detail_for_user(world.anna, world.hansen.pk))
    tracks, signals = case_signals(data, "en")
    ratings = _engine_frame(world.hansen.pk)
    engine = build_series(ratings, data.settings, data.model).set_index(["person_id", "rater_id"])

    assert len(tracks) == len(engine) == 4
    deteriorated = {s.who for s in signals if s.kind == SignalKind.DETERIORATION}
    for track in tracks:
        x = track.series
        row = engine.loc[(str(x.person_id), str(x.rater_id))]
        assert track.colour == row["signal"], (x.label("en"), x.scores)
        assert x.cutoff == row["cutoff"] and x.age_group == row["age_group"]
        assert (track.label in deteriorated) == (row["category"] == "deteriorated"), x.scores
        assert track.expected == (None if pd.isna(row["etr_last"]) else round(row["etr_last"], 1))

    alerts = srs_alerts(ratings, data.settings)
    last = alerts.groupby(["person_id", "rater_id"]).tail(1).set_index("person_id")
    low = {s.who for s in signals if s.kind == SignalKind.LOW_ALLIANCE}
    falling = {s.who for s in signals if s.kind == SignalKind.FALLING_ALLIANCE}
    assert len(data.alliance) == len(last) == 3
    for x in data.alliance:
        row = last.loc[str(x.rater_id)]
        assert (x.label("en") in low) == bool(row["low"]), x.scores
        assert (x.label("en") in falling) == bool(row["drop"]), x.scores


def test_the_boundaries_themselves(world):
    """The three boundaries the issue names, each on both sides."""
    # A change of exactly 6.0 is reliable deterioration (red) on the page and in the engine.
    for i, total in enumerate([20.0, 14.0]):
        world.rate(world.mother, "ORS", _split(total), on=day(i))
    # An intake of exactly 32.0 still has an expected path; the child's cutoff is 32.0, and
    # a last score exactly at the cutoff is not above it (no wellbeing reached).
    for i, total in enumerate([32.0, 32.0]):
        world.rate(world.child, "CORS", _split(total), on=day(i))
    # An intake of 32.1 has none (grey).
    for i, total in enumerate([32.1, 33.0]):
        world.rate(world.teen, "ORS", _split(total), on=day(i))
    data = case_series(get_case_detail_for_user(world.anna, world.hansen.pk))
    tracks, _signals = case_signals(data, "en")
    colours = {t.series.person_id: t.colour for t in tracks}
    engine = build_series(_engine_frame(world.hansen.pk)).set_index("person_id")
    assert colours[world.mother.pk] == engine.loc[str(world.mother.pk), "signal"] == "red"
    assert engine.loc[str(world.mother.pk), "category"] == "deteriorated"
    child = engine.loc[str(world.child.pk)]
    assert bool(child["has_etr"]) and colours[world.child.pk] == child["signal"] != "grey"
    assert child["cutoff"] == 32.0 and not bool(child["reached_wellbeing"])
    assert colours[world.teen.pk] == engine.loc[str(world.teen.pk), "signal"] == "grey"


def test_scalar_and_array_rules_agree():
    """The engine's array forms of the rules give the scalar forms' answers."""
    import numpy as np

    ages = np.array([0, 5, 6, 12, 13, 17, 18, 40, np.nan])
    groups = rules.age_groups(ages)
    assert list(groups[:-1]) == [rules.age_group(a) for a in ages[:-1]]
    assert list(rules.in_outcome_statistics(ages)) == [
        rules.in_outcome_statistics(float(a)) if not np.isnan(a) else False for a in ages]
    selfs = np.array([True, False] * 4 + [True])
    assert list(rules.cutoffs_t(groups, selfs)) == [
        rules.cutoff_t(g, s) for g, s in zip(groups, selfs, strict=True)]
    intake = np.array([200, 200, 200, 250, 250, 140, 320, 321])
    last = np.array([140, 141, 260, 251, 310, 200, 320, 100])
    cut = np.array([250, 250, 250, 250, 250, 250, 320, 320])
    assert list(rules.change_categories(intake, last, cut)) == [
        rules.change_category(int(a), int(b), int(c)) for a, b, c in zip(intake, last, cut,
                                                                          strict=True)]
    n = np.array([1, 2, 2, 2, 3, 2, 2, 2])
    expected = np.array([np.nan, 22.5, 22.5, 24.0, 30.0, 18.0, 33.0, np.nan])
    assert list(rules.on_track_colour_of(n, intake, last, expected)) == [
        rules.on_track_colour_of(int(a), int(b), int(c), float(d))
        for a, b, c, d in zip(n, intake, last, expected, strict=True)]
