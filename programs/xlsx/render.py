"""The one function that turns sheets of rows into an .xlsx file, for every export and the import template.

XlsxWriter in constant-memory mode: each row goes to a temporary file as soon as the next one starts, so memory
stays flat however many rows the iterator yields (bench/xlsx_bench.py measured it about twice as fast as openpyxl's
write-only workbook for the same cells). openpyxl stays the reader.

Every number is written as a numeric cell with the column's number format, so that sums and filters work, when the
spreadsheet keeps it exactly: Excel keeps 15 significant digits (a double; LibreOffice the same), so a whole number
of up to 15 digits (Rp 999 trillion, more than any province's budget) is a number. A larger one, up to the
18-digit pagu the database allows and the 19-digit total of ten of them, would become `1E+18` and lose its last
digits: it is written as text in the column's notation (`Rp 9.999.999.999.999.999.990`, right-aligned), exact and
read back exactly by the importer, with a note on the cell that a formula does not add it. Fractions are numbers too:
volumes (14 digits) and coordinates (9) stay within 15 digits. Text is always written as a string cell,
never as a formula; text that a spreadsheet would take for a formula when retyped (starting with `=`, `+`, `-`, `@`,
a tab or a carriage return) also gets the "quote prefix" style, which Excel and LibreOffice show as a leading
apostrophe in the formula bar, so editing and confirming the cell keeps it text (OWASP, CSV/formula injection).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter

from rakornis.numbers import format_number

MONEY_FORMAT = '"Rp "#,##0'
VOLUME_FORMAT = "#,##0.##"
COUNT_FORMAT = "#,##0"
YEAR_FORMAT = "0"
COORDINATE_FORMAT = "0.000000"
DATE_FORMAT = "dd/mm/yyyy"

# First characters that make a spreadsheet treat typed text as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TRIGGER_SET = frozenset(FORMULA_TRIGGERS)

# Numbers of this magnitude and above would lose digits as a spreadsheet number (15 significant digits).
EXACT_LIMIT = 10**15
BIG_NUMBER_NOTE = (
    "Lebih dari 15 angka: ditulis sebagai teks agar tidak dibulatkan (Excel hanya menyimpan 15 angka penting). "
    "Rumus SUM tidak menjumlahkannya."
)

PAPER_A4 = 9
PAPER_F4 = 14  # Excel's "Folio 8 1/2 x 13 in" (216 x 330 mm): the F4 of Indonesian offices (215 x 330 mm)
SHEET_NAME_MAX = 31


class Kind(StrEnum):
    """What a column holds; it decides the number format of numeric cells."""

    TEXT = "text"
    MONEY = "money"
    VOLUME = "volume"
    COUNT = "count"
    YEAR = "year"
    COORDINATE = "coordinate"
    DATE = "date"


NUMBER_FORMATS = {
    Kind.MONEY: MONEY_FORMAT,
    Kind.VOLUME: VOLUME_FORMAT,
    Kind.COUNT: COUNT_FORMAT,
    Kind.YEAR: YEAR_FORMAT,
    Kind.COORDINATE: COORDINATE_FORMAT,
    Kind.DATE: DATE_FORMAT,
}


class Style(StrEnum):
    """How a row looks: data, a group heading (program, kegiatan, sub kegiatan), a subtotal or the grand total."""

    DATA = "data"
    GROUP1 = "group1"
    GROUP2 = "group2"
    GROUP3 = "group3"
    SUBTOTAL = "subtotal"
    TOTAL = "total"


ROW_STYLES: dict[Style, dict[str, Any]] = {
    Style.DATA: {},
    Style.GROUP1: {"bold": True, "bg_color": "#C6D9F0"},
    Style.GROUP2: {"bold": True, "bg_color": "#DCE6F2"},
    Style.GROUP3: {"bold": True, "bg_color": "#EEF3FA"},
    Style.SUBTOTAL: {"bold": True, "italic": True, "bg_color": "#F2F2F2"},
    Style.TOTAL: {"bold": True, "bg_color": "#FFE699", "top": 6},
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 14
    wrap: bool = False
    align: str = ""  # "center" for running numbers; numbers otherwise align right and text left


@dataclass(frozen=True)
class Row:
    """A row with a look; plain sequences are data rows."""

    values: Sequence[Any]
    style: Style = Style.DATA


@dataclass(frozen=True)
class ListValidation:
    """A drop-down on one column below the header: fixed `choices`, or a `source` range such as `=Referensi!$A$2:$A$9`.

    `strict=False` lets other values through with an information message (units beyond the usual ones).
    """

    column: int
    choices: Sequence[str] = ()
    source: str = ""
    strict: bool = True
    message: str = ""


@dataclass
class SheetSpec:
    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any] | Row]
    title_lines: Sequence[str] = ()
    validations: Sequence[ListValidation] = ()
    validation_rows: int = 1000
    landscape: bool = True
    autofilter: bool = True
    active: bool = False
    # Official forms: labels over runs of columns in a row above the header, (label, first column, last column)
    # 0-based; a row of column numbers (1), (2), ... under it; the paper (Excel's numbers: 9 A4, 14 Folio 8.5 x 13
    # in, the F4 of Indonesian offices).
    header_groups: Sequence[tuple[str, int, int]] = ()
    number_row: bool = False
    paper: int = PAPER_A4

    @property
    def header_row(self) -> int:
        """0-based index of the header row: the title lines, then one blank row, then the header (under the row of
        column groups, when there is one)."""
        return (len(self.title_lines) + 1 if self.title_lines else 0) + (1 if self.header_groups else 0)


def needs_guard(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def big_number_text(value: Decimal | int, kind: Kind) -> str:
    """A number too long for a spreadsheet number, as the text the cell shows: `Rp 9.999.999.999.999.999.990`."""
    text = format_number(value, trim=True)
    return f"Rp {text}" if kind is Kind.MONEY else text


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", name).strip("'")[:SHEET_NAME_MAX] or "Sheet"


class _Formats:
    """XlsxWriter formats by (row style, column kind, wrap, guarded), created once each."""

    # The workbook's default format (every cell without a format of its own): small type, aligned to the top. No
    # cell borders: the sheet prints its gridlines instead, so blank cells (never written, to keep 100,000-row
    # exports fast) get the same grid as filled ones.
    BASE = {"valign": "top", "font_size": 10}

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple, Any] = {}
        self.header = workbook.add_format(
            {
                **self.BASE,
                "border": 1,
                "border_color": "#A6A6A6",
                "bold": True,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
                "bg_color": "#1F4E78",
                "font_color": "#FFFFFF",
            }
        )
        # Above a column outside every group: the same fill, no line under it, so that it reads as one tall cell
        # with the column's title below (a merge across two rows cannot be written row by row).
        self.header_above = workbook.add_format(
            {**self.BASE, "border": 1, "bottom": 0, "border_color": "#A6A6A6", "bg_color": "#1F4E78"}
        )
        self.title = workbook.add_format({"bold": True, "font_size": 13, "align": "center", "valign": "vcenter"})
        self.subtitle = workbook.add_format({"font_size": 11, "align": "center", "valign": "vcenter"})

    def cell(self, style: Style, kind: Kind, wrap: bool, guarded: bool = False, align: str = ""):
        key = (style, kind, wrap, guarded, align)
        if key in self.cache:
            return self.cache[key]
        if style is Style.DATA and kind is Kind.TEXT and not (wrap or guarded or align):
            # Plain text needs no format: the default one is BASE, and a cell without a format is written faster.
            fmt = self.cache[key] = None
        else:
            props = {**self.BASE, **ROW_STYLES[style]}
            if kind in NUMBER_FORMATS:
                props["num_format"] = NUMBER_FORMATS[kind]
            if wrap:
                props["text_wrap"] = True
            if guarded:
                props["quote_prefix"] = True
            if align:
                props["align"] = align
            fmt = self.cache[key] = self.workbook.add_format(props)
        return fmt


LINE_HEIGHT = 13  # points per line of 10-point text
ROW_PADDING = 2


def _chars_per_line(width: float, bold: bool = False) -> int:
    # A column width counts the "0" of the default 11-point font; 10-point text fits a little more, bold less.
    return max(int(width * (0.95 if bold else 1.05)), 4)


def _lines(text: str, chars_per_line: int) -> int:
    """Lines the text takes when wrapped at word boundaries, as spreadsheets do (a long word is broken)."""
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            length = len(word)
            if used and used + 1 + length > chars_per_line:
                lines, used = lines + 1, 0
            if length > chars_per_line:
                extra = math.ceil(length / chars_per_line) - 1
                lines, used = lines + extra, length - extra * chars_per_line
            else:
                used += length + (1 if used else 0)
        total += lines
    return total


def _header_height(columns: Sequence[Column]) -> float:
    lines = max((_lines(column.header, _chars_per_line(column.width - 1, bold=True)) for column in columns), default=1)
    return LINE_HEIGHT * lines + ROW_PADDING + 4


def _write_sheet(workbook: xlsxwriter.Workbook, formats: _Formats, spec: SheetSpec) -> None:
    sheet = workbook.add_worksheet(_sheet_name(spec.name))
    columns = list(spec.columns)
    last_col = len(columns) - 1
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)

    for index, line in enumerate(spec.title_lines):
        fmt = formats.title if index == 0 else formats.subtitle
        sheet.set_row(index, 20 if index == 0 else 16)
        if last_col > 0:
            sheet.merge_range(index, 0, index, last_col, line, fmt)
        else:
            sheet.write_string(index, 0, line, fmt)

    header = first_header = spec.header_row
    if spec.header_groups:
        first_header = header - 1
        grouped: dict[int, tuple[str, int]] = {first: (label, last) for label, first, last in spec.header_groups}
        lines = max(
            _lines(label, _chars_per_line(sum(c.width for c in columns[first : last + 1]) - 1, bold=True))
            for label, first, last in spec.header_groups
        )
        sheet.set_row(first_header, LINE_HEIGHT * lines + ROW_PADDING + 4)
        index = 0
        while index <= last_col:
            if index in grouped:
                label, last = grouped[index]
                if last > index:
                    sheet.merge_range(first_header, index, first_header, last, label, formats.header)
                else:
                    sheet.write_string(first_header, index, label, formats.header)
                index = last + 1
            else:
                sheet.write_blank(first_header, index, None, formats.header_above)
                index += 1
    sheet.set_row(header, _header_height(columns))
    for index, column in enumerate(columns):
        sheet.write_string(header, index, column.header, formats.header)
    last_header = header
    if spec.number_row:
        last_header = header + 1
        for index in range(len(columns)):
            sheet.write_string(last_header, index, f"({index + 1})", formats.header)

    # Per-column formats of data rows, looked up once instead of per cell.
    plain = [formats.cell(Style.DATA, c.kind, c.wrap, align=c.align) for c in columns]
    guarded = [formats.cell(Style.DATA, c.kind, c.wrap, guarded=True, align=c.align) for c in columns]
    kinds = [column.kind for column in columns]
    # Spreadsheets do not grow a row for wrapped text written by a program; the height is set from the text.
    wrapped = [(index, column.width) for index, column in enumerate(columns) if column.wrap]

    write_number = sheet.write_number
    write_string = sheet.write_string
    row_index = last_header
    for item in spec.rows:
        row_index += 1
        if isinstance(item, Row):
            values, style = item.values, item.style
            if style is Style.DATA:
                row_plain, row_guarded = plain, guarded
            else:
                row_plain = [formats.cell(style, c.kind, c.wrap, align=c.align) for c in columns]
                row_guarded = [formats.cell(style, c.kind, c.wrap, guarded=True, align=c.align) for c in columns]
                # Styled rows are filled across the table, blanks included.
                for col in range(len(values), len(columns)):
                    sheet.write_blank(row_index, col, None, row_plain[col])
        else:
            values, style, row_plain, row_guarded = item, Style.DATA, plain, guarded
        if wrapped:
            lines = 1
            bold = style is not Style.DATA
            for index, width in wrapped:
                text = values[index] if index < len(values) else None
                if isinstance(text, str) and (len(text) > width or "\n" in text):
                    lines = max(lines, _lines(text, _chars_per_line(width, bold)))
            if lines > 1:
                sheet.set_row(row_index, LINE_HEIGHT * lines + ROW_PADDING)
        for col, value in enumerate(values):
            # The hot loop of a 100,000-row export: exact type checks first, the rare types last.
            kind = value.__class__
            if kind is str:
                if value:
                    write_string(row_index, col, value, (row_guarded if value[0] in TRIGGER_SET else row_plain)[col])
                elif style is not Style.DATA:
                    sheet.write_blank(row_index, col, None, row_plain[col])
            elif kind is float or ((kind is Decimal or kind is int) and -EXACT_LIMIT < value < EXACT_LIMIT):
                write_number(row_index, col, float(value), row_plain[col])
            elif value is None:
                if style is not Style.DATA:
                    sheet.write_blank(row_index, col, None, row_plain[col])
            elif kind is bool:
                write_string(row_index, col, "Ya" if value else "Tidak", row_plain[col])
            elif isinstance(value, datetime | date):
                fmt = row_plain[col] if kinds[col] is Kind.DATE else formats.cell(style, Kind.DATE, False)
                sheet.write_datetime(row_index, col, value, fmt)
            elif isinstance(value, Decimal | int) and not -EXACT_LIMIT < value < EXACT_LIMIT:
                fmt = formats.cell(style, kinds[col], columns[col].wrap, guarded=value < 0, align="right")
                write_string(row_index, col, big_number_text(value, kinds[col]), fmt)
                sheet.write_comment(row_index, col, BIG_NUMBER_NOTE)
            elif isinstance(value, Decimal | int | float):
                write_number(row_index, col, float(value), row_plain[col])
            else:
                text = str(value)
                write_string(row_index, col, text, (row_guarded if needs_guard(text) else row_plain)[col])

    last_row = max(row_index, last_header)
    sheet.freeze_panes(last_header + 1, 0)
    if spec.autofilter and columns:
        sheet.autofilter(header, 0, last_row, last_col)
    for validation in spec.validations:
        options: dict[str, Any] = {"validate": "list", "ignore_blank": True}
        options["source"] = validation.source or list(validation.choices)
        if not validation.strict:
            options["error_type"] = "information"
        if validation.message:
            options["input_title"] = columns[validation.column].header[:32]
            options["input_message"] = validation.message[:255]
        sheet.data_validation(header + 1, validation.column, header + spec.validation_rows, validation.column, options)

    # Print: A4 landscape, fitted to the page width, as many pages down as needed, header repeated on each page.
    sheet.set_paper(spec.paper)
    if spec.landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(first_header, last_header)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&CHalaman &P dari &N")
    sheet.hide_gridlines(0)  # show and print them
    if spec.active:
        sheet.activate()


def write_workbook(sheets: Iterable[SheetSpec], output: str | Path | BinaryIO, *, small: bool = False) -> None:
    """Render `sheets` into an .xlsx file at `output` (a path or a binary file object).

    `small` is for a workbook of a bounded few hundred cells (the recap): XlsxWriter then keeps every sheet in memory
    (its `in_memory` mode, which turns constant memory off) instead of a temporary file per sheet and per part of the
    package, which were a third of such a workbook's time. Text then goes to the shared-strings table instead of
    inline strings; the cells, their values and formats are the same."""
    target = str(output) if isinstance(output, Path) else output
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": not small,
            "in_memory": small,
            # Strings stay strings: no formulas, URLs or numbers guessed from text.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
            "default_format_properties": {"font_name": "Calibri", **_Formats.BASE},
        },
    )
    formats = _Formats(workbook)
    try:
        for spec in sheets:
            _write_sheet(workbook, formats, spec)
    finally:
        workbook.close()


def render_workbook(sheets: Iterable[SheetSpec], *, small: bool = False) -> bytes:
    """The .xlsx file as bytes, for a view to wrap in a response (`small`: see `write_workbook`)."""
    buffer = io.BytesIO()
    write_workbook(sheets, buffer, small=small)
    return buffer.getvalue()
