"""The background worker survives faults: a database that goes away and comes back, and a worker killed in the
middle of a job (its lease runs out: the job is retried once or failed with a message the user reads). The worker
loop runs here for real on django_tasks_db's database backend; only sleeping and dropping connections are recorded
instead of done."""

import logging
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from programs import jobs
from programs.management.commands import run_worker
from programs.models import ExcelJob
from tests.factories import FundingSchemeFactory, funded_proposal

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def proposals(banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB")
    return [funded_proposal(region=banjar, agency=pupr_banjar, name=f"Jalan {n}") for n in range(3)]


class RecordingWorker(run_worker.Worker):
    """A worker that stops once the queue is empty; its sleeps and connection drops are recorded, not done."""

    def __init__(self, **options) -> None:
        super().__init__(
            queue_names=["default"],
            excluded_queue_names=[],
            interval=0,
            backend_name="default",
            max_tasks=None,
            worker_id="test-worker",
            stop_when_idle=True,
            **options,
        )
        self.slept: list[float] = []
        self.closed = 0
        self.sleep = self.slept.append
        self.close = self.count_close

    def count_close(self) -> None:
        self.closed += 1


def worker(**options) -> RecordingWorker:
    return RecordingWorker(**options)


def export_job(user) -> ExcelJob:
    return jobs.excel_job_start(kind=ExcelJob.Kind.PROPOSAL_EXPORT, user=user, params={"query": ""})


@pytest.mark.django_db(transaction=True)
def test_the_worker_rides_out_a_database_outage_and_then_runs_the_queued_export(
    settings, operator_banjar, proposals, monkeypatch, caplog
):
    settings.TASKS = DATABASE_TASKS
    job = export_job(operator_banjar)
    assert ExcelJob.objects.get(pk=job.pk).status == ExcelJob.Status.QUEUED  # queued, not run: a real queue
    reclaim = jobs.excel_jobs_reclaim
    outage = iter([OperationalError("server closed the connection unexpectedly")] * 3)

    def database_down_three_times(**kwargs):
        error = next(outage, None)
        if error is not None:
            raise error
        return reclaim(**kwargs)

    monkeypatch.setattr(run_worker, "excel_jobs_reclaim", database_down_three_times)
    running = worker(reclaim_every=0)
    with caplog.at_level(logging.WARNING, logger="programs.worker"):
        running.run()
    assert running.slept == [1, 2, 4]  # bounded exponential backoff
    assert running.closed == 3  # a fresh connection after each failure
    assert "Database unavailable (server closed the connection unexpectedly); reconnecting in 4 s" in caplog.text
    job.refresh_from_db()
    assert (job.status, job.rows_total, job.attempts) == (ExcelJob.Status.DONE, 3, 1)
    assert job.heartbeat_at is not None
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_the_worker_gives_up_after_its_retries_so_the_supervisor_restarts_it(settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS

    def database_gone(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(run_worker, "excel_jobs_reclaim", database_gone)
    running = worker(reclaim_every=0, max_db_retries=8)
    with pytest.raises(OperationalError):
        running.run()
    assert running.slept == [1, 2, 4, 8, 16, 32, 60, 60]  # capped at a minute


@pytest.mark.django_db(transaction=True)
def test_the_worker_prunes_old_files_every_hour_by_itself(settings, monkeypatch, operator_banjar):
    settings.TASKS = DATABASE_TASKS
    old = ExcelJob.objects.create(
        kind=ExcelJob.Kind.PROPOSAL_EXPORT,
        user=operator_banjar,
        status=ExcelJob.Status.DONE,
        finished_at=timezone.now() - timedelta(days=8),
    )
    now = [0.0]
    running = worker(clock=lambda: now[0])
    running.run()
    assert not ExcelJob.objects.filter(pk=old.pk).exists()
    again = ExcelJob.objects.create(
        kind=ExcelJob.Kind.PROPOSAL_EXPORT,
        user=operator_banjar,
        status=ExcelJob.Status.DONE,
        finished_at=timezone.now() - timedelta(days=8),
    )
    now[0] = 1800.0  # half an hour later: not yet
    running.run()
    assert ExcelJob.objects.filter(pk=again.pk).exists()
    now[0] = 3600.0
    running.run()
    assert not ExcelJob.objects.filter(pk=again.pk).exists()


def stale(job: ExcelJob, *, attempts: int, seconds: int = 120) -> ExcelJob:
    """`job` as its worker left it when it was killed `seconds` ago."""
    ExcelJob.objects.filter(pk=job.pk).update(
        status=ExcelJob.Status.RUNNING, attempts=attempts, heartbeat_at=timezone.now() - timedelta(seconds=seconds)
    )
    return job


@pytest.mark.django_db
def test_a_killed_export_is_run_again_once(settings, operator_banjar, proposals):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    job = stale(export_job(operator_banjar), attempts=1)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert jobs.excel_jobs_reclaim() == (1, 0)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.summary) == (ExcelJob.Status.DONE, 2, "3 usulan diekspor.")
    assert job.file


@pytest.mark.django_db
def test_a_job_killed_again_is_failed_with_a_message_on_its_page(client, settings, operator_banjar, proposals):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    job = stale(export_job(operator_banjar), attempts=2)
    out = StringIO()
    call_command("reclaim_excel_jobs", stdout=out)
    assert "0 pekerjaan diantrekan lagi dan 1 ditandai gagal" in out.getvalue()
    job.refresh_from_db()
    assert (job.status, job.error) == (ExcelJob.Status.FAILED, jobs.WORKER_DIED)
    client.force_login(operator_banjar)
    state = client.get(reverse("programs:job-status", args=[job.pk])).json()
    assert (state["status_display"], state["error"]) == ("Gagal", jobs.WORKER_DIED)
    assert "Pekerja latar belakang berhenti" in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_killed_import_is_never_run_twice(settings, operator_banjar):
    """It may have committed just before its worker died: the user is told to look before importing again."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    job = jobs.excel_job_start(
        kind=ExcelJob.Kind.PROPOSAL_IMPORT, user=operator_banjar, params={"token": "abc", "filename": "u.xlsx"}
    )
    stale(job, attempts=1)
    assert jobs.excel_jobs_reclaim() == (0, 1)
    job.refresh_from_db()
    assert (job.status, job.error) == (ExcelJob.Status.FAILED, jobs.IMPORT_WORKER_DIED)


@pytest.mark.django_db
def test_a_job_whose_worker_is_alive_or_that_waits_is_left_alone(settings, operator_banjar):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    alive = stale(export_job(operator_banjar), attempts=1, seconds=10)
    waiting = export_job(operator_banjar)
    ExcelJob.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(hours=1))
    # Running since before the lease existed: no stamp at all, its age is its creation's.
    unstamped = export_job(operator_banjar)
    ExcelJob.objects.filter(pk=unstamped.pk).update(
        status=ExcelJob.Status.RUNNING, created_at=timezone.now() - timedelta(hours=1)
    )
    assert jobs.excel_jobs_reclaim() == (1, 0)
    statuses = dict(ExcelJob.objects.values_list("pk", "status"))
    assert statuses == {
        alive.pk: ExcelJob.Status.RUNNING,
        waiting.pk: ExcelJob.Status.QUEUED,
        unstamped.pk: ExcelJob.Status.QUEUED,  # queued again (the dummy backend does not run it)
    }


@pytest.mark.django_db(transaction=True)
def test_a_running_job_stamps_its_heartbeat_while_it_runs(settings, operator_banjar, monkeypatch):
    """The job below runs until it sees its heartbeat move, which only the worker's heartbeat thread does."""
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    seen = threading.Event()

    def waits_for_a_heartbeat(job: ExcelJob) -> None:
        first = ExcelJob.objects.get(pk=job.pk).heartbeat_at
        for _ in range(200):
            if ExcelJob.objects.get(pk=job.pk).heartbeat_at != first:
                seen.set()
                return
            threading.Event().wait(0.05)

    monkeypatch.setitem(jobs.RUNNERS, ExcelJob.Kind.PROPOSAL_EXPORT, waits_for_a_heartbeat)
    job = export_job(operator_banjar)
    assert seen.is_set()
    assert ExcelJob.objects.get(pk=job.pk).status == ExcelJob.Status.DONE


def _run_claimed_by_a_dying_worker(job: ExcelJob) -> DBTaskResult:
    """django_tasks_db's row of `job`'s run, as a worker killed in the middle of it left it: RUNNING."""
    run = DBTaskResult.objects.get(args_kwargs__args__0=job.pk)
    run.claim("killed-worker")
    return run


@pytest.mark.django_db
def test_a_reclaimed_job_leaves_no_task_run_said_to_be_running(settings, operator_banjar):
    """The job failed for good: django_tasks_db's row of its run says FAILED, finished, with the job's message."""
    settings.TASKS = DATABASE_TASKS
    job = export_job(operator_banjar)
    run = _run_claimed_by_a_dying_worker(job)
    other = _run_claimed_by_a_dying_worker(export_job(operator_banjar))  # still alive: its lease has not run out
    stale(job, attempts=2)
    ExcelJob.objects.filter(pk=other.args_kwargs["args"][0]).update(status=ExcelJob.Status.RUNNING, attempts=1)
    call_command("reclaim_excel_jobs", stdout=StringIO())
    run.refresh_from_db()
    assert (run.status, run.exception_class_path) == ("FAILED", "programs.jobs.WorkerDied")
    assert run.finished_at is not None
    assert jobs.WORKER_DIED in run.traceback
    assert run.task_result.errors[0].exception_class_path == "programs.jobs.WorkerDied"
    other.refresh_from_db()
    assert other.status == "RUNNING"


@pytest.mark.django_db
def test_a_job_queued_again_fails_its_dead_run_and_gets_a_new_one(settings, operator_banjar):
    settings.TASKS = DATABASE_TASKS
    job = export_job(operator_banjar)
    run = _run_claimed_by_a_dying_worker(job)
    stale(job, attempts=1)
    assert jobs.excel_jobs_reclaim() == (1, 0)
    run.refresh_from_db()
    assert run.status == "FAILED"
    runs = DBTaskResult.objects.filter(args_kwargs__args__0=job.pk)
    assert sorted(runs.values_list("status", flat=True)) == ["FAILED", "READY"]
