"""Compare the proposal summary with a recomputation from scratch; `--fix` rebuilds it."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from programs.summary import Values, summary_differences, summary_rebuild

SHOWN = 20


def _values(values: Values | None) -> str:
    if values is None:
        return "tidak ada"
    return (
        f"{values.proposal_count} usulan, pagu {values.proposed_amount}, "
        f"{values.agreed_count} disepakati, pagu disepakati {values.agreed_amount}"
    )


class Command(BaseCommand):
    help = (
        "Membandingkan ringkasan usulan (ProposalSummary) dengan perhitungan ulang dari usulan, pendanaan dan "
        "kesepakatan rapat; keluar dengan kode 1 bila berbeda. --fix membangun ulang ringkasan."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="Bangun ulang ringkasan bila berbeda.")

    def handle(self, *args, fix: bool, **options) -> None:
        started = time.perf_counter()
        differences = summary_differences()
        if not differences:
            self.stdout.write(f"Ringkasan usulan sesuai perhitungan ulang ({time.perf_counter() - started:.1f} s).")
            return
        self.stdout.write(f"Ringkasan usulan berbeda pada {len(differences)} baris:")
        for difference in differences[:SHOWN]:
            year, region, agency, status, scheme = difference.row
            self.stdout.write(
                f"  TA {year}, wilayah #{region}, instansi #{agency}, {status}, skema {scheme or 'semua'}: "
                f"tersimpan {_values(difference.stored)}; seharusnya {_values(difference.expected)}"
            )
        if len(differences) > SHOWN:
            self.stdout.write(f"  ... dan {len(differences) - SHOWN} baris lagi")
        if not fix:
            sys.exit(1)
        summary_rebuild()
        remaining = summary_differences()
        if remaining:
            self.stderr.write(f"Setelah dibangun ulang masih berbeda pada {len(remaining)} baris.")
            sys.exit(1)
        self.stdout.write("Ringkasan usulan dibangun ulang dan kini sesuai.")
