"""`python manage.py export_renja --year Y --agency NAME --output FILE`: the Renja table of one agency and year."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from programs.models import WorkPlan
from programs.xlsx.render import PAPER_A4, PAPER_F4
from workplans.exports import work_plan_workbook
from workplans.management.commands.sync_renja import find_agency


class Command(BaseCommand):
    help = (
        "Mengekspor Renja PD ke .xlsx: rumusan rencana program dan kegiatan menurut Permendagri 86/2017 (urusan "
        "sampai sub kegiatan, kolom (1)-(10)) dan rinciannya per skema pendanaan."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Tahun anggaran, mis. 2027.")
        parser.add_argument("--agency", required=True, help="Nama atau nama singkat perangkat daerah.")
        parser.add_argument("--output", type=Path, required=True, help="Berkas .xlsx yang ditulis.")
        parser.add_argument(
            "--paper", choices=["a4", "f4"], default="a4", help="Kertas cetak (lanskap): a4 (bawaan) atau f4."
        )

    def handle(self, *args, year: int, agency: str, output: Path, paper: str = "a4", **options) -> None:
        found = find_agency(agency, fiscal_year=year)
        work_plan = WorkPlan.objects.select_related("agency").filter(agency=found, fiscal_year=year).first()
        if work_plan is None:
            raise CommandError(
                f"Renja {found.short_name} TA {year} belum ada; buat dulu dengan "
                f'`python manage.py sync_renja --year {year} --agency "{found.short_name}"`.'
            )
        if output.suffix.casefold() != ".xlsx":
            raise CommandError(f"{output}: nama berkas keluaran harus berakhiran .xlsx")
        work_plan_workbook(work_plan, output=output, paper=PAPER_F4 if paper == "f4" else PAPER_A4)
        lines = work_plan.items.count()
        self.stdout.write(self.style.SUCCESS(f"{work_plan}: {lines} baris ditulis ke {output}."))
