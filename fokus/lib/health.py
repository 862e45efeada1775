"""Health, readiness and metrics for the IT department (issue 12; docs/monitoring.md).

- /health/live: 200 while the process answers; touches no database.
- /health/ready: 200 with a JSON body of each check, or 503 naming the failing ones:
  "database" (a query answers), "migrations" (none unapplied), "worker" (the task
  worker lives and keeps up: a heartbeat newer than FOKUS_WORKER_MAX_LAG_SECONDS where a
  worker is expected, and no task waiting that long past its run time; see worker_check).
- /metrics: Prometheus text format, only to FOKUS_METRICS_ALLOWED (addresses/networks,
  the client address as fokus.lib.middleware.client_ip reads it).

The three answer without a login, a session or the access log: ProbeMiddleware (placed
before the session middleware) calls their views itself, so no session, kiosk, second
factor or timeout middleware sees them. RequestMiddleware (second in MIDDLEWARE) gives
every request its id, counts it by route name and status and writes one log line.
"""

from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.urls import Resolver404, path, resolve
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from fokus.lib.logging import request_id_var
from fokus.lib.middleware import client_ip, is_trusted_proxy

logger = logging.getLogger("fokus.request")

# ---------------------------------------------------------------------------
# The checks.


def database_check() -> tuple[bool, str]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False, "the database does not answer"
    return True, "ok"


_migrations_ok_until = 0.0


def migrations_check() -> tuple[bool, str]:
    """No unapplied migration. A positive answer is kept for a minute per process."""
    global _migrations_ok_until
    if time.monotonic() < _migrations_ok_until:
        return True, "ok"
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:  # noqa: BLE001
        return False, "the migrations could not be read"
    if plan:
        return False, f"{len(plan)} unapplied migration(s)"
    _migrations_ok_until = time.monotonic() + 60
    return True, "ok"


def _uses_task_database() -> bool:
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend.startswith("django_tasks_db")


# The workers' heartbeats are kept by the app of `fokus worker` (fokus.privacy.worker,
# above every periodic job's app); it hands its reader in when Django starts
# (PrivacyConfig.ready): () -> the newest heartbeat's time, or None.
_newest_heartbeat = None


def set_heartbeat_reader(reader) -> None:
    global _newest_heartbeat
    _newest_heartbeat = reader


def heartbeat_age() -> float | None:
    """Seconds since the newest worker heartbeat; None when no worker ever wrote one."""
    newest = _newest_heartbeat() if _newest_heartbeat else None
    if newest is None:
        return None
    return max(0.0, (timezone.now() - newest).total_seconds())


def worker_expected() -> bool:
    """Where a worker must run: tasks go to the database's queue and this is a
    production install. The demo (whose `make worker` is optional) and a backend that
    runs tasks in the process need none."""
    return _uses_task_database() and settings.PRODUCTION


def worker_check() -> tuple[bool, str]:
    """Two signs of a living worker. Its heartbeat: `fokus worker` writes one every 30 s
    even with nothing to do, so where a worker is expected (worker_expected) readiness
    fails when none is newer than FOKUS_WORKER_MAX_LAG_SECONDS. And the queue: a task
    still waiting that long past its run time means no worker is taking tasks."""
    if not _uses_task_database():
        return True, "no task worker (tasks run in the process)"
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    lag = settings.FOKUS_WORKER_MAX_LAG_SECONDS
    limit = timezone.now() - timedelta(seconds=lag)
    try:
        late = DBTaskResult.objects.filter(status=TaskResultStatus.READY,
                                           run_after__lt=limit).count()
        age = heartbeat_age()
    except Exception:  # noqa: BLE001
        return False, "the task queue could not be read"
    if late:
        return False, f"{late} task(s) waiting longer than {lag} s: " \
                      "is `fokus worker` running?"
    if worker_expected():
        if age is None:
            return False, "no worker has written a heartbeat: is `fokus worker` running?"
        if age > lag:
            return False, f"the newest worker heartbeat is {age:.0f} s old (more than " \
                          f"{lag} s): is `fokus worker` running?"
    return True, "ok"


CHECKS = {"database": database_check, "migrations": migrations_check,
          "worker": worker_check}


@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    results = {}
    for name, check in CHECKS.items():
        if name != "database" and not results["database"]["ok"]:
            results[name] = {"ok": False, "detail": "not checked: no database"}
            continue
        ok, detail = check()
        results[name] = {"ok": ok, "detail": detail}
    failing = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "ok" if not failing else "failing", "failing": failing,
            "checks": results}
    response = JsonResponse(body, status=503 if failing else 200)
    response._has_been_logged = True  # a probe's 503 is its answer, not a server error
    return response


# ---------------------------------------------------------------------------
# Metrics: by route name only, never a path (it may hold a token or a case id).

REQUESTS = Counter("fokus_http_requests", "HTTP requests answered, by route name and status",
                   ["route", "method", "status"])
LATENCY = Histogram("fokus_http_request_duration_seconds",
                    "Time to answer a request, by route name", ["route"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


class TaskQueueCollector:
    """The queue, read from the database at each scrape."""

    def collect(self):
        if not _uses_task_database():
            return
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        try:
            counts = dict(DBTaskResult.objects.values_list("status")
                          .annotate(n=Count("id")).values_list("status", "n"))
        except Exception:  # noqa: BLE001 - a scrape must answer without the database
            return
        waiting = GaugeMetricFamily("fokus_tasks_waiting",
                                    "Tasks waiting for the worker (queue depth)")
        waiting.add_metric([], counts.get("READY", 0))
        yield waiting
        failed = GaugeMetricFamily("fokus_tasks_failed",
                                   "Failed tasks kept in the task table")
        failed.add_metric([], counts.get("FAILED", 0))
        yield failed
        try:
            age = heartbeat_age()
        except Exception:  # noqa: BLE001
            return
        if age is not None:  # no worker ever: no figure (alert on the metric's absence)
            heartbeat = GaugeMetricFamily("fokus_worker_heartbeat_age_seconds",
                                          "Seconds since the newest task worker heartbeat")
            heartbeat.add_metric([], age)
            yield heartbeat


_TASKS = CollectorRegistry(auto_describe=False)
_TASKS.register(TaskQueueCollector())


def _allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.FOKUS_METRICS_ALLOWED:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _registry():
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn's workers, added up
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
def metrics(request):
    if not _allowed(client_ip(request)):
        return HttpResponseForbidden("metrics: not from this address\n",
                                     content_type="text/plain")
    body = generate_latest(_registry()) + generate_latest(_TASKS)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


app_name = "health"
urlpatterns = [
    path("health/live", live, name="live"),
    path("health/ready", ready, name="ready"),
    path("metrics", metrics, name="metrics"),
]
PROBES = frozenset({"health:live", "health:ready", "health:metrics"})


# ---------------------------------------------------------------------------
# Middleware.


def route_name(path_info: str) -> str:
    static = "/" + (settings.STATIC_URL or "static/").lstrip("/")
    if path_info.startswith(static):
        return "static"
    try:
        return resolve(path_info).view_name or "[unnamed]"
    except Resolver404:
        return "[unmatched]"
    except Exception:  # noqa: BLE001
        return "[unmatched]"


class ProbeMiddleware:
    """Answers the probes before the session, locale, login, kiosk and second-factor
    middlewares: no cookie is read or set, nothing redirects, nothing is logged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in ("/health/live", "/health/ready", "/metrics"):
            match = resolve(request.path_info)
            if match.view_name in PROBES:
                if request.method not in ("GET", "HEAD"):
                    return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
                return match.func(request)
        return self.get_response(request)


_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def incoming_request_id(request) -> str | None:
    """An X-Request-ID is accepted only from a trusted proxy, and only if short and plain."""
    if not is_trusted_proxy(request.META.get("REMOTE_ADDR")):
        return None
    value = request.META.get("HTTP_X_REQUEST_ID", "").strip()
    if 0 < len(value) <= 64 and set(value) <= _ID_CHARS:
        return value
    return None


class RequestMiddleware:
    """Second in MIDDLEWARE (after TrustedProxyMiddleware): a request id for every
    request (sent back as X-Request-ID, carried by every log line of the request), the
    request's count and latency by route name, one log line: method, route name,
    status, duration. Never the path, the query or the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_request_id(request) or uuid.uuid4().hex
        request.request_id = rid
        request_id_var.set(rid)  # cleared when the response is closed (request_finished)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = route_name(request.path_info)
            method = request.method if request.method in _METHODS else "other"
            REQUESTS.labels(route, method, str(status)).inc()
            LATENCY.labels(route).observe(elapsed)
            if route not in PROBES:
                logger.info("%s %s %s %.1fms", method, route, status, elapsed * 1000,
                            extra={"method": method, "route": route,
                                   "status": status, "duration_ms": round(elapsed * 1000, 1)})


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _clear_request_id(**kwargs):
    """Django's own line about a response (django.request: "Not Found: …") is written
    after the middleware has returned: the id is kept until the response is closed."""
    request_id_var.set(None)


request_finished.connect(_clear_request_id, dispatch_uid="fokus_clear_request_id")
