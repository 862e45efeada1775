"""Benchmark of the FHIR R4 export and import (fokus/interchange/fhir.py, issue 13).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fokus .venv/bin/python bench/fhir_bench.py \
        [--cases 1000]

Creates a throwaway database next to the one DATABASE_URL names (dropped at the end; the
database named is not touched), migrates it, generates a municipality of --cases cases
(fokus.demo.municipality: about 50 ratings a case), then:

- export_organisation to a file: lines, MB, seconds, ratings per second, and the
  time of validating every line with fhir.resources' R4B models (what the tests do);
- import_ndjson of that file into a new, empty organisation (where the import path
  exists), then the same file again (nothing added).

Prints the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import tempfile
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


def _empty_organisation():
    from fokus.accounts.models import Role, User
    from fokus.cases.models import Team, Unit
    from fokus.instruments.actions import create_organisation
    from fokus.instruments.models import InstrumentLicence

    org = create_organisation("Benchkommune", settings_valid_from=datetime.date(2000, 1, 1))
    team = Team.objects.create(unit=Unit.objects.create(organisation=org, name="Familie"),
                               name="Team Bench")
    InstrumentLicence.objects.create(organisation=org, family="ors", licensee="Benchkommune",
                                     valid_from=datetime.date(2000, 1, 1))
    user = User.objects.create_user("fhirbench", organisation=org, role=Role.FIT_SUPERUSER)
    user.teams.set([team])
    return org, user, team


def _timed(label: str, work):
    begin = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - begin
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {label:44s} {seconds:8.1f} s  (process peak so far {peak:5.0f} MB)")
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("fhir_bench needs DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    name = f"fokus_fhirbench_{os.getpid()}"
    _admin(url, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _with_db(url, name)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from fhir.resources.R4B import get_fhir_model_class

        from fokus.demo.municipality import generate_municipality
        from fokus.interchange import fhir
        from fokus.ratings.models import Rating

        call_command("migrate", verbosity=0)
        generate_municipality(cases=args.cases, teams=max(1, args.cases // 500))
        from fokus.cases.models import Organisation

        source = Organisation.objects.get(name__startswith="Storkommune")
        n_ratings = Rating.objects.filter(case__organisation=source).count()
        print(f"FHIR R4 on PostgreSQL: {args.cases} cases, {n_ratings} ratings")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "export.ndjson"

            def export():
                with path.open("w", encoding="utf-8") as out:
                    return fhir.export_organisation(source, out, user=None, include_cpr=False)

            lines, seconds = _timed("export_organisation", export)
            size = path.stat().st_size / 1e6
            print(f"  {lines} lines, {size:.1f} MB, {n_ratings / seconds:,.0f} ratings/s")

            def validate():
                with path.open(encoding="utf-8") as text:
                    for line in text:
                        resource = json.loads(line)
                        get_fhir_model_class(resource["resourceType"]).model_validate(resource)

            _timed("every line validated (R4B models)", validate)
            try:
                from fokus.interchange.imports import run_import  # noqa: F401
            except ImportError:
                print("  import: not measured (fokus.interchange.imports is not there)")
                return 0
            org, user, team = _empty_organisation()

            def import_file():
                with path.open(encoding="utf-8") as text:
                    return fhir.import_ndjson(user, org, text, team=team)

            done, seconds = _timed("import_ndjson into an empty organisation", import_file)
            if done.errors:
                # The generator writes with COPY, past the rules: a few of its ratings break
                # the age rule, and the import refuses the file (nothing stored). Those lines
                # are left out and the rest imported.
                print(f"  {len(done.errors)} lines refused (nothing stored), e.g. {done.errors[0]}")
                bad = {e.line for e in done.errors}
                text = path.read_text(encoding="utf-8").splitlines(keepends=True)
                path.write_text("".join(line for n, line in enumerate(text, start=1)
                                        if n not in bad), encoding="utf-8")
                done, seconds = _timed("import_ndjson without those lines", import_file)
            print(f"  {done.ratings_new} ratings new, {len(done.errors)} errors, "
                  f"{done.ratings_new / seconds:,.0f} ratings/s")
            again, _seconds = _timed("the same file again", import_file)
            print(f"  {again.ratings_new} ratings new, {again.ratings_already_there} there")
    finally:
        from django.db import connections

        connections.close_all()
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
