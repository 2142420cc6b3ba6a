"""The background worker: django_tasks_db's own worker, made to survive faults and to do the jobs' housekeeping.

`manage.py db_worker` exits on the first database error (PostgreSQL restarting, a failover, a dropped connection)
and never comes back; jobs queued afterwards wait forever. This worker runs the same loop (`Worker.run` of
django_tasks_db, in batch mode: claim and run every ready task, then return) inside its own loop, which:

- on OperationalError or InterfaceError closes the connections and retries after a bounded exponential backoff
  (1, 2, 4 ... 60 s, logged), and exits only after `--max-db-retries` failures in a row (then the supervisor
  restarts it: systemd `Restart=always`, see the README);
- every `--reclaim-every` seconds reclaims jobs whose worker died (`programs.jobs.excel_jobs_reclaim`);
- every `--prune-every` seconds deletes old job files and unconfirmed uploads (`programs.jobs.excel_files_prune`),
  so nobody has to remember a cron job.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from programs.jobs import excel_files_prune, excel_jobs_reclaim

logger = logging.getLogger("programs.worker")

RETRY_BASE_SECONDS = 1.0
RETRY_CAP_SECONDS = 60.0
# Failures in a row before the worker gives up and exits (non-zero): with the cap, about a quarter of an hour.
MAX_DB_RETRIES = 20
RECLAIM_EVERY_SECONDS = 30.0
PRUNE_EVERY_SECONDS = 3600.0


def close_connections() -> None:
    """Drop every connection of this process; the next query opens a new one. A connection to a database that went
    away may fail even to close: that is expected and ignored."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            pass


def _not_inner_loop_chatter(record: logging.LogRecord) -> bool:
    """django_tasks_db's loop says it starts and exits; ours runs it after every idle second, so it would say it
    every second. The worker says once that it started."""
    return not str(record.msg).startswith(("Starting worker", "No more tasks to run"))


def backoff(failures: int, *, base: float = RETRY_BASE_SECONDS, cap: float = RETRY_CAP_SECONDS) -> float:
    """Seconds to wait after `failures` database failures in a row: 1, 2, 4 ... up to `cap`."""
    return min(cap, base * 2 ** (failures - 1))


class Worker(db_worker.Worker):
    def __init__(
        self,
        *,
        stop_when_idle: bool = False,
        max_db_retries: int = MAX_DB_RETRIES,
        reclaim_every: float = RECLAIM_EVERY_SECONDS,
        prune_every: float = PRUNE_EVERY_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        close: Callable[[], None] = close_connections,
        **options: Any,
    ) -> None:
        # The inner loop drains the ready tasks and returns; this loop waits, retries and keeps house.
        super().__init__(**{**options, "batch": True, "startup_delay": False})
        self.stop_when_idle = stop_when_idle
        self.max_db_retries = max_db_retries
        self.reclaim_every = reclaim_every
        self.prune_every = prune_every
        self.sleep = sleep
        self.clock = clock
        self.close = close
        self.next_reclaim = self.next_prune = clock()
        logging.getLogger("django_tasks_db").addFilter(_not_inner_loop_chatter)

    def run(self) -> None:
        logger.info("Worker %s started on queues %s", self.worker_id, ",".join(self.queue_names))
        failures = 0
        while self.running:
            try:
                self.housekeeping()
                super().run()
            except (OperationalError, InterfaceError) as exc:
                failures += 1
                if failures > self.max_db_retries:
                    logger.error("Database still unavailable after %d attempts; the worker stops: %s", failures, exc)
                    raise
                delay = backoff(failures)
                logger.warning(
                    "Database unavailable (%s); reconnecting in %g s (attempt %d of %d)",
                    str(exc).strip() or type(exc).__name__,
                    delay,
                    failures,
                    self.max_db_retries,
                )
                self.close()
                self.sleep(delay)
                continue
            if failures:
                logger.info("Database available again after %d failed attempts", failures)
                failures = 0
            if self.stop_when_idle or (self.max_tasks is not None and self._run_tasks >= self.max_tasks):
                return
            if self.running:
                self.sleep(self.interval)

    def housekeeping(self) -> None:
        """Reclaim the jobs of dead workers and prune old files, each on its own schedule. A database error passes
        to the retry loop; anything else (storage unreachable, say) is logged and tried again next time."""
        now = self.clock()
        if now >= self.next_reclaim:
            self.next_reclaim = now + self.reclaim_every
            retried, failed = excel_jobs_reclaim()
            if retried or failed:
                logger.warning("Reclaimed jobs of dead workers: %d queued again, %d failed", retried, failed)
        if now >= self.next_prune:
            self.next_prune = now + self.prune_every
            try:
                jobs, uploads = excel_files_prune()
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                logger.exception("Pruning old Excel files failed; trying again in %g s", self.prune_every)
            else:
                logger.info("Pruned %d finished jobs and %d unconfirmed uploads", jobs, uploads)


class Command(db_worker.Command):
    help = (
        "Menjalankan pekerjaan latar belakang (ekspor/impor Excel): seperti db_worker, tetapi tersambung lagi "
        "setelah basis data mati sebentar, mengambil alih pekerjaan yang pekerjanya mati, dan membersihkan berkas "
        "lama tiap jam."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--max-db-retries",
            type=int,
            default=MAX_DB_RETRIES,
            help="kegagalan basis data berturut-turut sebelum pekerja berhenti (bawaan %(default)s)",
        )
        parser.add_argument("--reclaim-every", type=float, default=RECLAIM_EVERY_SECONDS, help="detik")
        parser.add_argument("--prune-every", type=float, default=PRUNE_EVERY_SECONDS, help="detik")

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            backend_name=options["backend_name"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            stop_when_idle=options["batch"],
            max_db_retries=options["max_db_retries"],
            reclaim_every=options["reclaim_every"],
            prune_every=options["prune_every"],
        )
        reload = options["reload"] and not options["batch"]
        if options["startup_delay"] and options["interval"]:
            time.sleep(random.random())  # several workers started together spread their first poll
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
