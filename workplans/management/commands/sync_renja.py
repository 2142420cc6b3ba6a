"""`python manage.py sync_renja --year 2027 --agency NAME [--dry-run]`: the Renja sync from the command line."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from agencies.models import Agency
from meetings.selectors import agreed_decisions
from programs.models import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, WorkPlan
from rakornis.formatting import format_rupiah
from workplans.lines import RenjaLine, SyncPlan
from workplans.services import WorkPlanLocked, work_plan_get_or_create, work_plan_sync, work_plan_sync_preview

MAX_CANDIDATES = 30


def find_agency(name: str, *, fiscal_year: int) -> Agency:
    """The agency whose short name or name is `name` (case-insensitive); CommandError with candidates otherwise."""
    name = name.strip()
    matches = list(Agency.objects.filter(Q(short_name__iexact=name) | Q(name__iexact=name)))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"Instansi {name!r} ambigu; pilih salah satu:{_names(matches)}")
    candidates = list(Agency.objects.filter(Q(short_name__icontains=name) | Q(name__icontains=name)))
    if candidates:
        raise CommandError(f"Instansi {name!r} tidak ditemukan. Mungkin maksud Anda:{_names(candidates)}")
    # Nothing alike: offer the agencies that execute agreed proposals of the year, the ones a Renja is made for.
    agreed = agreed_decisions(fiscal_year=fiscal_year)
    executing = list(Agency.objects.filter(pk__in=agreed.values("executing_agency")).order_by("short_name"))
    if executing:
        raise CommandError(
            f"Instansi {name!r} tidak ditemukan. Pelaksana kesepakatan TA {fiscal_year}:{_names(executing)}"
        )
    raise CommandError(f"Instansi {name!r} tidak ditemukan, dan belum ada kesepakatan untuk TA {fiscal_year}.")


def _names(agencies: list[Agency]) -> str:
    """One candidate a line, short name first (what --agency takes), then the full name."""
    shown = [f"\n  {agency.short_name} ({agency.name})" for agency in agencies[:MAX_CANDIDATES]]
    more = f"\n  ... dan {len(agencies) - MAX_CANDIDATES} lainnya" if len(agencies) > MAX_CANDIDATES else ""
    return "".join(shown) + more


def _funding(line: RenjaLine) -> str:
    if not line.funding:
        return "tanpa pagu"
    parts = [f"{scheme.short_name} {format_rupiah(amount)}" for scheme, amount in line.funding_lines]
    if len(parts) == 1:
        return parts[0]
    return "; ".join(parts) + f" (jumlah {format_rupiah(line.total)})"


def _title(line: RenjaLine) -> str:
    return f"{line.sub_activity.code} {line.sub_activity.name} — {line.region.name}"


def plan_text(plan: SyncPlan) -> list[str]:
    """The preview as lines of text: added, changed (old -> new) and removed lines, then the skipped proposals."""
    out: list[str] = []
    if plan.added:
        out.append(f"Ditambah ({len(plan.added)} baris):")
        for line in plan.added:
            out.append(f"  + {_title(line)}")
            out.append(f"      {_funding(line)}")
            details = [f"target {line.target or '-'}"]
            if line.forward_amount or line.forward_target:
                details.append(f"prakiraan maju {line.forward_target or '-'}, {format_rupiah(line.forward_amount)}")
            details.append(f"usulan {', '.join(line.source_numbers)}")
            out.append(f"      {'; '.join(details)}")
    if plan.changed:
        out.append(f"Diubah ({len(plan.changed)} baris):")
        for change in plan.changed:
            out.append(f"  ~ {_title(change.new)}")
            for scheme, old, new in change.funding_changes:
                out.append(
                    f"      {scheme.short_name}: {format_rupiah(old) if old is not None else '-'} -> "
                    f"{format_rupiah(new) if new is not None else '-'}"
                )
            if change.funding_changes:
                out.append(f"      jumlah: {format_rupiah(change.old.total)} -> {format_rupiah(change.new.total)}")
            labels = {
                "target": "target",
                "location": "lokasi",
                "forward_target": "prakiraan maju target",
                "forward_amount": "prakiraan maju pagu",
            }
            for name in change.changed_scalars:
                before, after = change.old.scalars()[name], change.new.scalars()[name]
                if name == "forward_amount":
                    before, after = format_rupiah(before), format_rupiah(after)
                out.append(f"      {labels[name]}: {before or '-'} -> {after or '-'}")
            for verb, numbers in (("ditambah", change.sources_added), ("dilepas", change.sources_removed)):
                if numbers:
                    out.append(f"      usulan {verb}: {', '.join(numbers)}")
    if plan.removed:
        out.append(f"Dihapus ({len(plan.removed)} baris, tidak ada lagi usulan yang disepakati):")
        for line in plan.removed:
            sources = f"; usulan {', '.join(line.source_numbers)}" if line.sources else ""
            out.append(f"  - {_title(line)}: {_funding(line)}{sources}")
    if plan.skipped:
        out.append(f"Dilewati ({len(plan.skipped)} usulan):")
        for skipped in plan.skipped:
            out.append(f"  ! {skipped.number}: {skipped.reason}")
    out.append(f"Tidak berubah: {plan.unchanged} baris.")
    out.append(
        f"Ringkasan: {plan.summary()}. Total pagu {format_rupiah(plan.total_before)} -> "
        f"{format_rupiah(plan.total_after)}."
    )
    return out


class Command(BaseCommand):
    help = (
        "Sinkronkan Renja PD satu instansi untuk satu tahun anggaran dari kesepakatan rapat: tampilkan baris yang "
        "ditambah, diubah dan dihapus, lalu simpan (kecuali --dry-run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="tahun anggaran, mis. 2027")
        parser.add_argument("--agency", required=True, help="nama singkat atau nama lengkap instansi pelaksana")
        parser.add_argument("--dry-run", action="store_true", help="tampilkan perubahan tanpa menyimpan apa pun")
        parser.add_argument("--user", help="nama pengguna yang dicatat di jejak audit (opsional)")

    def handle(self, *args, year: int, agency: str, dry_run: bool, user: str | None, **options) -> None:
        if not MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR:
            raise CommandError(f"Tahun anggaran harus antara {MIN_FISCAL_YEAR} dan {MAX_FISCAL_YEAR}.")
        found = find_agency(agency, fiscal_year=year)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"Pengguna {user!r} tidak ditemukan.")
        verbose = options["verbosity"] >= 1

        if dry_run:
            work_plan = WorkPlan.objects.filter(agency=found, fiscal_year=year).select_related("agency").first()
            exists = work_plan is not None
            work_plan = work_plan or WorkPlan(agency=found, fiscal_year=year)
            plan = work_plan_sync_preview(work_plan=work_plan)
            self._header(work_plan, state=work_plan.get_status_display() if exists else "belum ada, akan dibuat")
            self._print(plan, verbose=verbose)
            if work_plan.is_locked:
                raise CommandError(str(WorkPlanLocked(work_plan)))
            self.stdout.write("Uji coba (--dry-run): tidak ada yang disimpan.")
            return

        try:
            # A Renja created here is kept only together with its first sync.
            with transaction.atomic():
                work_plan, created = work_plan_get_or_create(agency=found, fiscal_year=year, user=actor)
                plan = work_plan_sync(work_plan=work_plan, user=actor)
        except WorkPlanLocked as exc:
            raise CommandError(str(exc)) from exc
        self._header(work_plan, state="baru dibuat" if created else work_plan.get_status_display())
        self._print(plan, verbose=verbose)
        if plan.has_changes:
            self.stdout.write(self.style.SUCCESS(f"Tersimpan: {plan.summary()}."))
        else:
            self.stdout.write("Renja sudah sesuai kesepakatan rapat; tidak ada yang diubah.")

    def _header(self, work_plan: WorkPlan, *, state: str) -> None:
        self.stdout.write(f"{work_plan} ({state})")

    def _print(self, plan: SyncPlan, *, verbose: bool) -> None:
        lines = plan_text(plan)
        self.stdout.write("\n".join(lines if verbose else lines[-2:]))
