"""The one rendering function: numeric cells, formats, frozen header, filter, print setup, formula-injection guard."""

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from programs.xlsx.render import (
    FORMULA_TRIGGERS,
    Column,
    Kind,
    ListValidation,
    Row,
    SheetSpec,
    Style,
    render_workbook,
    write_workbook,
)

COLUMNS = [
    Column("Nama", width=30),
    Column("Pagu", Kind.MONEY, 18),
    Column("Volume", Kind.VOLUME),
    Column("Jumlah", Kind.COUNT),
    Column("Tahun", Kind.YEAR),
    Column("Lintang", Kind.COORDINATE),
]


def spec(rows, **kwargs) -> SheetSpec:
    return SheetSpec(name="Data", columns=COLUMNS, rows=rows, **kwargs)


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_numbers_are_numeric_cells_with_their_formats():
    rows = [["Jalan", Decimal(999_999_999_999_999), Decimal("12.50"), 3, 2027, Decimal("-3.318612")]]
    sheet = read(render_workbook([spec(rows)]))["Data"]
    cells = sheet[2]
    assert [cell.value for cell in cells] == ["Jalan", 999_999_999_999_999, 12.5, 3, 2027, -3.318612]
    assert [cell.data_type for cell in cells] == ["s", "n", "n", "n", "n", "n"]
    assert [cell.number_format for cell in cells[1:]] == ['"Rp "#,##0', "#,##0.##", "#,##0", "0", "0.000000"]


def test_title_rows_header_frozen_filter_and_print_setup():
    rows = ([f"Baris {n}", Decimal(n), None, None, None, None] for n in range(1, 51))
    sheet = read(render_workbook([spec(rows, title_lines=["Judul", "Sub judul"])]))["Data"]

    assert sheet["A1"].value == "Judul"
    assert "A1:F1" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert [cell.value for cell in sheet[4]] == [column.header for column in COLUMNS]
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == "A4:F54"
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # One page wide (1 is the OOXML default, so the attribute may be left out), as many pages down as needed.
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.column_dimensions["A"].width == pytest.approx(30, abs=1)
    assert sheet["B54"].value == 50


def test_header_is_row_one_without_titles_and_an_empty_table_still_renders():
    sheet = read(render_workbook([spec(iter(()))]))["Data"]
    assert [cell.value for cell in sheet[1]] == [column.header for column in COLUMNS]
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","klik")', "+1", "-1", "@SUM(A1)", "=1+1", "\tTAB", "\rCR"])
def test_text_that_a_spreadsheet_would_evaluate_stays_text(text):
    content = render_workbook([spec([[text, None, None, None, None, None], ["aman", None, None, None, None, None]])])
    sheet = read(content)["Data"]
    guarded, plain = sheet["A2"], sheet["A3"]
    assert guarded.data_type == "s"
    assert guarded.value.replace("_x000D_", "\r") == text
    assert guarded.quotePrefix is True
    assert plain.quotePrefix is False
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


def test_styled_rows_fill_the_whole_width():
    rows = [Row(["Program", Decimal(5)], Style.GROUP1), ["baris", Decimal(5)], Row(["JUMLAH", Decimal(5)], Style.TOTAL)]
    sheet = read(render_workbook([spec(rows)]))["Data"]
    assert sheet["A2"].font.b and sheet["F2"].fill.fgColor.rgb == sheet["A2"].fill.fgColor.rgb != "00000000"
    assert not sheet["A3"].font.b
    assert sheet["A4"].font.b and sheet["F4"].fill.fgColor.rgb.endswith("FFE699")
    assert sheet["B4"].number_format == '"Rp "#,##0'


def test_drop_downs():
    validations = [
        ListValidation(0, ["Ya", "Tidak"]),
        ListValidation(1, ["km", "m"], strict=False, message="Pilih atau ketik"),
        ListValidation(2, source="=Data!$A$3:$A$9"),
    ]
    sheet = read(render_workbook([spec(iter(()), validations=validations, validation_rows=100)]))["Data"]
    by_column = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert by_column["A2:A101"].formula1 == '"Ya,Tidak"'
    assert by_column["B2:B101"].errorStyle == "information"
    assert by_column["C2:C101"].formula1 == "Data!$A$3:$A$9"


def test_several_sheets_and_a_file_path(tmp_path):
    path = tmp_path / "out.xlsx"
    write_workbook([spec([["a"]]), SheetSpec(name="Rekap: [2027]?", columns=[Column("x")], rows=[[1]])], path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Data", "Rekap- -2027--"]


def cells_and_looks(content: bytes) -> list[tuple]:
    """Every cell's value, type, number format, font, fill, border, alignment and quote prefix, the merged ranges,
    the frozen header, the filter, the widths and heights and the comments: what a reader of the file sees."""
    found: list[tuple] = []
    for sheet in read(content):
        found.append((sheet.title, sorted(map(str, sheet.merged_cells.ranges)), sheet.freeze_panes))
        found.append((sheet.auto_filter.ref, sheet.print_title_rows, sheet.page_setup.orientation))
        found.append(tuple(sorted((key, dim.width) for key, dim in sheet.column_dimensions.items())))
        found.append(tuple(sorted((key, dim.height) for key, dim in sheet.row_dimensions.items() if dim.height)))
        for row in sheet.iter_rows():
            for cell in row:
                font, fill, align = cell.font, cell.fill, cell.alignment
                found.append(
                    (
                        cell.coordinate,
                        cell.value,
                        cell.data_type,
                        cell.number_format,
                        (font.b, font.i, font.sz, font.name, font.color.rgb if font.color else None),
                        (fill.fill_type, fill.fgColor.rgb, cell.border.top.style, cell.border.bottom.style),
                        (align.horizontal, align.vertical, align.wrap_text, cell.quotePrefix),
                        cell.comment.text if cell.comment else None,
                    )
                )
    return found


def test_a_small_workbook_in_memory_holds_the_same_cells_and_formats():
    """`small` (the recap) only keeps the sheets in memory instead of temporary files: read back, the file is the
    same, cell by cell and format by format."""
    wrapped = [*COLUMNS, Column("Catatan", width=12, wrap=True), Column("No", Kind.COUNT, 5, align="center")]
    rows = [
        Row(["Program", Decimal(5), None, 2], Style.GROUP1),
        ["Jalan", Decimal(999_999_999_999_999), Decimal("12.50"), 3, 2027, Decimal("-3.318612"), "satu dua tiga", 1],
        ["=1+1", 10**18, None, 0, None, None, "baris\nkedua", 2],
        ["", None, None, None, None, None, "", 3],
        Row(["JUMLAH", Decimal(5), None, 5, None, None, "", 4], Style.TOTAL),
    ]

    def sheets() -> list[SheetSpec]:
        return [
            SheetSpec(
                name="Rekap",
                columns=wrapped,
                rows=iter(rows),
                title_lines=["Judul", "Keadaan 1 Januari 2027"],
                header_groups=[("Pagu dan volume", 1, 2)],
                number_row=True,
            ),
            SheetSpec(name="Status", columns=COLUMNS[:2], rows=[["a", 1], ["b", 0]], active=True),
        ]

    assert cells_and_looks(render_workbook(sheets(), small=True)) == cells_and_looks(render_workbook(sheets()))
