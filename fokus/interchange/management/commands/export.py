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

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fokus.cases.models import Case
from fokus.insights.management.commands._organisation_ratings import get_organisation
from fokus.interchange.exports import export_rows, write

WHAT = ("ratings", "fhir")


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
