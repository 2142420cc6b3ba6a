"""`python manage.py import_proposals FILE [--dry-run] [--user USERNAME]`: the proposal workbook, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from programs.xlsx.importer import ProposalImportError, proposal_import_apply, proposal_import_parse

MAX_LISTED = 20


class Command(BaseCommand):
    help = (
        "Mengimpor usulan dari berkas .xlsx (format templat usulan). Semua kesalahan dicetak sebagai "
        "`Baris N, Kolom: pesan`; bila ada satu saja kesalahan, tidak ada yang disimpan."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Berkas .xlsx berisi sheet Usulan.")
        parser.add_argument("--dry-run", action="store_true", help="Hanya periksa dan tampilkan; tidak menyimpan.")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Impor atas nama pengguna ini, dengan hak aksesnya (operator: hanya kabupaten/kotanya). "
            "Tanpa --user: tanpa batas wilayah, jejak audit tanpa pengguna.",
        )

    def handle(self, *args, file: Path, dry_run: bool = False, user: str | None = None, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: berkas tidak ditemukan")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"Pengguna {user!r} tidak ditemukan atau tidak aktif.")
        result = proposal_import_parse(file=file, user=account)
        for warning in result.warnings:
            self.stderr.write(f"Peringatan: {warning}")
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(f"{len(result.errors)} kesalahan; tidak ada yang disimpan.")
        self.stdout.write(f"{file.name}, sheet {result.sheet!r}, judul kolom di baris {result.header_row}: ")
        self.stdout.write(result.summary())
        for row in result.to_update[:MAX_LISTED]:
            self.stdout.write(f"  Baris {row.row}: {row.number} diubah ({', '.join(row.changed_labels)})")
        if len(result.to_update) > MAX_LISTED:
            self.stdout.write(f"  ... dan {len(result.to_update) - MAX_LISTED} usulan lain diubah")
        if dry_run:
            self.stdout.write(self.style.WARNING("Uji coba (--dry-run): tidak ada yang disimpan."))
            return
        try:
            summary = proposal_import_apply(result=result, user=account)
        except ProposalImportError as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError("Impor dibatalkan; tidak ada yang disimpan.") from exc
        if summary.created:
            self.stdout.write(f"Nomor baru: {summary.created[0]} s.d. {summary.created[-1]}")
        self.stdout.write(self.style.SUCCESS(f"Tersimpan: {summary}."))
