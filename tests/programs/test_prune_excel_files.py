import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from programs.models import ExcelJob

pytestmark = pytest.mark.django_db


def _job(user, *, age_days: int, status=ExcelJob.Status.DONE) -> ExcelJob:
    job = ExcelJob.objects.create(kind=ExcelJob.Kind.PROPOSAL_EXPORT, user=user, status=status)
    job.file.save(f"ekspor-{job.pk}.xlsx", ContentFile(b"PK"), save=False)
    job.finished_at = timezone.now() - timedelta(days=age_days)
    job.save()
    return job


def test_old_jobs_and_stale_uploads_are_removed_recent_ones_kept(settings, operator_banjar):
    old, recent = _job(operator_banjar, age_days=10), _job(operator_banjar, age_days=1)
    running = ExcelJob.objects.create(kind=ExcelJob.Kind.PROPOSAL_EXPORT, user=operator_banjar)
    old_file = Path(old.file.path)
    uploads = Path(settings.MEDIA_ROOT) / "imports"
    uploads.mkdir(parents=True)
    stale, fresh = uploads / "stale.xlsx", uploads / "fresh.xlsx"
    stale.write_bytes(b"PK")
    fresh.write_bytes(b"PK")
    two_days_ago = time.time() - 48 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))

    out = StringIO()
    call_command("prune_excel_files", "--dry-run", stdout=out)
    assert "1 pekerjaan Excel dan 1 unggahan tertunda akan dihapus" in out.getvalue()
    assert old_file.exists() and stale.exists()

    call_command("prune_excel_files", stdout=StringIO())
    assert set(ExcelJob.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert not old_file.exists() and Path(recent.file.path).exists()
    assert not stale.exists() and fresh.exists()
