#!/bin/sh
# The container's entry point (deploy/Containerfile, docs/operations.md).
#   web [GUNICORN-OPTIONS]   static files into $FOKUS_DATA_DIR/static, then gunicorn on :8000
#   worker [OPTIONS]         the task worker and the periodic jobs: fokus worker
#   COMMAND ...              any other `fokus` command (migrate, audit verify, ...)
set -eu
command=${1:-web}
[ $# -gt 0 ] && shift
case "$command" in
  web)
    # The static files belong to this version of the image: collected at each start
    # into the data volume, the only writable place (whitenoise serves them).
    fokus collectstatic --noinput --clear -v0
    exec gunicorn -c /etc/fokus/gunicorn.conf.py --bind 0.0.0.0:8000 "$@"
    ;;
  worker)
    exec fokus worker "$@"
    ;;
  *)
    exec fokus "$command" "$@"
    ;;
esac
