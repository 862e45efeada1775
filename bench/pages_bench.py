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


def after_a_new_rating(client: Client, url: str, rating, rounds: int) -> float:
    """Median ms of the first view after a new rating (a copy of `rating`, stored and
    rolled back each round): what a reader pays when the kept figures are stale."""
    from django.db import transaction

    times = []
    for _ in range(rounds):
        with transaction.atomic():
            rating.pk = None
            rating.idempotency_key = None
            rating.save()
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            transaction.set_rollback(True)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--after-change-rounds", type=int, default=3,
                        help="rounds of 'first view after a new rating' (0: skip)")
    parser.add_argument("--only", default="", help="measure only pages whose label has this")
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
    pages.append(("board, team leader", leader, reverse("insights:board", kwargs={"team_id": team.pk})))
    dashboard = reverse("insights:dashboard")
    pages.append(("dashboard by team, department head", head, dashboard))
    pages.append(("dashboard by intervention, department head", head,
                  dashboard + "?by=intervention"))
    pages.append(("dashboard by age group, one team", head,
                  dashboard + f"?by=age_group&team={team.pk}"))
    pages.append(("dashboard by rater, team leader", leader, dashboard + "?by=rater"))
    pages.append(("FIT use, department head", head, reverse("insights:fit_use")))
    from fokus.insights.organisation_series import organisation_series

    start = time.perf_counter()
    built = organisation_series(org.pk, full=True)
    print(f"the organisation's {len(built.series):,} outcome series built from scratch "
          f"(the first view after a start or a change of settings): "
          f"{time.perf_counter() - start:.1f} s")
    if args.only:
        pages = [p for p in pages if p[1] is None or args.only in p[0]]
    # A rating of one of the caseworker's cases, copied for "after a new rating".
    sample = Rating.objects.filter(case__caseworkers=worker).order_by("-id").first()
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        print(f"{'page':45} {'median ms':>10} {'p95 ms':>10} {'queries':>8} {'status':>7} "
              f"{'after a new rating, median ms':>30}")
        for label, user, url in pages:
            client = Client()
            if user is not None:
                client.force_login(user)
            reset_queries()
            median, p95, n_queries, status = measure(client, url, args.rounds)
            changed = ""
            if user is not None and args.after_change_rounds and sample is not None:
                changed = f"{after_a_new_rating(client, url, sample, args.after_change_rounds):.1f}"
            print(f"{label:45} {median:10.1f} {p95:10.1f} {n_queries:8d} {status:7d} {changed:>30}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
