"""Logs an IT department can keep (issue 12, docs/monitoring.md): JSON lines with a
request id, the route's name instead of the path, and no token, no searched name, no
query string in any of them."""

import copy
import io
import json
import logging
import logging.config
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD

WATCHED = ("", "django.server", "django.request", "fokus.request")


@pytest.fixture
def json_logs():
    """The logging as settings.LOGGING configures it with FOKUS_LOG_FORMAT=json, every
    handler of the root, django.server and django.request writing to one buffer."""
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "fokus_json"
    config["handlers"]["django.server"]["formatter"] = "fokus_json"
    config["loggers"]["django.server"]["level"] = "INFO"  # even runserver's own lines
    logging.config.dictConfig(config)
    buffer = io.StringIO()
    handlers = {h for name in WATCHED for h in logging.getLogger(name).handlers}
    assert handlers
    for handler in handlers:
        handler.setStream(buffer)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


def _lines(buffer):
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_no_token_no_name_and_no_query_in_any_log_line(world, client, json_logs):
    from tests.test_rating_links import _link

    _link_obj, token = _link(world)
    guessed = "GuessedToken" + "y" * 31
    responses = [
        client.get(f"/r/{token}/?lang=en"),
        client.get(f"/r/{guessed}/"),
        client.get("/no-such-page/Andreasen/?q=Andreasen"),
    ]
    client.login(username="anna", password=PASSWORD)
    responses.append(client.get("/cases/?q=Andreasen"))
    assert responses[-1].status_code == 200

    # runserver's own access line as django.server writes it (the redacting filter on it).
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /r/{token}/?lang=en HTTP/1.1",
                                            "200", "12")
    text = json_logs.getvalue()
    for secret in (token, guessed, "Andreasen", "q=", "lang=en", "/cases/", "/no-such-page"):
        assert secret not in text, secret
    assert "GET /r/[redacted]/ HTTP/1.1" in text  # runserver's line, redacted

    lines = _lines(json_logs)  # every line parses as JSON
    requests = [line for line in lines if line["logger"] == "fokus.request"]
    assert [r["route"] for r in requests] == [
        "ratings:rate_by_link", "ratings:rate_by_link", "[unmatched]", "insights:case_list"]
    for line, response in zip(requests, responses, strict=True):
        assert line["request_id"] == response["X-Request-ID"]
        assert len(line["request_id"]) == 32
        assert line["status"] == response.status_code
        assert isinstance(line["duration_ms"], float)
        assert line["method"] == "GET"
    assert len({r["request_id"] for r in requests}) == 4
    # Django's own warning for the 404/410 carries the same request's id.
    warnings = [line for line in lines if line["logger"] == "django.request"]
    assert warnings and all(w["request_id"] in {r["request_id"] for r in requests}
                            for w in warnings)


def test_an_incoming_request_id_is_kept_only_from_a_trusted_proxy(client, settings, json_logs):
    url = reverse("health:live")
    forged = client.get(url, HTTP_X_REQUEST_ID="forged-id", REMOTE_ADDR="198.51.100.7")
    assert forged["X-Request-ID"] != "forged-id"
    settings.FOKUS_TRUSTED_PROXIES = ["10.0.0.5"]
    proxied = client.get(url, HTTP_X_REQUEST_ID="proxy-id-123", REMOTE_ADDR="10.0.0.5")
    assert proxied["X-Request-ID"] == "proxy-id-123"
    odd = client.get(url, HTTP_X_REQUEST_ID="a b\nc", REMOTE_ADDR="10.0.0.5")
    assert odd["X-Request-ID"] not in ("a b\nc", "a b")
    login = client.get(reverse("login"), HTTP_X_REQUEST_ID="proxy-id-456",
                       REMOTE_ADDR="10.0.0.5")
    assert [line["request_id"] for line in _lines(json_logs)
            if line["logger"] == "fokus.request"] == ["proxy-id-456"]
    assert login["X-Request-ID"] == "proxy-id-456"


def test_an_exception_is_one_json_line_with_its_traceback():
    from fokus.lib.logging import JsonFormatter, request_id_var

    token = request_id_var.set("abc")
    try:
        try:
            raise ValueError("".join(["bo", "om"]))  # the text is data, not code
        except ValueError:
            record = logging.LogRecord("fokus.x", logging.ERROR, __file__, 1, "failed %s",
                                       ("here",), sys.exc_info())
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed here" and entry["request_id"] == "abc"
    assert entry["level"] == "ERROR" and "builtins.ValueError: [text withheld]" in entry["exception"]
    assert "boom" not in line and "test_logs.py" in entry["exception"]


@pytest.mark.parametrize("formatter", ["fokus_json", "fokus_text"])
def test_an_exception_s_text_never_reaches_the_log(world, client, settings, formatter):
    """A server error while a child's data is handled: the log has the exception's type
    and where it happened, never its text (a database error's DETAIL carries the row's
    values; a validation error names the child), in the cause chain either."""
    from unittest import mock

    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["formatter"] = formatter
    logging.config.dictConfig(config)
    buffer = io.StringIO()
    for handler in {h for name in WATCHED for h in logging.getLogger(name).handlers}:
        handler.setStream(buffer)
    secret = "Freja Andreasen 010203-1234"

    def fail(*args, **kwargs):
        try:
            raise KeyError(secret)
        except KeyError as cause:
            raise RuntimeError(f"could not draw the case of {secret}") from cause

    client.raise_request_exception = False
    client.login(username="anna", password=PASSWORD)
    try:
        with mock.patch("fokus.insights.views.case.case_insights", side_effect=fail):
            response = client.get(reverse("insights:case", args=[world.hansen.pk]))
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert response.status_code == 500
    written = buffer.getvalue()
    assert "builtins.RuntimeError: [text withheld]" in written
    assert "builtins.KeyError: [text withheld]" in written  # the cause, typed
    assert "direct cause" in written and "case.py" in written  # where it happened
    for part in ("Freja", "Andreasen", "010203"):
        assert part not in written


@pytest.mark.parametrize(("env", "formatter"), [({}, "fokus_text"),
                                                ({"FOKUS_LOG_FORMAT": "json"}, "fokus_json")])
def test_the_log_format_follows_fokus_log_format(env, formatter):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("FOKUS_LOG_FORMAT", "FOKUS_PROFILE")}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings;"
         "print(settings.LOGGING['handlers']['console']['formatter'])"],
        env={**environ, "DJANGO_SETTINGS_MODULE": "fokus.settings", **env},
        capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == formatter


def test_a_wrong_log_format_stops_the_start():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "fokus.settings",
             "FOKUS_LOG_FORMAT": "xml"},
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "FOKUS_LOG_FORMAT" in result.stderr
