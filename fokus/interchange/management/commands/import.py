"""`fokus import FILE --organisation NAME [--team NAME] [--dry-run]`: historical ratings
from a ratings file (CSV or XLSX; docs/interchange.md) or FHIR QuestionnaireResponses
(.ndjson). Every bad row is printed (line, column, reason) and nothing is stored when
there is any; otherwise all of it is stored in one transaction. Progress on stderr."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fokus.cases.models import Organisation, Team


def render(error) -> str:
    text = _(error.message) % error.params if error.params else _(error.message)
    where = f"line {error.line}" if error.line else "file"
    return f"{where}, {error.column}: {text}" if error.column else f"{where}: {text}"


class Command(BaseCommand):
    help = ("Import ratings from a ratings file (CSV or XLSX) or FHIR NDJSON into an "
            "organisation: all or nothing, every bad row reported.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the ratings file (.csv, .xlsx) or FHIR .ndjson")
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--team", help="the team new cases go to (a case already in "
                                           "Fokus keeps its team)")
        parser.add_argument("--dry-run", action="store_true",
                            help="check and report only; store nothing")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file {path}")
        try:
            organisation = Organisation.objects.get(name=options["organisation"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"no organisation named {options['organisation']!r}") from exc
        team = None
        if options["team"]:
            team = Team.objects.filter(unit__organisation=organisation,
                                       name=options["team"]).first()
            if team is None:
                raise CommandError(f"no team named {options['team']!r} in {organisation.name}")
        progress = self._progress
        if path.suffix.lower() == ".ndjson":
            from fokus.interchange.fhir import import_ndjson

            if options["dry_run"]:
                raise CommandError("--dry-run is for ratings files, not FHIR NDJSON")
            with path.open(encoding="utf-8") as lines:
                result = import_ndjson(None, organisation, lines, progress=progress,
                                       **({"team": team} if team is not None else {}))
        else:
            from fokus.interchange.imports import check_import, read_file, run_import

            self.stderr.write(f"reading {path.name}")
            read = read_file(path, filename=path.name)
            for warning in read.warnings:
                self.stderr.write(render(warning))
            if options["dry_run"]:
                result = check_import(organisation, read, team=team)
            else:
                result = run_import(None, organisation, read, progress=progress, team=team)
        for error in result.errors:
            self.stdout.write(render(error))
        if result.errors:
            raise CommandError(f"{len(result.errors)} problem(s): nothing was stored")
        self.stdout.write(
            f"{'would add' if options['dry_run'] else 'added'}: "
            f"{getattr(result, 'cases_new', 0)} new cases, "
            f"{getattr(result, 'persons_new', 0)} new persons, "
            f"{getattr(result, 'ratings_new', 0)} new ratings; "
            f"{getattr(result, 'ratings_already_there', 0)} ratings already there")

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"\r{done:,} / {total:,} ratings stored", ending="")
        if done >= total:
            self.stderr.write("")
        sys.stderr.flush()
