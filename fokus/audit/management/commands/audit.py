"""fokus audit: the access log's chain (fokus.audit.chain, docs/access-log.md).

    fokus audit verify [--against HEADFILE]   walk the chain; exit 1 naming the first
                                              entry that does not fit
    fokus audit export-head [--file PATH]     append the chain's head (daily)
    fokus audit prune [--older-than-months N] [--dry-run]
                                              retention: delete old entries, leave a summary
    fokus audit grants --app-role ROLE [--print]
                                              PostgreSQL: the application's role may only
                                              SELECT and INSERT the log
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from fokus.audit import chain

MIN_MONTHS = 6


def months_before(now: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` calendar months earlier (the month's last day
    when it has fewer days)."""
    import calendar

    total = now.year * 12 + (now.month - 1) - months
    year, month = divmod(total, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def grants_sql(app_role: str, table: str, sequence: str | None, quote) -> list[str]:
    role = quote(app_role)
    statements = [
        f"REVOKE ALL ON TABLE {quote(table)} FROM {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {quote(table)} FROM PUBLIC",
        f"GRANT SELECT, INSERT ON TABLE {quote(table)} TO {role}",
    ]
    if sequence:
        statements.append(f"GRANT USAGE, SELECT ON SEQUENCE {quote(sequence)} TO {role}")
    return statements


class Command(BaseCommand):
    help = "The access log's hash chain: verify, export-head, prune, grants."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Walk the chain; exit 1 on the first entry "
                                "that was edited, deleted, inserted or moved.")
        verify.add_argument("--against", metavar="HEADFILE",
                            help="also check every head exported to this file")
        export = sub.add_parser("export-head", help="Append the chain's head to the head file.")
        export.add_argument("--file", help="default: settings.FOKUS_ACCESS_LOG_HEAD_FILE; "
                            "'-' writes the line to standard output only (e.g. for logger)")
        prune = sub.add_parser("prune", help="Delete entries older than the retention "
                               "period and leave a summary entry in the chain.")
        prune.add_argument("--older-than-months", type=int, default=None,
                           help="default: settings.FOKUS_ACCESS_LOG_KEEP_MONTHS")
        prune.add_argument("--dry-run", action="store_true", help="only report")
        grants = sub.add_parser("grants", help="PostgreSQL: let the application's role only "
                                "SELECT and INSERT the access log.")
        grants.add_argument("--app-role", required=True)
        grants.add_argument("--print", action="store_true", dest="print_only",
                            help="print the SQL instead of running it")

    def handle(self, *args, **options):
        name = options["subcommand"].replace("-", "_")
        return getattr(self, f"do_{name}")(options)

    # -- verify ---------------------------------------------------------------------------
    def do_verify(self, options):
        using = options["database"]
        result = chain.verify(using)
        if options["against"] and result.ok:
            try:
                heads = chain.read_heads(options["against"])
            except OSError as exc:
                raise CommandError(f"cannot read the head file: {exc.strerror}") from exc
            except chain.HeadFileError as exc:
                raise CommandError(f"{options['against']}: {exc}") from exc
            result = chain.check_heads(result, heads, using)
        if not result.ok:
            raise CommandError(f"access log NOT intact: {result.problem}", returncode=1)
        self.stdout.write("access log intact")
        self.stdout.write(f"  entries:   {result.entries}")
        if result.first:
            self.stdout.write(f"  first:     seq {result.first[0]} (id {result.first[1]}) "
                              f"{chain.utc_iso(result.first[2])}")
            self.stdout.write(f"  last:      seq {result.last[0]} (id {result.last[1]}) "
                              f"{chain.utc_iso(result.last[2])}")
        self.stdout.write(f"  starts at: {result.start}")
        self.stdout.write(f"  head hash: {result.head_hash}")
        if options["against"]:
            self.stdout.write(f"  exported heads on the chain: {result.heads_checked}, "
                              f"pruned since: {result.heads_pruned}")

    # -- export-head ----------------------------------------------------------------------
    def do_export_head(self, options):
        path = options["file"] or settings.FOKUS_ACCESS_LOG_HEAD_FILE
        if path == "-":
            self.stdout.write(chain.head_line(options["database"]))
            return
        try:
            line = chain.export_head(path, options["database"])
        except OSError as exc:
            raise CommandError(f"cannot append to the head file: {exc.strerror}") from exc
        self.stdout.write(line)

    # -- prune ----------------------------------------------------------------------------
    def do_prune(self, options):
        months = options["older_than_months"]
        if months is None:
            months = settings.FOKUS_ACCESS_LOG_KEEP_MONTHS
        if months < MIN_MONTHS:
            raise CommandError(f"--older-than-months must be at least {MIN_MONTHS}: the log "
                               "is kept at least six months")
        cutoff = months_before(timezone.now(), months)
        try:
            plan, summary = chain.prune_before(cutoff, months=months,
                                               dry_run=options["dry_run"],
                                               using=options["database"])
        except PermissionError as exc:
            raise CommandError(str(exc)) from exc
        if plan.count == 0:
            self.stdout.write(f"no entries older than {chain.utc_iso(cutoff)}")
            return
        span = (f"{plan.count} entries from {chain.utc_iso(plan.first_at)} to "
                f"{chain.utc_iso(plan.last_at)} (up to seq {plan.last_seq})")
        if options["dry_run"]:
            self.stdout.write(f"dry run: would delete {span}")
        else:
            self.stdout.write(f"deleted {span}; summary entry seq {summary.seq} "
                              f"(id {summary.pk})")

    # -- grants ---------------------------------------------------------------------------
    def do_grants(self, options):
        from fokus.audit.models import AccessLogEntry

        connection = connections[options["database"]]
        table = AccessLogEntry._meta.db_table
        if connection.vendor != "postgresql" and not options["print_only"]:
            raise CommandError("grants are for PostgreSQL (SQLite has no roles)")
        sequence = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                               [options["app_role"]])
                if cursor.fetchone() is None and not options["print_only"]:
                    raise CommandError(f"no role {options['app_role']!r} in this database "
                                       "cluster")
                cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s",
                               [table])
                owner = cursor.fetchone()[0]
                if not options["print_only"]:
                    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')",
                                   [options["app_role"], owner])
                    if cursor.fetchone()[0]:
                        raise CommandError(
                            f"{options['app_role']!r} is (or is a member of) the table's "
                            f"owner {owner!r}: an owner can undo any grant. Run the "
                            "application as a role of its own (docs/access-log.md)")
            if sequence and "." in sequence:
                sequence = sequence.split(".", 1)[1]
        else:
            sequence = f"{table}_id_seq"
        statements = grants_sql(options["app_role"], table, sequence,
                                connection.ops.quote_name)
        if options["print_only"]:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with transaction.atomic(using=options["database"]), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"{options['app_role']} may SELECT and INSERT {table}; UPDATE, "
                          "DELETE and TRUNCATE revoked")
