from django.core.management.base import BaseCommand, CommandError, CommandParser

from rakornis.demo import CHUNK_SIZE, DEFAULT_PROPOSALS, DEFAULT_SEED, DEMO_PASSWORD, MissingReferenceData, demo_seed


def _count(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class Command(BaseCommand):
    help = (
        "Mengisi data demo: akun demo (kata sandi rakornis-demo), Rakornis PUPR Kalsel 2026 beserta daftar hadir, "
        "dan usulan TA 2027 dari 13 kabupaten/kota Kalimantan Selatan. Hasilnya sama untuk --seed yang sama. "
        "Dijalankan ulang: akun dan rapat demo yang masih terbuka dipulihkan, usulan hanya dibuat bila belum ada "
        "usulan sama sekali. Setiap usulan dibuat dan diproses melalui layanan yang sama dengan halaman web."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--proposals",
            type=int,
            default=DEFAULT_PROPOSALS,
            metavar="N",
            help=f"Jumlah usulan TA 2027 (bawaan {DEFAULT_PROPOSALS}; ratusan ribu pun bisa, untuk uji beban).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Benih acak (bawaan {DEFAULT_SEED}).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Tidak melakukan apa pun bila sudah ada usulan (dipakai oleh `make run`).",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            metavar="N",
            help=f"Usulan per potongan tulis (bawaan {CHUNK_SIZE}).",
        )

    def handle(
        self,
        *args,
        proposals: int,
        seed: int,
        if_empty: bool,
        chunk_size: int,
        verbosity: int,
        **options,
    ) -> None:
        if proposals < 0 or chunk_size < 1:
            raise CommandError("--proposals tidak boleh negatif dan --chunk-size minimal 1.")

        def progress(done: int) -> None:
            if verbosity >= 1 and proposals > chunk_size:
                self.stdout.write(f"  {_count(done)} / {_count(proposals)} usulan")

        try:
            result = demo_seed(
                proposals=proposals,
                seed=seed,
                if_empty=if_empty,
                chunk_size=chunk_size,
                progress=progress,
            )
        except MissingReferenceData as exc:
            raise CommandError(str(exc)) from exc

        if result.accounts == 0:
            self.stdout.write(f"Data demo tidak diisi: {result.skipped}.")
            return
        self.stdout.write(f"Akun demo: {result.accounts} (kata sandi {DEMO_PASSWORD})")
        self.stdout.write(f"Rapat demo: {result.meetings}, daftar hadir: {result.attendances}")
        counts = result.proposals
        if counts is None:
            self.stdout.write(self.style.WARNING(f"Usulan tidak dibuat: {result.skipped}."))
        else:
            self.stdout.write(
                f"Usulan: {_count(counts.proposals)} TA 2027 + {_count(counts.carried_over)} lanjutan TA 2028, "
                f"{_count(counts.funding_lines)} baris pendanaan"
            )
            self.stdout.write(
                f"Kesepakatan: {_count(counts.decisions)}, {_count(counts.decision_lines)} baris pendanaan disepakati; "
                f"jejak audit: {_count(counts.audit_entries)}"
            )
            self.stdout.write(
                "Per status: " + ", ".join(f"{status} {_count(n)}" for status, n in counts.by_status.items())
            )
        self.stdout.write(self.style.SUCCESS(f"Data demo selesai dalam {result.elapsed:.1f} s (seed {seed})."))
