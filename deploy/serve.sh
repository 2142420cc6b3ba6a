#!/usr/bin/env bash
# The production start on one machine, for trying it (`make serve`) and for CI's smoke run (deploy/smoke.sh):
# gunicorn with the project's settings (python:rakornis.gunicorn_conf) and the background worker, which this script
# restarts whenever it exits, as systemd's Restart=always does in deploy/rakornis-worker.service. Ctrl-C or SIGTERM
# stops both. The environment (DEBUG=false, SECRET_KEY, DATABASE_URL, ...) is the caller's, as in production.
#
#   RAKORNIS_BIN    folder holding the environment's python and gunicorn (default: .venv/bin)
#   GUNICORN_BIND   address gunicorn listens on (default in rakornis/gunicorn_conf.py: 127.0.0.1:8000)
#   WORKER_COMMAND  the worker's management command and options (default below)
#   RESTART_DELAY   seconds before the worker is restarted (default 5)
set -uo pipefail

BIN="${RAKORNIS_BIN:-.venv/bin}"
# The background worker: reconnects after a database outage, reclaims dead workers' jobs, prunes old files hourly.
WORKER_COMMAND="${WORKER_COMMAND:-run_worker}"
RESTART_DELAY="${RESTART_DELAY:-5}"

log() { echo "serve: $*" >&2; }

supervise_worker() {
  local child="" rc
  # A background subshell ignores SIGINT; the parent stops it with SIGTERM, passed on to the worker, which finishes
  # the job it is running first (django_tasks_db's graceful shutdown).
  trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi; exit 0' TERM
  while :; do
    # shellcheck disable=SC2086 # WORKER_COMMAND is a command and its options, split on purpose.
    "$BIN/python" -m rakornis $WORKER_COMMAND &
    child=$!
    log "worker started (pid $child): $WORKER_COMMAND"
    wait "$child"
    rc=$?
    log "worker exited with status $rc; restarting in ${RESTART_DELAY} s"
    child=""
    sleep "$RESTART_DELAY" &
    wait $!
  done
}

supervise_worker &
supervisor=$!

"$BIN/gunicorn" rakornis.wsgi -c python:rakornis.gunicorn_conf &
web=$!
log "gunicorn started (pid $web), worker supervisor (pid $supervisor)"

stop() {
  trap - INT TERM
  log "stopping"
  kill -TERM "$web" "$supervisor" 2>/dev/null
  wait "$web" "$supervisor" 2>/dev/null
  exit 0
}
trap stop INT TERM

# gunicorn ending on its own (a bad configuration, a port in use) ends the whole start, loudly.
wait "$web"
rc=$?
log "gunicorn exited with status $rc"
kill -TERM "$supervisor" 2>/dev/null
wait "$supervisor" 2>/dev/null
exit "$rc"
