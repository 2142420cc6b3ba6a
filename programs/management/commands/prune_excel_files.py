import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from programs.jobs import UPLOAD_DIR
from programs.models import ExcelJob


class Command(BaseCommand):
    help = (
        "Menghapus berkas pekerjaan Excel yang sudah selesai lebih dari N hari dan unggahan impor yang tidak "
        "dikonfirmasi lebih dari H jam. Jalankan harian (cron/systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="umur pekerjaan selesai/gagal (hari), bawaan 7")
        parser.add_argument("--upload-hours", type=int, default=24, help="umur unggahan tertunda (jam), bawaan 24")
        parser.add_argument("--dry-run", action="store_true", help="hanya tampilkan apa yang akan dihapus")

    def handle(self, *args, days: int, upload_hours: int, dry_run: bool, **options) -> None:
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

        upload_cutoff = time.time() - upload_hours * 3600
        upload_dir = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
        stale = (
            [path for path in upload_dir.glob("*.xlsx") if path.stat().st_mtime < upload_cutoff]
            if upload_dir.is_dir()
            else []
        )
        if not dry_run:
            for path in stale:
                path.unlink(missing_ok=True)
        verb = "akan dihapus" if dry_run else "dihapus"
        self.stdout.write(f"{job_count} pekerjaan Excel dan {len(stale)} unggahan tertunda {verb}.")
