"""Benchmark of the browser import (issue 13): one file through the import page's steps
with Django's test client, as a team leader does it, timing each request.

    .venv/bin/python bench/import_page_bench.py [--rows 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fokus .venv/bin/python \
        bench/import_page_bench.py --rows 20000

A throwaway test database (SQLite in memory, or test_<name> next to DATABASE_URL's) with
the test suite's world; a generated semicolon file with decimal commas (a child's CORS
and a mother's ORS every fortnight, 20 ratings a case); the immediate task backend, so
"import" includes the worker's run. Prints seconds per step and the file's size.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")
os.environ["FOKUS_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"


def make_file(rows: int) -> bytes:
    child, mother = "2012-05-01", "1985-03-10"  # 7-9 and 34-36 years old on the dates
    lines = ["Sagsnr;Person;Bedømmer;Fødselsdato;Skema;Dato;Spm1;Spm2;Spm3;Spm4"]
    start = datetime.date(2020, 1, 6)
    for i in range(rows):
        case, k = divmod(i, 20)
        who, meeting = k % 2, k // 2
        on = (start + datetime.timedelta(days=14 * meeting + case % 300)).isoformat()
        score = f"{3 + (i % 6)},{i % 10}"
        if who == 0:
            lines.append(f"B-{case};b{case};b{case};{child};CORS;{on};{score};5;6;4,5")
        else:
            lines.append(f"B-{case};m{case};m{case};{mother};ORS;{on};{score};4;5,5;6")
    return ("\r\n".join(lines) + "\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from fokus.interchange.forms import FORMAT_COLUMN_NAMES
        from fokus.interchange.models import ImportJob
        from fokus.ratings.models import Rating
        from tests.conftest import World

        world = World()
        content = make_file(args.rows)
        client = Client()
        client.force_login(world.lise)
        times = {}

        def timed(step, call):
            began = time.perf_counter()
            response = call()
            times[step] = time.perf_counter() - began
            assert response.status_code in (200, 302), (step, response.status_code)
            return response

        timed("upload", lambda: client.post(reverse("interchange:import_upload"), {
            "file": SimpleUploadedFile("b.csv", content), "team": world.team_nord.pk}))
        job = ImportJob.objects.get()
        url = {n: reverse(f"interchange:{n}", kwargs={"job_id": job.pk})
               for n in ("import_mapping", "import_preview", "import_start", "import_progress")}
        page = timed("mapping page", lambda: client.get(url["import_mapping"]))
        form = page.context["form"]
        data = {n: form[n].value() or "" for n in FORMAT_COLUMN_NAMES}
        timed("mapping saved", lambda: client.post(url["import_mapping"], data))
        preview = timed("preview (read + check)", lambda: client.get(url["import_preview"]))
        assert preview.context["n_errors"] == 0, preview.context["errors"][:3]
        timed("import (check again + run)", lambda: client.post(url["import_start"]))
        job.refresh_from_db()
        assert job.state == "done", job.state
        stored = Rating.objects.count()
        print(f"database: {connection.vendor}; rows: {args.rows}; file: "
              f"{len(content) / 1e6:.2f} MB; ratings stored: {stored}")
        for step, seconds in times.items():
            print(f"  {step:28s} {seconds:7.2f} s")
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
