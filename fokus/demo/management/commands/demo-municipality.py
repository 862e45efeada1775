"""fokus demo-municipality: a big generated municipality in PostgreSQL, for benchmarks."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from fokus.demo.municipality import NeedsPostgres, generate_municipality


class Command(BaseCommand):
    help = ("Generate a municipality of 20,000 cases and about 1,000,000 ratings in "
            "PostgreSQL with COPY (for the benchmarks; never in production).")

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--teams", type=int, default=40)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--name", default=None)

    def handle(self, *args, cases, teams, seed, name, **options):
        if settings.PRODUCTION:  # before any query: a production database is never touched
            raise CommandError(
                "demo-municipality refuses the production profile (FOKUS_PROFILE=production): "
                "it fills the database with invented cases for benchmarks. Nothing was changed.")
        try:
            summary = generate_municipality(cases=cases, teams=teams, seed=seed, name=name)
        except NeedsPostgres as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
        call_command("refresh-figures", stdout=self.stdout)  # the caseload's figures, ahead
