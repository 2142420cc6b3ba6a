"""Benchmark of the proposal list and the admin changelist on an existing database (not a test): prints, for each
variant, the median time of a request in process (Django test client, no web server), its queries and its bytes.

    DATABASE_URL=postgres://.../big_db .venv/bin/python bench/list_bench.py [--repeat 7]

Reads only: signs the demo's verifier and operator in without a password (force_login) and GETs pages. Give it a
database seeded at the size to measure (`seed_demo --proposals 500000`), after ANALYZE.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_setup import setup_django

setup_django("/tmp/rakornis_list_bench.sqlite3")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from programs.models import Proposal  # noqa: E402

VARIANTS = [
    ("list, planning year", "/usulan/", {}),
    ("list, one status", "/usulan/", {"status": "verified"}),
    ("list, q=jalan", "/usulan/", {"q": "jalan"}),
    ("list, q=rantau (rare)", "/usulan/", {"q": "rantau"}),
    ("list, sort by total", "/usulan/", {"sort": "-total"}),
    ("list, page 500", "/usulan/", {"page": "500"}),
    ("list, all years", "/usulan/", {"fiscal_year": ""}),
    ("list, scheme BKP", "/usulan/", {"scheme": "BKP"}),
    ("list, priority 1", "/usulan/", {"priority": "1"}),
    ("admin changelist", "/admin/programs/proposal/", {}),
    ("admin changelist, page 500", "/admin/programs/proposal/", {"p": "500"}),
]


def measure(client: Client, path: str, params: dict[str, str], repeat: int) -> tuple[float, int, int, int]:
    """(median ms, queries, bytes, status) of `repeat` GETs after one warm-up."""
    client.get(path, params)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(captured), len(response.content), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--user", default="verifikator.pupr")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    users = get_user_model().objects
    print(f"{Proposal.objects.count():,} proposals; database {connection.vendor}")
    for username in (args.user, "admin"):
        client = Client()
        client.force_login(users.get(username=username))
        for label, path, params in VARIANTS:
            if ("admin" in path) != (username == "admin"):
                continue
            ms, queries, size, status = measure(client, path, params, args.repeat)
            print(f"{label:32} {username:18} {ms:8.1f} ms  {queries:3} queries  {size / 1024:7.1f} KiB  HTTP {status}")


if __name__ == "__main__":
    main()
