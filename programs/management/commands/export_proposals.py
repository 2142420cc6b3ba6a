"""`python manage.py export_proposals --year Y [--status S] [--region CODE] --output FILE`."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Region
from programs.models import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, Proposal
from programs.xlsx.exporters import proposal_export_workbook
from rakornis.i18n import official_text


def _status(text: str) -> str:
    for value, label in Proposal.Status.choices:
        if text.strip().casefold() in (value, official_text(label).casefold()):
            return value
    choices = ", ".join(Proposal.Status.values)
    raise CommandError(f"Status {text!r} tidak dikenal; pilih salah satu: {choices}")


class Command(BaseCommand):
    help = "Mengekspor usulan satu tahun anggaran ke .xlsx dalam format templat usulan (dapat diimpor kembali)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Tahun anggaran, mis. 2027.")
        parser.add_argument("--status", help="Hanya usulan berstatus ini (mis. verified atau Terverifikasi).")
        parser.add_argument("--region", metavar="CODE", help="Kode wilayah: kabupaten/kota (63.03) atau provinsi (63).")
        parser.add_argument("--output", type=Path, required=True, help="Berkas .xlsx yang ditulis.")

    def handle(self, *args, year: int, status: str | None, region: str | None, output: Path, **options) -> None:
        if not MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR:
            raise CommandError(f"Tahun {year} di luar rentang {MIN_FISCAL_YEAR}-{MAX_FISCAL_YEAR}.")
        proposals = Proposal.objects.for_year(year).order_by("region__code", "number")
        if status:
            proposals = proposals.filter(status=_status(status))
        if region:
            if not Region.objects.filter(code=region.strip()).exists():
                raise CommandError(f"Kode wilayah {region!r} tidak dikenal.")
            proposals = proposals.filter(region__in=Region.objects.within(region.strip()))
        if output.suffix.casefold() != ".xlsx":
            raise CommandError(f"{output}: nama berkas keluaran harus berakhiran .xlsx")
        count = proposals.count()
        started = time.perf_counter()
        proposal_export_workbook(proposals, output=output)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"{count} usulan ditulis ke {output} dalam {elapsed:.1f} s."))
