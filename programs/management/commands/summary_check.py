"""Compare the proposal summary and the meetings' decision summary with a recomputation from scratch; `--fix`
rebuilds the one that differs."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from meetings.summary import Values as MeetingValues
from meetings.summary import meeting_summary_differences, meeting_summary_rebuild
from programs.summary import Values, summary_differences, summary_rebuild

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


class Command(BaseCommand):
    help = (
        "Membandingkan ringkasan usulan (ProposalSummary) dan ringkasan kesepakatan rapat (MeetingDecisionSummary) "
        "dengan perhitungan ulang dari usulan, pendanaan dan kesepakatan rapat; keluar dengan kode 1 bila berbeda. "
        "--fix membangun ulang ringkasan yang berbeda."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true", help="Bangun ulang ringkasan bila berbeda.")

    def handle(self, *args, fix: bool, **options) -> None:
        proposals_ok = self._check_proposals(fix)
        meetings_ok = self._check_meetings(fix)
        if not (proposals_ok and meetings_ok):
            sys.exit(1)

    def _check_meetings(self, fix: bool) -> bool:
        """The meetings' decision summary; True when it agrees (or was rebuilt and now agrees)."""
        started = time.perf_counter()
        differences = meeting_summary_differences()
        if not differences:
            elapsed = time.perf_counter() - started
            self.stdout.write(f"Ringkasan kesepakatan rapat sesuai perhitungan ulang ({elapsed:.1f} s).")
            return True
        self.stdout.write(f"Ringkasan kesepakatan rapat berbeda pada {len(differences)} baris:")
        for difference in differences[:SHOWN]:
            meeting, region, outcome, desk, origin, scheme = difference.row
            self.stdout.write(
                f"  rapat #{meeting}, wilayah #{region}, {outcome}, desk {desk or '-'}, {origin}, "
                f"skema {scheme or 'semua'}: tersimpan {_meeting_values(difference.stored)}; "
                f"seharusnya {_meeting_values(difference.expected)}"
            )
        if len(differences) > SHOWN:
            self.stdout.write(f"  ... dan {len(differences) - SHOWN} baris lagi")
        if not fix:
            return False
        meeting_summary_rebuild()
        remaining = meeting_summary_differences()
        if remaining:
            self.stderr.write(f"Setelah dibangun ulang masih berbeda pada {len(remaining)} baris.")
            return False
        self.stdout.write("Ringkasan kesepakatan rapat dibangun ulang dan kini sesuai.")
        return True

    def _check_proposals(self, fix: bool) -> bool:
        """The proposal summary; True when it agrees (or was rebuilt and now agrees)."""
        started = time.perf_counter()
        differences = summary_differences()
        if not differences:
            self.stdout.write(f"Ringkasan usulan sesuai perhitungan ulang ({time.perf_counter() - started:.1f} s).")
            return True
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
            return False
        summary_rebuild()
        remaining = summary_differences()
        if remaining:
            self.stderr.write(f"Setelah dibangun ulang masih berbeda pada {len(remaining)} baris.")
            return False
        self.stdout.write("Ringkasan usulan dibangun ulang dan kini sesuai.")
        return True
