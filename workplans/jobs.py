"""The Renja export as a background job (`programs.jobs`), for a Renja too big to answer at once."""

from __future__ import annotations

from programs.jobs import JobFailed, write_sheets
from programs.models import ExcelJob, WorkPlan
from workplans.exports import work_plan_sheets
from workplans.selectors import work_plan_items


def run_workplan_export(job: ExcelJob) -> None:
    work_plan = WorkPlan.objects.for_user(job.user).select_related("agency").filter(pk=job.params["work_plan"]).first()
    if work_plan is None:
        raise JobFailed("Renja tidak ditemukan atau berada di luar wilayah Anda.")
    total = work_plan_items(work_plan).count()
    ExcelJob.objects.filter(pk=job.pk).update(rows_total=total)
    write_sheets(job, work_plan_sheets(work_plan))
    job.rows_total = job.rows_done = total
    job.summary = f"{work_plan}: {total:,} baris Renja diekspor.".replace(",", ".")
