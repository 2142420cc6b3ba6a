from django.core.management.base import BaseCommand

from programs.jobs import excel_jobs_reclaim, lease_seconds


class Command(BaseCommand):
    help = (
        "Mengambil alih pekerjaan Excel yang pekerjanya mati (tanpa tanda hidup lebih dari JOB_LEASE_SECONDS): "
        "dijalankan sekali lagi, atau ditandai gagal dengan pesan untuk penggunanya. Pekerja (run_worker) "
        "menjalankannya sendiri tiap 30 detik."
    )

    def handle(self, *args, **options) -> None:
        retried, failed = excel_jobs_reclaim()
        self.stdout.write(
            f"{retried} pekerjaan diantrekan lagi dan {failed} ditandai gagal "
            f"(tanpa tanda hidup lebih dari {lease_seconds()} detik)."
        )
