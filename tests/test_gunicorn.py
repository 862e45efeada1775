# ruff: noqa: S603, S607  (the tests start gunicorn, the worker and psql as an operator would)
"""The production server (deploy/gunicorn.conf.py, docs/operations.md): gunicorn started
with the production profile against a PostgreSQL database made for the test serves the
login page over real HTTP, believes X-Forwarded-Proto only from FOKUS_TRUSTED_PROXIES,
writes no access log; the task worker (`fokus worker`) runs beside it, enqueues its
periodic jobs and does them and a task enqueued by another process, and its heartbeat
makes readiness pass until it stops. Plus the configuration's own rules, without a server."""

import os
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "deploy" / "gunicorn.conf.py"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _conf(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "FOKUS_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_the_configuration_defaults_suit_two_cores_and_trust_no_proxy(monkeypatch):
    conf = _conf(monkeypatch)
    assert conf["workers"] == 3
    assert conf["forwarded_allow_ips"] == ""  # gunicorn's own default trusts 127.0.0.1
    assert conf["accesslog"] is None  # paths carry tokens and names
    assert conf["max_requests"] > 0 and conf["timeout"] <= 120
    assert conf["wsgi_app"] == "fokus.wsgi:application"


def test_the_trusted_proxies_are_the_ones_django_trusts(monkeypatch):
    conf = _conf(monkeypatch, WEB_CONCURRENCY="5",
                 FOKUS_TRUSTED_PROXIES="10.0.0.5, 192.0.2.0/30,::1")
    assert conf["workers"] == 5
    assert conf["forwarded_allow_ips"].split(",") == [
        "10.0.0.5", "192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3", "::1"]
    # gunicorn accepts the value as it is.
    from gunicorn.config import Config

    config = Config()
    config.set("forwarded_allow_ips", conf["forwarded_allow_ips"])
    assert "192.0.2.3" in config.forwarded_allow_ips


@pytest.mark.parametrize("env, words", [
    ({"WEB_CONCURRENCY": "many"}, "whole number"),
    ({"WEB_CONCURRENCY": "0"}, "at least 1"),
    ({"FOKUS_TRUSTED_PROXIES": "10.0.0.0/8"}, "larger than"),
])
def test_a_wrong_value_stops_the_start_with_a_message(monkeypatch, env, words):
    with pytest.raises(SystemExit, match=words):
        _conf(monkeypatch, **env)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _psql(sql: str) -> None:
    subprocess.run(["psql", "--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1",
                    f"--dbname={PG_SERVER}/postgres", "-c", sql],
                   check=True, capture_output=True, text=True, timeout=60)


@pytest.fixture
def production(tmp_path):
    """The production profile's environment against a new PostgreSQL database, migrated
    and with its static files collected, as an installation would be."""
    if not shutil.which("psql"):
        pytest.skip("psql is not installed")
    try:
        _psql("SELECT 1")
    except (subprocess.CalledProcessError, OSError):
        pytest.skip(f"no PostgreSQL at {PG_SERVER}")
    from fokus.lib import crypto

    name = f"fokus_p3_gunicorn_{secrets.token_hex(4)}"
    _psql(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FOKUS_", "DJANGO_", "GUNICORN_")) and k != "DATABASE_URL"}
    env.update(
        FOKUS_PROFILE="production", DATABASE_URL=f"{PG_SERVER}/{name}",
        FOKUS_SECRET_KEY=secrets.token_urlsafe(40), FOKUS_ALLOWED_HOSTS="127.0.0.1",
        FOKUS_CPR_KEYS=crypto.new_key(), FOKUS_CPR_LOOKUP_KEY=crypto.new_lookup_key(),
        FOKUS_DATA_DIR=str(tmp_path / "data"), FOKUS_TRUSTED_PROXIES="127.0.0.1",
        FOKUS_ACCESS_LOG_HEAD_FILE=str(tmp_path / "heads.txt"), WEB_CONCURRENCY="2")
    (tmp_path / "data").mkdir()
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "-m", "fokus", *command], env=env, cwd=tmp_path,
                       check=True, capture_output=True, timeout=300)
    yield env
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(url: str, headers: dict | None = None):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our server
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def _wait_for_lines(path: Path, n: int, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not (path.exists() and len(path.read_text().strip().splitlines()) >= n):
        assert worker.poll() is None, "the worker stopped:\n" + _stop(worker)
        assert time.monotonic() < deadline, "the worker did not run the task"
        time.sleep(0.3)
    assert len(path.read_text().strip().splitlines()) == n


def _ready_after_the_worker_stopped(base: str, headers: dict, web: subprocess.Popen):
    """/health/ready's answer once it fails (or after a minute, when it never did)."""
    deadline = time.monotonic() + 60
    while True:
        status, _, body = _get(f"{base}/health/ready", headers)
        if status != 200 or time.monotonic() > deadline or web.poll() is not None:
            return status, body
        time.sleep(0.5)


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read() if process.stdout else ""


@pytest.mark.postgres
def test_gunicorn_serves_the_login_page_and_the_worker_runs_a_task(production, tmp_path):
    env = production
    # A heartbeat every second and readiness allowing five: the worker's stop shows soon.
    env["FOKUS_WORKER_MAX_LAG_SECONDS"] = "5"
    port = _free_port()
    web = subprocess.Popen([str(GUNICORN), "-c", str(CONF), "--bind", f"127.0.0.1:{port}"],
                           env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    worker = subprocess.Popen([sys.executable, "-m", "fokus", "worker",
                               "--no-startup-delay", "--interval", "0.2", "--heartbeat", "1"],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https"}
    try:
        deadline = time.monotonic() + 90
        while True:
            assert web.poll() is None, "gunicorn stopped:\n" + _stop(web)
            try:
                status, _, _ = _get(f"{base}/health/live", https)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert status == 200

        status, headers, body = _get(f"{base}/login/?next=/cases/%3Fq%3DAndreasen", https)
        assert status == 200
        assert 'name="username"' in body and 'name="password"' in body
        assert "Content-Security-Policy" in headers

        # From a trusted proxy without X-Forwarded-Proto, the request came by plain
        # HTTP: the production profile sends it to HTTPS.
        status, headers, _ = _get(f"{base}/login/")
        assert status == 301 and headers["Location"].startswith("https://")

        # The worker's schedule: the chain head's daily export was due at 03:00 (the last
        # one passed), so the worker enqueues it at its start and does it, unasked.
        heads = Path(env["FOKUS_ACCESS_LOG_HEAD_FILE"])
        _wait_for_lines(heads, 1, worker)
        # And a task another process enqueued (the same export, on request).
        enqueue = ("from fokus.audit.tasks import export_access_log_head as t; "
                   "print(t.enqueue().id)")
        subprocess.run([sys.executable, "-m", "fokus", "shell", "-c", enqueue], env=env,
                       cwd=tmp_path, check=True, capture_output=True, timeout=120)
        _wait_for_lines(heads, 2, worker)
        # Migrated, the database answering, the worker's heartbeat fresh: ready.
        status, _, body = _get(f"{base}/health/ready", https)
        assert status == 200, body
    finally:
        worker_output = _stop(worker)
        try:
            # The worker stopped: once its last heartbeat is older than the allowed lag,
            # readiness fails, naming the worker.
            status, body = None, "gunicorn had stopped"
            if web.poll() is None:
                status, body = _ready_after_the_worker_stopped(base, https, web)
        finally:
            web_output = _stop(web)
    assert worker.returncode in (0, -signal.SIGTERM), worker_output
    assert "scheduled: audit-export-head" in worker_output, worker_output
    assert status == 503 and '"failing": ["worker"]' in body, body
    assert "heartbeat" in body and "fokus worker" in body, body
    assert web.returncode == 0, web_output
    # No access log: neither the query nor the searched name is in gunicorn's output.
    assert "Andreasen" not in web_output and "/login/" not in web_output
