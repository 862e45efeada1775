"""`fokus retention --organisation NAME [--apply] [--today YYYY-MM-DD]`: the closed cases
whose retention period has run out. Without --apply a dry run: which cases, closed
when, due when, what will happen; nothing changes. With --apply each case is first
archived (ratings file, meeting records as PDF/A, manifest with SHA-256 checksums)
under FOKUS_ARCHIVE_DIR, then anonymised or deleted, one transaction per case.

`fokus retention --verify FOLDER` checks an archive folder against its manifest
(exit status 1 and the problems when it does not verify).

Ids and dates only on the console and in the access log, never a name."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fokus.cases.models import Organisation
from fokus.privacy import retention


class Command(BaseCommand):
    help = ("Anonymise or delete closed cases whose retention period has run out, after "
            "archiving what is to be kept. A dry run unless --apply is given.")

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="the organisation's name")
        parser.add_argument("--all-organisations", action="store_true",
                            help="every organisation that has a retention rule")
        parser.add_argument("--apply", action="store_true",
                            help="archive and then anonymise or delete (default: dry run)")
        parser.add_argument("--today", help="count the period up to this day (YYYY-MM-DD)")
        parser.add_argument("--verify", metavar="FOLDER",
                            help="verify an archive folder against its manifest and stop")

    def handle(self, *args, **options):
        if options["verify"]:
            problems = retention.verify_archive(Path(options["verify"]))
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(f"{options['verify']}: does not verify", returncode=1)
            self.stdout.write(f"{options['verify']}: every checksum verifies")
            return
        if options["all_organisations"] == bool(options["organisation"]):
            raise CommandError("give --organisation NAME or --all-organisations "
                               "(or --verify FOLDER)")
        if options["all_organisations"]:
            organisations = list(Organisation.objects.filter(
                retention_policy__isnull=False).order_by("name"))
        else:
            try:
                organisations = [Organisation.objects.get(name=options["organisation"])]
            except Organisation.DoesNotExist as exc:
                raise CommandError(
                    f"no organisation named {options['organisation']!r}") from exc
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today must be a date, YYYY-MM-DD") from exc
        if options["apply"]:
            problem = retention.check_archive_root()
            if problem:
                raise CommandError(f"{problem}; nothing was changed (FOKUS_ARCHIVE_DIR)")
        for organisation in organisations:
            self.report(organisation, options["apply"], today)

    def report(self, organisation, apply: bool, today) -> None:
        plan, done = retention.run(organisation, apply=apply, today=today)
        write = self.stdout.write
        if plan.policy is None:
            write(f"{organisation.name}: no retention rule; nothing to do. Set one in the "
                  "administration (Privacy > Retention rules).")
            return
        policy = plan.policy
        write(f"{organisation.name}: closed cases are kept {policy.keep_months} months, "
              f"then {policy.effective_action}d (as of {plan.today.isoformat()}).")
        if plan.deletion_refused:
            write("The rule says delete, but the State Archives' rules have not been marked as "
                  "allowing deletion: the cases are anonymised instead.")
        write(f"{len(plan.cases)} case(s) due, {plan.not_yet_due} closed case(s) not yet due.")
        for case in plan.cases:
            write(f"  case {case.case_id}: closed {case.closed_on.isoformat()}, "
                  f"due {case.due_on.isoformat()}: {case.action}")
        if not apply:
            write("Dry run: nothing was changed. Run again with --apply to archive and "
                  f"{policy.effective_action}.")
            return
        for item in done:
            write(f"  case {item.case_id}: archived ({item.n_files} files in {item.archive}), "
                  f"{item.action}d")
        write(f"{len(done)} case(s) archived and {policy.effective_action}d under "
              f"{retention.archive_root()}.")
