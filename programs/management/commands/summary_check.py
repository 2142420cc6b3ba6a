"""Compare the proposal summary and the meetings' decision summary with a recomputation from scratch; `--fix`
rebuilds the one that differs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand

from meetings.summary import Values as MeetingValues
from meetings.summary import meeting_summary_differences, meeting_summary_rebuild
from programs.summary import Difference, Values, summary_differences, summary_rebuild

SHOWN = 20


def _values(values: Values | None) -> str:
    if values is None:
        return "tidak ada"
    return (
        f"{values.proposal_count} usulan, pagu {values.proposed_amount}, "
        f"{values.agreed_count} disepakati, pagu disepakati {values.agreed_amount}"
    )


def _meeting_values(values: MeetingValues | None) -> str:
    return "tidak ada" if values is None else f"{values.decision_count} keputusan/baris, pagu {values.amount}"


def _proposal_row(difference: Difference) -> str:
    year, region, agency, status, scheme = difference.row
    return (
        f"TA {year}, wilayah #{region}, instansi #{agency}, {status}, skema {scheme or 'semua'}: "
        f"tersimpan {_values(difference.stored)}; seharusnya {_values(difference.expected)}"
    )


def _meeting_row(difference: Difference) -> str:
    meeting, region, outcome, desk, origin, scheme = difference.row
    return (
        f"rapat #{meeting}, wilayah #{region}, {outcome}, desk {desk or '-'}, {origin}, "
        f"skema {scheme or 'semua'}: tersimpan {_meeting_values(difference.stored)}; "
        f"seharusnya {_meeting_values(difference.expected)}"
    )


class Command(BaseCommand):
    help = (
        "Membandingkan ringkasan usulan (ProposalSummary) dan ringkasan kesepakatan rapat (MeetingDecisionSummary) "
        "dengan perhitungan ulang dari usulan, pendanaan dan kesepakatan rapat; keluar dengan kode 1 bila berbeda. "
        "--fix membangun ulang ringkasan yang berbeda."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="Bangun ulang ringkasan bila berbeda.")

    def handle(self, *args, fix: bool, **options) -> None:
        proposals_ok = self._check("Ringkasan usulan", summary_differences, summary_rebuild, _proposal_row, fix=fix)
        meetings_ok = self._check(
            "Ringkasan kesepakatan rapat", meeting_summary_differences, meeting_summary_rebuild, _meeting_row, fix=fix
        )
        if not (proposals_ok and meetings_ok):
            sys.exit(1)

    def _check(
        self,
        name: str,
        differences_of: Callable[[], list[Difference]],
        rebuild: Callable[[], None],
        describe: Callable[[Difference], str],
        *,
        fix: bool,
    ) -> bool:
        """One summary against its recomputation; True when it agrees (or was rebuilt and now agrees)."""
        started = time.perf_counter()
        differences = differences_of()
        if not differences:
            self.stdout.write(f"{name} sesuai perhitungan ulang ({time.perf_counter() - started:.1f} s).")
            return True
        self.stdout.write(f"{name} berbeda pada {len(differences)} baris:")
        for difference in differences[:SHOWN]:
            self.stdout.write(f"  {describe(difference)}")
        if len(differences) > SHOWN:
            self.stdout.write(f"  ... dan {len(differences) - SHOWN} baris lagi")
        if not fix:
            return False
        rebuild()
        remaining = differences_of()
        if remaining:
            self.stderr.write(f"Setelah dibangun ulang masih berbeda pada {len(remaining)} baris.")
            return False
        self.stdout.write(f"{name} dibangun ulang dan kini sesuai.")
        return True
