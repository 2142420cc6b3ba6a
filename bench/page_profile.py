"""Where a page's time goes, per role, in process (not a web bench): the median of a few GETs through the Django test
client, split into SQL (each statement's own time) and Python (the rest), with the template rendering timed apart,
and the least CPU time of this process over the repeats (Python's own work, which a busy machine inflates less than
the wall clock).

    DATABASE_URL=postgres://.../some_bench .venv/bin/python bench/page_profile.py [--repeat 5] [--only home] \
        [--roles verifier,operator] [--queries]

Reads only (sessions aside): signs the demo accounts in with force_login and GETs the pages of `bench/web_bench.py`
(list variants, home, dashboard, recap) and a proposal's page (one of the operator's kabupaten/kota, which every demo
role sees, with meeting decisions if one has them). `--queries` prints each statement of the last request with its
time, the slowest first, to pick the ones to EXPLAIN.

Runs with DEBUG on unless DEBUG is set. For production-like figures (the ones in bench/RESULTS.md), run with
`DEBUG=false SECRET_KEY=<any 50+ characters>` after `manage.py collectstatic --noinput` in the same environment
(the pages then need whitenoise's manifest): DEBUG's cursor wrapper and query log add CPU to every statement.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench_setup import setup_django

setup_django("/tmp/rakornis_page_profile.sqlite3")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.backends.django import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from agencies.models import StaffRole  # noqa: E402
from programs.models import Proposal  # noqa: E402

ROLES = {
    "verifier": "verifikator.pupr",
    "operator": "operator.banjar",
    "planner": "perencana.pupr",
    "secretary": "sekretariat",
    "viewer": "pimpinan",
    "admin": "admin",
}
PAGES: list[tuple[str, str, dict[str, str]]] = [
    ("list", "/usulan/", {}),
    ("list status", "/usulan/", {"status": "verified"}),
    ("list q=jalan", "/usulan/", {"q": "jalan"}),
    ("list sort total", "/usulan/", {"sort": "-total"}),
    ("list page 500", "/usulan/", {"page": "500"}),
    ("home", "/", {}),
    ("dashboard", "/dasbor/", {}),
    ("recap", "/usulan/excel/rekap/", {}),
    ("admin changelist", "/admin/programs/proposal/", {}),
]

_rendering: list[float] = []
_render = Template.render


def _timed_render(self: Any, *args: Any, **kwargs: Any) -> Any:
    """The template's own time: its rendering less the statements its lazy querysets ran meanwhile."""
    started, first = time.perf_counter(), len(connection.queries_log)
    try:
        return _render(self, *args, **kwargs)
    finally:
        during = sum(float(query["time"]) for query in list(connection.queries_log)[first:])
        _rendering.append((time.perf_counter() - started - during) * 1000)


Template.render = _timed_render  # type: ignore[method-assign]


def detail_page() -> tuple[str, str, dict[str, str]] | None:
    """A proposal's page that every demo role sees: of the operator's kabupaten/kota, decided in a meeting if any is."""
    region = StaffRole.objects.filter(user__username=ROLES["operator"]).values_list("agency__region", flat=True).first()
    proposals = Proposal.objects.filter(region=region).order_by("pk").values_list("pk", flat=True)
    pk = proposals.filter(decisions__isnull=False).first() or proposals.first()
    return ("proposal detail", reverse("programs:proposal-detail", args=[pk]), {}) if pk else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="pages whose label contains this text")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--queries", action="store_true", help="print each statement of the last request")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    print(f"{Proposal.objects.count():,} proposals; database {connection.vendor} {connection.settings_dict['NAME']}")
    columns = ("min ms", "cpu ms", "total ms", "sql ms", "render ms", "other ms", "queries")
    print(f"{'page':18} {'role':10} " + " ".join(f"{column:>9}" for column in columns) + " KiB")
    users = get_user_model().objects
    detail = detail_page()
    pages = PAGES + ([detail] if detail else [])
    for role in args.roles.split(","):
        client = Client()
        client.force_login(users.get(username=ROLES[role]))
        for label, path, params in pages:
            if args.only not in label or (label.startswith("admin") and role != "admin"):
                continue
            client.get(path, params)
            client.get(path, params)
            totals, sqls, renders, cpus = [], [], [], []
            for _ in range(args.repeat):
                _rendering.clear()
                with CaptureQueriesContext(connection) as captured:
                    started, cpu = time.perf_counter(), time.process_time()
                    response = client.get(path, params)
                    totals.append((time.perf_counter() - started) * 1000)
                    cpus.append((time.process_time() - cpu) * 1000)
                sqls.append(sum(float(query["time"]) for query in captured.captured_queries) * 1000)
                renders.append(max(_rendering, default=0.0))
            total, sql, render = statistics.median(totals), statistics.median(sqls), statistics.median(renders)
            figures = (min(totals), min(cpus), total, sql, render, total - sql - render)
            status = "" if response.status_code == 200 else f" HTTP {response.status_code}"
            print(
                f"{label:18} {role:10} " + " ".join(f"{figure:9.1f}" for figure in figures),
                f"{len(captured):9} {len(response.content) / 1024:5.1f}{status}",
                flush=True,
            )
            if args.queries:
                for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"])):
                    print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:400]}")


if __name__ == "__main__":
    main()
