"""Peak memory and CPU of the import's check on hostile and big workbooks (not a test): prints figures.

    .venv/bin/python bench/import_bounds_bench.py [--rows 20000]

Each file is read by `proposal_import_parse` (what the preview job runs in the worker) in a forked child of a
process with Django loaded, and the child's peak resident memory (ru_maxrss: the whole process, Django included, as
the worker's would be) and CPU seconds are printed with the outcome. Uses its own SQLite database
(/tmp/rakornis_import_bounds_bench.sqlite3) unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from bench_setup import setup_django

setup_django("/tmp/rakornis_import_bounds_bench.sqlite3")

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from programs.xlsx.importer import proposal_import_parse  # noqa: E402
from tests.programs.test_xlsx_import_bounds import HEADER, workbook_zip  # noqa: E402

MIB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def in_child(task: Callable[[], str]) -> tuple[float, float, str]:
    """(CPU seconds, peak RSS of the whole process in MiB, outcome) of `task` in a forked child."""
    connections.close_all()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            started = time.process_time()
            outcome = task()
            cpu = time.process_time() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            with os.fdopen(write_end, "w") as pipe:
                json.dump([cpu, peak, outcome], pipe)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    cpu, peak, outcome = json.loads(data)
    return cpu, peak, outcome


def parse(path: Path) -> Callable[[], str]:
    def task() -> str:
        result = proposal_import_parse(file=path)
        if result.errors:
            return f"refused: {result.errors[0].message[:90]}" + (
                f" (+{len(result.errors) - 1})" if len(result.errors) > 1 else ""
            )
        return f"accepted: {len(result.rows):,} rows"

    return task


def legit(rows: int) -> bytes:
    """A big honest workbook: the template's columns, inline strings as this project's exports write them."""
    labels = [
        "Tahun Anggaran",
        "Kode Kabupaten/Kota",
        "Perangkat Daerah Pengusul",
        "Kode Sub Kegiatan",
        "Nama Usulan",
        "Lokasi",
        "Volume",
        "Satuan",
        "Pagu APBD Kab/Kota",
        "Keterangan",
    ]

    def cell(col: int, row: int, value: object) -> str:
        ref = f"{chr(65 + col)}{row}"
        if isinstance(value, str):
            return f'<c r="{ref}" s="1" t="inlineStr"><is><t>{value}</t></is></c>'
        return f'<c r="{ref}" s="2"><v>{value}</v></c>'

    header = '<row r="1">' + "".join(cell(i, 1, label) for i, label in enumerate(labels)) + "</row>"
    body = "".join(
        f'<row r="{r}">'
        + "".join(
            cell(i, r, v)
            for i, v in enumerate(
                [
                    2027,
                    "63.03",
                    "Dinas PUPR Kab. Banjar",
                    "1.03.10.2.01.0053",
                    f"Peningkatan Jalan Desa Sungai Tabuk ruas {r} sepanjang dua kilometer",
                    f"Desa Sungai Tabuk, ruas {r}",
                    2.5,
                    "km",
                    1_500_000_000,
                    "Usulan Musrenbang kecamatan; jalan rusak berat sejak banjir 2025" * 2,
                ]
            )
        )
        + "</row>"
        for r in range(2, rows + 2)
    )
    return workbook_zip(sheet=header + body)


def cases(rows: int) -> list[tuple[str, bytes]]:
    million_tiny = "<si><t>a</t></si>" * 3_000_000
    long_strings = "".join(f"<si><t>{n:06d}{'x' * 994}</t></si>" for n in range(190_000))
    return [
        ("shared-strings bomb (3,000,000 tiny)", workbook_zip(sheet=HEADER, shared=million_tiny)),
        ("190,000 shared strings of 1,000 chars", workbook_zip(sheet=HEADER, shared=long_strings)),
        (
            "cells bomb (2,000,000 empty styled)",
            workbook_zip(
                sheet=HEADER + "".join(f'<row r="{r}">' + '<c s="0"/>' * 40 + "</row>" for r in range(2, 50_002))
            ),
        ),
        ("rows bomb (1,000,000 empty rows)", workbook_zip(sheet=HEADER + "<row/>" * 1_000_000)),
        (
            "one cell of 150 MB of text",
            workbook_zip(
                sheet=HEADER + '<row r="2"><c r="E2" t="inlineStr"><is><t>' + "x" * (150 * MIB) + "</t></is></c></row>"
            ),
        ),
        (
            "styles part of 7.9 MB (just under its bound)",
            workbook_zip(sheet=HEADER, styles="<cellXfs>" + "<xf/>" * (1_580_000) + "</cellXfs>"),
        ),
        (f"honest workbook, {rows:,} rows", legit(rows)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Import check on hostile and big workbooks (Django loaded: {baseline:.0f} MiB before any file)")
    print(f"  {'file':<46} {'zip':>9} {'xml':>10} {'CPU s':>7} {'peak RSS':>9}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for label, content in cases(options.rows):
            path = Path(folder) / "usulan.xlsx"
            path.write_bytes(content)
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                xml = sum(info.file_size for info in archive.infolist())
            cpu, peak, outcome = in_child(parse(path))
            print(f"  {label:<46} {len(content) / MIB:7.2f}MB {xml / MIB:8.1f}MB {cpu:7.2f} {peak:7.0f}MB  {outcome}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
