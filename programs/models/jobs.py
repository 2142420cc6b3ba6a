"""Background Excel exports and imports, with their progress and file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class ExcelJob(models.Model):
    """An export or import run by the background worker, with its progress and, when done, its file.

    The file lives in MEDIA_ROOT/jobs (a FileField, not a BinaryField: a 100,000-row export is tens of MB, which
    the database would otherwise carry in every row read) and is served only to the job's owner.
    """

    class Kind(models.TextChoices):
        PROPOSAL_EXPORT = "proposal_export", "Ekspor usulan"
        WORKPLAN_EXPORT = "workplan_export", "Ekspor Renja"
        PROPOSAL_IMPORT = "proposal_import", "Impor usulan"

    class Status(models.TextChoices):
        QUEUED = "queued", "Menunggu"
        RUNNING = "running", "Berjalan"
        DONE = "done", "Selesai"
        FAILED = "failed", "Gagal"

    kind = models.CharField("jenis", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="pengguna", on_delete=models.CASCADE, related_name="excel_jobs"
    )
    params = models.JSONField("parameter", default=dict, blank=True)
    status = models.CharField("status", max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField("baris selesai", default=0)
    rows_total = models.PositiveIntegerField("jumlah baris", default=0)
    file = models.FileField("berkas", upload_to="jobs/", blank=True)
    filename = models.CharField("nama berkas", max_length=200, blank=True)
    summary = models.TextField("hasil", blank=True)
    error = models.TextField("kesalahan", blank=True)
    created_at = models.DateTimeField("dibuat", auto_now_add=True)
    finished_at = models.DateTimeField("selesai", null=True, blank=True)

    class Meta:
        verbose_name = "pekerjaan Excel"
        verbose_name_plural = "pekerjaan Excel"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("programs:job-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == ExcelJob.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
