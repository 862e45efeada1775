"""`fokus export ratings --organisation NAME --output FILE.csv|FILE.xlsx [--missing-output M.csv]
[--team NAME | --case NUMBER] [--format csv|xlsx] [--columns all|format]` and
`fokus export fhir --organisation NAME --output FILE.ndjson`.

ratings: the ratings-file format of docs/fit-definitions.md section 6 (ids, never names),
with team_id, caseworker_id, intervention and rater (child / parent / other) as grouping
columns, so that

    fokus outcomes --input FILE.csv --missing M.csv --by team_id

gives the summary of `fokus outcomes --organisation NAME --by team`. Every scale the
file format knows is written. The ids are those a case or person was imported with
(the case number of an imported case, Person.import_id), else Fokus's own: so export,
import into an empty organisation (`fokus import`) and export again give the same file
(with `--columns format`: the grouping columns are this organisation's own ids). No
cell starts a formula (fokus.lib.spreadsheet). The read is logged.
"""

import csv
from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Person
from fokus.insights.management.commands._organisation_ratings import (
    GROUPS,
    as_text,
    get_organisation,
)
from fokus.insights.management.commands._ratings_file import COLUMNS, ratings_file
from fokus.insights.ratings_frame import missing_frame, ratings_frame
from fokus.lib.spreadsheet import safe_cell
from fokus.outcomes.ratings_csv import FOUR_LINE_INSTRUMENTS, INSTRUMENTS
from fokus.ratings.models import RatingAnswer

WHAT = ("ratings", "fhir")
FORMAT_COLUMNS = COLUMNS[:COLUMNS.index("total") + 1]


def file_ids(organisation_id: int, case_ids=None) -> tuple[dict[int, str], dict[int, str]]:
    """The ids a file shows: a case imported (one with a person imported) by its case
    number, a person imported by its import id; {} where Fokus's own id is shown."""
    persons = Person.objects.filter(case__organisation_id=organisation_id).exclude(import_id="")
    if case_ids is not None:
        persons = persons.filter(case_id__in=list(case_ids))
    person_ids = dict(persons.values_list("pk", "import_id"))
    imported = set(persons.values_list("case_id", flat=True))
    case_refs = dict(Case.objects.filter(pk__in=imported).values_list("pk", "reference"))
    return case_refs, person_ids


def export_rows(organisation, *, user=None, case_ids=None, columns="all", purpose: str,
                detail: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the ratings file's rows as text, the missing ratings), the read logged."""
    with transaction.atomic():
        ratings = ratings_frame(organisation.pk, case_ids=case_ids, instruments=INSTRUMENTS)
        missing = missing_frame(organisation.pk, case_ids=case_ids)
        answers: dict[int, dict[int, str]] = {}
        rows = (RatingAnswer.objects
                .filter(rating__case__organisation_id=organisation.pk,
                        rating__instrument__code__in=FOUR_LINE_INSTRUMENTS)
                .values_list("rating_id", "item__position", "value"))
        if case_ids is not None:
            rows = rows.filter(rating__case_id__in=list(case_ids))
        for rating_id, position, value in rows.iterator(chunk_size=20000):
            answers.setdefault(rating_id, {})[position] = f"{value:.1f}"
        case_refs, person_ids = file_ids(organisation.pk, case_ids)
        record(user, AccessAction.LIST, "rating", organisation.pk, purpose=purpose,
               detail={"organisation_id": organisation.pk, "organisation": organisation.name,
                       **detail, "n_ratings": len(ratings), "n_missing": len(missing),
                       "pseudonymised": not case_refs})
    for name in GROUPS:
        ratings[name] = as_text(ratings[name])
    frame = ratings_file(ratings, answers)
    frame["case_id"] = [case_refs.get(int(c), c) for c in frame["case_id"]]
    for key in ("person_id", "rater_id"):
        frame[key] = [person_ids.get(int(p), p) for p in frame[key]]
    if len(missing):
        missing["case_id"] = [case_refs.get(int(c), c) for c in missing["case_id"]]
        missing["person_id"] = [person_ids.get(int(p), p) for p in missing["person_id"]]
    if columns == "format":
        frame = frame[FORMAT_COLUMNS]
    # A stable order: the same ratings give the same file.
    frame = frame.sort_values(["case_id", "date", "person_id", "rater_id", "instrument"],
                              kind="stable").reset_index(drop=True)
    return frame, missing


def write(frame: pd.DataFrame, out, fmt: str) -> None:
    """CSV (UTF-8) or XLSX; no cell starts a formula."""
    safe = frame.map(safe_cell)
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("ratings")
        sheet.append(list(frame.columns))
        for row in safe.itertuples(index=False):
            sheet.append(list(row))
        book.save(out)
    else:
        safe.to_csv(out, index=False, encoding="utf-8", quoting=csv.QUOTE_MINIMAL,
                    lineterminator="\n")


class Command(BaseCommand):
    help = ("Export data of an organisation. `export ratings`: its ratings as a ratings file "
            "(docs/fit-definitions.md section 6; ids, not names), CSV or XLSX, with team_id, "
            "caseworker_id, intervention and rater columns, for `fokus outcomes --input` and "
            "`fokus import`. `export fhir`: FHIR R4 NDJSON.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=WHAT, help="what to export: ratings or fhir")
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--format", choices=("csv", "xlsx"),
                            help="csv or xlsx (default: by the output's suffix, else csv)")
        parser.add_argument("--team", help="only this team's cases")
        parser.add_argument("--case", help="only the case with this case number")
        parser.add_argument("--columns", choices=("all", "format"), default="all",
                            help="format: only the ratings file's own columns (what an "
                                 "import takes), without the grouping columns")
        parser.add_argument("--missing-output",
                            help="also write the missing ratings (case_id, person_id, date, "
                                 "reason) for `fokus outcomes --missing`")

    def handle(self, *args, **options):
        organisation = get_organisation(options["organisation"])
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"cannot write {output}: no directory {output.parent}")
        if options["what"] == "fhir":
            from fokus.interchange.fhir import export_organisation

            with output.open("w", encoding="utf-8") as out:
                n = export_organisation(organisation, out, user=None, include_cpr=False)
            self.stdout.write(f"{n} FHIR resources of {organisation.name} written to {output}")
            return
        case_ids = None
        cases = Case.objects.filter(organisation=organisation)
        if options["team"]:
            cases = cases.filter(team__name=options["team"])
            if not cases.exists():
                raise CommandError(f"no cases of a team named {options['team']!r}")
            case_ids = list(cases.values_list("pk", flat=True))
        if options["case"]:
            case_ids = list(cases.filter(reference=options["case"]).values_list("pk", flat=True))
            if not case_ids:
                raise CommandError(f"no case {options['case']!r} in {organisation.name}")
        fmt = options["format"] or ("xlsx" if output.suffix.lower() == ".xlsx" else "csv")
        frame, missing = export_rows(
            organisation, case_ids=case_ids, columns=options["columns"],
            purpose="fokus export ratings",
            detail={"output": output.name, "format": fmt,
                    **({"team": options["team"]} if options["team"] else {}),
                    **({"cases": len(case_ids)} if case_ids is not None else {})})
        write(frame, output, fmt)
        self.stdout.write(f"{len(frame)} ratings of {organisation.name} written to {output}")
        if options["missing_output"]:
            missing = missing.copy()
            missing["date"] = [d.isoformat() if d is not None else "" for d in missing["date"]]
            missing.to_csv(options["missing_output"], index=False, encoding="utf-8",
                           lineterminator="\n")
            self.stdout.write(f"{len(missing)} missing ratings written to "
                              f"{options['missing_output']}")
