"""Benchmark of the meeting: store a rating, open the case page, load its graph.

    .venv/bin/python bench/meeting_bench.py                    # 50 rounds, SQLite under var/bench
    .venv/bin/python bench/meeting_bench.py --rounds 200
    .venv/bin/python bench/meeting_bench.py --database-url postgres://fokus@127.0.0.1:5432/fokus_bench

Everything goes through real HTTP: the app (fokus.wsgi.application) runs in this
process behind Django's threaded WSGI server (django.test.LiveServerThread) on
127.0.0.1 and a random port, and a urllib client with cookie jars logs in as anna
with the demo password. Measured, interleaved round by round after warm-ups:

- storing a rating through the family screen's JSON endpoint (ratings:kiosk_submit),
  an ORS/CORS rating dated today; a step of a hand-over is stored once, so every
  round hands the tablet over anew (unlock and hand-over are not timed);
- GET of the case page right after that rating (the page with signals, data table
  and text summary; the graph itself is an <img> the browser loads next);
- GET of that graph image: the new rating changed it. With the task worker (the
  default: `fokus worker` started by this script against the same database, as
  `make worker` runs it beside the server) the round first waits until the worker has
  kept the new graph (insights.GraphImage), the wait reported apart and not counted,
  and then fetches it: the view serves the kept SVG. Then the same rounds again with
  the worker stopped: the view renders the new graph itself with vl-convert. Both are
  printed, each with its own minimal pages;
- "store, then graph": per round the store plus the graph fetch (the worker's wait
  not counted), the figure the target is about: p95 at most 10 times the framework's
  minimal page (GET /login/) of the same phase;
- the graph image again with the browser's ETag: 304, nothing rendered or sent;
- the framework's minimal pages in the same run: GET /login/ (Django's LoginView,
  anonymous) and a bare WSGI "hello" callable served by the same server.

The default database is a copy of a demo database kept under var/bench/
(generated once with fokus.demo.generator.generate_demo); every run starts from a fresh
copy, so the ratings a run adds do not pile up. var/fokus.sqlite3 is never touched.
It is a benchmark, not a test: it exits 0 whatever the verdict.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import shutil
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"
TEMPLATE_DB = BENCH_DIR / "meeting_demo.sqlite3"  # the demo data, generated once
RUN_DB = BENCH_DIR / "meeting_run.sqlite3"  # a fresh copy of it for each run
DEMO_DB = ROOT / "var" / "fokus.sqlite3"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented demo password
TARGET_P95_MS = 100.0
HELLO_PATH = "/__bench_hello__"

STORE = "store rating (tablet JSON POST)"
PAGE = "case page (after new rating)"
COLD = "graph image, new rating"
BOTH = "store, then graph (the two above)"
WARM = "graph image, unchanged (ETag, 304)"
LOGIN = "framework: GET /login/ (Django LoginView)"
HELLO = "framework: bare WSGI hello (same server)"
OPERATIONS = [STORE, PAGE, COLD, BOTH, WARM, LOGIN, HELLO]
APP_OPERATIONS = {STORE, PAGE, COLD, BOTH, WARM}  # the ones the 100 ms target is about
TARGET_RATIO = 10.0  # "store, then graph" p95 at most this many times GET /login/ p95


# --- statistics ---------------------------------------------------------------------------

def p95(samples: list[float]) -> float:
    """The 95th percentile (statistics.quantiles, exclusive method, n=20)."""
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20)[18]


@dataclass
class Result:
    operation: str
    samples_ms: list[float]

    @property
    def n(self) -> int:
        return len(self.samples_ms)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95_ms(self) -> float:
        return p95(self.samples_ms)


# --- the server ---------------------------------------------------------------------------

def hello_app(environ, start_response):
    """The least a WSGI server can answer: no Django at all."""
    body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


class _WithHello:
    """The Fokus WSGI app, with HELLO_PATH answered by hello_app before Django sees it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == HELLO_PATH:
            return hello_app(environ, start_response)
        return self.app(environ, start_response)


def start_server(connections_override=None):
    """fokus.wsgi.application (plus the hello path) behind Django's threaded WSGI server
    on 127.0.0.1 and a random port. Returns (thread, base_url); thread.terminate() stops it.
    connections_override: as in LiveServerTestCase (an in-memory SQLite test database)."""
    from django.test.testcases import LiveServerThread

    from fokus.wsgi import application

    thread = LiveServerThread("127.0.0.1", lambda _default: _WithHello(application),
                              connections_override=connections_override, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread, f"http://127.0.0.1:{thread.port}"


# --- the client ---------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """urllib with a cookie jar and no redirects followed (a 302 is an answer to check)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def request(self, path: str, *, data: bytes | None = None, headers=None,
                method: str | None = None) -> tuple[int, dict, bytes]:
        req = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            self.base_url + path, data=data, method=method,
            headers={"Accept-Language": "en", **(headers or {})})
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def get(self, path: str, headers=None):
        return self.request(path, headers=headers)

    def post_form(self, path: str, fields: dict):
        fields = {**fields, "csrfmiddlewaretoken": self.cookie("csrftoken")}
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        return self.request(path, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Referer": self.base_url + path})

    def post_json(self, path: str, payload: dict):
        return self.request(path, data=json.dumps(payload).encode(), method="POST", headers={
            "Content-Type": "application/json", "X-CSRFToken": self.cookie("csrftoken")})

    def login(self, username: str, password: str) -> None:
        self.get("/login/")  # the CSRF cookie
        status, headers, _body = self.post_form("/login/", {"username": username,
                                                            "password": password})
        if status != 302:
            raise RuntimeError(f"login as {username} failed (HTTP {status})")


def _timed(call) -> tuple[float, tuple[int, dict, bytes]]:
    started = time.perf_counter()
    answer = call()
    return (time.perf_counter() - started) * 1000, answer


def _expect(status: int, answer, what: str):
    if answer[0] != status:
        raise RuntimeError(f"{what}: HTTP {answer[0]} (expected {status}): {answer[2][:300]!r}")
    return answer


# --- the set-up in the database -----------------------------------------------------------

def pick_case(username: str = "anna"):
    """The open case of the user with the most ratings, and a person in it who can rate
    ORS (13+) or CORS (6-12) today: (case_id, person_id)."""
    from django.db.models import Count

    from fokus.cases.models import Case

    cases = (Case.objects.filter(caseworkers__username=username, closed_on__isnull=True)
             .annotate(n=Count("ratings", distinct=True)).order_by("-n", "pk"))
    for case in cases:
        person = _rater_in(case)
        if person is not None:
            return case.pk, person.pk
    raise RuntimeError(f"{username} has no open case with someone aged 6 or more")


def _rater_in(case):
    persons = sorted(case.persons.all(), key=lambda p: (p.age_today < 13, p.pk))
    return next((p for p in persons if p.age_today >= 6), None)


def _answers(instrument_code: str, round_no: int) -> list[str]:
    """Valid answers for every item of the instrument, a bit different each round
    (so the graph's spec, and therefore its cache key, changes)."""
    from fokus.instruments.models import Instrument

    instrument = Instrument.objects.get(code=instrument_code)
    answers = []
    for i, item in enumerate(instrument.items.all()):
        steps = int((item.max_value - item.min_value) / item.step)
        k = (steps // 3 + 7 * round_no + 3 * i) % (steps + 1)
        answers.append(str(item.min_value + item.step * k))
    return answers


def _graph_cache_misses() -> int:
    from fokus.insights.graph import _render_svg

    return _render_svg.cache_info().misses


# --- the measurement ----------------------------------------------------------------------

def measure(base_url: str, *, case_id: int, person_id: int, username: str = "anna",
            password: str = DEMO_PASSWORD, rounds: int = 50, warmup: int = 3,
            progress=None, wait_for_graph=None) -> dict:
    """Open a meeting in the case, hand the tablet over to person_id, then measure
    the operations round by round. `wait_for_graph(case_id, since)`, when given, waits
    after each store until the task worker has kept the case's new graph and returns
    the milliseconds from the store's answer; None: the view renders the graph itself.
    Returns {"results": [Result...], "cold_misses": int, "instrument": code,
    "worker_ms": [...]}."""
    from django.utils import timezone

    tablet = Browser(base_url)  # the caseworker's tablet, handed over to the family
    laptop = Browser(base_url)  # the caseworker's own session, showing the case page
    anonymous = Browser(base_url)
    tablet.login(username, password)
    laptop.login(username, password)

    status, headers, _ = tablet.post_form(f"/ratings/cases/{case_id}/meetings/new/", {
        "held_on": timezone.localdate().isoformat(), "kind": "home_visit",
        "present": [person_id]})
    if status != 302:
        raise RuntimeError(f"starting a meeting failed (HTTP {status})")
    meeting_path = urllib.parse.urlsplit(headers["Location"]).path  # .../meetings/<id>/
    step = f"outcome-{person_id}-{person_id}"

    def hand_over() -> str:
        _expect(302, tablet.post_form(meeting_path + "hand-over/", {"steps": [step]}),
                "hand over")
        _status, _h, page = _expect(200, tablet.get("/ratings/screen/"), "family screen")
        return _attr(page, "data-screen")

    screen = hand_over()
    instrument = _instrument_for(person_id)

    case_path = f"/cases/{case_id}/"
    samples: dict[str, list[float]] = {op: [] for op in OPERATIONS}
    worker_ms: list[float] = []
    cold_misses = 0
    for round_no in range(-warmup, rounds):
        if round_no > -warmup:  # the step of the last hand-over is stored: a new one
            _expect(302, tablet.post_form("/ratings/screen/unlock/", {"password": password}),
                    "unlock")
            screen = hand_over()
        payload = {"step": 0, "key": str(uuid.uuid4()), "screen": screen,
                   "answers": _answers(instrument, round_no + warmup)}
        since = time.time()
        ms_store, answer = _timed(lambda p=payload: tablet.post_json("/ratings/screen/submit/", p))
        _expect(201, answer, "store rating")
        waited = wait_for_graph(case_id, since) if wait_for_graph else None
        ms_page, answer = _timed(lambda: laptop.get(case_path))
        _expect(200, answer, "case page")
        if b'class="case-graph-image"' not in answer[2]:
            raise RuntimeError("the case page has no graph")
        graph_path = _attr(answer[2].split(b'class="case-graph-image"')[1], "src")
        misses = _graph_cache_misses()
        ms_cold, answer = _timed(lambda g=graph_path: laptop.get(g))
        _expect(200, answer, "graph image")
        cold = _graph_cache_misses() > misses
        etag = answer[1]["ETag"]
        ms_warm, answer = _timed(lambda g=graph_path, e=etag: laptop.get(g, {"If-None-Match": e}))
        _expect(304, answer, "graph image revalidated")
        ms_login, answer = _timed(lambda: anonymous.get("/login/"))
        _expect(200, answer, "login page")
        ms_hello, answer = _timed(lambda: anonymous.get(HELLO_PATH))
        _expect(200, answer, "hello")
        if round_no < 0:
            continue
        cold_misses += cold
        if waited is not None:
            worker_ms.append(waited)
        for op, ms in ((STORE, ms_store), (PAGE, ms_page), (COLD, ms_cold),
                       (BOTH, ms_store + ms_cold), (WARM, ms_warm),
                       (LOGIN, ms_login), (HELLO, ms_hello)):
            samples[op].append(ms)
        if progress and (round_no + 1) % 10 == 0:
            progress(round_no + 1, rounds)
    return {"results": [Result(op, samples[op]) for op in OPERATIONS],
            "cold_misses": cold_misses, "instrument": instrument, "worker_ms": worker_ms}


def _attr(page: bytes, name: str) -> str:
    text = page.decode()
    start = text.index(f'{name}="') + len(name) + 2
    return text[start:text.index('"', start)]


def _instrument_for(person_id: int) -> str:
    """The outcome instrument the meeting proposes for the person today (ORS or CORS)."""
    from fokus.cases.models import Person
    from fokus.ratings.actions import suggest_instrument

    instrument = suggest_instrument("outcome", Person.objects.get(pk=person_id).age_today)
    if instrument is None:
        raise RuntimeError("no outcome instrument fits the person's age")
    return instrument.code


# --- the task worker -----------------------------------------------------------------------

def start_worker():
    """`fokus worker` in its own process against the bench database (the environment
    carries DATABASE_URL), polling every 20 ms. Returns the Popen; stop with stop_worker."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "fokus", "worker", "--interval", "0.02",
         "--no-startup-delay", "--no-reload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_worker(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except Exception:
        process.kill()


def wait_for_kept_graph(case_id: int, since: float, timeout: float = 30.0) -> float:
    """Wait until the worker has kept the case's graphs (each language and size: it
    renders them one after the other) rendered after `since` (a time.time()), so that
    nothing of its work overlaps the fetch measured next; the milliseconds it took."""
    import datetime

    from django.db import close_old_connections

    from fokus.insights.models import GraphImage

    after = datetime.datetime.fromtimestamp(since, tz=datetime.UTC)
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        close_old_connections()
        if GraphImage.objects.filter(case_id=case_id, rendered_at__gte=after).count() >= 4:
            return (time.time() - since) * 1000
        time.sleep(0.005)
    raise RuntimeError("the task worker did not render the graph in time: is it running?")


# --- the report ---------------------------------------------------------------------------

def ratio_line(results: list[Result]) -> str:
    """p95 of "store, then graph" as a multiple of the framework's minimal page."""
    by = {r.operation: r for r in results}
    ratio = by[BOTH].p95_ms / by[LOGIN].p95_ms
    verdict = "OK" if ratio <= TARGET_RATIO else "OVER"
    return (f"ratio     store, then graph p95 {by[BOTH].p95_ms:.1f} ms = {ratio:.1f} x "
            f"GET /login/ p95 {by[LOGIN].p95_ms:.1f} ms ({by[BOTH].p95_ms / by[HELLO].p95_ms:.1f} "
            f"x bare WSGI hello): {verdict} (target: at most {TARGET_RATIO:.0f} x); medians "
            f"{by[BOTH].median_ms:.1f} / {by[LOGIN].median_ms:.1f} ms = "
            f"{by[BOTH].median_ms / by[LOGIN].median_ms:.1f} x")


def table(results: list[Result], target_ms: float = TARGET_P95_MS) -> str:
    width = max(len(r.operation) for r in results)
    lines = [f"{'operation':<{width}}  {'n':>4}  {'median ms':>9}  {'p95 ms':>8}  verdict",
             "-" * (width + 42)]
    for r in results:
        if r.operation in APP_OPERATIONS:
            verdict = "OK" if r.p95_ms < target_ms else "OVER"
            verdict += f" (target: p95 < {target_ms:.0f} ms)"
        else:
            verdict = "reference"
        lines.append(f"{r.operation:<{width}}  {r.n:>4}  {r.median_ms:>9.1f}  "
                     f"{r.p95_ms:>8.1f}  {verdict}")
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------

def _prepare_environment(database_url: str | None) -> str:
    """Point Django at the bench database before django.setup(). Returns a description."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "fokus.settings"
    os.environ.setdefault("FOKUS_PROFILE", "demo")
    if database_url:
        if DEMO_DB.name in database_url and str(DEMO_DB.parent) in database_url:
            raise SystemExit("refusing to benchmark on the demo database var/fokus.sqlite3")
        os.environ["DATABASE_URL"] = database_url
        return database_url
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    RUN_DB.unlink(missing_ok=True)
    if TEMPLATE_DB.exists():
        shutil.copyfile(TEMPLATE_DB, RUN_DB)
    os.environ["DATABASE_URL"] = f"sqlite:///{RUN_DB}"
    return f"sqlite:///{RUN_DB.relative_to(ROOT)} (a fresh copy of {TEMPLATE_DB.name})"


def _prepare_database(own_sqlite: bool) -> str:
    """Migrate, and generate the demo data if the database is empty."""
    from django.core.management import call_command
    from django.db import connections

    from fokus.demo.generator import existing_data_reason, generate_demo

    call_command("migrate", interactive=False, verbosity=0)
    if existing_data_reason():
        note = "demo data already there"
    else:
        summary = generate_demo()
        note = f"demo data generated in {summary.seconds:.1f} s"
    if own_sqlite:
        connections.close_all()
        shutil.copyfile(RUN_DB, TEMPLATE_DB)  # the next run starts from this
    return note


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--database-url", default=None,
                        help="default: a fresh copy of a demo SQLite database under var/bench/")
    args = parser.parse_args(argv)

    where = _prepare_environment(args.database_url)
    import django

    django.setup()
    from django.db import connection

    from fokus.cases.models import Case
    from fokus.ratings.models import Rating

    print("Fokus meeting benchmark")
    print(f"machine   {platform.node()}: {platform.platform()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    started = time.perf_counter()
    note = _prepare_database(own_sqlite=args.database_url is None)
    print(f"database  {connection.vendor} ({connection.settings_dict['ENGINE']}), {where}; "
          f"{note}; ready in {time.perf_counter() - started:.1f} s")
    case_id, person_id = pick_case("anna")
    n_ratings = Rating.objects.filter(case_id=case_id).count()
    print(f"case      #{case_id} ({Case.objects.get(pk=case_id).reference}), "
          f"{n_ratings} ratings before the run; anna logged in over HTTP")

    thread, base_url = start_server()
    print(f"server    django.test.LiveServerThread (ThreadedWSGIServer) serving "
          f"fokus.wsgi.application on {base_url}; client urllib with cookie jars "
          f"(a new connection per request)")
    first = Browser(base_url)
    first.login("anna", DEMO_PASSWORD)
    ms_first_page, _answer = _timed(lambda: first.get(f"/cases/{case_id}/"))
    graph_path = _attr(_answer[2].split(b'class="case-graph-image"')[1], "src")
    ms_first_graph, _answer = _timed(lambda: first.get(graph_path))
    print(f"start     first case page after the start {ms_first_page:.0f} ms, its graph "
          f"{ms_first_graph:.0f} ms (the renderer is warmed at start-up)")
    phases = [("worker", "task worker (fokus worker) running: each round waits until it "
                         "has kept the new graph, then fetches it; the wait is not counted"),
              ("view", "no worker: the graph view renders the new graph itself (vl-convert)")]
    try:
        for name, description in phases:
            worker = start_worker() if name == "worker" else None
            try:
                outcome = measure(
                    base_url, case_id=case_id, person_id=person_id, rounds=args.rounds,
                    warmup=args.warmup, wait_for_graph=wait_for_kept_graph if worker else None,
                    progress=lambda i, n: print(f"  round {i}/{n}", file=sys.stderr))
            finally:
                if worker is not None:
                    stop_worker(worker)
            print()
            print(f"phase     {name}: {description}")
            print(f"rating    {outcome['instrument']} through POST /ratings/screen/submit/, "
                  f"dated today; graphs rendered in the server process: "
                  f"{outcome['cold_misses']}/{args.rounds}")
            if outcome["worker_ms"]:
                w = Result("worker", outcome["worker_ms"])
                print(f"worker    rating stored -> graph kept by the worker (in the background, "
                      f"not in the figures below): median {w.median_ms:.0f} ms, "
                      f"p95 {w.p95_ms:.0f} ms")
            print()
            print(table(outcome["results"]))
            print()
            print(ratio_line(outcome["results"]))
    finally:
        thread.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
