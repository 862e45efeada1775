"""fokus calibrate-etr: fit local expected paths to an organisation's closed series."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fokus.cases.models import Organisation
from fokus.insights.calibration import calibrate, store_local_parameter_set


class Command(BaseCommand):
    help = ("Fit the ETR model form to the organisation's closed series (on meeting number and "
            "on elapsed weeks), print the fit, and store it as a named parameter set that an "
            "administrator can put in force in the admin (ETR parameter sets in force).")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--age-set", choices=["youth", "adult"], default="youth",
                            help="youth covers children 6-12 and youth 13-17, as published")
        parser.add_argument("--name", help="name of the stored parameter set")
        parser.add_argument("--dry-run", action="store_true", help="fit and print; store nothing")

    def handle(self, *args, **options):
        try:
            organisation = Organisation.objects.get(name=options["organisation"])
        except Organisation.DoesNotExist as exc:
            raise CommandError(f"no organisation named {options['organisation']!r}") from exc
        try:
            comparison = calibrate(organisation, age_set=options["age_set"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        today = timezone.localdate()
        for scale in ("meeting", "weeks"):
            fit = comparison[scale]
            self.stdout.write(f"\nTime = {scale}: {fit.n_series} series, {fit.n_ratings} ratings, "
                              f"converged: {fit.converged}")
            for c in fit.coefficients:
                self.stdout.write(f"  {c['name']:<10} {c['estimate']:>10.5f}  "
                                  f"SE {c['se']:.5f}  95% CI {c['low']:.5f} .. {c['high']:.5f}")
            self.stdout.write(f"  held-back series: {json.dumps(fit.holdout)}")
        self.stdout.write(f"\nPublished set on the same held-back series: "
                          f"{json.dumps(comparison['published_holdout'])}")
        self.stdout.write(f"Better predictor of held-back series: time = {comparison['better']}")
        if options["dry_run"]:
            return
        name = options["name"] or (f"{organisation.name} local {options['age_set']} "
                                   f"{today.isoformat()}")
        stored = store_local_parameter_set(organisation, comparison, age_set=options["age_set"],
                                           name=name, fitted_on=today)
        self.stdout.write(self.style.SUCCESS(
            f"Stored parameter set {stored.name!r} (id {stored.pk}). An administrator puts it in "
            "force under Administration > ETR parameter sets in force."))
