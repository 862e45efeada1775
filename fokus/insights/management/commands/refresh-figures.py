"""fokus refresh-figures: recompute the caseload's and the board's figures of every
case whose ratings, meetings, people or settings changed since they were computed."""

import time

from django.core.management.base import BaseCommand, CommandError

from fokus.cases.models import Case, Organisation
from fokus.insights.case_figures import refresh_stale


class Command(BaseCommand):
    help = ("Recompute the figures the caseload and the team board show (fokus.insights."
            "case_figures) for every case whose inputs changed since they were computed: "
            "for the night job, after a change of settings or an upgrade. The pages "
            "recompute a stale case themselves; this saves the first reader the wait.")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="only this organisation's cases (its name)")

    def handle(self, *args, **options):
        cases = Case.objects.all()
        if options["organisation"]:
            try:
                organisation = Organisation.objects.get(name=options["organisation"])
            except Organisation.DoesNotExist as exc:
                raise CommandError(f"no organisation named {options['organisation']!r}") from exc
            cases = cases.filter(organisation=organisation)
        start = time.perf_counter()
        checked, recomputed = refresh_stale(cases)
        self.stdout.write(f"{checked} cases checked, {recomputed} recomputed "
                          f"in {time.perf_counter() - start:.1f} s")
