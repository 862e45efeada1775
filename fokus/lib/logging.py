"""No link token and no query string in a server log (issue 11).

RedactPathsFilter rewrites the paths in a log record before any handler writes it:

- runserver's access line (django.server: "GET /r/<token>/?lang=en HTTP/1.1") and
  Django's request errors (django.request, django.security: "Not Found: /cases/…") name
  the path with every text argument of its route replaced by "[redacted]" (a number,
  such as a case id, stays: it names no one) and without the query string, which may
  hold a name searched for;
- a path that matches no route is written as "[unmatched path]" (a mistyped link may
  hold a token or a name); a static file's path stays as it is.

settings.LOGGING puts the filter on those loggers and on the root's console handler.
A production server's own access log (gunicorn's, the proxy's) is outside Django:
docs/web-surface.md says how to keep tokens and queries out of it.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from urllib.parse import unquote

REDACTED = "[redacted]"
UNMATCHED = "[unmatched path]"
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]{3,10}) (?P<target>\S+)(?P<rest>(?: \S+)?)$")
_QUERY = re.compile(r"(/[^\s\"'?]*)\?[^\s\"']*")


def _static_prefix() -> str:
    from django.conf import settings

    url = "/" + str(getattr(settings, "STATIC_URL", "static/") or "static/").lstrip("/")
    return url if url.endswith("/") else url + "/"


def redact_path(target: str) -> str:
    """A request's path as a log may show it: text route arguments redacted, no query."""
    from django.urls import Resolver404, resolve

    path = target.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:  # an absolute request target: keep only its path
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    if path.startswith(_static_prefix()) and ".." not in path:
        return path
    decoded = unquote(path)
    try:
        match = resolve(decoded)
    except Resolver404:
        return UNMATCHED
    except Exception:  # noqa: BLE001 - a log line must never fail on an odd path
        return UNMATCHED
    secret = {str(v) for v in [*match.args, *match.kwargs.values()]
              if not (isinstance(v, int) or str(v).isdigit())}
    segments = [REDACTED if segment in secret else segment for segment in decoded.split("/")]
    redacted = "/".join(segments)
    if any(s and s in redacted.replace(REDACTED, "") for s in secret):  # spans segments
        return f"[{match.view_name or 'route'}]"
    return redacted


def redact_text(text: str) -> str:
    """A request line ("GET /path?q HTTP/1.1"), a bare path, or any text with paths
    that carry a query string."""
    line = _REQUEST_LINE.match(text)
    if line:
        return f"{line['method']} {redact_path(line['target'])}{line['rest']}"
    if text.startswith("/"):
        return redact_path(text)
    return _QUERY.sub(lambda m: m.group(1) + "?" + REDACTED, text)


class RedactPathsFilter(logging.Filter):
    """Redacts paths in a record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if record.args:
                if isinstance(record.args, tuple):
                    record.args = tuple(redact_text(a) if isinstance(a, str) else a
                                        for a in record.args)
                elif isinstance(record.args, dict):
                    record.args = {k: redact_text(v) if isinstance(v, str) else v
                                   for k, v in record.args.items()}
            if isinstance(record.msg, str):
                record.msg = _QUERY.sub(lambda m: m.group(1) + "?" + REDACTED, record.msg)
                if not record.args and record.msg.startswith("/"):
                    record.msg = redact_path(record.msg)
        except Exception:  # noqa: BLE001 - a filter that fails would lose the log line
            record.msg, record.args = "[log line withheld: it could not be redacted]", ()
        return True


# ---------------------------------------------------------------------------
# Structured logs (issue 12; docs/monitoring.md). FOKUS_LOG_FORMAT chooses "json" (one
# JSON object a line: the production default) or "text" (the demo's). Every line of a
# request carries its id (fokus.lib.health.RequestMiddleware sets it).

request_id_var: ContextVar[str | None] = ContextVar("fokus_request_id", default=None)

# Attributes every LogRecord has; anything else on a record was passed as `extra`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id", "server_time", "request"}
# Extra fields a request line may carry; nothing else from `extra` is written (an
# `extra` could hold a request, a user or a form).
JSON_EXTRAS = ("method", "route", "status", "duration_ms", "status_code")


WITHHELD = "[text withheld]"


def exception_without_text(exc_info) -> str:
    """An exception as a log may show it: each exception's type and the frames of its
    traceback (files, lines, functions, code), never its text. An exception's text can
    carry what the code was handling: a database error's DETAIL names the row's values
    ("Key (cpr_lookup)=(...)"), a validation error names a child and her age. The cause
    and context chain is kept the same way."""
    parts = []
    seen = set()
    current = traceback.TracebackException(*exc_info, capture_locals=False)
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = current.exc_type
        name = f"{kind.__module__}.{kind.__qualname__}" if kind else "Exception"
        parts.append("Traceback (most recent call last):\n" + "".join(current.stack.format())
                     + f"{name}: {WITHHELD}\n")
        if current.__cause__ is not None:
            parts.append("The above exception was the direct cause of the following:\n")
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            parts.append("During handling of the above exception, another occurred:\n")
            current = current.__context__
        else:
            current = None
    # Written in the order Python prints them: the first cause first.
    return "".join(reversed(parts)).rstrip("\n")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message,
    request_id, the request line's fields, and an exception's type and traceback
    (without its text: exception_without_text)."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return exception_without_text(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key in JSON_EXTRAS:
            value = getattr(record, key, None)
            if isinstance(value, str | int | float):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The demo's lines: time, level, logger, request id, message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return exception_without_text(ei)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        record.request_id = record.request_id or "-"
        return super().format(record)
