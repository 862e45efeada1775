"""`fokus demo-data`: generate the demo department ("Demo Kommune") into an empty database.

Refuses (exit status 1, nothing changed) in the production profile. Refuses too when the
database already has an organisation; with --if-empty it then does nothing and exits 0,
which is what `make demo` uses.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from fokus.demo.generator import DemoDataExists, existing_data_reason, generate_demo


class Command(BaseCommand):
    help = ("Generate a realistic demo department (Demo Kommune: teams, caseworkers, 150 "
            "families, two years of meetings and ratings) into an empty database. "
            "Demo logins anna, bo, lise, ali and admin, password 'demo'.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true",
            help="Do nothing (and succeed) when the database already has data.")
        parser.add_argument(
            "--seed", type=int, default=2017,
            help="Random seed; the same seed on the same day gives the same data (default 2017).")

    def handle(self, *args, **options):
        if settings.PRODUCTION:  # before any query: a production database is never touched
            raise CommandError(
                "demo-data refuses the production profile (FOKUS_PROFILE=production): it "
                "creates logins with the password 'demo' and invented families. Nothing was "
                "changed.")
        reason = existing_data_reason()
        if reason:
            if options["if_empty"]:
                return
            raise CommandError(
                f"{reason} demo-data only fills an empty database, so nothing was changed. "
                "Use a new database (e.g. another FOKUS_DATA_DIR or DATABASE_URL), "
                "or pass --if-empty to skip silently.")
        try:
            generate_demo(stdout=self.stdout, seed=options["seed"])
        except DemoDataExists as exc:  # someone else filled it meanwhile
            if options["if_empty"]:
                return
            raise CommandError(str(exc)) from exc
        call_command("refresh-figures", stdout=self.stdout)  # the caseload's figures, ahead
