"""The import at scale (issue 11): a file written with inline strings (xlsxwriter's constant-memory mode, many
exporters) reads exactly as the same file with shared strings, and the check of a file costs the same queries
whatever its number of rows."""

import io

import pytest
import xlsxwriter

from programs.xlsx.importer import proposal_import_parse

# The import tests' world (autouse there, and here by this import): two kabupaten, a kecamatan and desa, the sub
# kegiatan SUB and three schemes.
from tests.programs.test_xlsx_import import SUB, world  # noqa: F401

pytestmark = pytest.mark.django_db

HEADER = [
    "No", "Tahun Anggaran", "Kode Kabupaten/Kota", "Kabupaten/Kota", "Perangkat Daerah Pengusul", "Kode Sub Kegiatan",
    "Nama Usulan", "Lokasi", "Kode Lokasi", "Volume", "Satuan", "Pagu APBD Kab/Kota", "Total Pagu", "Prioritas",
    "Keterangan",
]  # fmt: skip


def row(n: int, **overrides) -> list:
    values = {
        "No": n,
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Kabupaten/Kota": "Kabupaten Banjar",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": SUB,
        "Nama Usulan": f"Peningkatan Jalan Ruas {n}",
        "Lokasi": f"Ruas {n} STA 0+000",
        "Kode Lokasi": "63.03.01.2001",
        "Volume": "2,5",
        "Satuan": "km",
        "Pagu APBD Kab/Kota": "Rp 1.500.000.000",
        "Total Pagu": 1_500_000_000,
        "Prioritas": "Tinggi",
        "Keterangan": "",
    }
    values.update(overrides)
    return [values[label] for label in HEADER]


def workbook(rows: list[list], *, inline: bool, rich: tuple[int, int] | None = None) -> io.BytesIO:
    """The rows below a title and the header; `inline` writes every text as an inline string, as xlsxwriter does in
    constant-memory mode; `rich` (row, column of `rows`) writes that cell as text in two runs of two formats."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": inline, "in_memory": True})
    sheet = book.add_worksheet("Usulan")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["DAFTAR USULAN"])
    sheet.write_row(2, 0, HEADER)
    for index, values in enumerate(rows):
        for column, value in enumerate(values):
            if rich == (index, column):
                sheet.write_rich_string(index + 3, column, bold, value[:5], value[5:])
            elif value not in ("", None):
                sheet.write(index + 3, column, value)
    book.close()
    buffer.seek(0)
    buffer.name = "usulan.xlsx"
    return buffer


def outcome(result) -> tuple:
    return (
        [str(issue) for issue in result.errors],
        [str(issue) for issue in result.warnings],
        [(planned.row, planned.action, planned.name, planned.total, planned.values) for planned in result.rows],
    )


def test_inline_strings_read_as_shared_strings(operator_banjar):
    rows = [
        row(1),
        row(2, **{"Nama Usulan": "  Rehabilitasi\u00a0Jembatan  ", "Satuan": " unit "}),
        row(3, **{"Keterangan": "Baris satu_x000D_\nBaris dua", "Lokasi": "Ruas\tTengah"}),
        row(4, **{"Nama Usulan": "Jalan \u00c9mbun \u2013 \u6c34", "Prioritas": "rendah"}),
        row(5, **{"Perangkat Daerah Pengusul": "Dinas Entah"}),  # an error, read the same either way
        row(6, **{"Volume": "dua"}),
        row(7, **{"Nama Usulan": "Peningkatan Jalan Kaya Format"}),
    ]
    shared = proposal_import_parse(file=workbook(rows, inline=False, rich=(6, 6)), user=operator_banjar)
    inline = proposal_import_parse(file=workbook(rows, inline=True, rich=(6, 6)), user=operator_banjar)
    assert outcome(inline) == outcome(shared)
    errors, _, planned = outcome(inline)
    assert len(planned) == 5 and len(errors) == 2
    names = {number: name for number, _, name, _, _ in planned}
    assert names[5] == "Rehabilitasi Jembatan"
    assert names[7] == "Jalan \u00c9mbun \u2013 \u6c34"
    assert names[10] == "Peningkatan Jalan Kaya Format"
    notes = {number: values["notes"] for number, _, _, _, values in planned}
    assert notes[6] == "Baris satu\nBaris dua"  # _x000D_ and the line break: one CR LF
    assert errors[0].startswith("Baris 8, Perangkat Daerah Pengusul: 'Dinas Entah' tidak dikenal")
    assert errors[1].startswith("Baris 9, Volume:")


@pytest.mark.parametrize("inline", [False, True])
def test_checking_a_file_costs_the_same_queries_at_5_and_300_rows(operator_banjar, inline, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = workbook([row(n) for n in range(1, 6)], inline=inline)
    proposal_import_parse(file=small, user=operator_banjar)  # what is read once per process (reference caches)
    small.seek(0)
    with CaptureQueriesContext(connection) as queries:
        result = proposal_import_parse(file=small, user=operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    assert len(result.rows) == 5
    big = workbook([row(n) for n in range(1, 301)], inline=inline)
    with django_assert_num_queries(len(queries)):
        result = proposal_import_parse(file=big, user=operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    assert len(result.rows) == 300
    assert len(queries) <= 15
