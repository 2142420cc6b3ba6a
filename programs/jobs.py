"""Excel work in the background: big exports, every import's check, and big imports run as a task of Django's tasks
framework.

A view creates an `ExcelJob` and enqueues `excel_job_run`; the worker (`manage.py run_worker`, started by `make run`)
runs it and records progress on the job, which the job page polls. Small exports and small confirmed imports never
come here: the views answer them at once. An uploaded workbook is never read in the web request: the upload is only
stored, and a preview job reads and checks it (bounded: `programs.xlsx.importer.reading`).

Files go through Django's storage API (`default_storage`, the filesystem or S3-compatible storage by environment), so
web and worker processes on different machines share them: pending uploads under imports/<token>.xlsx, the finished
files of jobs under jobs/, served only to the job's owner by the job views.

A running job holds a lease: a thread of its worker stamps `heartbeat_at` every JOB_HEARTBEAT_SECONDS, and
`excel_jobs_reclaim` (run by the worker loop and by `manage.py reclaim_excel_jobs`) finds jobs whose stamp is older
than JOB_LEASE_SECONDS, whose worker died: it queues them once more, or marks them failed with a message the job page
shows. An import that was writing is never run twice (it may have committed just before its worker died). The dead
run's own row in django_tasks_db is marked failed as well (`task_runs_fail`), so its admin does not say RUNNING forever.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.db.models import F, Q
from django.http import QueryDict
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from programs.filters import filter_proposals
from programs.models import ExcelJob
from programs.xlsx.exporters import proposal_export_sheets
from programs.xlsx.importer import ImportResult, ProposalImportError, proposal_import_apply, proposal_import_parse
from programs.xlsx.render import SheetSpec, write_workbook

logger = logging.getLogger(__name__)

# One cheap UPDATE per this many rows: often enough for a smooth bar, rare enough to cost nothing.
PROGRESS_EVERY = 1000
UPLOAD_DIR = "imports"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A job is run at most this many times (the first run and one retry after its worker died).
MAX_ATTEMPTS = 2
# What the preview page shows of a parse: the rows that matter first, the first errors (then their count per column).
PREVIEW_ROWS = 500
ERRORS_SHOWN = 200

WORKER_DIED = (
    "Pekerja latar belakang berhenti saat menjalankan pekerjaan ini (mis. server dimulai ulang) dan sudah dicoba "
    "ulang. Jalankan lagi dari awal; bila berulang, hubungi admin."
)
IMPORT_WORKER_DIED = (
    "Pekerja latar belakang berhenti di tengah impor. Impor disimpan utuh atau tidak sama sekali: periksa daftar "
    "usulan, dan bila usulan dari berkas ini belum ada, unggah berkasnya lagi."
)


def background_threshold() -> int:
    return int(getattr(settings, "EXCEL_BACKGROUND_THRESHOLD", 5_000))


def lease_seconds() -> int:
    return int(getattr(settings, "JOB_LEASE_SECONDS", 60))


def heartbeat_seconds() -> float:
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", 15))


# Pending uploads ----------------------------------------------------------------------------------------------------


def upload_name(token: str) -> str:
    """The storage name of a pending upload."""
    # The token is ours (token_urlsafe) and checked against the job's owner, but never trust it as a path component.
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        raise ValueError("invalid upload token")
    return f"{UPLOAD_DIR}/{token}.xlsx"


def upload_keep(upload: File) -> str:
    """Store an uploaded workbook (through the storage API) until its preview is confirmed; returns its token."""
    token = secrets.token_urlsafe(18)
    upload.seek(0)
    stored = default_storage.save(upload_name(token), upload)
    if stored != upload_name(token):  # a storage that renamed it would lose it: never expected with our tokens
        default_storage.delete(stored)
        raise OSError(f"storage renamed upload {token!r} to {stored!r}")
    return token


def upload_exists(token: str) -> bool:
    try:
        return default_storage.exists(upload_name(token))
    except ValueError:
        return False


def upload_discard(token: str) -> None:
    try:
        default_storage.delete(upload_name(token))
    except ValueError:
        pass


def upload_parse(token: str, *, filename: str, user, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Parse a kept upload (again, on confirmation: the database may have changed since the preview). The file is
    copied to a local temporary file first: zipfile seeks all over it, which remote storage does badly."""
    with default_storage.open(upload_name(token), "rb") as stored, tempfile.TemporaryFile() as local:
        shutil.copyfileobj(stored, local)
        local.seek(0)
        return proposal_import_parse(file=File(local, name=filename), user=user, progress=progress)


# Jobs ---------------------------------------------------------------------------------------------------------------


def excel_job_start(*, kind: str, user, params: dict[str, Any], rows_total: int = 0, filename: str = "") -> ExcelJob:
    """Record a job and queue it. The row is committed before the worker can see the task (views run in
    autocommit), so the worker never looks for a job that does not exist yet."""
    job = ExcelJob.objects.create(kind=kind, user=user, params=params, rows_total=rows_total, filename=filename)
    excel_job_run.enqueue(job.pk)
    return job


class JobFailed(Exception):
    """A failure the user can act on; its message is shown on the job page."""


def _counted(rows: Iterable[Any], job_id: int) -> Iterator[Any]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            ExcelJob.objects.filter(pk=job_id).update(rows_done=done)


def write_sheets(job: ExcelJob, sheets: list[SheetSpec]) -> None:
    """Render `sheets` (progress counted on the first) into the job's file."""
    sheets = [replace(sheets[0], rows=_counted(sheets[0].rows, job.pk)), *sheets[1:]]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.xlsx"
        write_workbook(sheets, path)
        with path.open("rb") as handle:
            job.file.save(f"{secrets.token_urlsafe(12)}.xlsx", File(handle), save=False)


def _run_proposal_export(job: ExcelJob) -> None:
    _, proposals = filter_proposals(QueryDict(job.params.get("query", "")), user=job.user)
    total = proposals.count()
    ExcelJob.objects.filter(pk=job.pk).update(rows_total=total)
    write_sheets(job, proposal_export_sheets(proposals))
    job.rows_total = job.rows_done = total
    job.summary = f"{total:,} usulan diekspor.".replace(",", ".")


def _run_proposal_import(job: ExcelJob) -> None:
    token, filename = job.params["token"], job.params.get("filename", "")
    try:
        _import(job, token, filename)
    finally:
        upload_discard(token)


def _import(job: ExcelJob, token: str, filename: str) -> None:
    try:
        result = upload_parse(token, filename=filename, user=job.user)
    except FileNotFoundError as exc:
        raise JobFailed("Berkas unggahan sudah tidak ada; unggah berkasnya lagi.") from exc
    total = len(result.rows)
    ExcelJob.objects.filter(pk=job.pk).update(rows_total=total)
    try:
        summary = proposal_import_apply(result=result, user=job.user)
    except ProposalImportError as exc:
        shown = exc.issues[:50]
        more = len(exc.issues) - len(shown)
        raise JobFailed(
            "Tidak ada yang disimpan.\n"
            + "\n".join(str(issue) for issue in shown)
            + (f"\n... dan {more} kesalahan lain." if more > 0 else "")
        ) from exc
    job.rows_total = job.rows_done = total
    job.summary = f"Impor selesai: {summary}."
    job.params = {**job.params, "created": len(summary.created), "updated": len(summary.updated)}


def _run_proposal_preview(job: ExcelJob) -> None:
    """Read and check an upload for its preview; keep the file only when there is something to confirm."""
    token, filename = job.params["token"], job.params.get("filename", "")

    def progress(rows_read: int) -> None:
        ExcelJob.objects.filter(pk=job.pk).update(rows_done=rows_read, heartbeat_at=timezone.now())

    try:
        result = upload_parse(token, filename=filename, user=job.user, progress=progress)
    except FileNotFoundError as exc:
        raise JobFailed("Berkas unggahan sudah tidak ada; unggah berkasnya lagi.") from exc
    confirmable = result.is_valid and bool(result.to_create or result.to_update)
    if not confirmable:
        upload_discard(token)
    job.outcome = result.as_preview(rows=PREVIEW_ROWS, errors=ERRORS_SHOWN)
    job.rows_total = job.rows_done = len(result.rows)
    job.summary = result.summary()
    job.params = {**job.params, "rows": len(result.rows), "confirmable": confirmable}


Runner = Callable[[ExcelJob], None]

# The job kinds of this app; an app whose exports run in the background adds its own in its AppConfig.ready (the
# Renja export: `workplans.apps`), so that this module needs no import of the apps built on top of it.
RUNNERS: dict[ExcelJob.Kind, Runner] = {
    ExcelJob.Kind.PROPOSAL_EXPORT: _run_proposal_export,
    ExcelJob.Kind.PROPOSAL_IMPORT: _run_proposal_import,
    ExcelJob.Kind.PROPOSAL_PREVIEW: _run_proposal_preview,
}
# Kinds that write to the database: never run twice, even when their worker died (it may have committed first).
NOT_RETRIED = {ExcelJob.Kind.PROPOSAL_IMPORT}


def register_runner(kind: ExcelJob.Kind, runner: Runner) -> None:
    """Let `excel_job_run` run jobs of `kind` with `runner`, which fills the job's file, counts and summary (the
    file through `write_sheets`) or raises `JobFailed`."""
    RUNNERS[kind] = runner


class Heartbeat:
    """While a job runs, a thread stamps its `heartbeat_at` every JOB_HEARTBEAT_SECONDS on a connection of its own
    (so the stamp is seen even while the job holds a long transaction open)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.every = heartbeat_seconds()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"excel-job-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    ExcelJob.objects.filter(pk=self.job_id, status=ExcelJob.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.warning("Excel job %s: heartbeat not recorded (database unavailable)", self.job_id)
        finally:
            connection.close()  # this thread's own connection


@task
def excel_job_run(job_id: int) -> str:
    """Run one job and record its outcome on it; an unexpected error is recorded and re-raised for the worker.

    The job is claimed (queued -> running, a first heartbeat, one more attempt) in one UPDATE, so a job that a
    reclaim queued again is never run by two workers at once."""
    claimed = ExcelJob.objects.filter(pk=job_id, status=ExcelJob.Status.QUEUED).update(
        status=ExcelJob.Status.RUNNING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    job = ExcelJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        logger.warning("Excel job %s is %s, not queued: not run again", job.pk, job.status)
        return str(job.status)
    try:
        with Heartbeat(job.pk):
            RUNNERS[ExcelJob.Kind(job.kind)](job)
    except JobFailed as exc:
        ExcelJob.objects.filter(pk=job.pk).update(
            status=ExcelJob.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        return ExcelJob.Status.FAILED.value
    except Exception:
        logger.exception("Excel job %s (%s) failed", job.pk, job.kind)
        ExcelJob.objects.filter(pk=job.pk).update(
            status=ExcelJob.Status.FAILED,
            error="Terjadi kesalahan tak terduga saat memproses berkas; tidak ada yang disimpan. "
            "Coba lagi, atau hubungi admin bila berulang.",
            finished_at=timezone.now(),
        )
        raise
    job.status = ExcelJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "file", "rows_done", "rows_total", "summary", "params", "outcome"])
    return ExcelJob.Status.DONE.value


# Faults and housekeeping --------------------------------------------------------------------------------------------


def excel_jobs_reclaim(*, now: datetime | None = None) -> tuple[int, int]:
    """Jobs whose worker died (no heartbeat for JOB_LEASE_SECONDS): queued once more when they may run twice and
    have not, else failed with a message the job page shows. Returns (queued again, failed)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=lease_seconds())
    stale = ExcelJob.objects.filter(status=ExcelJob.Status.RUNNING).filter(
        # Jobs started before the lease existed have no stamp: their creation is their last sign of life.
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    retried = failed = 0
    for job in stale:
        # Each change is conditional on the job still being the stale one we read (its worker may have revived).
        same = ExcelJob.objects.filter(pk=job.pk, status=ExcelJob.Status.RUNNING, heartbeat_at=job.heartbeat_at)
        if job.kind not in NOT_RETRIED and job.attempts < MAX_ATTEMPTS:
            if same.update(status=ExcelJob.Status.QUEUED, rows_done=0):
                task_runs_fail(job.pk, "Pekerja latar belakang berhenti; pekerjaan diantrekan lagi sebagai tugas baru.")
                excel_job_run.enqueue(job.pk)
                retried += 1
                logger.warning("Excel job %s (%s): worker died, queued again", job.pk, job.kind)
            continue
        message = IMPORT_WORKER_DIED if job.kind in NOT_RETRIED else WORKER_DIED
        if same.update(status=ExcelJob.Status.FAILED, error=message, finished_at=now):
            task_runs_fail(job.pk, message)
            failed += 1
            logger.warning("Excel job %s (%s): worker died, marked failed", job.pk, job.kind)
            if "token" in job.params:
                upload_discard(job.params["token"])
    return retried, failed


class WorkerDied(Exception):
    """Recorded on django_tasks_db's row of a run whose worker died, in place of the exception nobody raised."""


def task_runs_fail(job_id: int, message: str) -> int:
    """Mark failed django_tasks_db's own rows of `job_id`'s runs that are still RUNNING: the dead worker never
    finished them, so without this its admin (and any queue view) would say RUNNING forever. Through the model's own
    `set_failed`, as its worker would have; the retry, if any, is a new row. Returns how many rows it marked."""
    runs = DBTaskResult.objects.running().filter(task_path=excel_job_run.module_path, args_kwargs__args__0=job_id)
    marked = 0
    for run in runs:
        run.set_failed(WorkerDied(message))
        marked += 1
    return marked


def excel_files_prune(*, days: int = 7, upload_hours: int = 24, dry_run: bool = False) -> tuple[int, int]:
    """Delete the jobs (and their files) finished more than `days` ago and the pending uploads older than
    `upload_hours`, through the storage API. Returns (jobs, uploads) deleted, or that would be with `dry_run`."""
    cutoff = timezone.now() - timedelta(days=days)
    old_jobs = ExcelJob.objects.filter(
        status__in=[ExcelJob.Status.DONE, ExcelJob.Status.FAILED], finished_at__lt=cutoff
    )
    job_count = 0
    for job in old_jobs.iterator():
        job_count += 1
        if not dry_run:
            if job.file:
                job.file.delete(save=False)
            job.delete()
    upload_cutoff = timezone.now() - timedelta(hours=upload_hours)
    try:
        _, names = default_storage.listdir(UPLOAD_DIR)
    except FileNotFoundError:
        names = []
    stale = [
        f"{UPLOAD_DIR}/{name}"
        for name in names
        if name.endswith(".xlsx") and default_storage.get_modified_time(f"{UPLOAD_DIR}/{name}") < upload_cutoff
    ]
    if not dry_run:
        for name in stale:
            default_storage.delete(name)
    return job_count, len(stale)
