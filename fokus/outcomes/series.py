"""Outcome series and their per-series statistics (docs/fit-definitions.md sections 3, 4, 6).

Everything is vectorised over numpy arrays: one stable sort of the outcome
ratings, then per-series values by index arithmetic. Score arithmetic and
comparisons with cutoffs and R are in integer tenths; ETR values are real
numbers, compared with scores as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import rules
from .etr import DEFAULT_MODEL, EtrModel, EtrParameterSet
from .rules import OUTCOME_INSTRUMENTS
from .settings import DEFAULT_SETTINGS, OutcomeSettings, to_tenths

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

KEYS = ("case_id", "person_id", "rater_id")
AGE_GROUPS = ("child", "youth", "adult")
CATEGORIES = rules.CATEGORIES
FLAG_NAMES = ("intake_above_ceiling", "sawtooth", "missing_intake", "missing_last")
_BASE_COLUMNS = {"case_id", "person_id", "rater_id", "instrument", "birth_date", "date",
                 "score_t", "total", "item1", "item2", "item3", "item4"}


def prepare_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    """Bring a frame of rating rows (e.g. from the database) to the engine's form.

    Needs case_id, person_id, rater_id, instrument, date, birth_date (may be
    missing for alliance instruments) and either score_t (integer tenths) or
    total (a one-decimal number, Decimal or text; converted exactly to tenths).
    Row order is kept: it breaks ties between ratings of the same date.
    """
    frame = ratings.reset_index(drop=True)
    out = pd.DataFrame({k: frame[k] for k in KEYS})
    out["instrument"] = frame["instrument"].astype(str).str.strip()
    out["date"] = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]")
    births = frame["birth_date"] if "birth_date" in frame else pd.Series([None] * len(frame))
    out["birth_date"] = pd.to_datetime(births).to_numpy().astype("datetime64[D]")
    if "score_t" in frame:
        out["score_t"] = frame["score_t"].astype(np.int64)
    else:
        total = frame["total"]
        if pd.api.types.is_float_dtype(total):
            # A float one-decimal value is within 1e-12 of its tenths: rounding is exact.
            out["score_t"] = np.rint(total.to_numpy() * 10).astype(np.int64)
        else:
            out["score_t"] = [to_tenths(x) for x in total]
    for name in frame.columns:
        if name not in _BASE_COLUMNS:
            out[name] = frame[name]
    return out


def _codes(column: pd.Series) -> tuple[IntArray, int]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), len(column.cat.categories)
    codes, uniques = pd.factorize(column)
    return codes.astype(np.int64), len(uniques)


def _series_code(frame: pd.DataFrame) -> IntArray:
    """One integer per (case_id, person_id, rater_id)."""
    code, size = _codes(frame["case_id"])
    for name in ("person_id", "rater_id"):
        c, n = _codes(frame[name])
        if size * n < 2**62:
            code, size = code * n + c, size * n
        else:  # very many ids: compact before combining
            code, uniques = pd.factorize(code)
            size = len(uniques)
            code, size = code * n + c, size * n
    return code


def _whole_years(born: npt.NDArray[np.datetime64], on: npt.NDArray[np.datetime64]) -> FloatArray:
    """Completed years of age on a date (NaN when the birth date is unknown)."""
    def parts(d: npt.NDArray[np.datetime64]) -> tuple[IntArray, IntArray]:
        years = d.astype("datetime64[Y]").astype(np.int64)
        month_start = d.astype("datetime64[M]")
        month = month_start.astype(np.int64) % 12
        day = (d - month_start.astype("datetime64[D]")).astype(np.int64)
        return years, month * 100 + day

    by, bmd = parts(born)
    oy, omd = parts(on)
    age = (oy - by - (omd < bmd)).astype(np.float64)
    age[np.isnat(born)] = np.nan
    return age


@dataclass
class OrderedRatings:
    """Outcome ratings sorted into series, with per-series index arrays."""

    rows: IntArray          # input row of each sorted rating
    series_of: IntArray     # series number of each sorted rating
    starts: IntArray        # first sorted position of each series
    ends: IntArray          # last sorted position of each series
    score_t: IntArray
    day: IntArray           # days since 1970-01-01


def order_outcome_ratings(ratings: pd.DataFrame) -> OrderedRatings:
    """ORS/CORS rows grouped by (case, person, rater), by date then input order."""
    instrument = ratings["instrument"]
    is_outcome = np.asarray(instrument.isin(OUTCOME_INSTRUMENTS))
    rows = np.flatnonzero(is_outcome).astype(np.int64)
    sub = ratings.iloc[rows] if len(rows) != len(ratings) else ratings
    code = _series_code(sub)
    day = sub["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    if len(rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return OrderedRatings(empty, empty, empty, empty, empty, empty)
    span = int(day.max() - day.min()) + 1
    code = pd.factorize(code)[0].astype(np.int64)  # compact, so the product cannot overflow
    # One stable sort: by series, then date; equal keys keep input (file) order.
    order = np.argsort(code * span + (day - day.min()), kind="stable")
    sorted_code = code[order]
    new = np.empty(len(order), dtype=bool)
    new[0] = True
    new[1:] = sorted_code[1:] != sorted_code[:-1]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, len(order) - 1]
    series_of = np.cumsum(new) - 1
    score_t = sub["score_t"].to_numpy().astype(np.int64)[order]
    return OrderedRatings(rows[order], series_of, starts, ends, score_t, day[order])


def _sawtooth_swings(o: OrderedRatings, swing_t: int) -> IntArray:
    """Number of swings per series.

    A swing is a change between consecutive ratings of the series of at
    least `swing_t` tenths (6.0 points by default) whose direction is the
    opposite of the previous swing in the series; the first such change counts
    as a swing. So 10, 20, 10, 20, 10 has four swings, and a steady climb
    10, 17, 24, 31 has one.
    """
    n_series = len(o.starts)
    if len(o.score_t) < 2:
        return np.zeros(n_series, dtype=np.int64)
    delta = np.diff(o.score_t)
    same = o.series_of[1:] == o.series_of[:-1]
    big = np.flatnonzero(same & (np.abs(delta) >= swing_t))
    if len(big) == 0:
        return np.zeros(n_series, dtype=np.int64)
    sign = np.sign(delta[big])
    owner = o.series_of[big + 1]
    is_swing = np.ones(len(big), dtype=bool)
    is_swing[1:] = (owner[1:] != owner[:-1]) | (sign[1:] != sign[:-1])
    return np.bincount(owner[is_swing], minlength=n_series)


def _etr_by_set(intake: FloatArray, values: FloatArray, mask: npt.NDArray[np.bool_],
                params: EtrParameterSet, fn: str, meeting: FloatArray | None = None) -> None:
    if not mask.any():
        return
    if fn == "target":
        values[mask] = params.target(intake[mask])
    elif meeting is not None:
        values[mask] = params.etr_at_meeting(intake[mask], meeting[mask])


def build_series(
    ratings: pd.DataFrame,
    settings: OutcomeSettings = DEFAULT_SETTINGS,
    model: EtrModel = DEFAULT_MODEL,
    missing: pd.DataFrame | None = None,
    group_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per outcome series with every per-series figure.

    `ratings` is in the engine's form (`read_ratings_csv(...).ratings` or
    `prepare_ratings(frame)`). `missing` optionally lists missing ratings
    (case_id, person_id, date, reason, and optionally rater_id).
    `group_columns` (default: every extra column, e.g. team_id) are taken from
    the series' first rating.

    Series of people under 6 at intake, or with no birth date, are left out;
    their numbers are in `result.attrs["left_out"]`.
    """
    o = order_outcome_ratings(ratings)
    if group_columns is None:
        group_columns = [c for c in ratings.columns if c not in _BASE_COLUMNS]
    first = ratings.iloc[o.rows[o.starts]]
    return series_frame(o, first, settings, model, missing, group_columns)


def series_frame(
    o: OrderedRatings,
    first: pd.DataFrame,
    settings: OutcomeSettings,
    model: EtrModel,
    missing: pd.DataFrame | None,
    group_columns: Sequence[str],
) -> pd.DataFrame:
    """The per-series frame from ratings already in series order (the one
    implementation of the per-series formulas, shared by every reader).

    `o` needs series_of, starts, ends, score_t and day (rows is not used);
    `first` has one row per series (its first rating): case_id, person_id,
    rater_id, instrument, birth_date and the group columns.
    """
    n = (o.ends - o.starts + 1).astype(np.int64)

    births = first["birth_date"].to_numpy().astype("datetime64[D]")
    first_day = o.day[o.starts]
    last_day = o.day[o.ends]
    age = _whole_years(births, first_day.astype("datetime64[D]"))
    keep = rules.in_outcome_statistics(age)
    with np.errstate(invalid="ignore"):
        left_out = {"under_6": int(np.sum(age < rules.STATISTICS_FROM)),
                    "no_birth_date": int(np.sum(np.isnan(age)))}
    age_group = rules.age_groups(age)
    self_rating = (first["rater_id"].astype(str).to_numpy()
                   == first["person_id"].astype(str).to_numpy())
    s = settings
    cutoff_t = rules.cutoffs_t(age_group, self_rating, s)
    sd = rules.sds_for(age_group, s)

    intake_t = o.score_t[o.starts]
    last_t = o.score_t[o.ends]
    change_t = last_t - intake_t
    eligible = n >= 2
    category = rules.change_categories(intake_t, last_t, cutoff_t, s)
    category[~eligible] = None

    intake = intake_t / 10.0
    last = last_t / 10.0
    change = change_t / 10.0
    has_etr = rules.has_expected_path(intake_t, s)
    adult = age_group == "adult"
    target = np.full(len(n), np.nan)
    etr_last = np.full(len(n), np.nan)
    meeting = n.astype(np.float64)
    short = n <= model.short_term_max
    for is_adult, short_set, long_set in ((True, model.short_adult, model.long_adult),
                                          (False, model.short_youth, model.long_youth)):
        group = has_etr & (adult == is_adult)
        _etr_by_set(intake, target, group, short_set, "target")
        _etr_by_set(intake, etr_last, group & short & eligible, short_set, "at", meeting)
        _etr_by_set(intake, etr_last, group & ~short & eligible, long_set, "at", meeting)
    expected = target - intake
    with_etr = has_etr & eligible
    met = (last >= target).astype(object)
    met[~with_etr] = None
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.clip((last - intake) / expected * 100.0, 0.0, 100.0)
    pct = np.where(expected > 0, pct, np.where(last - intake >= expected, 100.0, 0.0))
    met_pct = np.where(with_etr, pct, np.nan)
    relative_es = np.where(with_etr, (change - expected) / sd, np.nan)

    # On-track signal of the last rating (section 3).
    signal = rules.on_track_colour_of(n, intake_t, last_t, etr_last, s)

    # Time to wellbeing: first rating above the cutoff, else censored at the last rating.
    above = rules.above_cutoff(o.score_t, np.repeat(cutoff_t, n))
    positions = np.where(above, np.arange(len(o.score_t)), len(o.score_t))
    first_above = np.minimum.reduceat(positions, o.starts) if len(o.starts) else positions[:0]
    reached = first_above < len(o.score_t)
    wellbeing_day = np.where(reached, o.day[np.minimum(first_above, len(o.day) - 1)], last_day)
    ttw_eligible = intake_t <= cutoff_t

    swings = _sawtooth_swings(o, s.sawtooth_swing_t)
    sawtooth = (n >= s.sawtooth_min_ratings) & (swings >= s.sawtooth_min_swings)

    result = pd.DataFrame({
        "case_id": first["case_id"].astype(str).to_numpy(),
        "person_id": first["person_id"].astype(str).to_numpy(),
        "rater_id": first["rater_id"].astype(str).to_numpy(),
        "self_rating": self_rating,
        "first_instrument": first["instrument"].astype(str).to_numpy(),
        "birth_date": births,
        "first_date": first_day.astype("datetime64[D]"),
        "last_date": last_day.astype("datetime64[D]"),
        "age_at_intake": age,
        "age_group": age_group,
        "cutoff": cutoff_t / 10.0,
        "sd": sd,
        "n_ratings": n,
        "span_days": last_day - first_day,
        "eligible": eligible,
        "intake": intake,
        "last": np.where(eligible, last, np.nan),
        "change": np.where(eligible, change, np.nan),
        "category": category,
        "effect_size": np.where(eligible, change / sd, np.nan),
        "has_etr": has_etr,
        "etr_target": target,
        "expected_change": expected,
        "met_target": met,
        "met_percent": met_pct,
        "relative_effect_size": relative_es,
        "etr_last": etr_last,
        "signal": signal,
        "ttw_eligible": ttw_eligible,
        "reached_wellbeing": reached & ttw_eligible,
        "days_to_wellbeing": np.where(ttw_eligible, wellbeing_day - first_day, np.nan),
        "swings": swings,
        "flag_intake_above_ceiling": ~has_etr,
        "flag_sawtooth": sawtooth,
    })
    for name in group_columns:
        result[name] = first[name].to_numpy()
    _add_missing(result, missing)
    result = result.loc[keep].reset_index(drop=True)
    result.attrs["left_out"] = left_out
    return result


def _add_missing(result: pd.DataFrame, missing: pd.DataFrame | None) -> None:
    """Missing-rating counts by reason, and flags for a missing intake or last rating.

    A missing-rating record belongs to the series of its case and person (and
    rater, when the record names one; else to every series of that person in
    the case). It marks a missing intake when dated on or before the series'
    first rating, and a missing last rating when dated after its last rating.
    """
    result["n_missing"] = 0
    result["missing_reasons"] = None
    result["flag_missing_intake"] = False
    result["flag_missing_last"] = False
    if missing is None or len(missing) == 0:
        return
    keys = ["case_id", "person_id"] + (["rater_id"] if "rater_id" in missing.columns else [])
    rec = missing.assign(**{k: missing[k].astype(str) for k in keys})
    rec["date"] = pd.to_datetime(rec["date"]).to_numpy().astype("datetime64[D]")
    rec["reason"] = rec["reason"].fillna("").astype(str)
    idx = result[keys + ["first_date", "last_date"]].reset_index(names="series")
    joined = idx.merge(rec[keys + ["date", "reason"]], on=keys, how="inner")
    if joined.empty:
        return
    grouped = joined.groupby("series")
    result.loc[grouped.size().index, "n_missing"] = grouped.size().to_numpy()
    reasons = joined.groupby(["series", "reason"]).size()
    by_series: dict[int, dict[str, int]] = {}
    for (series, reason), count in reasons.items():
        by_series.setdefault(int(series), {})[str(reason)] = int(count)
    result["missing_reasons"] = pd.Series(by_series, dtype=object)
    early = joined.loc[joined["date"] <= joined["first_date"], "series"].unique()
    late = joined.loc[joined["date"] > joined["last_date"], "series"].unique()
    result.loc[early, "flag_missing_intake"] = True
    result.loc[late, "flag_missing_last"] = True


def series_ratings(ratings: pd.DataFrame, settings: OutcomeSettings = DEFAULT_SETTINGS,
                   ) -> pd.DataFrame:
    """Long form of the outcome series (one row per rating), for calibration and graphs.

    Columns: series (number), case_id, person_id, rater_id, meeting (1-based),
    days (since intake), score, intake, age_group.
    """
    o = order_outcome_ratings(ratings)
    n = o.ends - o.starts + 1
    first = ratings.iloc[o.rows[o.starts]]
    births = first["birth_date"].to_numpy().astype("datetime64[D]")
    age = _whole_years(births, o.day[o.starts].astype("datetime64[D]"))
    group = np.where(rules.in_outcome_statistics(age), rules.age_groups(age), "")
    sorted_rows = ratings.iloc[o.rows]
    long = pd.DataFrame({
        "series": o.series_of,
        "case_id": sorted_rows["case_id"].astype(str).to_numpy(),
        "person_id": sorted_rows["person_id"].astype(str).to_numpy(),
        "rater_id": sorted_rows["rater_id"].astype(str).to_numpy(),
        "meeting": np.arange(len(o.rows)) - np.repeat(o.starts, n) + 1,
        "days": o.day - np.repeat(o.day[o.starts], n),
        "score": o.score_t / 10.0,
        "intake": np.repeat(o.score_t[o.starts], n) / 10.0,
        "age_group": np.repeat(group, n),
    })
    return long.loc[long["age_group"] != ""].reset_index(drop=True)
