"""Expected treatment response (ETR): parameter sets, paths and targets.

The published PCOMS model (docs/fit-definitions.md section 3) is a cubic polynomial in
time whose coefficients depend linearly on intake:

    c   = intake - 20
    a_k = mean_k + by_intake_k * c           (k = 0..3)
    ETR(meeting 1) = intake
    ETR(meeting m) = a0 + a1 t + a2 t^2 + a3 t^3,  t = min(m - 1, flatten)
    target         = the polynomial at t = target_flatten, short-term set

A parameter set is data (name, source, date, number of series) so that a set
calibrated locally can be stored next to the published ones and put in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

BON_SOURCE = "Better Outcomes Now public algorithm code (2023 parameters)"
BON_DATE = dt.date(2023, 1, 1)


@dataclass(frozen=True)
class EtrParameterSet:
    """One set of ETR coefficients in the published layout.

    `time_scale` is "meeting" for the published sets (t = meeting - 1) and may
    be "weeks" for a locally calibrated set (t = weeks since intake).
    `n_series` is None when the publisher did not state it.
    """

    name: str
    source: str
    date: dt.date | None
    n_series: int | None
    mean: tuple[float, float, float, float]
    by_intake: tuple[float, float, float, float]
    flatten: float
    target_flatten: float
    max_meetings: int
    time_scale: str = "meeting"
    extra: dict[str, Any] = field(default_factory=dict)

    def coefficients(self, intake: npt.ArrayLike) -> FloatArray:
        """a0..a3 for each intake: array of shape (n, 4)."""
        centred = np.asarray(intake, dtype=np.float64).reshape(-1, 1) - 20.0
        return np.asarray(self.mean) + np.asarray(self.by_intake) * centred

    def value_at(self, intake: npt.ArrayLike, t: npt.ArrayLike) -> FloatArray:
        """The polynomial at time t (already capped by the caller or not)."""
        coef = self.coefficients(intake)
        tt = np.broadcast_to(np.asarray(t, dtype=np.float64), (coef.shape[0],))
        return coef[:, 0] + tt * (coef[:, 1] + tt * (coef[:, 2] + tt * coef[:, 3]))

    def etr_at_meeting(self, intake: npt.ArrayLike, meeting: npt.ArrayLike) -> FloatArray:
        """ETR(m): intake at meeting 1, the capped polynomial after."""
        intake_a = np.asarray(intake, dtype=np.float64).reshape(-1)
        m = np.broadcast_to(np.asarray(meeting, dtype=np.float64), intake_a.shape)
        t = np.minimum(m - 1.0, self.flatten)
        return np.where(m <= 1, intake_a, self.value_at(intake_a, t))

    def target(self, intake: npt.ArrayLike) -> FloatArray:
        return self.value_at(intake, self.target_flatten)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        data["mean"] = list(self.mean)
        data["by_intake"] = list(self.by_intake)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EtrParameterSet:
        values = dict(data)
        if values.get("date"):
            values["date"] = dt.date.fromisoformat(values["date"])
        values["mean"] = tuple(float(x) for x in values["mean"])
        values["by_intake"] = tuple(float(x) for x in values["by_intake"])
        return cls(**values)


SHORT_TERM_ADULT = EtrParameterSet(
    name="short-term adult",
    source=BON_SOURCE,
    date=BON_DATE,
    n_series=None,
    mean=(20.192794, 3.391172, -0.51855, 0.027243),
    by_intake=(0.968895, -0.281445, 0.049636, -0.002821),
    flatten=9,
    target_flatten=5,
    max_meetings=12,
)
SHORT_TERM_YOUTH = EtrParameterSet(
    name="short-term youth (13-17 and 6-12)",
    source=BON_SOURCE,
    date=BON_DATE,
    n_series=None,
    mean=(20.311051, 3.876662, -0.617576, 0.032964),
    by_intake=(0.961832, -0.302422, 0.053757, -0.003009),
    flatten=9,
    target_flatten=5,
    max_meetings=12,
)
LONG_TERM_ADULT = EtrParameterSet(
    name="long-term adult",
    source=BON_SOURCE,
    date=BON_DATE,
    n_series=None,
    mean=(20.729503, 1.241249, -0.080747, 0.001847),
    by_intake=(0.883757, -0.082032, 0.005535, -0.000126),
    flatten=22,
    target_flatten=22,
    max_meetings=25,
)
LONG_TERM_YOUTH = EtrParameterSet(
    name="long-term youth",
    source=BON_SOURCE,
    date=BON_DATE,
    n_series=None,
    mean=(21.217437, 1.540001, -0.109128, 0.002615),
    by_intake=(0.894288, -0.103598, 0.007662, -0.00019),
    flatten=22,
    target_flatten=22,
    max_meetings=25,
)

PUBLISHED_SETS: tuple[EtrParameterSet, ...] = (
    SHORT_TERM_ADULT,
    SHORT_TERM_YOUTH,
    LONG_TERM_ADULT,
    LONG_TERM_YOUTH,
)


@dataclass(frozen=True)
class EtrModel:
    """The parameter sets in force: short- and long-term, adult and youth.

    Youth sets also serve children 6-12 (and carers rating a child).
    `short_term_max` is the series length up to which the short-term set gives
    the path (12 ratings in the published practice).
    """

    name: str = "BON 2023 published sets"
    short_adult: EtrParameterSet = SHORT_TERM_ADULT
    short_youth: EtrParameterSet = SHORT_TERM_YOUTH
    long_adult: EtrParameterSet = LONG_TERM_ADULT
    long_youth: EtrParameterSet = LONG_TERM_YOUTH
    short_term_max: int = 12
    valid_from: dt.date | None = None

    def short_set(self, age_group: str) -> EtrParameterSet:
        return self.short_adult if age_group == "adult" else self.short_youth

    def long_set(self, age_group: str) -> EtrParameterSet:
        return self.long_adult if age_group == "adult" else self.long_youth

    def set_for_length(self, age_group: str, n_ratings: int) -> EtrParameterSet:
        if n_ratings <= self.short_term_max:
            return self.short_set(age_group)
        return self.long_set(age_group)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "short_term_max": self.short_term_max,
            "short_adult": self.short_adult.to_dict(),
            "short_youth": self.short_youth.to_dict(),
            "long_adult": self.long_adult.to_dict(),
            "long_youth": self.long_youth.to_dict(),
        }


DEFAULT_MODEL = EtrModel()


def etr_target(intake: float, age_group: str, model: EtrModel = DEFAULT_MODEL) -> float:
    """The end point of the expected path (always the short-term set)."""
    return float(model.short_set(age_group).target(intake)[0])


def expected_change(intake: float, age_group: str, model: EtrModel = DEFAULT_MODEL) -> float:
    return etr_target(intake, age_group, model) - intake


def met_percent(intake: float, last: float, expected: float) -> float:
    """clip((last - intake) / expectedChange * 100, 0, 100).

    When the expected change is not positive (not reached by the published
    sets for intake <= 32, but possible with a local set) the ratio has no
    meaning: 100 if the last rating is at or above the target, else 0.
    """
    if expected <= 0:
        return 100.0 if last - intake >= expected else 0.0
    return float(min(max((last - intake) / expected * 100.0, 0.0), 100.0))


def etr_path(
    intake: float,
    age_group: str,
    n_ratings: int,
    model: EtrModel = DEFAULT_MODEL,
    length: int | None = None,
) -> list[float]:
    """The expected path for meetings 1..length (default: the set's maximum).

    The set is chosen by the series length (short-term set when it has at most
    `model.short_term_max` ratings). Values are unrounded; pages round to 0.1.
    """
    params = model.set_for_length(age_group, n_ratings)
    count = length if length is not None else max(params.max_meetings, n_ratings)
    meetings = np.arange(1, count + 1, dtype=np.float64)
    intakes = np.full(count, float(intake))
    return [float(x) for x in params.etr_at_meeting(intakes, meetings)]


def etr_at(intake: float, age_group: str, meeting: int, n_ratings: int,
           model: EtrModel = DEFAULT_MODEL) -> float:
    """ETR(m) for a series of n_ratings ratings (set chosen by its length)."""
    params = model.set_for_length(age_group, n_ratings)
    return float(params.etr_at_meeting([intake], [meeting])[0])
