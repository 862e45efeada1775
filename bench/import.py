"""Benchmark of the ratings-file import (fokus/interchange/imports.py, issue 13).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fokus .venv/bin/python bench/import.py \
        [--rows 500000]

Creates a throwaway database next to the one DATABASE_URL names (dropped at the end),
migrates it and writes a generated ratings file: families of a child and two parents,
a meeting every few weeks, at each the child's outcome rating (CORS under 13, ORS from
13, YCORS under 6 as faces), a parent's rating of the child, the child's alliance rating
(CSRS/SRS). Then:

1. the file with 1% bad rows (an item not a number, a birth date disagreeing, an
   instrument Fokus lacks): rejected, every bad row reported, nothing stored;
2. the good file: read, checked and stored (time and peak memory, ru_maxrss);
3. the good file again: nothing added.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")

HEADER = "case_id,person_id,rater_id,birth_date,instrument,date,item1,item2,item3,item4,total\n"


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_with_db(url, "postgres").replace("postgres://", "postgresql://", 1),
                         autocommit=True) as conn:
        conn.execute(sql)


def _items(rng: random.Random) -> tuple[str, str]:
    tenths = [rng.randint(0, 100) for _ in range(4)]
    return ",".join(f"{t / 10:.1f}" for t in tenths), f"{sum(tenths) / 10:.1f}"


def write_files(path: Path, bad_path: Path, db_bad_path: Path, rows: int, seed: int = 13
                ) -> tuple[int, dict[int, set[int]]]:
    """The good file, the same with 1% rows the reader refuses, and with 1% rows the
    database's rules refuse (a date in the future, a birth date disagreeing with the
    person's other rows); (rows, the bad lines of each)."""
    rng = random.Random(seed)
    today = datetime.datetime.now(datetime.UTC).date()
    lines: list[str] = []
    case = 0
    while len(lines) < rows:
        case += 1
        age = rng.randint(3, 17)
        birth = today.replace(year=today.year - age - 3, month=rng.randint(1, 12), day=1)
        start = today - datetime.timedelta(days=rng.randint(400, 1000))
        child, mother = f"B{case}", f"M{case}"
        for meeting in range(rng.randint(4, 10)):
            day = start + datetime.timedelta(days=21 * meeting)
            years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
            ref = f"SAG-{case:06d}"
            if years < 6:
                lines.append(f"{ref},{child},{child},{birth},YCORS,{day},,,,,{rng.randint(1, 4)}\n")
                lines.append(f"{ref},{child},{child},{birth},YCSRS,{day},,,,,{rng.randint(1, 4)}\n")
            else:
                outcome, alliance = ("ORS", "SRS") if years >= 13 else ("CORS", "CSRS")
                for rater, inst in ((child, outcome), (mother, outcome), (child, alliance)):
                    items, total = _items(rng)
                    lines.append(f"{ref},{child},{rater},{birth},{inst},{day},{items},{total}\n")
    lines = lines[:rows]
    path.write_text(HEADER + "".join(lines))
    n_bad = max(1, rows // 100)
    picks = rng.sample(range(rows), 2 * n_bad)
    for target, chosen, in_file in ((bad_path, picks[:n_bad], True),
                                    (db_bad_path, picks[n_bad:], False)):
        bad = list(lines)
        for k, index in enumerate(chosen):
            fields = bad[index].rstrip("\n").split(",")
            if in_file:  # the file's own faults, found by the reader
                if k % 3 == 0:
                    fields[10] = "x"  # the total not a number
                elif k % 3 == 1:
                    fields[4] = "WHO5X"  # an instrument the format does not know
                else:
                    fields[10] += ",5"  # a decimal comma unquoted: a field too many
            else:  # faults only the database shows
                if k % 2 == 0:
                    fields[5] = str(datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=30))
                else:
                    # a birth date disagreeing with the person's other rows
                    fields[3] = str(datetime.date.fromisoformat(fields[3])
                                    - datetime.timedelta(days=40))
            bad[index] = ",".join(fields) + "\n"
        target.write_text(HEADER + "".join(bad))
    return rows, {1: {i + 2 for i in picks[:n_bad]}, 2: {i + 2 for i in picks[n_bad:]}}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench/import.py needs DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    name = f"fokus_importbench_{os.getpid()}"
    _admin(url, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _with_db(url, name)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from fokus.accounts.models import Role, User
        from fokus.cases.models import Team, Unit
        from fokus.instruments.actions import create_organisation
        from fokus.instruments.models import InstrumentLicence
        from fokus.interchange.imports import read_file, run_import
        from fokus.ratings.models import Rating, RatingAnswer

        org = create_organisation("Importbench", settings_valid_from=datetime.date(2000, 1, 1))
        team = Team.objects.create(unit=Unit.objects.create(organisation=org, name="Familie"),
                                   name="Team Bench")
        InstrumentLicence.objects.create(organisation=org, family="ors", licensee="Bench",
                                         valid_from=datetime.date(2000, 1, 1))
        user = User.objects.create_user("importbench", organisation=org,
                                        role=Role.FIT_SUPERUSER)
        with tempfile.TemporaryDirectory() as tmp:
            good, bad = Path(tmp) / "ratings.csv", Path(tmp) / "ratings-bad.csv"
            db_bad = Path(tmp) / "ratings-db-bad.csv"
            t = time.perf_counter()
            rows, bad_lines = write_files(good, bad, db_bad, args.rows)
            print(f"generated {rows:,} rows ({good.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - t:.1f} s")
            for label, path, chosen in (("1% bad rows the reader finds", bad, bad_lines[1]),
                                        ("1% bad rows the database's rules find", db_bad,
                                         bad_lines[2])):
                t = time.perf_counter()
                read = read_file(path, filename=path.name)
                result = run_import(user, org, read, team=team)
                lines = {e.line for e in read.errors or result.errors}
                print(f"{label} ({len(chosen):,}): {len(read.errors or result.errors):,} errors "
                      f"on {len(lines):,} lines, every bad line among them: "
                      f"{chosen <= lines}, "
                      f"{Rating.objects.filter(case__organisation=org).count()} ratings "
                      f"stored, {time.perf_counter() - t:.1f} s; peak memory {peak_mb():.0f} MB")

            t = time.perf_counter()
            read = read_file(good, filename=good.name)
            t_read = time.perf_counter() - t
            result = run_import(user, org, read, team=team)
            took = time.perf_counter() - t
            assert not result.errors, result.errors[:5]
            print(f"import of {rows:,} rows: read {t_read:.1f} s, all {took:.1f} s "
                  f"({rows / took:,.0f} rows/s); {result.cases_new:,} cases, "
                  f"{result.persons_new:,} persons, {result.meetings_new:,} meetings, "
                  f"{result.ratings_new:,} ratings, "
                  f"{RatingAnswer.objects.filter(rating__case__organisation=org).count():,} "
                  f"answers; peak memory {peak_mb():.0f} MB")

            t = time.perf_counter()
            again = run_import(user, org, read_file(good, filename=good.name), team=team)
            print(f"the same file again: {again.ratings_new} new, "
                  f"{again.ratings_already_there:,} already there, "
                  f"{time.perf_counter() - t:.1f} s; peak memory {peak_mb():.0f} MB")
    finally:
        from django.db import connections

        connections.close_all()
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
