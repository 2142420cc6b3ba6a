"""The web bench (issue 11): every page against a minimal page served by the same gunicorn, interleaved.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rakornis_bench .venv/bin/python bench/web_bench.py \
        [--seconds 2] [--rounds 2] [--concurrency 1,4] [--workers 2] [--only list] [--output FILE.md]

Starts gunicorn (2 sync workers, DEBUG off, whitenoise's manifest after collectstatic into a temporary folder, the
settings of bench/bench_settings.py: the application's own plus a minimal authenticated page listing 50 rows and an
`X-Queries` header) on 127.0.0.1, signs in one demo account per role (password rakornis-demo), and measures each
page at each concurrency in `rounds` alternations of a slice of the minimal page and a slice of the page, each
bounded by `seconds` and `--max-requests`. The ratio compares the page's req/s with the minimal page's in the same
slices, so a busy machine slows both. It prints, per page and role: p50, p99, req/s, the ratio, SQL queries per
request, response size, errors, the load average and the peak resident memory of a worker during the measurement.

The database must hold the demo (seed_demo, any scale); nothing is written to it but sessions.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from http_load import (
    MINIMAL_PATH,
    Gunicorn,
    MemoryWatch,
    Sample,
    Session,
    drive,
    git_commit,
    load_average,
    markdown_table,
    ratio,
    server_environment,
    summarise,
    workdir,
)

# The demo account that plays each role (rakornis/demo/accounts.py).
ROLES = {
    "verifier": "verifikator.pupr",
    "operator": "operator.banjar",
    "planner": "perencana.pupr",
    "secretary": "sekretariat",
    "viewer": "pimpinan",
    "admin": "admin",
}


@dataclass(frozen=True)
class Page:
    label: str
    role: str
    path: str


@dataclass(frozen=True)
class Target:
    """What the pages point at in this database: found once, before the server starts."""

    proposals: int
    proposal: int | None
    meeting: int | None
    meeting_decisions: int
    work_plan: int | None
    work_plan_lines: int
    status: str
    dashboards: list[str]


def discover() -> Target:
    """The biggest meeting and Renja, a proposal, the dashboards if any (read through the ORM, then closed)."""
    from bench_setup import setup_django

    setup_django("/tmp/rakornis_web_bench.sqlite3")
    from django.db import connections
    from django.db.models import Count
    from django.urls import URLResolver, get_resolver

    from meetings.models import Decision
    from programs.models import Proposal, WorkPlanItem

    meeting = Decision.objects.values("meeting").annotate(n=Count("pk")).order_by("-n").first()
    work_plan = WorkPlanItem.objects.values("work_plan").annotate(n=Count("pk")).order_by("-n").first()
    proposals = Proposal.objects.count()
    proposal = Proposal.objects.order_by("pk").values_list("pk", flat=True)[proposals // 2] if proposals else None

    # A dashboard is any named URL without arguments whose name says so (none existed when this was written).
    dashboards: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif any(word in (pattern.name or "") for word in ("dashboard", "dasbor")) and "<" not in str(
                pattern.pattern
            ):
                dashboards.append("/" + prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "")
    connections.close_all()
    return Target(
        proposals=proposals,
        proposal=proposal,
        meeting=meeting["meeting"] if meeting else None,
        meeting_decisions=meeting["n"] if meeting else 0,
        work_plan=work_plan["work_plan"] if work_plan else None,
        work_plan_lines=work_plan["n"] if work_plan else 0,
        status=Proposal.Status.VERIFIED.value,
        dashboards=dashboards,
    )


def pages(target: Target) -> list[Page]:
    listed = [
        Page("proposal list, unfiltered", "verifier", "/usulan/"),
        Page("proposal list, one status", "verifier", f"/usulan/?status={target.status}"),
        Page("proposal list, q=jalan", "verifier", "/usulan/?q=jalan"),
        Page("proposal list, sort by total", "verifier", "/usulan/?sort=-total"),
        Page("proposal list, page 500", "verifier", "/usulan/?page=500"),
    ]
    listed += [Page("proposal list, unfiltered", role, "/usulan/") for role in ROLES if role != "verifier"]
    listed.append(Page("admin changelist of proposals", "admin", "/admin/programs/proposal/"))
    listed += [Page("home", role, "/") for role in ROLES]
    listed += [Page(f"dashboard {path}", role, path) for path in target.dashboards for role in ROLES]
    listed.append(Page("recap Excel", "verifier", "/usulan/excel/rekap/"))
    if target.work_plan:
        listed.append(
            Page(f"Renja detail ({target.work_plan_lines} lines)", "planner", f"/usulan/renja/{target.work_plan}/")
        )
    if target.meeting:
        decisions = f"{target.meeting_decisions} decisions"
        listed.append(Page(f"meeting detail ({decisions})", "secretary", f"/rapat/{target.meeting}/"))
        listed.append(Page(f"Berita Acara ({decisions})", "secretary", f"/rapat/{target.meeting}/berita-acara/"))
    if target.proposal:
        listed.append(Page("proposal detail", "verifier", f"/usulan/{target.proposal}/"))
    listed.append(Page("meeting list", "secretary", "/rapat/"))
    return listed


@dataclass
class Cell:
    page: Page
    concurrency: int
    page_samples: list[Sample]
    page_wall: float
    minimal_samples: list[Sample]
    minimal_wall: float
    load: float
    worker_mib: float


def measure(
    page: Page,
    session: Session,
    minimal: Session,
    *,
    concurrency: int,
    seconds: float,
    rounds: int,
    max_requests: int,
    watch: MemoryWatch,
) -> Cell:
    """`rounds` alternations: a slice of the minimal page, then a slice of the page, each `seconds` long at most."""
    cell = Cell(page, concurrency, [], 0.0, [], 0.0, 0.0, 0.0)
    watch.window_peak_mib()

    def slice_of(client: Session, path: str) -> tuple[list[Sample], float]:
        def request(_index: int) -> Sample:
            return client.get(path)

        return drive(request, concurrency=concurrency, seconds=seconds, max_requests=max_requests)

    for _ in range(rounds):
        got, took = slice_of(minimal, MINIMAL_PATH)
        cell.minimal_samples += got
        cell.minimal_wall += took
        got, took = slice_of(session, page.path)
        cell.page_samples += got
        cell.page_wall += took
    cell.load = load_average()
    cell.worker_mib = watch.window_peak_mib()
    return cell


def report(cells: list[Cell]) -> str:
    header = [
        "page",
        "role",
        "c",
        "n",
        "p50 ms",
        "p99 ms",
        "req/s",
        "minimal req/s",
        "x minimal",
        "queries",
        "KiB",
        "errors",
        "load",
        "worker MiB",
    ]
    rows = []
    for cell in cells:
        page = summarise(cell.page_samples, cell.page_wall)
        minimal = summarise(cell.minimal_samples, cell.minimal_wall)
        errors = str(page.errors)
        if page.errors:
            first = next(sample.error for sample in cell.page_samples if not sample.ok)
            errors += f" ({first})"
        rows.append(
            [
                cell.page.label,
                cell.page.role,
                cell.concurrency,
                page.requests,
                page.p50_ms,
                page.p99_ms,
                page.rate,
                minimal.rate,
                ratio(page.rate, minimal.rate),
                page.queries,
                page.kbytes,
                errors,
                cell.load,
                cell.worker_mib,
            ]
        )
    return markdown_table(header, rows)


def minimal_summary(cells: list[Cell], concurrency: int) -> str:
    samples = [sample for cell in cells if cell.concurrency == concurrency for sample in cell.minimal_samples]
    wall = sum(cell.minimal_wall for cell in cells if cell.concurrency == concurrency)
    figures = summarise(samples, wall)
    return (
        f"minimal page at concurrency {concurrency}: {figures.rate:.0f} req/s, p50 {figures.p50_ms:.1f} ms, "
        f"p99 {figures.p99_ms:.1f} ms, {figures.queries} queries, {figures.requests} requests, {figures.errors} errors"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one slice (page or minimal page)")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of minimal page and page per measurement")
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--max-requests", type=int, default=2000, help="per slice")
    parser.add_argument(
        "--slow", type=float, default=10.0, help="seconds at p50 above which higher concurrency is skipped"
    )
    parser.add_argument("--only", default="", help="measure only pages whose label contains this text")
    parser.add_argument("--output", type=Path, help="also write the report to this markdown file")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        sys.exit("web_bench: set DATABASE_URL to the PostgreSQL database to measure (seeded with seed_demo).")
    concurrencies = [int(value) for value in args.concurrency.split(",")]

    target = discover()
    measured = [page for page in pages(target) if args.only in page.label]
    started = datetime.now(UTC)
    lines = [
        f"# Web bench, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- commit {git_commit()}; database {database_url.rsplit('/', 1)[-1]}: {target.proposals:,} proposals",
        f"- gunicorn {args.workers} sync workers, DEBUG off, bench/bench_settings.py; slices of {args.seconds} s x "
        f"{args.rounds} rounds, page and minimal page alternating; load average at start {load_average():.2f} "
        f"on {os.cpu_count()} CPUs",
    ]
    print("\n".join(lines), flush=True)

    with workdir("rakornis-web-bench-") as folder:
        server = Gunicorn(
            server_environment(database_url, folder), args.port, workers=args.workers, log=folder / "gunicorn.log"
        )
        server.start()
        watch = MemoryWatch(server.pid)
        try:
            sessions = {}
            for role, username in ROLES.items():
                sessions[role] = Session(args.port)
                sessions[role].sign_in(username)
            minimal = sessions["verifier"]
            cells: list[Cell] = []
            for page in measured:
                session = sessions[page.role]
                session.get(page.path)  # warm-up, not counted
                for concurrency in concurrencies:
                    if cells and concurrency > 1 and cells[-1].page == page:
                        p50 = summarise(cells[-1].page_samples, cells[-1].page_wall).p50_ms
                        if not math.isnan(p50) and p50 > args.slow * 1000:
                            print(f"  skipped at concurrency {concurrency}: p50 {p50:.0f} ms at 1", flush=True)
                            continue
                    cell = measure(
                        page,
                        session,
                        minimal,
                        concurrency=concurrency,
                        seconds=args.seconds,
                        rounds=args.rounds,
                        max_requests=args.max_requests,
                        watch=watch,
                    )
                    cells.append(cell)
                    figures = summarise(cell.page_samples, cell.page_wall)
                    print(
                        f"  {page.label} [{page.role}] c={concurrency}: p50 {figures.p50_ms:.0f} ms, "
                        f"{figures.rate:.1f} req/s, {figures.queries} queries, {figures.errors} errors",
                        flush=True,
                    )
        finally:
            watch.stop()
            server.stop()
            time.sleep(0.1)
        lines += [
            f"- load average at the end {load_average():.2f}; peak resident memory of a web worker over the run "
            f"{watch.peak_mib:.0f} MiB",
            *[f"- the server logged {count} x `{line}`" for line, count in server.exceptions().items()],
            "",
            *[f"- {minimal_summary(cells, concurrency)}" for concurrency in concurrencies],
            "",
            report(cells),
            "",
            "c: concurrent clients; x minimal: the page's req/s over the minimal page's in the same slices; queries: "
            "SQL statements per request (X-Queries); KiB: median response body; worker MiB: largest resident web "
            "worker during that measurement.",
        ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
