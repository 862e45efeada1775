"""Benchmark of the access log's chained append (fokus.audit.chain) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fokus .venv/bin/python bench/audit_bench.py \
        [--entries 2000] [--writers 4]

Creates a throwaway database next to the one DATABASE_URL names (it is dropped at the
end; the database named is not touched), migrates it, then writes entries the way the
application does, each in its own short transaction through fokus.audit.actions.record:

- chained, 1 writer and N concurrent writers (processes): the advisory lock, the head
  read, the hash and the insert;
- unchained baseline, 1 and N writers: the same record() with the chain step replaced
  by a sequence number from a PostgreSQL sequence and the same hashing, no lock and
  no head read: what the chain's serialisation costs is the difference;
- `verify` of the chained entries (entries/second walked).

Prints entries/second for each.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres").replace("postgres://", "postgresql://", 1),
                         autocommit=True) as conn:
        conn.execute(sql)


def _setup():
    import django

    django.setup()


def _unchained(entry, using):
    """The baseline: the same fields made ready and hashed, no lock, no head read."""
    from django.db import connections
    from django.utils import timezone

    from fokus.audit import chain

    entry.detail = chain.canonical_detail(entry.detail)
    entry.at = entry.at or timezone.now()
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT nextval('audit_bench_seq')")
        entry.seq = cursor.fetchone()[0]
    entry.hash = chain.hash_of(entry, chain.GENESIS)


def _writer(args):
    n, count, chained, start_at = args
    _setup()
    from django.db import connections, transaction

    from fokus.audit import chain
    from fokus.audit.actions import record

    if not chained:
        chain.chain_new_entry = _unchained
    while time.time() < start_at:
        time.sleep(0.001)
    begin = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            record(None, "read", "case", n * 1_000_000 + i, case_id=i, purpose="bench",
                   detail={"writer": n, "case_ids": [i, i + 1]})
    elapsed = time.perf_counter() - begin
    connections.close_all()
    return elapsed


def run(writers: int, per_writer: int, chained: bool) -> float:
    start_at = time.time() + 1.0
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(writers) as pool:
        times = pool.map(_writer, [(n, per_writer, chained, start_at) for n in range(writers)])
    return writers * per_writer / max(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000, help="entries per run")
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("audit_bench needs DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    name = f"fokus_auditbench_{os.getpid()}"
    _admin(url, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _with_db(url, name)
    try:
        _setup()
        from django.core.management import call_command
        from django.db import connection, connections

        from fokus.audit import chain

        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("CREATE SEQUENCE audit_bench_seq START 1000000000")
        connections.close_all()
        results = {}
        per = args.entries
        results["chained, 1 writer"] = run(1, per, True)
        results[f"chained, {args.writers} writers"] = run(args.writers, per // args.writers,
                                                          True)
        begin = time.perf_counter()
        verified = chain.verify()
        verify_rate = verified.entries / (time.perf_counter() - begin)
        assert verified.ok, verified.problem
        connections.close_all()
        results["unchained baseline, 1 writer"] = run(1, per, False)
        results[f"unchained baseline, {args.writers} writers"] = run(
            args.writers, per // args.writers, False)
        print(f"access log append on PostgreSQL, {per} entries per run, one transaction each")
        for label, rate in results.items():
            print(f"  {label:34s} {rate:8.0f} entries/s")
        print(f"  {'verify (chained entries)':34s} {verify_rate:8.0f} entries/s "
              f"({verified.entries} entries, intact)")
        connections.close_all()
    finally:
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
