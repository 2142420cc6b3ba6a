"""Benchmark of a complete nomenclature (not a test): loads a generated decree list of about 17,000 rows, then a
second decree that drops and renumbers codes, and measures the proposal form and the autocomplete with it.

    .venv/bin/python bench/nomenclature_bench.py [--rows-per-kegiatan 11]

Uses its own SQLite database (/tmp/rakornis_nomenclature_bench.sqlite3) unless DATABASE_URL is set; a PostgreSQL
database must have "bench" in its name, because the script empties the nomenclature and the proposals it finds.

The generated list has the shape of a decree annex: 8 urusan, 44 bidang urusan, 4 programs per bidang, 4 kegiatan
per program and level of government (provinsi .1., kabupaten/kota .2.), 11 sub kegiatan each (4-digit codes), and the
supporting program written once as `X.XX.01...` (spread into every bidang when loaded). The functions that write it
are imported by the tests (tests/programs/test_nomenclature_decrees.py) with smaller sizes.
"""

from __future__ import annotations

import csv
from pathlib import Path

# Urusan and their bidang urusan, numbered as in Permendagri 90/2019 (bidang numbers run on across urusan 1-3).
SECTORS = {
    "1": [f"1.{n:02d}" for n in range(1, 7)],
    "2": [f"2.{n:02d}" for n in range(7, 25)],
    "3": [f"3.{n:02d}" for n in range(25, 33)],
    "4": ["4.01", "4.02"],
    "5": [f"5.{n:02d}" for n in range(1, 8)],
    "6": ["6.01"],
    "7": ["7.01"],
    "8": ["8.01"],
}
WORKS = ["Pembangunan", "Rehabilitasi", "Pemeliharaan Berkala", "Peningkatan", "Penyusunan Rencana Teknis", "Survei"]
OBJECTS = ["Jalan", "Jembatan", "Jaringan Irigasi", "Drainase", "SPAM", "Sanitasi", "Rumah Tidak Layak Huni", "Embung"]
HEADER = ["kode", "level", "nama", "nama_kabupaten_kota", "kinerja", "indikator", "satuan", "kode_lama"]


def complete_list(
    *, programs: int = 4, activities: int = 4, sub_activities: int = 11, next_decree: bool = False
) -> list[list[str]]:
    """The rows of a generated decree list (HEADER order). `next_decree`: the following decree, which drops every
    fortieth sub kegiatan and gives each a successor numbered +5000 whose `kode_lama` names it."""
    rows: list[list[str]] = []

    def add(code: str, level: str, name: str, regency_name: str = "", old: str = "", unit: str = "") -> None:
        extra = [f"Terlaksananya {name}", f"Jumlah {name}", unit] if level == "sub_kegiatan" else ["", "", ""]
        rows.append([code, level, name, regency_name, *extra, old])

    counter = 0
    for affair, sectors in SECTORS.items():
        add(affair, "urusan", f"Urusan Pemerintahan {affair}")
        for sector in sectors:
            add(sector, "bidang_urusan", f"Urusan Pemerintahan Bidang {sector}")
            for program in range(2, 2 + programs):
                code = f"{sector}.{program:02d}"
                # The two trees name some programs differently: one in three here.
                regency = f"Program Kabupaten/Kota {code}" if program % 3 == 0 else ""
                add(code, "program", f"Program Bidang {sector} Nomor {program}", regency)
                for level in ("1", "2"):
                    for activity in range(1, 1 + activities):
                        kegiatan = f"{code}.{level}.{activity:02d}"
                        add(kegiatan, "kegiatan", f"Kegiatan {kegiatan}")
                        for number in range(1, 1 + sub_activities):
                            counter += 1
                            work, thing = WORKS[counter % len(WORKS)], OBJECTS[counter // 7 % len(OBJECTS)]
                            sub = f"{kegiatan}.{number:04d}"
                            name = f"{work} {thing} {sub[-9:]}"
                            if next_decree and counter % 40 == 0:
                                add(f"{kegiatan}.{number + 5000:04d}", "sub_kegiatan", f"{name} (baru)", old=sub)
                            else:
                                add(sub, "sub_kegiatan", name, unit="unit")
    # The supporting program, once for every bidang: X.XX.01, its kegiatan .1.NN and .2.NN, their sub kegiatan.
    add("X.XX.01", "program", "Program Penunjang Urusan Pemerintahan Daerah Provinsi", "Program Penunjang Urusan "
        "Pemerintahan Daerah Kabupaten/Kota")  # fmt: skip
    for level in ("1", "2"):
        for activity in range(1, 11):
            add(f"X.XX.01.{level}.{activity:02d}", "kegiatan", f"Kegiatan Penunjang {activity:02d}")
            for number in range(1, 9):
                add(f"X.XX.01.{level}.{activity:02d}.{number:04d}", "sub_kegiatan", f"Penunjang {activity}.{number}")
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def main() -> None:
    import argparse
    import io
    import os
    import statistics
    import tempfile
    import time

    from bench_setup import setup_django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-per-kegiatan", type=int, default=11, help="sub kegiatan per kegiatan (11: 17,305 rows)")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # the test client's host
    setup_django("/tmp/rakornis_nomenclature_bench.sqlite3", empties_database=True)

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from agencies.models import Agency, StaffRole
    from programs.models import Nomenclature, NomenclatureDecree, NomenclatureMapping, Proposal

    call_command("migrate", verbosity=0)
    # From the shipped partial list only, as a fresh installation has it: the first decree then inserts every code.
    Proposal.objects.all().delete()
    NomenclatureMapping.objects.all().delete()
    Nomenclature.objects.update(parent=None)
    Nomenclature.objects.all().delete()
    NomenclatureDecree.objects.all().delete()
    call_command("load_reference_data", stdout=io.StringIO())

    folder = Path(tempfile.mkdtemp())
    first = complete_list(sub_activities=args.rows_per_kegiatan)
    second = complete_list(sub_activities=args.rows_per_kegiatan, next_decree=True)
    first_path, second_path = write_csv(folder / "first.csv", first), write_csv(folder / "second.csv", second)
    print(f"generated list: {len(first):,} rows ({sum(r[0].startswith('X.XX') for r in first)} X.XX rows)")
    for label, path, number, date in (
        ("first decree", first_path, "Kepmendagri 050-5889/2021 (bench)", "2021-10-28"),
        ("first decree again (no change)", first_path, "Kepmendagri 050-5889/2021 (bench)", "2021-10-28"),
        ("second decree", second_path, "Kepmendagri 900.1.15.5-1317/2023 (bench)", "2023-02-27"),
    ):
        started, out = time.perf_counter(), io.StringIO()
        call_command(
            "load_reference_data", "--nomenclature", str(path), "--decree", number, "--decree-date", date, stdout=out
        )
        seconds = time.perf_counter() - started
        print(f"load_reference_data, {label}: {seconds:.2f} s (regions, schemes and agencies included)")
        print("   ", next(line for line in out.getvalue().splitlines() if line.startswith("Nomenklatur")))
    offered = Nomenclature.objects.sub_activities().active().count()
    retired = Nomenclature.objects.filter(is_active=False).count()
    print(
        f"nomenclature: {Nomenclature.objects.count():,} codes, {offered:,} sub kegiatan in force, {retired:,} retired,"
        f" {NomenclatureMapping.objects.count():,} mappings"
    )

    # An operator of Dinas PUPR Kab. Banjar (as in the demo), with the whole list to choose from.
    user, _ = get_user_model().objects.get_or_create(username="bench.nomenclature")
    agency = Agency.objects.get(short_name="Dinas PUPR Kab. Banjar")
    StaffRole.objects.get_or_create(user=user, agency=agency, role=StaffRole.Role.OPERATOR)
    client = Client()
    client.force_login(user)
    create = reverse("programs:proposal-create")
    client.get(create)
    sizes, times, cpu = [], [], []
    for _ in range(20):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(create)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        sizes.append(len(response.content))
    with CaptureQueriesContext(connection) as queries:
        client.get(create)
    # Wall time depends on what else the machine runs; this process's CPU time does much less (SQLite runs in it).
    print(
        f"proposal form GET: {sizes[-1] / 1024:.1f} KB, median {statistics.median(times):.0f} ms wall "
        f"({statistics.median(cpu):.0f} ms CPU of this process), max {max(times):.0f} ms over 20, "
        f"{len(queries)} queries; load average {os.getloadavg()[0]:.1f}"
    )
    started = time.perf_counter()
    response = client.get(reverse("programs:proposal-list"))
    print(
        f"proposal list GET (program/kegiatan filter as a code box): {len(response.content) / 1024:.1f} KB, "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    search = reverse("programs:sub-activity-search")
    for query in ("1.03.02.2", "1.03.02.2.01.0005", "jalan", "rehabilitasi jembatan", "x"):
        times = []
        for _ in range(20):
            started = time.perf_counter()
            response = client.get(search, {"q": query})
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"autocomplete q={query!r}: {len(response.json()['results'])} results, {len(response.content)} bytes, "
            f"median {statistics.median(times):.1f} ms"
        )


if __name__ == "__main__":
    main()
