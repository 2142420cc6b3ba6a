"""Prepare the web bench's PostgreSQL database: create it, migrate, seed the demo at a scale, ANALYZE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rakornis_bench .venv/bin/python bench/prepare_db.py --scale 500000

Seeding 500,000 proposals takes half an hour or more, so a database that already holds at least `scale` proposals is
kept (only migrated, which applies what changed since, and analysed). One that holds fewer is dropped and seeded
again (seed_demo adds proposals only to an empty registry): the database name must contain "bench". Prints the time
of each step.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.parse

import psycopg
from http_load import ROOT


def timed(label: str, command: list[str], environment: dict[str, str], *, quiet: bool = False) -> None:
    started = time.perf_counter()
    subprocess.run(command, env=environment, cwd=ROOT, check=True, stdout=subprocess.DEVNULL if quiet else None)
    print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=500_000, help="proposals of the demo (seed_demo --proposals)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or "bench" not in name:
        sys.exit("prepare_db: DATABASE_URL must name a PostgreSQL database with 'bench' in its name.")
    server = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    proposals = 0
    if exists:
        with psycopg.connect(url) as connection:
            table = connection.execute("SELECT to_regclass('programs_proposal')").fetchone()
            if table and table[0]:
                row = connection.execute("SELECT count(*) FROM programs_proposal").fetchone()
                proposals = row[0] if row else 0
    seed = proposals < args.scale
    print(f"{name}: {proposals:,} proposals; {'seeding ' + format(args.scale, ',') if seed else 'kept'}", flush=True)
    if seed and exists:
        with psycopg.connect(server, autocommit=True) as connection:
            # A seed still under way (or anything else on it) holds a connection: never pull a database from under it.
            busy = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()
            if busy and busy[0]:
                sys.exit(f"prepare_db: {name} has {busy[0]} open connection(s) (a seed under way?); not dropping it.")
            connection.execute(f'DROP DATABASE "{name}"')
            exists = None
    if not exists:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    environment = {**os.environ, "DEBUG": "true", "LOG_LEVEL": "WARNING"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    timed("migrate", [*manage, "migrate", "--noinput", "-v0"], environment)
    if seed:
        timed("load_reference_data", [*manage, "load_reference_data", "-v0"], environment)
        timed(
            f"seed_demo --proposals {args.scale}", [*manage, "seed_demo", "--proposals", str(args.scale)], environment
        )
    # The demo makes no Renja: the web bench's Renja page is the one of the agency executing the most agreed
    # proposals, synced here once through the same service as the page (sync_renja).
    with psycopg.connect(url) as connection:
        has_work_plan = connection.execute("SELECT EXISTS (SELECT 1 FROM programs_workplan)").fetchone()
        biggest = connection.execute(
            """SELECT a.short_name, p.fiscal_year FROM meetings_decision d
            JOIN agencies_agency a ON a.id = d.executing_agency_id JOIN programs_proposal p ON p.id = d.proposal_id
            WHERE d.outcome IN ('agreed', 'agreed_with_changes') GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"""
        ).fetchone()
    if biggest and not (has_work_plan and has_work_plan[0]):
        agency, year = biggest
        timed(
            f"sync_renja {agency} TA {year}",
            [*manage, "sync_renja", "--year", str(year), "--agency", agency],
            environment,
            quiet=True,
        )
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")
    print(f"ANALYZE: {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
