"""fokus rotate-cpr-key: re-encrypt every CPR number with the first key of FOKUS_CPR_KEYS,
or (--lookup) recompute the search hashes with FOKUS_CPR_LOOKUP_KEY. See
docs/cpr-encryption.md for the whole procedure."""

from django.core.management.base import BaseCommand, CommandError

from fokus.cases import cpr_keys
from fokus.lib import crypto


class Command(BaseCommand):
    help = ("Re-encrypt every CPR number still under an older key with the first key of "
            "FOKUS_CPR_KEYS (then the old key can be removed); with --lookup, recompute the "
            "CPR search hashes with FOKUS_CPR_LOOKUP_KEY. In batches, each in a transaction; "
            "running it again does nothing more. --check changes nothing and exits non-zero "
            "if anything is left to do or cannot be read.")

    def add_arguments(self, parser):
        parser.add_argument("--lookup", action="store_true",
                            help="recompute the search hashes instead of re-encrypting")
        parser.add_argument("--check", action="store_true",
                            help="change nothing: count what a run would change")
        parser.add_argument("--batch-size", type=int, default=cpr_keys.BATCH_SIZE)

    def handle(self, *args, lookup=False, check=False, batch_size=cpr_keys.BATCH_SIZE,
               **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        rotate = cpr_keys.rotate_lookup if lookup else cpr_keys.rotate_encryption
        try:
            result = rotate(batch_size=batch_size, dry_run=check)
        except crypto.CprKeyError as exc:
            raise CommandError(str(exc)) from None
        what = "search hash(es)" if lookup else "CPR number(s)"
        verb = "to recompute" if lookup else "to re-encrypt"
        done = "recomputed" if lookup else "re-encrypted"
        if check:
            self.stdout.write(f"{result.changed} {what} {verb}, {result.unchanged} current")
            if result.changed:
                raise CommandError(f"{result.changed} {what} {verb}: run without --check")
        else:
            self.stdout.write(f"{result.changed} {what} {done}, {result.unchanged} already "
                              f"current, in {result.batches} batch(es)")
