"""Health, readiness and metrics (issue 12, docs/monitoring.md)."""

import datetime
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.lib import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _late_task(seconds_late: int, status: str = "READY"):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [], "kwargs": {}}, task_path="fokus.x.y",
        backend_name="default", exception_class_path="", traceback="",
        run_after=timezone.now() - datetime.timedelta(seconds=seconds_late))


def test_live_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert not response.cookies  # no session


def test_ready_names_each_check_and_logs_nothing_in_the_access_log(client, world):
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("health:ready"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "migrations", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert AccessLogEntry.objects.count() == before
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_ready_fails_on_a_task_nobody_takes(client, settings):
    settings.FOKUS_WORKER_MAX_LAG_SECONDS = 120
    _late_task(60)  # late, but within the limit: the worker may be busy
    assert client.get("/health/ready").status_code == 200
    _late_task(60, status="FAILED")  # finished tasks do not count
    _late_task(600, status="SUCCESSFUL")
    assert client.get("/health/ready").status_code == 200
    _late_task(121)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["worker"]
    assert "fokus worker" in response.json()["checks"]["worker"]["detail"]


def test_ready_fails_on_unapplied_migrations(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrations_ok_until", 0.0)
    monkeypatch.setattr(MigrationExecutor, "migration_plan",
                        lambda self, targets: [("a migration", False)])
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert response.json()["checks"]["migrations"]["detail"] == "1 unapplied migration(s)"


def test_without_the_database_the_other_checks_are_not_run(client, monkeypatch):
    """(The real database stopped and started: the PostgreSQL test below.)"""
    monkeypatch.setattr(health, "CHECKS", {**health.CHECKS, "database": lambda: (False, "x")})
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database", "migrations", "worker"]
    assert response.json()["checks"]["worker"]["detail"] == "not checked: no database"


def test_the_probes_pass_the_family_screen_lock_and_the_second_factor(client, world, settings):
    """A logged-in session owing its second factor, a device handed over: the probes
    answer, they do not redirect."""
    settings.FOKUS_SECOND_FACTOR = "required"
    client.force_login(world.anna)  # a password login without its TOTP step
    assert client.get(reverse("insights:case_list")).status_code == 302
    for name in ("health:live", "health:ready", "health:metrics"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.post(reverse("health:live")).status_code == 405


def test_metrics_count_by_route_name_only(client, world):
    from tests.test_rating_links import _link

    _link_obj, token = _link(world)
    client.get(f"/r/{token}/")
    client.get("/no-such-page/Andreasen/")
    _late_task(5)
    _late_task(5)
    _late_task(5, status="FAILED")
    response = client.get(reverse("health:metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'fokus_http_requests_total{method="GET",route="ratings:rate_by_link",status="200"}' \
        in text
    assert 'route="[unmatched]"' in text
    assert 'fokus_http_request_duration_seconds_bucket{le="0.1",route="ratings:rate_by_link"}' \
        in text
    # The two late tasks, and whatever the link's sending queued (the queue's own count).
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status="READY").count()
    assert waiting >= 2 and f"fokus_tasks_waiting {waiting}.0" in text
    assert "fokus_tasks_failed 1.0" in text
    assert token not in text and "Andreasen" not in text and "/r/" not in text


def test_metrics_only_from_the_allowed_addresses(client, settings):
    url = reverse("health:metrics")
    assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 403
    settings.FOKUS_METRICS_ALLOWED = ["10.2.0.0/16"]
    assert client.get(url).status_code == 403  # 127.0.0.1 no longer
    assert client.get(url, REMOTE_ADDR="10.2.3.4").status_code == 200
    # Behind a trusted proxy the forwarded client counts, never the proxy itself.
    settings.FOKUS_TRUSTED_PROXIES = ["10.2.0.1"]
    assert client.get(url, REMOTE_ADDR="10.2.0.1",
                      HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    assert client.get(url, REMOTE_ADDR="10.2.0.1",
                      HTTP_X_FORWARDED_FOR="10.2.9.9").status_code == 200
    # A forged X-Forwarded-For from an untrusted address does not help.
    assert client.get(url, REMOTE_ADDR="198.51.100.7",
                      HTTP_X_FORWARDED_FOR="10.2.9.9").status_code == 403


def test_a_wrong_metrics_network_stops_the_start():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "fokus.settings",
             "FOKUS_METRICS_ALLOWED": "127.0.0.1,not-a-network"},
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "FOKUS_METRICS_ALLOWED" in result.stderr


# ---------------------------------------------------------------------------
# Readiness against a PostgreSQL started (and stopped) in the test: not the machine's service.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args, **kwargs):
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True,  # noqa: S603 - fixed arguments capture_output=True, text=True, timeout=120,
                          **kwargs)


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - local
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.postgres
@pytest.mark.django_db(databases=[])
def test_ready_fails_while_the_database_is_stopped_and_recovers():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not bins:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    bindir = Path(bins[-1]).parent
    workdir = Path(tempfile.mkdtemp(prefix="fokus-ready-"))
    pgdata, data = workdir / "pg", workdir / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    pg_port, web_port = _free_port(), _free_port()
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(pgdata), "-w", "-t", "60"]
    options = f"-p {pg_port} -k {workdir} -c listen_addresses=127.0.0.1"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOKUS_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/fokus_ready",
                "FOKUS_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "fokus.settings"})
    server = None
    try:
        _as_postgres([str(bindir / "initdb"), "-D", str(pgdata), "-A", "trust", "-U",
                      "postgres", "--no-sync"])
        _as_postgres([*pg_ctl, "-o", options, "-l", str(workdir / "pg.log"), "start"])
        _as_postgres([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(pg_port),
                      "-U", "postgres", "fokus_ready"])
        subprocess.run([sys.executable, "-m", "fokus", "migrate", "--no-input", "-v", "0"],
                       env=env, check=True, timeout=600, capture_output=True)
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "fokus", "runserver", "--noreload", f"127.0.0.1:{web_port}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{web_port}"
        for _ in range(120):
            try:
                if _get(base + "/health/live")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        status, body = _get(base + "/health/ready")
        assert status == 200, body
        assert body["failing"] == []

        _as_postgres([*pg_ctl, "-m", "fast", "stop"])
        assert _get(base + "/health/live")[0] == 200  # the process still answers
        status, body = _get(base + "/health/ready")
        assert status == 503
        assert body["failing"][0] == "database"
        assert body["checks"]["database"] == {"ok": False, "detail": "the database does not answer"}

        _as_postgres([*pg_ctl, "-o", options, "-l", str(workdir / "pg.log"), "start"])
        for _ in range(60):
            status, body = _get(base + "/health/ready")
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, body
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stop = [*pg_ctl, "-m", "immediate", "stop"]
        if os.geteuid() == 0:
            stop = ["runuser", "-u", "postgres", "--", *stop]
        subprocess.run(stop, capture_output=True, timeout=60)  # noqa: S603 - fixed arguments
        shutil.rmtree(workdir, ignore_errors=True)
