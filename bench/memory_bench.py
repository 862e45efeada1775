"""Memory per process: the web server's worker and the task worker after 100 case pages,
100 graphs and 100 record PDFs (issue 12, point 8; the figures are in docs/operations.md).

    .venv/bin/python bench/memory_bench.py                     # PostgreSQL, a new database
    .venv/bin/python bench/memory_bench.py --requests 50
    .venv/bin/python bench/memory_bench.py --admin-url postgres://postgres@127.0.0.1:5432/postgres

A new PostgreSQL database (fokus_memory_bench, dropped first) is migrated and gets the
demo department. Then, twice, on a fresh server each time:

1. "graphs kept by the task worker": gunicorn (deploy/gunicorn.conf.py, one worker) and
   the task worker (`fokus worker`) are started; the worker renders the graphs of the
   cases ahead (insights.tasks.render_graph_ahead, as it does after every new rating),
   and the web worker only serves the kept pictures;
2. "graphs drawn in the request": the kept pictures are deleted first, so the web worker
   draws each graph itself (vl-convert), as it does when the worker is behind.

In each, karen (the demo's FIT superuser: she sees the organisation's cases) logs in over real HTTP and opens, in turn, 100 case
pages, 100 graph images and 100 record PDFs of different cases. After each phase the
resident memory (RSS) and the proportional set size (PSS: shared pages split between the
processes that share them) of gunicorn's master, its worker and the task worker are read
from /proc. A benchmark, not a test: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DB_NAME = "fokus_memory_bench"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mib(kib: int) -> float:
    return kib / 1024


def memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MiB, from /proc."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return _mib(rss), _mib(pss)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOKUS_")}
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="fokus.settings",
               FOKUS_TASKS_BACKEND="django_tasks_db.DatabaseBackend", WEB_CONCURRENCY="1",
               FOKUS_LOG_LEVEL="WARNING")
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([PY, "-m", "fokus", *args], env=env, cwd=ROOT, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)


def prepare_database(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    url = admin_url.rsplit("/", 1)[0] + "/" + DB_NAME
    env = _env(url)
    started = time.perf_counter()
    _run(["migrate", "--noinput"], env)
    _run(["demo-data"], env)
    print(f"database {DB_NAME}: migrated, demo data generated "
          f"({time.perf_counter() - started:.0f} s)")
    return url


class Client:
    """A browser's cookies and CSRF token over urllib."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read()

    def status(self, path: str) -> int:
        """GET, the body read and dropped; the status (a case without lines has no graph: 404)."""
        try:
            self.get(path)
            return 200
        except urllib.error.HTTPError as error:
            return error.code

    def log_in(self, username: str) -> None:
        page = self.get("/login/").decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username,
                                       "password": DEMO_PASSWORD}).encode()
        request = urllib.request.Request(self.base + "/login/", data=data,  # noqa: S310
                                         headers={"Referer": self.base + "/login/"})
        with self.opener.open(request, timeout=60) as response:
            if "/login/" in response.url:
                raise SystemExit("could not log in as " + username)


def visible_cases(env: dict[str, str], count: int) -> list[int]:
    """The ids of cases karen (the FIT superuser: the organisation's cases) sees that have ratings (they have a graph), read through
    the access function in a subprocess with the benchmark's database."""
    code = ("import django; django.setup();"
            "from fokus.accounts.models import User;"
            "from fokus.cases.access import cases_visible_to;"
            "ids = list(cases_visible_to(User.objects.get(username='karen'))"
            ".filter(ratings__isnull=False).distinct().order_by('pk')"
            f".values_list('pk', flat=True)[:{count}]);"
            "print(' '.join(map(str, ids)))")
    out = subprocess.run([PY, "-c", code], env=env, cwd=ROOT, check=True,  # noqa: S603
                         capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def render_ahead(env: dict[str, str], case_ids: list[int], keep: bool) -> None:
    """Enqueue each case's graph for the worker (keep) or delete every kept graph."""
    if keep:
        code = ("import django, sys; django.setup();"
                "from fokus.insights.tasks import render_graph_ahead;"
                "[render_graph_ahead.enqueue(int(c)) for c in sys.argv[1:]]")
    else:
        code = ("import django; django.setup();"
                "from fokus.insights.models import GraphImage;"
                "GraphImage.objects.all().delete()")
    subprocess.run([PY, "-c", code, *map(str, case_ids)], env=env, cwd=ROOT,  # noqa: S603
                   check=True)


def waiting_tasks(env: dict[str, str]) -> int:
    code = ("import django; django.setup();"
            "from django_tasks_db.models import DBTaskResult;"
            "print(DBTaskResult.objects.filter(status__in=['READY', 'RUNNING']).count())")
    out = subprocess.run([PY, "-c", code], env=env, cwd=ROOT, check=True,  # noqa: S603
                         capture_output=True, text=True).stdout
    return int(out.strip() or 0)


def run_mode(url: str, mode: str, requests: int) -> list[tuple[str, dict[str, tuple]]]:
    env = _env(url)
    port = _free_port()
    web = subprocess.Popen(  # noqa: S603
        [PY, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "fokus.wsgi:application"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([PY, "-m", "fokus", "worker", "--interval", "0.2"],  # noqa: S603
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    rows: list[tuple[str, dict[str, tuple]]] = []
    try:
        client = Client(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            try:
                client.get("/health/live")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

        def measure(phase: str) -> None:
            workers = children(web.pid)
            rows.append((phase, {"gunicorn master": memory(web.pid),
                                 "gunicorn worker": memory(workers[0]),
                                 "task worker": memory(worker.pid)}))

        client.log_in("karen")
        client.get("/cases/")
        measure("started, logged in")
        case_ids = visible_cases(env, requests)
        if len(case_ids) < requests:
            print(f"  (karen sees {len(case_ids)} cases with ratings; each is opened in turn)")
        cycle = [case_ids[i % len(case_ids)] for i in range(requests)]
        render_ahead(env, case_ids, keep=(mode == "kept"))
        if mode == "kept":
            deadline = time.monotonic() + 600
            while waiting_tasks(env) and time.monotonic() < deadline:
                time.sleep(1)
        for name, path in (("case pages", "/cases/{}/"),
                           ("graph images", "/insights/cases/{}/graph.svg"),
                           ("record PDFs", "/insights/cases/{}/record.pdf")):
            served = sum(client.status(path.format(case_id)) == 200 for case_id in cycle)
            measure(f"{requests} {name} ({served} served)")
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--admin-url", default=os.environ.get(
        "BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    url = prepare_database(args.admin_url)
    for mode, title in (("kept", "graphs kept by the task worker"),
                        ("drawn", "graphs drawn in the request")):
        print(f"\n{title}: RSS / PSS in MiB")
        rows = run_mode(url, mode, args.requests)
        names = list(rows[0][1])
        print(f"{'after':<30}" + "".join(f"{n:>24}" for n in names))
        for phase, figures in rows:
            print(f"{phase:<30}" + "".join(f"{rss:>13.0f} / {pss:>6.0f}"
                                           for rss, pss in figures.values()))
    print(f"\n{time.strftime('%Y-%m-%d')} Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")


if __name__ == "__main__":
    main()
