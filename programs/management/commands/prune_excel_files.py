from django.core.management.base import BaseCommand, CommandParser

from programs.jobs import excel_files_prune


class Command(BaseCommand):
    help = (
        "Menghapus berkas pekerjaan Excel yang sudah selesai lebih dari N hari dan unggahan impor yang tidak "
        "dikonfirmasi lebih dari H jam. Pekerja latar belakang (run_worker) menjalankannya tiap jam."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="umur pekerjaan selesai/gagal (hari), bawaan 7")
        parser.add_argument("--upload-hours", type=int, default=24, help="umur unggahan tertunda (jam), bawaan 24")
        parser.add_argument("--dry-run", action="store_true", help="hanya tampilkan apa yang akan dihapus")

    def handle(self, *args, days: int, upload_hours: int, dry_run: bool, **options) -> None:
        jobs, uploads = excel_files_prune(days=days, upload_hours=upload_hours, dry_run=dry_run)
        verb = "akan dihapus" if dry_run else "dihapus"
        self.stdout.write(f"{jobs} pekerjaan Excel dan {uploads} unggahan tertunda {verb}.")
