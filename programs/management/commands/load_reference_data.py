import argparse
import datetime
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from agencies.services import agencies_load, read_agency_rows, read_region_rows, regions_load
from programs.reference_data import (
    DecreeInfo,
    funding_schemes_load,
    mapping_read,
    nomenclature_load,
    nomenclature_read,
    read_funding_scheme_rows,
)
from rakornis.loading import ReferenceDataError

DATA_DIR = Path(settings.REFERENCE_DATA_DIR)


def decree_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"tanggal keputusan {value!r} harus bertulis TTTT-BB-HH, mis. 2023-02-27"
        ) from None


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
            help="Daftar nomenklatur lengkap dari lampiran keputusan (CSV atau XLSX, kolom kode, level, nama; opsional "
            "nama_kabupaten_kota, status, kinerja, indikator, satuan, kode_lama). Menimpa nama dan keterangan kode "
            "yang sudah ada; kode berlaku yang tidak ada di daftar dicabut. Wajib bersama --decree dan --decree-date.",
        )
        parser.add_argument(
            "--decree",
            metavar="NOMOR",
            help='Nomor keputusan daftar itu, mis. "Kepmendagri 900.1.15.5-1317/2023".',
        )
        parser.add_argument("--decree-date", metavar="TTTT-BB-HH", type=decree_date, help="Tanggal keputusan.")
        parser.add_argument(
            "--mapping",
            metavar="FILE",
            type=Path,
            help="Pemetaan kode lama ke kode baru menurut keputusan (CSV atau XLSX, kolom kode_lama, kode_baru).",
        )

    def handle(
        self,
        *args,
        nomenclature: Path | None = None,
        decree: str | None = None,
        decree_date: datetime.date | None = None,
        mapping: Path | None = None,
        **options,
    ) -> None:
        started = time.perf_counter()
        decree = " ".join((decree or "").split())
        try:
            decree_info, mapping_rows = None, []
            if nomenclature is not None:
                if not decree or decree_date is None:
                    raise ReferenceDataError(
                        [
                            "Daftar nomenklatur lengkap dimuat bersama keputusannya: tambahkan --decree "
                            '"Kepmendagri 900.1.15.5-1317/2023" --decree-date TTTT-BB-HH.'
                        ]
                    )
                if len(decree) > 120:
                    raise ReferenceDataError([f"Nomor keputusan terlalu panjang ({len(decree)} karakter, maks. 120)."])
                for path in (nomenclature, mapping):
                    if path is not None and not path.is_file():
                        raise ReferenceDataError([f"{path}: berkas tidak ditemukan"])
                nomenclature_rows = nomenclature_read(nomenclature)
                decree_info = DecreeInfo(number=decree, date=decree_date, source_file=nomenclature.name)
                mapping_rows = mapping_read(mapping) if mapping is not None else []
            elif decree or mapping is not None:
                raise ReferenceDataError(["--decree dan --mapping hanya berlaku bersama --nomenclature FILE."])
            else:
                nomenclature_rows = nomenclature_read(DATA_DIR / "nomenklatur" / "nomenklatur_1_03_1_04.csv")
            # One transaction: a bad file leaves nothing half-loaded.
            with transaction.atomic():
                results = regions_load(rows=read_region_rows(DATA_DIR / "wilayah"))
                results.append(funding_schemes_load(rows=read_funding_scheme_rows(DATA_DIR / "skema_pendanaan.csv")))
                results.append(
                    nomenclature_load(
                        rows=nomenclature_rows,
                        overwrite=nomenclature is not None,
                        decree=decree_info,
                        mappings=mapping_rows,
                    )
                )
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
