#!/bin/sh
# tools/backup.sh: back up Fokus's database (docs/operations.md).
#
#   tools/backup.sh OUTPUT-FILE
#
# The database is DATABASE_URL's, as the application reads it:
# - postgres://... : pg_dump in its custom format (restore with tools/restore.sh or
#   pg_restore). Run it as the database's owner role, or a role that may read every
#   table.
# - unset or sqlite:///PATH : SQLite's online backup (a consistent copy while Fokus
#   runs); unset means FOKUS_DATA_DIR/fokus.sqlite3 (default ./var), as in the demo.
#
# The backup does NOT hold the CPR keys (FOKUS_CPR_KEYS, FOKUS_CPR_LOOKUP_KEY or their
# _FILE variants; in the demo profile the generated files under FOKUS_DATA_DIR). Keep
# them in a separate, safe place: a database restored without them shows no CPR numbers
# and finds no person by CPR (docs/cpr-encryption.md).
set -eu

PYTHON=${PYTHON:-python3}

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: tools/backup.sh OUTPUT-FILE   (the database is DATABASE_URL's)" >&2
  exit 2
fi
out=$1
if [ -e "$out" ]; then
  echo "backup: $out exists already; nothing was written" >&2
  exit 1
fi
url=${DATABASE_URL:-}
if [ -z "$url" ]; then
  url="sqlite:///${FOKUS_DATA_DIR:-var}/fokus.sqlite3"
fi

umask 077  # the backup holds personal data: readable by its owner only
case "$url" in
  postgres://*|postgresql://*)
    pg_dump --format=custom --compress=6 --file="$out" --dbname="$url"
    ;;
  sqlite://*)
    src=${url#sqlite://}
    src=${src#/}
    if [ ! -f "$src" ]; then
      echo "backup: no SQLite database at $src" >&2
      exit 1
    fi
    "$PYTHON" - "$src" "$out" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # the online backup API: consistent while others write
ok = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
source.close()
if ok != "ok":
    sys.exit(f"backup: the copy fails SQLite's integrity check: {ok}")
PY
    ;;
  *)
    echo "backup: DATABASE_URL must be postgres://... or sqlite:///...; nothing was written" >&2
    exit 2
    ;;
esac

echo "backup: written to $out"
echo "backup: the CPR keys are NOT in it. Keep FOKUS_CPR_KEYS and FOKUS_CPR_LOOKUP_KEY"
echo "backup: (or their files) apart from it: restored without them, no CPR number can be read."
