#!/usr/bin/env bash
# Production smoke run (CI runs it after `make test`; locally `make smoke`): the README's "Deploying on PostgreSQL"
# steps, outside the checkout, with DEBUG off, on a PostgreSQL database of its own that is recreated each run.
#
#  1. a fresh virtual environment from requirements.lock, then `pip install --no-deps` of the project (no editable
#     install, no checkout on sys.path: templates, static files, translations and reference data must ship with it);
#  2. migrate, load_reference_data, a small seed_demo, collectstatic (whitenoise's manifest), and
#     `check --deploy --fail-level WARNING` with the production environment the README documents;
#  3. deploy/serve.sh (gunicorn with rakornis.gunicorn_conf and the supervised worker) on a free local port; the
#     login page, a sign-in through the login form with its CSRF token, a signed-in page, a hashed static file from
#     the manifest, the redirect to HTTPS; the worker killed with SIGKILL and restarted by the supervisor, then an
#     export queued by the web and written by that worker, downloaded.
# Any failure stops the run with a message and the server's log. Figures: seconds per step.
#
#   SMOKE_DB            database name (default rakornis_smoke; never test, postgres or rakornis_bench)
#   SMOKE_PG            server URL without a database (default postgres://postgres@127.0.0.1:5432)
#   SMOKE_PROPOSALS     proposals seed_demo makes (default 40)
#   SMOKE_TMP           folder for the run's temporary files (default /dev/shm, else TMPDIR or /tmp)
#   SMOKE_KEEP=1        keep the temporary folder (venv, static files, server log) for a look afterwards
#   SMOKE_SOURCE=HEAD   install that commit instead of the working tree (other work in progress left out)
set -euo pipefail

CHECKOUT="$(cd "$(dirname "$0")/.." && pwd)"
SMOKE_DB="${SMOKE_DB:-rakornis_smoke}"
SMOKE_PG="${SMOKE_PG:-postgres://postgres@127.0.0.1:5432}"
SMOKE_PROPOSALS="${SMOKE_PROPOSALS:-40}"
# The interpreter the checkout's virtual environment was made from (Python 3.12+, see .python-version).
BASE_PYTHON="${BASE_PYTHON:-$("$CHECKOUT/.venv/bin/python" -c 'import sys; print(sys._base_executable)')}"

case "$SMOKE_DB" in
  test | postgres | template0 | template1 | rakornis_bench) echo "smoke: refusing to recreate database $SMOKE_DB" >&2; exit 2 ;;
esac

# In memory where there is a tmpfs: the run writes and then deletes some 10,000 files (the venv, static files).
SMOKE_TMP="${SMOKE_TMP:-$(if [ -d /dev/shm ] && [ -w /dev/shm ]; then echo /dev/shm; else echo "${TMPDIR:-/tmp}"; fi)}"
WORK="$(mktemp -d "$SMOKE_TMP/rakornis-smoke.XXXXXX")"
SERVER_PID=""
LOG="$WORK/serve.log"
STARTED=$(date +%s.%N)
STEP_STARTED=$STARTED

fail() {
  echo "smoke: FAILED: $*" >&2
  if [ -s "$LOG" ]; then
    echo "---- last lines of the server log ($LOG) ----" >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${SMOKE_KEEP:-}" = 1 ]; then echo "smoke: kept $WORK" >&2; else rm -rf "$WORK"; fi
  printf 'smoke: %-58s %6.1f s\n' "cleaned up, total" "$(echo "$(date +%s.%N) - $STARTED" | bc)"
}
trap cleanup EXIT

step() {
  local now
  now=$(date +%s.%N)
  printf 'smoke: %-58s %6.1f s\n' "$1" "$(echo "$now - $STEP_STARTED" | bc)"
  STEP_STARTED=$now
}

# --- 1. The installed copy ---------------------------------------------------------------------------------------
"$BASE_PYTHON" -m venv "$WORK/venv"
BIN="$WORK/venv/bin"
pip_install() { "$BIN/python" -m pip install --quiet "$@" >"$WORK/pip.log" 2>&1 || { cat "$WORK/pip.log" >&2; fail "pip install $*"; }; }
# --no-compile: the byte code is written on first import instead; the run is about the install, not its speed.
pip_install --no-compile --require-hashes -r "$CHECKOUT/requirements.lock"
step "venv from requirements.lock"
# The checkout's files as a clean clone has them (tracked and new, not ignored: no .venv, no db.sqlite3, no build/),
# or, with SMOKE_SOURCE=<commit> (e.g. HEAD), that commit's files, whatever the working tree holds.
mkdir "$WORK/src"
if [ -n "${SMOKE_SOURCE:-}" ]; then
  git -C "$CHECKOUT" archive "$SMOKE_SOURCE" | tar -x -C "$WORK/src"
else
  git -C "$CHECKOUT" ls-files -z --cached --others --exclude-standard | (cd "$CHECKOUT" && xargs -0 cp --parents -t "$WORK/src")
fi
pip_install --no-deps "$WORK/src"
rm -rf "$WORK/src"
cd "$WORK"
"$BIN/python" -c 'import rakornis, sys; sys.exit("rakornis" not in sys.modules or "site-packages" not in rakornis.__file__)' \
  || fail "rakornis is not imported from the installed copy"
step "pip install --no-deps . (installed copy, cwd outside the checkout)"

# --- 2. The production environment (the README's table) ----------------------------------------------------------
PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ORIGIN="https://127.0.0.1:$PORT"
export DEBUG=false
export SECRET_KEY
SECRET_KEY="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DATABASE_URL="$SMOKE_PG/$SMOKE_DB"
export ALLOWED_HOSTS="127.0.0.1"
export CSRF_TRUSTED_ORIGINS="$ORIGIN"
export SECURE_COOKIES=true
export SECURE_SSL_REDIRECT=true
export SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
export SECURE_HSTS_SECONDS=31536000
export SECURE_HSTS_INCLUDE_SUBDOMAINS=true
export SECURE_HSTS_PRELOAD=true
export TRUSTED_PROXY_COUNT=1
# The mail relay for password-reset links (nothing is sent during the run; check --deploy wants a real backend).
export EMAIL_HOST=mail.example.go.id DEFAULT_FROM_EMAIL=rakornis@example.go.id
# The links in notification emails (rakornis.W001 without it once a relay is set).
export SITE_URL="$ORIGIN"
export STATIC_ROOT="$WORK/static"
export MEDIA_ROOT="$WORK/media"
export LOG_LEVEL=WARNING
# Every export goes to the worker, so the run below proves the supervised worker does real work.
export EXCEL_BACKGROUND_THRESHOLD=1
unset SQLITE_PATH DJANGO_SETTINGS_MODULE
ADMIN="$BIN/rakornis-admin"

dropdb --if-exists --maintenance-db="$SMOKE_PG/template1" "$SMOKE_DB"
createdb --maintenance-db="$SMOKE_PG/template1" "$SMOKE_DB"
step "database $SMOKE_DB recreated"
"$ADMIN" migrate --noinput -v0 || fail "migrate"
step "migrate"
"$ADMIN" load_reference_data >/dev/null || fail "load_reference_data"
step "load_reference_data"
"$ADMIN" seed_demo --proposals "$SMOKE_PROPOSALS" >/dev/null || fail "seed_demo"
step "seed_demo --proposals $SMOKE_PROPOSALS"
"$ADMIN" collectstatic --noinput -v0 || fail "collectstatic"
[ -s "$STATIC_ROOT/staticfiles.json" ] || fail "collectstatic wrote no manifest (staticfiles.json)"
step "collectstatic (manifest, compressed)"
"$ADMIN" check --deploy --fail-level WARNING || fail "check --deploy reports a warning in the documented environment"
step "check --deploy --fail-level WARNING"

# --- 3. The server ------------------------------------------------------------------------------------------------
GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 RESTART_DELAY=1 RAKORNIS_BIN="$BIN" \
  "$CHECKOUT/deploy/serve.sh" >"$LOG" 2>&1 &
SERVER_PID=$!

JAR="$WORK/cookies.txt"
# As the reverse proxy forwards an HTTPS request (gunicorn believes X-Forwarded-Proto from 127.0.0.1).
fetch() { curl --silent --show-error --max-time 20 --cookie "$JAR" --cookie-jar "$JAR" -H "X-Forwarded-Proto: https" "$@"; }

for _ in $(seq 1 60); do
  code=$(fetch -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/masuk/" 2>/dev/null || true)
  [ "$code" = 200 ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "deploy/serve.sh exited before serving"
  sleep 0.5
done
[ "$code" = 200 ] || fail "GET /masuk/ answered $code, not 200"
step "gunicorn up, GET /masuk/ 200"

login_page=$(fetch "http://127.0.0.1:$PORT/masuk/")
token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' <<<"$login_page" | head -n1 | sed 's/.*value="//; s/"$//')
[ -n "$token" ] || fail "the login page has no CSRF token"
code=$(fetch -o /dev/null -w '%{http_code} %{redirect_url}' -e "$ORIGIN/masuk/" \
  --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "username=perencana.pupr" \
  --data-urlencode "password=rakornis-demo" "http://127.0.0.1:$PORT/masuk/")
[ "${code%% *}" = 302 ] || fail "signing in through the login form answered '$code', not a redirect"
home=$(fetch -w '\n%{http_code}' "http://127.0.0.1:$PORT/")
[ "$(tail -n1 <<<"$home")" = 200 ] || fail "the home page, signed in, answered $(tail -n1 <<<"$home")"
grep -q 'action="/keluar/"' <<<"$home" || fail "the home page does not show the signed-in user's sign-out form"
code=$(fetch -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/usulan/")
[ "$code" = 200 ] || fail "the proposal list, signed in, answered $code"
step "signed in through the form (CSRF), / and /usulan/ 200"

css=$(grep -o '/static/css/rakornis\.[0-9a-f]\{12\}\.css' <<<"$login_page" | head -n1)
[ -n "$css" ] || fail "the login page links no hashed /static/css/rakornis.<hash>.css (manifest not in use)"
code=$(fetch -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$PORT$css")
case "$code" in "200 text/css"*) ;; *) fail "GET $css answered '$code', not 200 text/css" ;; esac
step "static file from the manifest 200 ($css)"

code=$(curl --silent -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$PORT/masuk/")
[ "$code" = "301 https://127.0.0.1:$PORT/masuk/" ] || fail "plain HTTP answered '$code', not a redirect to HTTPS"
step "plain HTTP redirected to HTTPS"

worker=$(grep -o 'worker started (pid [0-9]*)' "$LOG" | tail -n1 | grep -o '[0-9]*')
[ -n "$worker" ] && kill -0 "$worker" 2>/dev/null || fail "the worker is not running"
kill -KILL "$worker"
for _ in $(seq 1 40); do
  restarted=$(grep -o 'worker started (pid [0-9]*)' "$LOG" | tail -n1 | grep -o '[0-9]*')
  [ "$restarted" != "$worker" ] && break
  sleep 0.25
done
[ "$restarted" != "$worker" ] || fail "the worker killed with SIGKILL was not restarted"
sleep 2
kill -0 "$restarted" 2>/dev/null || fail "the restarted worker exited at once"
step "worker killed (SIGKILL) and restarted by the supervisor"

# The restarted worker does a user's background export: queued by the web, written to storage, downloaded.
job=$(fetch -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$PORT/usulan/excel/ekspor/")
job_path=$(grep -o '/usulan/excel/pekerjaan/[0-9]*/$' <<<"$job" || true)
[ "${job%% *}" = 302 ] && [ -n "$job_path" ] || fail "the proposal export answered '$job', not a redirect to its job page"
job_url="http://127.0.0.1:$PORT$job_path"
status=""
for _ in $(seq 1 120); do
  status=$(fetch "${job_url}status/" | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)["status"])')
  case "$status" in done | failed) break ;; esac
  sleep 0.5
done
[ "$status" = done ] || fail "the export job is '$status' after 60 s, not done"
fetch -o "$WORK/export.xlsx" "${job_url}unduh/"
[ "$(head -c 2 "$WORK/export.xlsx")" = PK ] || fail "the export's download is not an .xlsx"
step "export queued by the web, done by the worker, downloaded"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "deploy/serve.sh did not stop cleanly on SIGTERM"
SERVER_PID=""
for pid in "$worker" "$restarted"; do
  if kill -0 "$pid" 2>/dev/null; then fail "worker $pid outlived deploy/serve.sh"; fi
done
step "stopped on SIGTERM"
printf 'smoke: %-58s %6.1f s\n' "OK, total" "$(echo "$(date +%s.%N) - $STARTED" | bc)"
