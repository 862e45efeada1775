# ruff: noqa: S603, S607  (the test starts gunicorn, the worker and psql as an operator would)
"""Issue 12: a rating link sent while the mail server is down, end to end. gunicorn with
the production profile and the task worker (`fokus db_worker`) against a PostgreSQL
database made for the test; the caseworker logs in over real HTTP (password and TOTP
code), sends a link through the page with the mail server down: the answer is the
case page saying the link will be sent, and the page shows it waiting while the worker
retries; then a mail server (aiosmtpd) starts on the port: the worker delivers the
message once, its link opens the rating page, and the case page shows it sent."""

import email
import email.policy
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.urls import reverse

from tests.test_gunicorn import CONF, GUNICORN, PG_SERVER, ROOT, _free_port, _psql, _stop

ADDRESS = "sara.hansen@example.org"
TOTP_KEY = secrets.token_hex(20)

SETUP = f"""
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")
django.setup()
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.conftest import World
w = World()
TOTPDevice.objects.create(user=w.anna, name="Fokus", confirmed=True, key="{TOTP_KEY}")
print(json.dumps({{"case": w.hansen.pk, "mother": w.mother.pk}}))
"""


@pytest.fixture
def production(tmp_path):
    """The production profile against a new PostgreSQL database, migrated, its static
    files collected, the personas of tests/conftest.py in it and Anna's TOTP device; the
    mail server on a port where nothing listens yet; retries after 1, 2, 4 ... seconds."""
    assert shutil.which("psql"), "psql is needed for the PostgreSQL tests"
    _psql("SELECT 1")
    from fokus.lib import crypto

    name = f"fokus_sending_{secrets.token_hex(4)}"
    _psql(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FOKUS_", "DJANGO_", "GUNICORN_")) and k != "DATABASE_URL"}
    env.update(
        FOKUS_PROFILE="production", DATABASE_URL=f"{PG_SERVER}/{name}",
        FOKUS_SECRET_KEY=secrets.token_urlsafe(40), FOKUS_ALLOWED_HOSTS="127.0.0.1",
        FOKUS_CPR_KEYS=crypto.new_key(), FOKUS_CPR_LOOKUP_KEY=crypto.new_lookup_key(),
        FOKUS_DATA_DIR=str(tmp_path / "data"), FOKUS_TRUSTED_PROXIES="127.0.0.1",
        FOKUS_ACCESS_LOG_HEAD_FILE=str(tmp_path / "heads.txt"), WEB_CONCURRENCY="2",
        FOKUS_EMAIL_HOST="127.0.0.1", FOKUS_EMAIL_PORT=str(_free_port()),
        FOKUS_EMAIL_FROM="fokus@kommune.example", FOKUS_EMAIL_TIMEOUT="5",
        FOKUS_SEND_RETRY_SECONDS="1", PYTHONPATH=str(ROOT))
    (tmp_path / "data").mkdir()
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "-m", "fokus", *command], env=env, cwd=tmp_path,
                       check=True, capture_output=True, timeout=300)
    made = subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=tmp_path, check=False,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr[-3000:]
    env["_ids"] = made.stdout.strip().splitlines()[-1]
    yield env
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Browser:
    """Just enough of a browser over plain HTTP behind a trusted proxy that says HTTPS:
    cookies (Secure ones too: the proxy speaks HTTPS to the person), CSRF, no redirects
    followed."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, path: str, data: dict | None = None):
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        origin = self.base.replace("http://", "https://")
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": "en",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(data).encode()
            headers.update({"Origin": origin, "Referer": origin + path,
                            "Content-Type": "application/x-www-form-urlencoded"})
        request = urllib.request.Request(self.base + path, data=body,  # noqa: S310
                                         headers=headers)
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
                status, got, text = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, got, text = error.code, error.headers, error.read()
        for cookie in got.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name.strip()] = value.strip().strip('"')
        return status, got, text.decode(errors="replace")


def _wait(what: str, check, *processes, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while True:
        for process in processes:
            assert process.poll() is None, f"a process stopped:\n{_stop(process)}"
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.3)


def _totp() -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(TOTP_KEY)):06d}"


def _psql_value(env: dict, sql: str) -> str:
    return subprocess.run(["psql", "--no-psqlrc", "-qtA", f"--dbname={env['DATABASE_URL']}",
                           "-c", sql], check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


@pytest.mark.postgres
def test_a_link_sent_while_the_mail_server_is_down_waits_and_is_delivered_once(
        production, tmp_path):
    from aiosmtpd.controller import Controller

    env = production
    ids = json.loads(env.pop("_ids"))
    port = _free_port()
    web = subprocess.Popen([str(GUNICORN), "-c", str(CONF), "--bind", f"127.0.0.1:{port}"],
                           env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    worker = subprocess.Popen([sys.executable, "-m", "fokus", "db_worker",
                               "--no-startup-delay", "--interval", "0.2"],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    browser = Browser(f"http://127.0.0.1:{port}")
    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append(envelope.original_content or envelope.content)
            return "250 OK"

    smtp = None
    try:
        def live():
            try:
                return browser.request("/health/live")[0] == 200
            except OSError:
                return False

        _wait("gunicorn to answer", live, web, worker)

        # Anna logs in: password, then the code from her authenticator app.
        assert browser.request("/login/")[0] == 200
        status, headers, _ = browser.request("/login/", {"username": "anna",
                                                         "password": "test-password-123"})
        assert status == 302, status
        # The production profile asks for the second factor before any page.
        status, headers, _ = browser.request(headers["Location"])
        assert status == 302 and "/login/code/" in headers["Location"], status
        assert browser.request("/login/code/")[0] == 200
        status, headers, _ = browser.request("/login/code/", {"code": _totp()})
        assert status == 302 and "/login/" not in headers["Location"], status

        # She sends a link while the mail server is down: no error, the link will be sent.
        send = reverse("ratings:link_send", kwargs={"case_id": ids["case"]})
        case = reverse("insights:case", kwargs={"case_id": ids["case"]})
        assert browser.request(send)[0] == 200
        status, headers, _ = browser.request(send, {
            "rater": ids["mother"], "person": ids["mother"], "measures": "outcome",
            "channel": "email", "address": ADDRESS, "language": "en"})
        assert status == 302 and headers["Location"].endswith(case), status
        status, _, page = browser.request(case)
        assert status == 200 and "The link for ORS will be sent to Sara." in page
        assert "waiting to be sent" in page

        # The worker tries, fails, and tries again later: the page shows it waiting.
        def retried():
            page = browser.request(case)[2]
            found = re.search(r"waiting to be sent \(attempt (\d+), next try \d\d:\d\d\)", page)
            return found and int(found.group(1)) >= 3

        _wait("a second failed attempt", retried, web, worker)
        assert received == []

        # The mail server comes up: the next attempt delivers the message.
        smtp = Controller(Handler(), hostname="127.0.0.1", port=int(env["FOKUS_EMAIL_PORT"]))
        smtp.start()
        _wait("the case page to show the link sent",
              lambda: re.search(r"sent \d\d:\d\d", browser.request(case)[2]), web, worker)
        # Every task the worker had is done: nothing more is coming.
        _wait("the queue to be empty", lambda: _psql_value(
            env, "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                 "WHERE status IN ('READY', 'RUNNING')") == "0", web, worker)
        assert len(received) == 1
        message = email.message_from_bytes(received[0], policy=email.policy.default)
        assert message["To"] == ADDRESS
        text = message.get_body().get_content()
        url = re.search(r"https://127\.0\.0\.1:\d+(/r/[^\s]+)", text)
        assert url, text
        status, _, rating_page = browser.request(url.group(1))
        assert status == 200 and "Testkommune" in rating_page
        # Attempts in the access log, the address nowhere in the database but the message.
        attempts = _psql_value(env, "SELECT send_attempts FROM ratings_ratinglink")
        assert int(attempts) >= 3
        assert _psql_value(env, "SELECT send_address || reminder_address "
                                "FROM ratings_ratinglink") == ""
    finally:
        if smtp is not None:
            smtp.stop()
        web_output, worker_output = _stop(web), _stop(worker)
    assert ADDRESS not in worker_output and ADDRESS not in web_output
    assert "ConnectionRefusedError" in worker_output
