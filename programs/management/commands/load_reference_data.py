import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from agencies.services import agencies_load, read_agency_rows, read_region_rows, regions_load
from programs.reference_data import (
    funding_schemes_load,
    nomenclature_load,
    nomenclature_read,
    read_funding_scheme_rows,
)
from rakornis.loading import ReferenceDataError

DATA_DIR = Path(settings.REFERENCE_DATA_DIR)


class Command(BaseCommand):
    help = (
        "Memuat data referensi yang dikirim bersama aplikasi: wilayah Kemendagri, nomenklatur, skema pendanaan "
        "dan instansi Kalsel/Kalteng. Aman dijalankan berulang (run kedua tidak mengubah apa pun)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--nomenclature",
            metavar="FILE",
            type=Path,
            help="Daftar nomenklatur lengkap (CSV atau XLSX, kolom kode, level, nama; opsional status, kinerja, "
            "indikator, satuan) yang menimpa nama dan keterangan kode yang sudah ada.",
        )

    def handle(self, *args, nomenclature: Path | None = None, **options) -> None:
        started = time.perf_counter()
        try:
            if nomenclature is not None:
                if not nomenclature.is_file():
                    raise ReferenceDataError([f"{nomenclature}: berkas tidak ditemukan"])
                nomenclature_rows = nomenclature_read(nomenclature)
            else:
                nomenclature_rows = nomenclature_read(DATA_DIR / "nomenklatur" / "nomenklatur_1_03_1_04.csv")
            # One transaction: a bad file leaves nothing half-loaded.
            with transaction.atomic():
                results = regions_load(rows=read_region_rows(DATA_DIR / "wilayah"))
                results.append(funding_schemes_load(rows=read_funding_scheme_rows(DATA_DIR / "skema_pendanaan.csv")))
                results.append(nomenclature_load(rows=nomenclature_rows, overwrite=nomenclature is not None))
                results.append(agencies_load(rows=read_agency_rows(DATA_DIR / "instansi.csv")))
        except ReferenceDataError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                f"Data referensi tidak dimuat: {len(exc.errors)} kesalahan; tidak ada yang disimpan."
            ) from exc
        for result in results:
            self.stdout.write(str(result))
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Data referensi selesai dimuat dalam {elapsed:.1f} s."))
