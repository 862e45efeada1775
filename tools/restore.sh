#!/bin/sh
# tools/restore.sh: restore a backup of tools/backup.sh into a NEW, empty database
# (docs/operations.md).
#
#   tools/restore.sh BACKUP-FILE TARGET-URL
#
# TARGET-URL: postgres://OWNER@HOST/NEW_DATABASE (created beforehand and empty, e.g.
# `createdb -O fokus_owner fokus_restored`; connect as the owner role that migrates)
# or sqlite:///PATH (a file that does not exist yet). A database that already holds
# tables is refused: a restore never overwrites a database.
#
# Afterwards, as the owner role: `fokus audit grants --app-role ROLE` (PostgreSQL),
# `fokus migrate` (if the backup is from an older version), and `fokus audit verify`:
# the access log's chain must be whole and its head the one exported before.
#
# The CPR keys are not in the backup: start Fokus with the same FOKUS_CPR_KEYS and
# FOKUS_CPR_LOOKUP_KEY as the backed-up installation, or no CPR number can be read.
set -eu

PYTHON=${PYTHON:-python3}

if [ $# -ne 2 ]; then
  echo "usage: tools/restore.sh BACKUP-FILE TARGET-URL" >&2
  exit 2
fi
backup=$1
url=$2
if [ ! -f "$backup" ]; then
  echo "restore: no backup file $backup" >&2
  exit 1
fi
magic=$(head -c 5 "$backup")

case "$url" in
  postgres://*|postgresql://*)
    if [ "$magic" != "PGDMP" ]; then
      echo "restore: $backup is not a PostgreSQL backup (pg_dump custom format)" >&2
      exit 1
    fi
    tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" --command \
      "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    if [ "$tables" != "0" ]; then
      echo "restore: the target database is not empty ($tables tables); nothing was changed" >&2
      exit 1
    fi
    # The restoring role owns everything (the owner role); the application role gets
    # its rights from `fokus audit grants` afterwards.
    pg_restore --no-owner --no-acl --exit-on-error --single-transaction \
      --dbname="$url" "$backup"
    ;;
  sqlite://*)
    if [ "$magic" != "SQLit" ]; then
      echo "restore: $backup is not an SQLite backup" >&2
      exit 1
    fi
    target=${url#sqlite://}
    target=${target#/}
    if [ -e "$target" ]; then
      echo "restore: $target exists; a restore never overwrites a database" >&2
      exit 1
    fi
    umask 077
    "$PYTHON" - "$backup" "$target" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
ok = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
source.close()
if ok != "ok":
    sys.exit(f"restore: the restored database fails SQLite's integrity check: {ok}")
PY
    ;;
  *)
    echo "restore: TARGET-URL must be postgres://... or sqlite:///...; nothing was changed" >&2
    exit 2
    ;;
esac

echo "restore: done. Next: fokus audit verify (and, on PostgreSQL, fokus audit grants"
echo "restore: --app-role ROLE). Use the backed-up installation's CPR keys, or no CPR"
echo "restore: number can be read."
