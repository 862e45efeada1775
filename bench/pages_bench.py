"""Benchmark of the pages that see the work, at a big municipality's size.

Needs PostgreSQL with a generated municipality:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fokus_big .venv/bin/python -m fokus migrate
    DATABASE_URL=... .venv/bin/python -m fokus demo-municipality      # 20,000 cases
    DATABASE_URL=... .venv/bin/python bench/pages_bench.py [--rounds 20]

Prints median and p95 (ms) and the number of queries of each page, next to the
framework's minimal page (a view that returns "ok") measured in the same run, in
the same process, through Django's test client (no network, no server).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path, reverse  # noqa: E402


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("__minimal__/", minimal), path("", include("fokus.urls"))]


def measure(client: Client, url: str, rounds: int) -> tuple[float, float, int, int]:
    client.get(url)  # warm caches and imports
    times = []
    status = 0
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        status = response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, len(queries), status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--organisation", default=None,
                        help="name of the generated organisation (default: the largest)")
    args = parser.parse_args(argv)

    from django.db.models import Count

    from fokus.accounts.models import Role, User
    from fokus.cases.models import Organisation

    orgs = Organisation.objects.annotate(n=Count("cases")).order_by("-n")
    org = orgs.get(name=args.organisation) if args.organisation else orgs.first()
    if org is None or org.n == 0:
        print("no organisation with cases: run `fokus demo-municipality` first")
        return 1
    from fokus.ratings.models import Rating

    n_ratings = Rating.objects.filter(case__organisation=org).count()
    worker = (User.objects.filter(organisation=org, role=Role.CASEWORKER)
              .annotate(n=Count("cases")).order_by("-n").first())
    leader = User.objects.filter(organisation=org, role=Role.TEAM_LEADER).first()
    head = User.objects.filter(organisation=org, role=Role.DEPARTMENT_HEAD).first()
    team = leader.teams.first()
    print(f"organisation {org.name}: {org.n:,} cases, {n_ratings:,} ratings; "
          f"{connection.vendor}; {args.rounds} rounds; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    pages = [("minimal page (framework floor)", None, "/__minimal__/")]
    pages.append((f"caseload, caseworker ({worker.n} cases)", worker, reverse("insights:case_list")))
    pages.append((f"caseload, team leader ({team.name})", leader, reverse("insights:case_list")))
    for name, kwargs, who in (("insights:board", {"team_id": team.pk}, leader),
                              ("insights:dashboard", {}, head),
                              ("insights:fit_use", {}, head)):
        try:
            pages.append((name, who, reverse(name, kwargs=kwargs)))
        except Exception as exc:  # noqa: BLE001 - a page not built yet is reported, not fatal
            print(f"{name}: not measured ({exc.__class__.__name__})")
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        print(f"{'page':45} {'median ms':>10} {'p95 ms':>10} {'queries':>8} {'status':>7}")
        for label, user, url in pages:
            client = Client()
            if user is not None:
                client.force_login(user)
            reset_queries()
            median, p95, n_queries, status = measure(client, url, args.rounds)
            print(f"{label:45} {median:10.1f} {p95:10.1f} {n_queries:8d} {status:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
