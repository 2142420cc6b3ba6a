"""Benchmark of the Excel export and import (not a test): prints figures and ratios.

    .venv/bin/python bench/xlsx_bench.py [--proposals 100000] [--library-rows 100000] [--import-rows 10000]

Uses its own SQLite database (/tmp/rakornis_xlsx_bench.sqlite3) unless DATABASE_URL is set (PostgreSQL: give it a
database of its own). Seeds the proposals it needs once (fiscal year 2030), and rolls the import back. Runs with
DEBUG off unless DEBUG is set (see below).

1. The two writers, bare, on the same synthetic cells: openpyxl write-only vs XlsxWriter constant-memory.
2. The proposal export (query + rows + render) against XlsxWriter writing the same cells, pre-built, in the same run.
3. The same export at a quarter, half and all of the rows: peak memory must stay flat.
4. Importing a workbook of new proposals (parse, then apply rolled back) against bare openpyxl read-only parsing.

Each measurement runs in a forked child, so its peak memory (growth of the resident set) is its own.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from bench_setup import setup_django

# DEBUG off, as the export runs in production. With DEBUG on Django keeps the SQL of the last 9,000 queries
# (connection.queries), and the export's two queries per chunk each name the chunk's 2,000 ids (~14 KB of SQL): a
# fresh process's peak then rose ~14 bytes a row with the rows exported, memory the export itself never holds.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
setup_django("/tmp/rakornis_xlsx_bench.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402

from agencies.models import Agency, Region  # noqa: E402
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding  # noqa: E402
from programs.xlsx import columns as cols  # noqa: E402
from programs.xlsx.exporters import proposal_export_rows, proposal_export_sheets  # noqa: E402
from programs.xlsx.importer import proposal_import_apply, proposal_import_parse  # noqa: E402
from programs.xlsx.render import NUMBER_FORMATS, SheetSpec, write_workbook  # noqa: E402

BENCH_YEAR = 2030
IMPORT_YEAR = 2031
MIB = 1024 * 1024


# Measuring ------------------------------------------------------------------------------------------------------------


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measured(task: Callable[[], object]) -> tuple[float, float, Any]:
    """(CPU seconds, peak resident memory growth in MiB, result) of `task`, run in a forked child.

    The result comes back through JSON (tuples as lists), hence Any.

    CPU time rather than wall time: on a shared machine other processes' load would swamp the comparison. The
    database server's own time is not in it (SQLite runs in-process, so there it is).
    """
    # Close in the parent, before forking: a child closing an inherited PostgreSQL connection would end the
    # parent's session too. Both open their own on the next query.
    connections.close_all()
    # And collect the parent's garbage cycles (the workbook writer leaves thousands): a child would otherwise spend
    # part of its measured time collecting them (0.07-0.08 s of the bare read of 10,000 rows), and its peak memory
    # would depend on how much of what they held it reused.
    gc.collect()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into the caller's code
        status = 1
        try:
            os.close(read_end)
            start = _rss()
            started = time.process_time()
            result = task()
            elapsed = time.process_time() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - start
            with os.fdopen(write_end, "w") as pipe:
                json.dump({"elapsed": elapsed, "peak": peak / MIB, "result": result}, pipe, default=str)
            status = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("benchmark child failed")
    values = json.loads(data)
    return values["elapsed"], values["peak"], values["result"]


def line(label: str, rows: int, elapsed: float, peak: float, extra: str = "") -> None:
    print(f"  {label:<44} {rows:>8,} rows {elapsed:8.2f} s CPU {rows / elapsed:>9,.0f} rows/s {peak:7.1f} MiB  {extra}")


# 1. The two writers on the same cells -------------------------------------------------------------------------------


def synthetic_rows(count: int, width: int) -> list[list]:
    row = [
        "USL-2030-63.03-000001",
        "Terverifikasi",
        2030,
        "63.03",
        "Kabupaten Banjar",
        "Dinas PUPR Kab. Banjar",
        "1.03.10.2.01.0053",
        "Pembangunan Jalan",
        "Tidak",
        "Peningkatan Jalan Martapura - Astambul ruas 12",
        "Ruas Martapura STA 0+000 s.d. 2+500",
        "63.03.01",
        Decimal("-3.318612"),
        Decimal("114.590300"),
        Decimal("2.50"),
        "km",
        "Panjang jalan yang ditingkatkan",
        Decimal(1_500_000_000),
        Decimal(250_000_000),
        Decimal(1_750_000_000),
        "Sedang",
        "Musrenbang Kab/Kota",
        Decimal("3.00"),
        Decimal(2_000_000_000),
        "Lanjutan tahap II",
    ]
    row = (row * (width // len(row) + 1))[:width]
    return [[index, *row[1:]] for index in range(count)]


def openpyxl_write(rows: list[list], path: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Usulan")
    money = [isinstance(value, Decimal) and value > 1000 for value in rows[0]]
    for values in rows:
        cells = []
        for value, is_money in zip(values, money, strict=True):
            cell = WriteOnlyCell(sheet, value)
            if is_money:
                cell.number_format = '"Rp "#,##0'
            cells.append(cell)
        sheet.append(cells)
    workbook.save(path)
    return len(rows)


def write_cells(sheet: Any, rows: list[list], formats: list[Any], first_row: int = 0) -> None:
    """XlsxWriter writing `rows` plainly from `first_row` on: text as text, numbers in their column's format, no
    cell for None or ""."""
    for row_index, values in enumerate(rows, start=first_row):
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(row_index, col, value)
            else:
                sheet.write_number(row_index, col, float(value), formats[col])


def xlsxwriter_write(rows: list[list], path: str) -> int:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("Usulan")
    money = workbook.add_format({"num_format": '"Rp "#,##0'})
    volume = workbook.add_format({"num_format": "#,##0.##"})
    formats = [money if isinstance(v, Decimal) and v > 1000 else volume for v in rows[0]]
    write_cells(sheet, rows, formats)
    workbook.close()
    return len(rows)


def compare_writers(count: int, width: int, directory: str) -> None:
    print(f"\n1. Writers, bare, {count:,} rows x {width} columns (same cells)")
    rows = synthetic_rows(count, width)
    results = {}
    for name, writer in (("openpyxl write-only", openpyxl_write), ("XlsxWriter constant_memory", xlsxwriter_write)):
        path = os.path.join(directory, f"{name.split()[0]}.xlsx")
        elapsed, peak, _ = measured(partial(writer, rows, path))
        results[name] = elapsed
        line(name, count, elapsed, peak, f"{os.path.getsize(path) / MIB:.1f} MiB file")
    openpyxl_s, xlsxwriter_s = results.values()
    print(
        f"  -> XlsxWriter takes {xlsxwriter_s / openpyxl_s:.0%} of openpyxl's time "
        f"({openpyxl_s / xlsxwriter_s:.1f}x faster)"
    )


# 2-3. The proposal export -------------------------------------------------------------------------------------------


def seed_proposals(count: int) -> None:
    existing = Proposal.objects.filter(fiscal_year=BENCH_YEAR).count()
    if existing >= count:
        return
    regions = list(Region.objects.regencies().filter(code__startswith="63."))
    agencies = {agency.region_id: agency for agency in Agency.objects.filter(region__in=regions)}
    regions = [region for region in regions if region.pk in agencies]
    subs = list(Nomenclature.objects.sub_activities().filter(code__contains=".2."))
    schemes = {scheme.code: scheme for scheme in FundingScheme.objects.all()}
    started = time.perf_counter()
    batch = 5000
    for start in range(existing, count, batch):
        proposals = []
        for n in range(start, min(start + batch, count)):
            region = regions[n % len(regions)]
            proposals.append(
                Proposal(
                    number=f"USL-{BENCH_YEAR}-{region.code}-{n + 1:06d}",
                    fiscal_year=BENCH_YEAR,
                    region=region,
                    agency=agencies[region.pk],
                    sub_activity=subs[n % len(subs)],
                    name=f"Peningkatan Jalan Ruas Uji {n + 1} {region.name}",
                    location=f"Ruas {n % 97} STA 0+000 s.d. 2+500",
                    volume=Decimal("2.50"),
                    unit="km",
                    output_indicator="Panjang jalan yang ditingkatkan",
                    status=Proposal.Status.VERIFIED,
                    notes="Lanjutan tahap II" if n % 3 == 0 else "",
                )
            )
        Proposal.objects.bulk_create(proposals)
        lines = []
        for proposal in proposals:
            lines.append(ProposalFunding(proposal=proposal, scheme=schemes["APBD_KAB"], amount=Decimal(1_500_000_000)))
            if proposal.pk % 2:
                lines.append(ProposalFunding(proposal=proposal, scheme=schemes["BKP"], amount=Decimal(250_000_000)))
        ProposalFunding.objects.bulk_create(lines)
    print(f"  (seeded {count - existing:,} proposals in {time.perf_counter() - started:.1f} s)")


def export_queryset(limit: int):
    """The first `limit` seeded proposals (by id), in the list's order (by number)."""
    seeded = Proposal.objects.filter(fiscal_year=BENCH_YEAR)
    last = seeded.order_by("pk").values_list("pk", flat=True)[limit - 1]
    return seeded.filter(pk__lte=last).order_by("number")


def app_export(limit: int, path: str) -> int:
    write_workbook(proposal_export_sheets(export_queryset(limit)), path)
    return limit


def bare_export(limit: int, path: str) -> tuple[float, int]:
    """Pre-build the export's cells (untimed), then time XlsxWriter writing them plainly."""
    schemes = cols.ordered_schemes(FundingScheme.objects.all())
    rows = list(proposal_export_rows(export_queryset(limit), schemes))
    fields = cols.interchange_fields(schemes)
    import xlsxwriter

    started = time.process_time()
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("Usulan")
    # The same cells: the same values, each number with its column's number format; nothing else.
    by_format = {}
    number_formats = []
    for field in fields:
        code = NUMBER_FORMATS.get(field.kind)
        if code and code not in by_format:
            by_format[code] = workbook.add_format({"num_format": code})
        number_formats.append(by_format[code] if code else None)
    for col, field in enumerate(fields):
        sheet.write_string(0, col, field.label)
    write_cells(sheet, rows, number_formats, first_row=1)
    workbook.close()
    return time.process_time() - started, len(rows)


def render_only(limit: int, path: str) -> tuple[float, int]:
    """The shared render on pre-built rows: the rendering function's own overhead over bare XlsxWriter."""
    sheet = proposal_export_sheets(export_queryset(limit))[0]
    rows = list(sheet.rows)
    started = time.process_time()
    write_workbook([SheetSpec(sheet.name, sheet.columns, rows, sheet.title_lines)], path)
    return time.process_time() - started, len(rows)


def export_benchmark(count: int, directory: str) -> None:
    print(f"\n2. Proposal export, {count:,} proposals ({connections['default'].vendor})")
    seed_proposals(count)
    path = os.path.join(directory, "export.xlsx")
    app_s, app_peak, _ = measured(lambda: app_export(count, path))
    line("application (query + rows + render)", count, app_s, app_peak, f"{os.path.getsize(path) / MIB:.1f} MiB file")
    _, render_peak, (render_s, _) = measured(lambda: render_only(count, path))
    line("render_workbook on pre-built rows", count, render_s, render_peak)
    _, bare_peak, (bare_s, _) = measured(lambda: bare_export(count, path))
    line("bare XlsxWriter, same cells pre-built", count, bare_s, bare_peak)
    print(
        f"  -> application / bare = {app_s / bare_s:.2f} (overhead {app_s / bare_s - 1:+.0%}); "
        f"render / bare = {render_s / bare_s:.2f} (overhead {render_s / bare_s - 1:+.0%})"
    )
    print("\n3. Memory as rows grow (application export)")
    for limit in sorted({max(count // 4, 1), max(count // 2, 1), count}):
        elapsed, peak, _ = measured(partial(app_export, limit, path))
        line(f"{limit:,} proposals", limit, elapsed, peak)


# 4. The import --------------------------------------------------------------------------------------------------------


def import_workbook(count: int, path: str, shared_strings: bool = False) -> None:
    """A workbook of `count` new proposals in the interchange format, as a planner's file would be: its texts as
    inline strings (xlsxwriter's constant-memory mode, as many exporters write), or shared as Excel saves them."""
    import xlsxwriter

    regions = list(Region.objects.regencies().filter(code__startswith="63."))
    agencies = {agency.region_id: agency for agency in Agency.objects.filter(region__in=regions)}
    regions = [region for region in regions if region.pk in agencies]
    districts: dict[int | None, Region] = {}
    for district in Region.objects.districts().filter(parent__in=regions):
        districts.setdefault(district.parent_id, district)
    subs = list(Nomenclature.objects.sub_activities().filter(code__contains=".2.").values_list("code", flat=True))
    header = [
        "No", "Tahun Anggaran", "Kode Kabupaten/Kota", "Kabupaten/Kota", "Perangkat Daerah Pengusul",
        "Kode Sub Kegiatan", "Nama Usulan", "Lokasi", "Kode Lokasi", "Volume", "Satuan", "Indikator Keluaran",
        "Pagu APBD Kab/Kota", "Pagu Bantuan Keuangan Provinsi", "Total Pagu", "Prioritas", "Sumber Usulan",
        "Keterangan",
    ]  # fmt: skip
    workbook = xlsxwriter.Workbook(path, {"constant_memory": not shared_strings})
    sheet = workbook.add_worksheet("Usulan")
    sheet.write_row(0, 0, ["DAFTAR USULAN TA 2031"])
    sheet.write_row(2, 0, header)
    for n in range(count):
        region = regions[n % len(regions)]
        bkp = 250_000_000 if n % 2 else None
        sheet.write_row(
            n + 3,
            0,
            [
                n + 1, IMPORT_YEAR, region.code, region.name, agencies[region.pk].short_name, subs[n % len(subs)],
                f"Peningkatan Jalan Impor {n + 1}", f"Ruas {n % 97} STA 0+000", districts[region.pk].code,
                "2,5" if n % 2 else 2.5, "km", "Panjang jalan", "Rp 1.500.000.000" if n % 3 else 1_500_000_000,
                bkp, 1_500_000_000 + (bkp or 0), "Sedang", "Musrenbang Kab/Kota", "",
            ],
        )  # fmt: skip
    workbook.close()


def bare_read(path: str) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook["Usulan"].iter_rows(values_only=True))
    workbook.close()
    return count


def app_parse(path: str) -> dict:
    result = proposal_import_parse(file=path, user=None)
    assert not result.errors, result.errors[:5]
    return {"create": len(result.to_create)}


def app_parse_and_apply(path: str) -> dict:
    started = time.process_time()
    result = proposal_import_parse(file=path, user=None)
    parsed = time.process_time() - started
    with transaction.atomic():
        summary = proposal_import_apply(result=result, user=None)
        applied = time.process_time() - started - parsed
        transaction.set_rollback(True)  # leave the benchmark database as it was
    return {"parse": parsed, "apply": applied, "created": len(summary.created)}


def import_benchmark(count: int, directory: str, shared_strings: bool = False) -> None:
    kind = "shared strings" if shared_strings else "inline strings"
    print(f"\n4. Import of a {count:,}-row workbook of new proposals ({kind})")
    path = os.path.join(directory, "import.xlsx")
    import_workbook(count, path, shared_strings)
    bare_s, bare_peak, _ = measured(lambda: bare_read(path))
    line("bare openpyxl read-only iter_rows", count, bare_s, bare_peak)
    parse_s, parse_peak, _ = measured(lambda: app_parse(path))
    line("proposal_import_parse (read + check)", count, parse_s, parse_peak)
    total_s, total_peak, times = measured(lambda: app_parse_and_apply(path))
    line("parse + proposal_import_apply (rolled back)", count, total_s, total_peak, f"apply {times['apply']:.2f} s")
    print(f"  -> parse / bare read = {parse_s / bare_s:.2f}; with the writes = {total_s / bare_s:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proposals", type=int, default=20_000)
    parser.add_argument("--library-rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=25)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["writers", "export", "import"])
    parser.add_argument("--shared-strings", action="store_true", help="import a workbook with shared strings, as Excel")
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not FundingScheme.objects.exists():
        call_command("load_reference_data", verbosity=0, stdout=open(os.devnull, "w"))
    print(f"Python {sys.version.split()[0]}, database {connections['default'].vendor}, {os.cpu_count()} CPU")
    with tempfile.TemporaryDirectory() as directory:
        if "writers" not in options.skip:
            compare_writers(options.library_rows, options.columns, directory)
        if "export" not in options.skip:
            export_benchmark(options.proposals, directory)
        if "import" not in options.skip:
            import_benchmark(options.import_rows, directory, options.shared_strings)


if __name__ == "__main__":
    main()
