"""`fokus export ratings --organisation NAME --output FILE.csv [--missing-output M.csv]`:
the organisation's ratings in the ratings-file format of docs/fit-definitions.md
section 6 (ids, never names), with team_id, caseworker_id, intervention and rater
(child / parent / other) as grouping columns, so that

    fokus outcomes --input FILE.csv --missing M.csv --by team_id

gives the summary of `fokus outcomes --organisation NAME --by team`. Every scale
the file format knows is written: outcome, alliance (individual and group) and
the young child's faces (total 1-4, no items). The read is logged.
"""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fokus.outcomes.ratings_csv import FOUR_LINE_INSTRUMENTS, INSTRUMENTS
from fokus.ratings.models import RatingAnswer

from ._organisation_ratings import GROUPS, get_organisation, read_ratings

COLUMNS = ["case_id", "person_id", "rater_id", "birth_date", "instrument", "date",
           "item1", "item2", "item3", "item4", "total", *GROUPS]
WHAT = ("ratings",)


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


class Command(BaseCommand):
    help = ("Export data of an organisation. `export ratings`: its ratings as a ratings file "
            "(docs/fit-definitions.md section 6; ids, not names) with team_id, caseworker_id, "
            "intervention and rater columns, for `fokus outcomes --input`.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=WHAT, help="what to export: ratings")
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--output", required=True, help="the CSV file to write")
        parser.add_argument("--missing-output",
                            help="also write the missing ratings (case_id, person_id, date, "
                                 "reason) for `fokus outcomes --missing`")

    def handle(self, *args, **options):
        organisation = get_organisation(options["organisation"])
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"cannot write {output}: no directory {output.parent}")
        answers: dict[int, dict[int, str]] = {}
        with transaction.atomic():  # the answers are read in the logged read's transaction
            data = read_ratings(organisation, purpose="fokus export ratings",
                                detail={"output": output.name}, instruments=INSTRUMENTS)
            rows = (RatingAnswer.objects
                    .filter(rating__case__organisation_id=organisation.pk,
                            rating__instrument__code__in=FOUR_LINE_INSTRUMENTS)
                    .values_list("rating_id", "item__position", "value"))
            for rating_id, position, value in rows.iterator(chunk_size=20000):
                answers.setdefault(rating_id, {})[position] = f"{value:.1f}"
        frame = ratings_file(data.ratings, answers)
        frame.to_csv(output, index=False, encoding="utf-8", quoting=csv.QUOTE_MINIMAL,
                     lineterminator="\n")
        self.stdout.write(f"{len(frame)} ratings of {organisation.name} written to {output}")
        if options["missing_output"]:
            missing = data.missing.copy()
            missing["date"] = [d.isoformat() if d is not None else "" for d in missing["date"]]
            missing.to_csv(options["missing_output"], index=False, encoding="utf-8",
                           lineterminator="\n")
            self.stdout.write(f"{len(missing)} missing ratings written to "
                              f"{options['missing_output']}")
