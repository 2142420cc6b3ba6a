"""Excel work in the background: big exports and imports run as a task of Django's tasks framework.

A view creates an `ExcelJob` and enqueues `excel_job_run`; the worker (`manage.py db_worker`, started by `make run`)
runs it and records progress on the job, which the job page polls. Small exports and imports never come here: the
views answer them at once.

Pending uploads (an import waiting for the user's confirmation) are kept in MEDIA_ROOT/imports under a random
token; the finished files of jobs in MEDIA_ROOT/jobs, served only to the job's owner.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.tasks import task
from django.utils import timezone

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


def background_threshold() -> int:
    return int(getattr(settings, "EXCEL_BACKGROUND_THRESHOLD", 5_000))


# Pending uploads ----------------------------------------------------------------------------------------------------


def upload_path(token: str) -> Path:
    # The token is ours (token_urlsafe) and checked against the session, but never trust it as a path component.
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        raise ValueError("invalid upload token")
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR / f"{token}.xlsx"


def upload_keep(upload: UploadedFile) -> str:
    """Store an uploaded workbook until the user confirms the import; returns its token."""
    token = secrets.token_urlsafe(18)
    path = upload_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    upload.seek(0)
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return token


def upload_discard(token: str) -> None:
    try:
        upload_path(token).unlink(missing_ok=True)
    except ValueError:
        pass


def upload_parse(token: str, *, filename: str, user) -> ImportResult:
    """Parse a kept upload again (the database may have changed since the preview)."""
    path = upload_path(token)
    with path.open("rb") as handle:
        return proposal_import_parse(file=File(handle, name=filename), user=user)


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


Runner = Callable[[ExcelJob], None]

# The job kinds of this app; an app whose exports run in the background adds its own in its AppConfig.ready (the
# Renja export: `workplans.apps`), so that this module needs no import of the apps built on top of it.
RUNNERS: dict[ExcelJob.Kind, Runner] = {
    ExcelJob.Kind.PROPOSAL_EXPORT: _run_proposal_export,
    ExcelJob.Kind.PROPOSAL_IMPORT: _run_proposal_import,
}


def register_runner(kind: ExcelJob.Kind, runner: Runner) -> None:
    """Let `excel_job_run` run jobs of `kind` with `runner`, which fills the job's file, counts and summary (the
    file through `write_sheets`) or raises `JobFailed`."""
    RUNNERS[kind] = runner


@task
def excel_job_run(job_id: int) -> str:
    """Run one job and record its outcome on it; an unexpected error is recorded and re-raised for the worker."""
    job = ExcelJob.objects.select_related("user").get(pk=job_id)
    ExcelJob.objects.filter(pk=job.pk).update(status=ExcelJob.Status.RUNNING)
    try:
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
    job.save(update_fields=["status", "finished_at", "file", "rows_done", "rows_total", "summary", "params"])
    return ExcelJob.Status.DONE.value
