"""Fail with a clear message when the PostgreSQL server for the tests is not reachable."""

import sys

import dj_database_url
import psycopg

url, version_file = sys.argv[1], sys.argv[2]
config = dj_database_url.parse(url)
try:
    with psycopg.connect(host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432,
                         user=config["USER"] or "postgres", password=config["PASSWORD"] or None,
                         dbname="postgres", connect_timeout=5) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
except psycopg.OperationalError as exc:
    print(f"PostgreSQL is not reachable at {config['HOST']}:{config['PORT']} ({exc}).\n"
          "Start it (Debian: pg_ctlcluster 15 main start), or point DATABASE_URL at a server,\n"
          "or skip these tests explicitly with: make test SKIP_POSTGRES=1", file=sys.stderr)
    sys.exit(1)
with open(version_file, "w") as fh:
    fh.write(version)
print(f"PostgreSQL {version} at {config['HOST']}:{config['PORT']}")
