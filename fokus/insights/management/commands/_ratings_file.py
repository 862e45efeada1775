"""The ratings file's rows from the engine's frame (the `fokus export ratings` command is
fokus/interchange/management/commands/export.py; these stay in insights because the
privacy layer, below interchange, writes the same layout): an organisation's ratings in
the ratings-file format of docs/fit-definitions.md section 6 (ids, never names), with team_id, caseworker_id, intervention and rater
(child / parent / other) as grouping columns, so that

    fokus outcomes --input FILE.csv --missing M.csv --by team_id

gives the summary of `fokus outcomes --organisation NAME --by team`. Every scale
the file format knows is written: outcome, alliance (individual and group) and
the young child's faces (total 1-4, no items). The read is logged.
"""

import numpy as np
import pandas as pd

from fokus.outcomes.ratings_csv import FOUR_LINE_INSTRUMENTS

from ._organisation_ratings import GROUPS

COLUMNS = ["case_id", "person_id", "rater_id", "birth_date", "instrument", "date",
           "item1", "item2", "item3", "item4", "total", *GROUPS]


def _tenths_text(tenths: pd.Series) -> list[str]:
    return [f"{t // 10}.{t % 10}" for t in tenths.astype(np.int64).tolist()]


def _days(column: pd.Series) -> list[str]:
    days = column.to_numpy().astype("datetime64[D]")
    return ["" if d == "NaT" else d for d in np.datetime_as_string(days).tolist()]


def ratings_file(ratings: pd.DataFrame, answers: dict[int, dict[int, str]]) -> pd.DataFrame:
    """The rows of the ratings file (all text) from the engine's frame and the answers."""
    out = pd.DataFrame({k: ratings[k].astype(str) for k in ("case_id", "person_id", "rater_id")})
    out["birth_date"] = _days(ratings["birth_date"])
    out["instrument"] = ratings["instrument"].astype(str)
    out["date"] = _days(ratings["date"])
    lines = ratings["instrument"].isin(FOUR_LINE_INSTRUMENTS).to_numpy()
    ids = ratings["id"].tolist()
    for position in range(1, 5):
        out[f"item{position}"] = [answers.get(i, {}).get(position, "") if line else ""
                                  for i, line in zip(ids, lines, strict=True)]
    # Four-line totals with one decimal; the faces as a whole number 1-4.
    tenths = ratings["score_t"].astype(np.int64)
    out["total"] = np.where(lines, _tenths_text(tenths), (tenths // 10).astype(str))
    for name in GROUPS:
        out[name] = ratings[name].astype(str)
    return out[COLUMNS]
