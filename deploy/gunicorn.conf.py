"""gunicorn's configuration for Fokus (docs/operations.md).

    gunicorn -c deploy/gunicorn.conf.py fokus.wsgi            (from a checkout)
    gunicorn -c /etc/fokus/gunicorn.conf.py fokus.wsgi        (installed wheel)

Read from the environment (no FOKUS_* setting of its own; see the README's table):
- WEB_CONCURRENCY: worker processes (gunicorn's own variable). Default 3, for the
  2 cores a municipality's small server has (2 x cores - 1; each worker is about
  180-340 MB, docs/operations.md).
- FOKUS_TRUSTED_PROXIES: the reverse proxies, the same list Django trusts. gunicorn
  believes X-Forwarded-Proto only from them; without it, from nobody.
The listening address is given on the command line (--bind), default 127.0.0.1:8000.

No access log: gunicorn's lines carry the request's path and query (rating-link tokens,
searched names). Django logs each request with its route name instead.
"""

import ipaddress
import os

# Largest network expanded into single addresses (gunicorn 23 compares addresses only).
_MAX_NETWORK = 1024


def _forwarded_allow_ips(raw: str) -> list[str]:
    addresses: list[str] = []
    for value in (v.strip() for v in raw.split(",")):
        if not value:
            continue
        network = ipaddress.ip_network(value, strict=False)
        if network.num_addresses > _MAX_NETWORK:
            raise SystemExit(
                f"FOKUS_TRUSTED_PROXIES: {value} is larger than {_MAX_NETWORK} addresses; "
                "name the reverse proxies' addresses or a smaller network")
        if network.num_addresses == 1:
            addresses.append(str(network.network_address))
        else:
            addresses.extend(str(a) for a in network)
    return addresses


def _workers(raw: str | None) -> int:
    try:
        count = int(raw) if raw else 3
    except ValueError:
        raise SystemExit(f"WEB_CONCURRENCY must be a whole number, not {raw!r}") from None
    if count < 1:
        raise SystemExit("WEB_CONCURRENCY must be at least 1")
    return count


wsgi_app = "fokus.wsgi:application"
bind = ["127.0.0.1:8000"]
workers = _workers(os.environ.get("WEB_CONCURRENCY"))
worker_class = "sync"
# A request that takes longer is a fault (the slowest page, a PDF, takes about 2 s);
# the worker is replaced so that one stuck request cannot hold the server.
timeout = 60
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (the jitter spreads the restarts), so
# that the memory the graphs and PDFs leave behind is given back.
max_requests = 1000
max_requests_jitter = 100
# Trust the forwarded headers only from the configured proxies, and only the one the
# example nginx sets (deploy/nginx.conf).
forwarded_allow_ips = ",".join(_forwarded_allow_ips(os.environ.get("FOKUS_TRUSTED_PROXIES", "")))
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# Request limits: no Fokus URL or header is long.
limit_request_line = 4094
limit_request_fields = 100
# Logs: errors to stderr, no access log (see above).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("FOKUS_LOG_LEVEL", "info").lower()
capture_output = False
# /tmp may be read-only in the container: the heartbeat files go to shared memory.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, no data
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
proc_name = "fokus"
