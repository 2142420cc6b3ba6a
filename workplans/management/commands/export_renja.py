"""`python manage.py export_renja --year Y --agency NAME --output FILE`: the Renja table of one agency and year."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from programs.models import WorkPlan
from workplans.exports import work_plan_workbook
from workplans.management.commands.sync_renja import find_agency


class Command(BaseCommand):
    help = "Mengekspor tabel Renja PD (program > kegiatan > sub kegiatan, dengan subtotal) ke .xlsx."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Tahun anggaran, mis. 2027.")
        parser.add_argument("--agency", required=True, help="Nama atau nama singkat perangkat daerah.")
        parser.add_argument("--output", type=Path, required=True, help="Berkas .xlsx yang ditulis.")

    def handle(self, *args, year: int, agency: str, output: Path, **options) -> None:
        found = find_agency(agency, fiscal_year=year)
        work_plan = WorkPlan.objects.select_related("agency").filter(agency=found, fiscal_year=year).first()
        if work_plan is None:
            raise CommandError(
                f"Renja {found.short_name} TA {year} belum ada; buat dulu dengan "
                f'`python manage.py sync_renja --year {year} --agency "{found.short_name}"`.'
            )
        if output.suffix.casefold() != ".xlsx":
            raise CommandError(f"{output}: nama berkas keluaran harus berakhiran .xlsx")
        work_plan_workbook(work_plan, output=output)
        lines = work_plan.items.count()
        self.stdout.write(self.style.SUCCESS(f"{work_plan}: {lines} baris ditulis ke {output}."))
