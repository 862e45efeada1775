"""The FIT rules, each defined once (docs/fit-definitions.md).

Every page, signal, record, dashboard and the engine's own vectorised code call
these functions; nothing else in Fokus restates a cutoff, an age limit or a
colour rule. Scores are compared in exact integer tenths (25.0 -> 250), see
`settings.to_tenths`.

Most rules are written with plain comparison operators, so the same function
takes a single value (a page, a signal) or a numpy array (the engine over a
million series) and gives the same answer for both. Where a rule needs a
branch (age groups, cutoffs, colours), the scalar and the array form sit side by
side here and a test checks they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .etr import DEFAULT_MODEL, EtrModel, etr_at
from .settings import DEFAULT_SETTINGS, OutcomeSettings, to_tenths

# --- Scales: which instrument measures what, on which scale --------------------------------

OUTCOME = "outcome"
ALLIANCE = "alliance"
LINES = "lines"  # four 10 cm lines, total 0.0-40.0
FACES = "faces"  # the young child's single choice of a face, 1-4


@dataclass(frozen=True)
class Scale:
    """What an instrument measures and how it is scored."""

    measures: str          # outcome / alliance
    kind: str              # lines (0-40) / faces (1-4)
    group_session: bool    # GSRS/CGSRS: the alliance of a group session
    in_statistics: bool    # only the validated 0-40 outcome scales enter outcome statistics

    @property
    def is_faces(self) -> bool:
        return self.kind == FACES


SCALES: dict[str, Scale] = {
    "ORS": Scale(OUTCOME, LINES, False, True),
    "CORS": Scale(OUTCOME, LINES, False, True),
    "SRS": Scale(ALLIANCE, LINES, False, True),
    "CSRS": Scale(ALLIANCE, LINES, False, True),
    "GSRS": Scale(ALLIANCE, LINES, True, True),
    "CGSRS": Scale(ALLIANCE, LINES, True, True),
    # No psychometric validation: shown as faces, never in statistics (docs/fit-definitions.md section 1).
    "YCORS": Scale(OUTCOME, FACES, False, False),
    "YCSRS": Scale(ALLIANCE, FACES, False, False),
}

OUTCOME_INSTRUMENTS = tuple(c for c, s in SCALES.items() if s.measures == OUTCOME and s.kind == LINES)
ALLIANCE_INSTRUMENTS = tuple(c for c, s in SCALES.items()
                             if s.measures == ALLIANCE and s.kind == LINES)
FACES_INSTRUMENTS = tuple(c for c, s in SCALES.items() if s.kind == FACES)


def scale_of(instrument: str) -> Scale | None:
    """The scale of an instrument code; None for an instrument outside the ORS family
    (e.g. WHO-5), which has no FIT rules."""
    return SCALES.get(instrument)


def alliance_sequence(instrument: str) -> str | None:
    """Which alliance sequence a rating continues: individual (SRS, CSRS) or group
    (GSRS, CGSRS); a child moving from CSRS to SRS at 13 keeps one sequence."""
    scale = SCALES.get(instrument)
    if scale is None or scale.measures != ALLIANCE or scale.kind != LINES:
        return None
    return "group" if scale.group_session else "individual"


def series_scale_key(instrument: str) -> tuple[str, str] | None:
    """(measures, kind): ratings with the same key and the same person and rater form one
    series. CORS continues as ORS at 13 (both 0-40 lines); YCORS to CORS starts a new
    series, because faces and lines are different scales."""
    scale = SCALES.get(instrument)
    return None if scale is None else (scale.measures, scale.kind)


# --- Age groups ------------------------------------------------------------------------------

ADULT_FROM = 18
YOUTH_FROM = 13
STATISTICS_FROM = 6  # the 0-40 scales are used from 6; younger children rate faces


def age_group(age: float) -> str:
    """adult (18+), youth (13-17) or child (under 13), from whole years at intake."""
    if age >= ADULT_FROM:
        return "adult"
    if age >= YOUTH_FROM:
        return "youth"
    return "child"


def age_groups(ages: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    """`age_group` over an array (NaN, an unknown age, gives child; callers drop those)."""
    with np.errstate(invalid="ignore"):
        return np.where(ages >= ADULT_FROM, "adult", np.where(ages >= YOUTH_FROM, "youth", "child"))


def in_outcome_statistics(age: Any) -> Any:
    """A series enters outcome statistics when the person was 6 or older at intake
    (scalar or array; an unknown age is never in)."""
    if isinstance(age, np.ndarray):
        with np.errstate(invalid="ignore"):
            return ~np.isnan(age) & (age >= STATISTICS_FROM)
    return age is not None and age >= STATISTICS_FROM


def instrument_ages(instrument: str) -> tuple[int, int | None]:
    """(min, max) age in whole years for an instrument of the ORS family: the adult
    scales from 13, the child scales 6-12, the faces under 6."""
    scale = SCALES[instrument]
    if scale.kind == FACES:
        return 0, STATISTICS_FROM - 1
    if instrument.startswith("C"):  # CORS, CSRS, CGSRS: the child versions
        return STATISTICS_FROM, YOUTH_FROM - 1
    return YOUTH_FROM, None


def etr_group(group: str) -> str:
    """The ETR parameter set of an age group: adult, or youth (youth and children)."""
    return "adult" if group == "adult" else "youth"


# --- Cutoffs and change ------------------------------------------------------------------------

def cutoff(group: str, self_rating: bool, s: OutcomeSettings = DEFAULT_SETTINGS) -> float:
    """The wellbeing cutoff of a series: by the age group of the person rated at
    intake; a carer rating a child has the carer-rates-child cutoff."""
    return cutoff_t(group, self_rating, s) / 10.0


def cutoff_t(group: str, self_rating: bool, s: OutcomeSettings = DEFAULT_SETTINGS) -> int:
    if group == "adult":
        return s.cutoff_adult_t
    if group == "youth":
        return s.cutoff_youth_t
    return s.cutoff_child_t if self_rating else s.cutoff_carer_child_t


def cutoffs_t(groups: npt.NDArray[np.str_], self_rating: npt.NDArray[np.bool_],
              s: OutcomeSettings = DEFAULT_SETTINGS) -> npt.NDArray[np.int64]:
    """`cutoff_t` over arrays."""
    return np.select(
        [groups == "adult", groups == "youth", self_rating],
        [s.cutoff_adult_t, s.cutoff_youth_t, s.cutoff_child_t],
        default=s.cutoff_carer_child_t,
    ).astype(np.int64)


def sds_for(groups: npt.NDArray[np.str_], s: OutcomeSettings = DEFAULT_SETTINGS
            ) -> npt.NDArray[np.float64]:
    """The standard deviation used for effect sizes, by age group."""
    return np.select([groups == "adult", groups == "youth"], [s.sd_adult, s.sd_youth],
                     default=s.sd_child)


def reliable_improvement(intake_t: Any, last_t: Any, s: OutcomeSettings = DEFAULT_SETTINGS) -> Any:
    """last - intake >= R (tenths; scalar or array)."""
    return last_t - intake_t >= s.reliable_change_t


def reliable_deterioration(intake_t: Any, last_t: Any,
                           s: OutcomeSettings = DEFAULT_SETTINGS) -> Any:
    """last <= intake - R (tenths; scalar or array): a drop of exactly R counts."""
    return last_t - intake_t <= -s.reliable_change_t


def above_cutoff(score_t: Any, cut_t: Any) -> Any:
    """Wellbeing: a score above the cutoff (a score exactly at the cutoff is not)."""
    return score_t > cut_t


def recovered(intake_t: Any, last_t: Any, cut_t: Any, s: OutcomeSettings = DEFAULT_SETTINGS) -> Any:
    """Clinically significant change: reliable improvement from at or below the cutoff
    to above it."""
    return (reliable_improvement(intake_t, last_t, s) & (intake_t <= cut_t)
            & above_cutoff(last_t, cut_t))


CATEGORIES = ("recovered", "improved", "unchanged", "deteriorated")


def change_category(intake_t: int, last_t: int, cut_t: int,
                    s: OutcomeSettings = DEFAULT_SETTINGS) -> str:
    if recovered(intake_t, last_t, cut_t, s):
        return "recovered"
    if reliable_improvement(intake_t, last_t, s):
        return "improved"
    if reliable_deterioration(intake_t, last_t, s):
        return "deteriorated"
    return "unchanged"


def change_categories(intake_t: npt.NDArray[np.int64], last_t: npt.NDArray[np.int64],
                      cut_t: npt.NDArray[np.int64], s: OutcomeSettings = DEFAULT_SETTINGS
                      ) -> npt.NDArray[np.object_]:
    """`change_category` over arrays."""
    return np.select(
        [recovered(intake_t, last_t, cut_t, s), reliable_improvement(intake_t, last_t, s),
         reliable_deterioration(intake_t, last_t, s)],
        ["recovered", "improved", "deteriorated"], default="unchanged").astype(object)


def no_change(scores_t: Sequence[int], cut_t: int, s: OutcomeSettings = DEFAULT_SETTINGS,
              min_ratings: int = 4) -> bool:
    """Nothing changes: at least `min_ratings` ratings, still at or below the cutoff, and
    the latest within the reliable change of intake either way."""
    return (len(scores_t) >= min_ratings and scores_t[-1] <= cut_t
            and abs(scores_t[-1] - scores_t[0]) < s.reliable_change_t)


# --- Expected path and on track ----------------------------------------------------------------

def has_expected_path(intake_t: Any, s: OutcomeSettings = DEFAULT_SETTINGS) -> Any:
    """No ETR when the intake is above the ceiling (scalar or array)."""
    return intake_t <= s.etr_ceiling_t


def expected_at(intake: float, group: str, meeting: int, n_ratings: int,
                model: EtrModel = DEFAULT_MODEL) -> float:
    """ETR at a meeting of a series with n ratings (short-term set up to 12 ratings)."""
    return etr_at(intake, etr_group(group), meeting, n_ratings, model)


COLOURS = ("grey", "green", "yellow", "red")


def on_track_colour_of(n: Any, intake_t: Any, last_t: Any, expected: Any,
                       s: OutcomeSettings = DEFAULT_SETTINGS) -> Any:
    """The on-track colour from a series' figures; scalar or array (expected is ETR at
    the last meeting, NaN where there is none).

    grey: fewer than 2 ratings, or intake above the ETR ceiling; red: last < ETR(m) - R,
    or reliable deterioration; yellow: ETR(m) - R <= last < ETR(m); green otherwise.
    R is compared as a real number here because ETR(m) is real.
    """
    last = last_t / 10.0
    r = s.reliable_change_t / 10.0
    grey = np.logical_or(n < 2, np.logical_not(has_expected_path(intake_t, s)))
    with np.errstate(invalid="ignore"):
        red = (last < expected - r) | reliable_deterioration(intake_t, last_t, s)
        yellow = last < expected
    colour = np.select([grey, red, yellow], ["grey", "red", "yellow"], default="green")
    return colour.astype(object) if isinstance(colour, np.ndarray) and colour.ndim else str(colour)


def on_track_colour(scores: Sequence[float | str], group: str,
                    s: OutcomeSettings = DEFAULT_SETTINGS, model: EtrModel = DEFAULT_MODEL) -> str:
    """grey / green / yellow / red for the last of a series' scores (in date order)."""
    tenths = [to_tenths(x) for x in scores]
    n = len(tenths)
    if n < 2 or not has_expected_path(tenths[0], s):
        return "grey"
    expected = expected_at(tenths[0] / 10.0, group, n, n, model)
    return on_track_colour_of(n, tenths[0], tenths[-1], expected, s)


# --- Alliance ------------------------------------------------------------------------------------

def alliance_low(total_t: Any, s: OutcomeSettings = DEFAULT_SETTINGS) -> Any:
    """An alliance total below the cutoff (36.0 by default; exactly 36.0 is not low)."""
    return total_t < s.srs_cutoff_t


def alliance_drop(previous_t: Any, total_t: Any, s: OutcomeSettings = DEFAULT_SETTINGS) -> Any:
    """A fall of at least the drop setting (1.0) from the previous alliance rating of the
    same respondent."""
    return previous_t - total_t >= s.srs_drop_t


# --- The young child's faces (YCORS, YCSRS), scored 1-4 ------------------------------------------
# docs/fit-definitions.md gives no cutoff or reliable change for the faces; these are Fokus's
# own rules (docs/fit-definitions.md): two faces is half the scale, and the two sad faces
# are the child saying it did not feel good, the only reading a four-point picture supports.

FACE_SADDEST = 1
FACE_HAPPIEST = 4
FACES_DROP = 2  # faces: a fall of two faces from the previous rating
FACES_SAD = 2   # faces at or below this are the sad half


def faces_outcome_flag(previous: int | None, face: int) -> bool:
    """A young child's outcome face calls for a talk: the saddest face, or a fall of
    two faces or more from the previous rating."""
    return face <= FACE_SADDEST or (previous is not None and previous - face >= FACES_DROP)


def faces_alliance_low(face: int) -> bool:
    """A young child's meeting face is one of the two sad faces."""
    return face <= FACES_SAD


def faces_alliance_drop(previous: int | None, face: int) -> bool:
    return previous is not None and previous - face >= FACES_DROP
