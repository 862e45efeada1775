"""`fokus outcomes --organisation NAME [--by team|intervention|age_group|rater] --json`:
the outcomes engine over the organisation's ratings in the database, printing the
JSON of `fokus outcomes --input FILE.csv` (docs/fit-definitions.md section 6).

fokus/__main__.py routes `fokus outcomes --organisation ...` here (Django is
needed); `fokus outcomes --input` runs without Django. Settings and ETR sets are
those in force at the organisation's first rating. The read is one access-log
entry (organisation, grouping; ids only), in the read's transaction.
"""

from django.core.management.base import BaseCommand

from fokus.insights.series import outcome_settings
from fokus.instruments.access import etr_model_in_force
from fokus.outcomes import build_series
from fokus.outcomes.cli import alliance_counts, build_output, write_output
from fokus.outcomes.series import FLAG_NAMES

from ._organisation_ratings import GROUPS, get_organisation, read_ratings

# --by NAME -> the series column grouped by. Not by caseworker: FIT is for learning, not a
# league table (issue 9), so figures per caseworker are not offered here.
BY = {"team": "team_id", "intervention": "intervention", "age_group": "age_group",
      "rater": "rater"}


class Command(BaseCommand):
    help = ("The outcomes engine over an organisation's ratings in the database: the same "
            "JSON as `fokus outcomes --input FILE.csv` (settings, series, summary, groups).")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--by", choices=sorted(BY),
                            help="summarise by team (team_id), intervention, age_group or "
                                 "rater (child / parent / other)")
        parser.add_argument("--exclude", action="append", default=[], choices=list(FLAG_NAMES),
                            help="leave series with this validity flag out of the summaries")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        organisation = get_organisation(options["organisation"])
        by = BY[options["by"]] if options["by"] else None
        data = read_ratings(organisation, purpose="fokus outcomes --organisation",
                            detail={"by": options["by"] or "", "exclude": options["exclude"]})
        settings = outcome_settings(organisation.pk, data.first_day)
        model = etr_model_in_force(organisation.pk, data.first_day)
        ratings = data.ratings
        series = build_series(ratings, settings, model, missing=data.missing,
                              group_columns=list(GROUPS))
        counts = alliance_counts(ratings, settings)
        output = build_output(series, counts, by, options["exclude"], settings, model,
                              records=False)
        write_output(output, options["json"], self.stdout)
