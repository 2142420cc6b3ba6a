"""Settings of the web and load benches: the application's own settings (rakornis/settings.py, read from the same
environment), plus the minimal page and the `X-Queries` header of bench/minimal_site.py.

A settings module of its own rather than a switch inside rakornis/settings.py: production never imports anything
from bench/, and everything the bench changes is in these lines. Used as DJANGO_SETTINGS_MODULE=bench.bench_settings
by bench/web_bench.py and bench/load_bench.py when they start gunicorn.
"""

from rakornis.settings import *  # noqa: F403
from rakornis.settings import MIDDLEWARE

ROOT_URLCONF = "bench.minimal_site"
# Outermost, so the session and user lookups of the other middleware are counted too.
MIDDLEWARE = ["bench.minimal_site.QueryCountMiddleware", *MIDDLEWARE]
