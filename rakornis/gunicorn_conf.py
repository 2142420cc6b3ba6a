"""gunicorn's settings for every production start: `gunicorn rakornis.wsgi -c python:rakornis.gunicorn_conf`.

Shipped inside the package so the systemd unit (deploy/rakornis-web.service), `make serve` and CI's smoke run
(deploy/smoke.sh) start the very same server. Command-line options and GUNICORN_CMD_ARGS still override it.
"""

import os

# Where the reverse proxy reaches this machine; 127.0.0.1 when nginx runs on the same machine.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
# Sync workers: each serves one request at a time, so this is the number of concurrent requests per machine. The
# usual 2 x cores + 1; gunicorn's own variable, so platforms that set it are obeyed.
workers = int(os.environ.get("WEB_CONCURRENCY", "") or 2 * (os.cpu_count() or 1) + 1)
# A request still busy after this many seconds is killed (the worker restarts). Big exports and every import parse
# run in the background worker, so nothing legitimate comes near it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "") or 60)
graceful_timeout = 30
# Recycle each worker after about a thousand requests: memory a big page allocated goes back to the system.
max_requests = 1000
max_requests_jitter = 100
# X-Forwarded-* headers are believed only from these addresses (the reverse proxy); comma-separated, or "*".
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "") or "127.0.0.1,::1"
accesslog = "-"
errorlog = "-"
# The access line with the time taken (microseconds, %(D)s), for a look at slow requests in the journal.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
