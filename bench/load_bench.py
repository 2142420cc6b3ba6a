"""Load and fault bench (issue 8): many signed-in sessions against gunicorn on PostgreSQL, then a database restart.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rakornis_bench .venv/bin/python bench/load_bench.py \
        [--sessions 50] [--writers 4] [--seconds 30] [--workers 2]          # load, without then with writers
    .venv/bin/python bench/load_bench.py --fault [--fault-port 55432] [--seconds 40] [--sessions 20]

Load: `sessions` signed-in sessions of mixed roles (verifier, operators, planner, secretary, viewer), each its own
login and thread, browse their usual pages (home, the list and its filters, a proposal, meetings, Renja) for
`seconds`; a second run adds `writers` operator sessions creating proposals through the form (GET, then POST with
its tokens). Prints requests, errors, throughput, p50/p99 of the reads and the writes. The writes stay in the
database (drafts of the planning year, named "Bench ...").

Fault: initdb a PostgreSQL cluster of the script's own in a temporary folder (as the `postgres` user when run as
root), on 127.0.0.1:`fault-port`; migrate, load the reference data and a small demo; serve it with gunicorn and the
background worker (the resilient worker command when the tree has one, else db_worker); put the sessions on it,
restart the cluster mid-run (`pg_ctl restart -m fast`), and report the failed requests, the seconds until requests
succeed again, and whether the worker finishes an export queued after the restart. Everything is removed at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from http_load import (
    ROOT,
    Gunicorn,
    MemoryWatch,
    Sample,
    Session,
    drive,
    git_commit,
    load_average,
    manage,
    markdown_table,
    server_environment,
    summarise,
    workdir,
)

PG_BIN = Path("/usr/lib/postgresql/15/bin")
# The sessions' roles in turn (demo accounts), and each role's usual pages.
READERS = ["verifikator.pupr", "operator.banjar", "perencana.pupr", "operator.tapin", "sekretariat", "pimpinan"]
WRITERS = ["operator.banjar", "operator.tapin"]


@dataclass(frozen=True)
class Demo:
    """Addresses and form values found in the database before the server starts."""

    proposals: int
    proposal: int
    own_proposal: dict[str, int]  # operator -> a proposal of their kabupaten/kota
    meeting: int | None
    work_plan: int | None
    forms: dict[str, dict[str, str]]  # operator -> the proposal form's fields for a new proposal


def discover() -> Demo:
    from bench_setup import setup_django

    setup_django("/tmp/rakornis_load_bench.sqlite3")
    from django.db import connections

    from agencies.models import StaffRole
    from meetings.models import Meeting
    from programs.models import FundingScheme, Proposal, WorkPlan
    from rakornis import fiscal_year

    proposals = Proposal.objects.count()
    if not proposals:
        sys.exit("load_bench: the database holds no proposals; run seed_demo first.")
    year = fiscal_year.default_year()
    own: dict[str, int] = {}
    forms: dict[str, dict[str, str]] = {}
    scheme = FundingScheme.objects.get(code="APBD_KAB")
    for username in WRITERS:
        role = StaffRole.objects.select_related("agency__region").get(user__username=username)
        region = role.agency.region
        assert region is not None, f"{username}'s agency has no region"
        sample = Proposal.objects.filter(region=region).order_by("pk").first()
        assert sample is not None, f"no proposal in {region} to take a sub kegiatan from"
        own[username] = sample.pk
        forms[username] = {
            "fiscal_year": str(year),
            "region": str(region.pk),
            "agency": str(role.agency.pk),
            "district": "",
            "village": "",
            "location": "Ruas bench STA 0+000 s.d. 1+000",
            "latitude": "",
            "longitude": "",
            "sub_activity": str(sample.sub_activity_id),
            "out_of_catalogue_reason": "",
            "name": "Bench peningkatan jalan",
            "volume": "1",
            "unit": "km",
            "output_indicator": "Panjang jalan yang ditingkatkan",
            "priority": "1",
            "origin": "musrenbang",
            "forward_volume": "",
            "forward_amount": "",
            "notes": "",
            "funding-TOTAL_FORMS": "1",
            "funding-INITIAL_FORMS": "0",
            "funding-MIN_NUM_FORMS": "1",
            "funding-MAX_NUM_FORMS": "1000",
            "funding-0-scheme": str(scheme.pk),
            "funding-0-amount": "1.500.000.000",
        }
    meeting = Meeting.objects.order_by("pk").values_list("pk", flat=True).first()
    work_plan = WorkPlan.objects.order_by("pk").values_list("pk", flat=True).first()
    middle = Proposal.objects.order_by("pk").values_list("pk", flat=True)[proposals // 2]
    connections.close_all()
    return Demo(proposals, middle, own, meeting, work_plan, forms)


def reading_paths(username: str, demo: Demo) -> list[str]:
    """What a person in that role opens in a morning's work."""
    if username.startswith("operator."):
        return ["/", "/usulan/", f"/usulan/{demo.own_proposal[username]}/", "/usulan/?status=draft"]
    if username == "sekretariat":
        return ["/", "/rapat/", *([f"/rapat/{demo.meeting}/"] if demo.meeting else []), "/usulan/?status=verified"]
    if username == "perencana.pupr":
        return ["/", "/usulan/renja/", *([f"/usulan/renja/{demo.work_plan}/"] if demo.work_plan else []), "/usulan/"]
    if username == "pimpinan":
        return ["/", "/usulan/?q=jalan", "/usulan/?sort=-total", f"/usulan/{demo.proposal}/"]
    return ["/", "/usulan/", "/usulan/?status=submitted", f"/usulan/{demo.proposal}/"]


def signed_in(port: int, usernames: list[str]) -> list[Session]:
    """One session per name, signed in four at a time (each login hashes a password on the server)."""
    sessions = [Session(port, timeout=60) for _ in usernames]
    errors: list[Exception] = []

    def login(index: int) -> Sample:
        try:
            sessions[index].sign_in(usernames[index])
        except RuntimeError as exc:
            errors.append(exc)
        return Sample(0, 200, 0)

    queue = itertools.count()
    drive(lambda _: login(next(queue)), concurrency=4, seconds=600, max_requests=len(usernames))
    if errors:
        raise errors[0]
    return sessions


@dataclass
class Timed:
    """A sample with the monotonic time it ended at and whether it was a write."""

    ended: float
    sample: Sample
    write: bool


def run_load(
    port: int,
    demo: Demo,
    *,
    sessions: int,
    writers: int,
    seconds: float,
    on_tick: Callable[[float], None] | None = None,
) -> list[Timed]:
    readers = signed_in(port, [READERS[index % len(READERS)] for index in range(sessions)])
    writing = signed_in(port, [WRITERS[index % len(WRITERS)] for index in range(writers)])
    cycles = [itertools.cycle(reading_paths(session.username, demo)) for session in readers]
    lock = threading.Lock()
    timed: list[Timed] = []
    written = itertools.count(1)

    def request(index: int) -> Sample:
        if index < sessions:
            sample = readers[index].get(next(cycles[index]))
            write = False
        else:
            session = writing[index - sessions]
            data = dict(demo.forms[session.username])
            number = next(written)
            data["name"] = f"Bench peningkatan jalan {number}"
            data["location"] = f"Ruas bench {number} STA 0+000 s.d. 1+000"
            sample = session.post_form("/usulan/baru/", data)
            write = True
        with lock:
            timed.append(Timed(time.monotonic(), sample, write))
        return sample

    if on_tick:
        threading.Thread(target=on_tick, args=(time.monotonic(),), daemon=True).start()
    drive(request, concurrency=sessions + writers, seconds=seconds, max_requests=10**9)
    return timed


def load_row(label: str, timed: list[Timed], seconds: float) -> list[object]:
    reads = summarise([item.sample for item in timed if not item.write], seconds)
    writes = summarise([item.sample for item in timed if item.write], seconds)
    errors = [item.sample.error for item in timed if not item.sample.ok]
    return [
        label,
        len(timed),
        len(errors),
        (len(timed) - len(errors)) / seconds,
        reads.p50_ms,
        reads.p99_ms,
        writes.requests - writes.errors,
        writes.p50_ms,
        writes.p99_ms,
        writes.queries,
        errors[0] if errors else "",
    ]


LOAD_HEADER = [
    "run",
    "requests",
    "errors",
    "req/s",
    "read p50 ms",
    "read p99 ms",
    "writes",
    "write p50 ms",
    "write p99 ms",
    "write POST queries",
    "first error",
]


# The fault run -------------------------------------------------------------------------------------------------------


def as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/rakornis_fault_bench"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-l",
                    str(self.folder / "pg.log"),
                    "-w",
                    *args,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.folder.parent.chmod(0o711)  # the postgres user must reach its folder inside ours
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.folder / "data"),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off -c max_connections=100"
        self.pg_ctl("-o", options, "start")
        subprocess.run(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "rakornis_fault_bench",
            ],
            check=True,
        )

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            self.pg_ctl("-m", "immediate", "stop")


def worker_command() -> str:
    """The resilient worker command when the tree has one (issue 8 item 5), else django_tasks_db's db_worker."""
    names = sorted(path.stem for path in ROOT.glob("*/management/commands/*worker*.py"))
    return names[0] if names else "db_worker"


def export_finishes(session: Session, timeout: float) -> tuple[bool, float, str]:
    """Queue a proposal export (background: the threshold is low) and wait for the worker to finish it."""
    started = time.monotonic()
    status, headers, _ = session.request("GET", "/usulan/excel/ekspor/")
    location = headers.get("location", "")
    if status != 302 or "/pekerjaan/" not in location:
        return False, 0.0, f"the export was not queued (HTTP {status} {location})"
    path = location.split("://", 1)[-1]
    path = path[path.index("/") :] if not location.startswith("/") else location
    state = ""
    while time.monotonic() - started < timeout:
        try:
            status, _, body = session.request("GET", path + "status/")
            state = json.loads(body).get("status", "") if status == 200 else f"HTTP {status}"
        except (OSError, ValueError) as exc:
            state = type(exc).__name__
        if state in ("done", "failed"):
            return state == "done", time.monotonic() - started, state
        time.sleep(0.5)
    return False, time.monotonic() - started, f"still {state!r} after {timeout:.0f} s"


def fault_run(args: argparse.Namespace) -> str:
    with workdir("rakornis-fault-bench-") as folder:
        cluster = Cluster(folder / "pg", args.fault_port)
        environment: dict[str, str] = {}
        server: Gunicorn | None = None
        worker: subprocess.Popen[bytes] | None = None
        try:
            cluster.create()
            environment = server_environment(cluster.url, folder, EXCEL_BACKGROUND_THRESHOLD="100", DEBUG="false")
            print(
                f"cluster on 127.0.0.1:{args.fault_port}; migrate, reference data, "
                f"demo of {args.fault_scale} proposals",
                flush=True,
            )
            manage(environment, "migrate", "--noinput", "-v0")
            manage(environment, "load_reference_data", "-v0")
            manage(environment, "seed_demo", "--proposals", str(args.fault_scale), "-v0")
            os.environ["DATABASE_URL"] = cluster.url
            demo = discover()
            server = Gunicorn(environment, args.port, workers=args.workers, log=folder / "gunicorn.log")
            server.start()
            command = worker_command()
            worker_log = open(folder / "worker.log", "ab")
            worker = subprocess.Popen(
                [sys.executable, str(ROOT / "manage.py"), command],
                env=environment,
                cwd=ROOT,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
            checker = Session(args.port)
            checker.sign_in("verifikator.pupr")
            before_ok, before_seconds, before_state = export_finishes(checker, 120)
            print(f"export before the restart: {before_state} in {before_seconds:.1f} s", flush=True)

            restart: dict[str, float] = {}

            def restart_midway(started: float) -> None:
                time.sleep(args.seconds / 3)
                restart["issued"] = time.monotonic()
                cluster.pg_ctl("-m", "fast", "restart")
                restart["back"] = time.monotonic()

            timed = run_load(
                args.port,
                demo,
                sessions=args.sessions,
                writers=args.writers,
                seconds=args.seconds,
                on_tick=restart_midway,
            )
            issued = restart.get("issued", 0.0)
            failed = [item for item in timed if not item.sample.ok]
            after = [item for item in timed if item.ended >= issued]
            last_failure = max((item.ended for item in failed), default=issued)
            recovered_at = min(
                (item.ended for item in after if item.sample.ok and item.ended > last_failure), default=float("nan")
            )
            after_ok, after_seconds, after_state = export_finishes(checker, 180)
            worker_alive = worker.poll() is None
            rows = [
                load_row(
                    f"{args.sessions} sessions + {args.writers} writers, "
                    f"PostgreSQL restarted at {args.seconds / 3:.0f} s",
                    timed,
                    args.seconds,
                )
            ]
            kinds: dict[str, int] = {}
            for item in failed:
                kinds[item.sample.error] = kinds.get(item.sample.error, 0) + 1
            return "\n".join(
                [
                    f"## Fault run ({args.fault_scale} proposals, cluster of its own, worker `manage.py {command}`)",
                    "",
                    markdown_table(LOAD_HEADER, rows),
                    "",
                    *[f"- the server logged {count} x `{line}`" for line, count in server.exceptions().items()],
                    f"- pg_ctl restart -m fast took {restart.get('back', issued) - issued:.1f} s",
                    f"- failed requests: {len(failed)} of {len(timed)}"
                    + (
                        " (" + "; ".join(f"{count} x {error}" for error, count in sorted(kinds.items())) + ")"
                        if kinds
                        else ""
                    ),
                    f"- recovery: requests succeed again {recovered_at - issued:.1f} s after the restart was issued",
                    f"- worker: export before the restart {before_state} in {before_seconds:.1f} s; after the restart "
                    f"{after_state} in {after_seconds:.1f} s; worker process "
                    f"{'still running' if worker_alive else f'exited with {worker.returncode}'}"
                    f" -> {'recovered' if after_ok else 'NOT recovered'}",
                ]
            )
        finally:
            if worker and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
            if server:
                server.stop()
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--fault", action="store_true", help="the fault run on a PostgreSQL cluster of its own")
    parser.add_argument("--fault-port", type=int, default=55432)
    parser.add_argument("--fault-scale", type=int, default=2000, help="proposals in the fault run's demo")
    parser.add_argument("--output", type=Path, help="also write the report to this markdown file")
    args = parser.parse_args()
    lines = [f"- commit {git_commit()}; gunicorn {args.workers} sync workers; load average {load_average():.2f}", ""]
    if args.fault:
        lines.append(fault_run(args))
    else:
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url:
            sys.exit("load_bench: set DATABASE_URL (a seeded PostgreSQL database), or run --fault.")
        demo = discover()
        lines[0] += f"; database {database_url.rsplit('/', 1)[-1]}: {demo.proposals:,} proposals"
        with workdir("rakornis-load-bench-") as folder:
            server = Gunicorn(
                server_environment(database_url, folder), args.port, workers=args.workers, log=folder / "gunicorn.log"
            )
            server.start()
            watch = MemoryWatch(server.pid)
            rows = []
            try:
                for writers in (0, args.writers):
                    timed = run_load(args.port, demo, sessions=args.sessions, writers=writers, seconds=args.seconds)
                    rows.append(
                        load_row(
                            f"{args.sessions} sessions, {writers} writers, {args.seconds:.0f} s", timed, args.seconds
                        )
                    )
                    print(markdown_table(LOAD_HEADER, rows[-1:]), flush=True)
            finally:
                watch.stop()
                server.stop()
            logged = server.exceptions()
        lines += [
            "## Load",
            "",
            markdown_table(LOAD_HEADER, rows),
            "",
            *[f"- the server logged {count} x `{line}`" for line, count in logged.items()],
            f"- peak resident memory of a web worker {watch.peak_mib:.0f} MiB; "
            f"load average at the end {load_average():.2f}",
        ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
