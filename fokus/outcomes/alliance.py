"""SRS alerts (docs/fit-definitions.md section 2): total < 36, or a drop of >= 1.0
from the previous alliance rating of the same respondent.

"Same respondent" is read as the same case, person and rater; individual
(SRS/CSRS) and group (GSRS/CGSRS) alliance ratings are separate sequences, and
a child moving from CSRS to SRS at 13 keeps one sequence. Comparisons are in
integer tenths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rules import ALLIANCE_INSTRUMENTS, alliance_drop, alliance_low, alliance_sequence
from .settings import DEFAULT_SETTINGS, OutcomeSettings

ALLIANCE_FAMILY = {code: alliance_sequence(code) for code in ALLIANCE_INSTRUMENTS}


def srs_alerts(ratings: pd.DataFrame, settings: OutcomeSettings = DEFAULT_SETTINGS,
               ) -> pd.DataFrame:
    """One row per alliance rating, in date (then input) order within each respondent.

    Columns: row (input row), case_id, person_id, rater_id, instrument, date,
    total, previous_total, low (total below the cutoff), drop (fell by at least
    the drop setting), alert (either).
    """
    instrument = ratings["instrument"].astype(str)
    family = instrument.map(ALLIANCE_FAMILY)
    rows = np.flatnonzero(family.notna().to_numpy())
    sub = ratings.iloc[rows]
    frame = pd.DataFrame({
        "row": rows,
        "case_id": sub["case_id"].astype(str).to_numpy(),
        "person_id": sub["person_id"].astype(str).to_numpy(),
        "rater_id": sub["rater_id"].astype(str).to_numpy(),
        "family": family.iloc[rows].to_numpy(),
        "instrument": instrument.iloc[rows].to_numpy(),
        "date": sub["date"].to_numpy().astype("datetime64[D]"),
        "score_t": sub["score_t"].to_numpy().astype(np.int64),
    })
    frame = frame.sort_values(["case_id", "person_id", "rater_id", "family", "date", "row"],
                              kind="stable").reset_index(drop=True)
    same = frame[["case_id", "person_id", "rater_id", "family"]].eq(
        frame[["case_id", "person_id", "rater_id", "family"]].shift()).all(axis=1)
    previous = frame["score_t"].shift().where(same)
    frame["total"] = frame["score_t"] / 10.0
    frame["previous_total"] = previous / 10.0
    frame["low"] = alliance_low(frame["score_t"], settings)
    frame["drop"] = alliance_drop(previous, frame["score_t"], settings).fillna(False)
    frame["alert"] = frame["low"] | frame["drop"]
    return frame.drop(columns=["score_t", "family"])
