"""Reading an uploaded workbook, which is untrusted input.

The name, the size, the archive and the uncompressed size are checked before openpyxl reads a byte of XML, and
whatever openpyxl or zipfile raise on a damaged file becomes one readable message (`FileRejected`).

A small file can still ask for a lot of work: 1 MB of zip holds millions of tiny shared strings or cells. So the
reading is bounded by what it does, not only by bytes: the count of shared strings (read by our own reader, which
keeps no parsed element), the cells and rows of the sheet, the size of every other part openpyxl parses whole, and
the CPU seconds of the whole parse (`Budget`). Each refusal says which bound and what to do.

Why a CPU deadline checked in the loops, not RLIMIT_CPU in a child process: the parse needs the database (the
lookups, the access rules, the overlap rule) and hands back model instances, which a forked child could only send
back pickled and with its own connections; the counts refuse every known bomb in well under a second, and the
deadline (on this thread's CPU clock, so other threads do not count) catches whatever is merely slow between two
elements. What openpyxl parses in one call (the workbook, the styles) is bounded by its part's size instead.
"""

from __future__ import annotations

import io
import logging
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, VALUE_TAG, WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from rakornis.formatting import format_thousands

logger = logging.getLogger("programs.xlsx.importer")

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# 20,000 rows of a few text columns each; Excel's own files of that size hold far fewer distinct strings.
DEFAULT_MAX_SHARED_STRINGS = 200_000
# Cells the sheet may hold, empty styled ones included: 20,000 rows x 50 columns.
DEFAULT_MAX_CELLS = 1_000_000
# Rows the sheet may hold, blank-looking ones included (the data rows have their own, smaller bound).
DEFAULT_MAX_SHEET_ROWS = 100_000
# Any part openpyxl parses whole (workbook, styles, theme, relationships): Excel writes them far smaller.
DEFAULT_MAX_PART_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_PARTS = 1_000
# Elements of one part openpyxl parses whole: 1.5 million tiny <xf/> (7.5 MB) cost it 21 s and 1 GB. Excel's own
# bound is 64,000 cell formats, a few elements each.
DEFAULT_MAX_PART_ELEMENTS = 200_000
# Characters of all shared strings together: 20,000 rows of long names, places and notes are far fewer.
DEFAULT_MAX_SHARED_CHARS = 40_000_000
# Bytes between two tags of a sheet or the shared strings: one cell's text (32,767 characters in Excel, each at most
# 6 bytes escaped) or one tag with its attributes. A single 150 MB cell would otherwise cost the parser 400 MB.
MAX_RUN_BYTES = 256 * 1024
DEFAULT_MAX_PARSE_SECONDS = 30
# How often (in rows) the reading tells the caller how far it got.
PROGRESS_EVERY = 1_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

SAVE_AS_XLSX = "Buka berkas di Excel atau LibreOffice, lalu Simpan Sebagai \u201cExcel Workbook (.xlsx)\u201d."


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


SPLIT_OR_TEMPLATE = "Bagi usulan ke beberapa berkas, atau salin datanya ke templat usulan yang baru."


class Budget:
    """The CPU seconds one parse may spend, on this thread's clock; `check` refuses the file once they are spent."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds if seconds is not None else limit("IMPORT_MAX_PARSE_SECONDS", DEFAULT_MAX_PARSE_SECONDS)
        self.deadline = time.thread_time() + self.seconds

    def check(self) -> None:
        if time.thread_time() > self.deadline:
            raise FileRejected(
                f"Pemeriksaan berkas dihentikan: melebihi batas {self.seconds:g} detik kerja prosesor. "
                "Berkas ini terlalu rumit untuk diperiksa (mis. sangat banyak sel, teks atau format). "
                + SPLIT_OR_TEMPLATE
            )


class FileRejected(Exception):
    """The whole file cannot be read; `message` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _UnsavedFormula:
    """A formula cell whose file carries no computed value (written by a program, never opened in a spreadsheet)."""

    def __repr__(self) -> str:
        return "<formula without a saved value>"


UNSAVED_FORMULA = _UnsavedFormula()


@dataclass(frozen=True)
class ErrorValue:
    code: str  # #DIV/0!, #REF!, #N/A ...


class _ValueParser(WorkSheetParser):
    """openpyxl's read-only sheet parser, telling a formula without a saved value and an error value from a blank,
    and giving each row as (row number, values by column, count of cells).

    With `data_only=True` openpyxl gives None for both a blank cell and a formula whose result was never saved;
    the spec makes the second a row error. Most cells of a file (a number, a shared or a plain inline string) are
    read in `parse_row` as openpyxl reads them, without its dictionary per cell and `Text` object per inline string;
    the rest (dates, booleans, errors, rich text, formulas without a value) go openpyxl's way, in `parse_cell`.
    openpyxl's row dimensions, which the import never reads, are not kept.
    """

    def parse_row(self, row):
        """(row number, values by column with None for a missing cell, count of cells), read in one loop: most
        cells cost no call of their own (a 10,000-row file has 165,000 of them)."""
        number = row.get("r")
        self.row_counter = self.row_counter + 1 if number is None else _row_number(number)
        shared_strings, date_formats = self.shared_strings, self.date_formats
        values: list[Any] = []
        column = 0
        for element in row:
            data_type = element.get("t")
            value: Any = None
            if data_type is None or data_type == "s":
                text = element.findtext(VALUE_TAG)
                if text and (data_type == "s" or int(element.get("s") or 0) not in date_formats):
                    value = shared_strings[int(text)] if data_type == "s" else _number(text)
            elif data_type == "inlineStr":
                value = _plain_text(element.find(INLINE_STRING))
            if value is None:  # a blank, a date, a boolean, an error, rich text, a formula: openpyxl's way
                self.col_counter = column
                cell = self.parse_cell(element)
                column, value = cell["column"], cell["value"]
            elif coordinate := element.get("r"):
                # The column of `AB12`: openpyxl's `coordinate_to_tuple` without its row, which the row has already.
                column = column_index_from_string(coordinate.rstrip("0123456789"))
            else:
                column += 1
            missing = column - 1 - len(values)
            if missing == 0:  # the next column, as a row's cells come
                values.append(value)
            elif missing > 0:
                values += [None] * missing
                values.append(value)
            else:
                values[column - 1] = value
        return self.row_counter, values, len(row)

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["value"] is None:
            if element.find(FORMULA_TAG) is not None:
                cell["value"] = UNSAVED_FORMULA
        elif cell["data_type"] == "e":
            cell["value"] = ErrorValue(str(cell["value"]))
        return cell


def _number(text: str) -> int | float:
    """A number cell's value as openpyxl reads it (its `_cast_number`)."""
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


def _row_number(text: str) -> int:
    """A row's `r` as openpyxl reads it: `12`, or `12.0` as some writers put it."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"


def _plain_text(node: Any) -> str | None:
    """The text of a string item (`<si>` or `<is>`) that is one plain `<t>`, as openpyxl's `Text.content` reads it;
    None for anything else (runs, phonetic text, no `<t>`), which goes the long way through openpyxl."""
    if node is None or len(node) != 1:
        return None
    child = node[0]
    if child.tag != _TEXT_TAG or len(child):
        return None
    return child.text or ""


def source(file: Any) -> tuple[BinaryIO, str, int]:
    """A seekable binary stream, the file's name and its size, for a path, bytes, an upload or a file object."""
    if isinstance(file, str | Path):
        path = Path(file)
        return open(path, "rb"), path.name, path.stat().st_size  # closed by the caller
    if isinstance(file, bytes | bytearray):
        return io.BytesIO(file), "", len(file)
    name = Path(getattr(file, "name", "") or "").name
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return file, name, size


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"


def check_file(stream: BinaryIO, name: str, size: int) -> None:
    """Refuse anything that is not a sound, reasonably sized .xlsx, with a message that says what to do."""
    suffix = Path(name).suffix.casefold()
    if suffix == ".xls":
        raise FileRejected(f"Berkas .xls (Excel 97-2003) tidak dapat diimpor. {SAVE_AS_XLSX}")
    if suffix in (".csv", ".txt"):
        raise FileRejected(f"Berkas CSV/teks tidak dapat diimpor; gunakan templat .xlsx. {SAVE_AS_XLSX}")
    if suffix and suffix != ".xlsx":
        raise FileRejected(f"Hanya berkas Excel .xlsx yang dapat diimpor (berkas ini {suffix}). {SAVE_AS_XLSX}")
    max_upload = limit("IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
    if size > max_upload:
        raise FileRejected(
            f"Berkas terlalu besar ({megabytes(size)}); batasnya {megabytes(max_upload)}. "
            "Bagi usulan ke beberapa berkas."
        )
    if size == 0:
        raise FileRejected("Berkas kosong.")
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE2_MAGIC):
        raise FileRejected(
            "Berkas ini berformat Excel lama (.xls) yang diganti namanya, atau dilindungi kata sandi. "
            f"Buka kata sandinya bila ada, lalu {SAVE_AS_XLSX[0].lower()}{SAVE_AS_XLSX[1:]}"
        )
    if not head.startswith(ZIP_MAGIC):
        raise FileRejected(
            "Isi berkas bukan Excel .xlsx (mungkin CSV, teks atau format lain yang diganti namanya). " + SAVE_AS_XLSX
        )
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            uncompressed = sum(info.file_size for info in infos)
            biggest = max(
                (info for info in infos if not _streamed_part(info.filename)),
                key=lambda info: info.file_size,
                default=None,
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        logger.info("Import: unreadable zip %r: %s", name, exc)
        raise FileRejected("Berkas .xlsx rusak atau tidak lengkap (arsipnya tidak dapat dibuka).") from exc
    finally:
        stream.seek(0)
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            kind = "berkas OpenDocument (.ods) yang diganti namanya"
        elif "word/document.xml" in names:
            kind = "dokumen Word yang diganti namanya"
        else:
            kind = "arsip ZIP biasa, bukan buku kerja Excel"
        raise FileRejected(f"Berkas ini {kind}. {SAVE_AS_XLSX}")
    max_uncompressed = limit("IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    if uncompressed > max_uncompressed:
        raise FileRejected(
            f"Isi berkas terlalu besar setelah diekstrak ({megabytes(uncompressed)}; batas "
            f"{megabytes(max_uncompressed)}). Bagi usulan ke beberapa berkas."
        )
    max_parts = limit("IMPORT_MAX_PARTS", DEFAULT_MAX_PARTS)
    if len(infos) > max_parts:
        raise FileRejected(
            f"Berkas berisi {format_thousands(len(infos))} bagian; buku kerja Excel biasa berisi puluhan "
            f"(batas {format_thousands(max_parts)}). {SAVE_AS_XLSX}"
        )
    max_part = limit("IMPORT_MAX_PART_BYTES", DEFAULT_MAX_PART_BYTES)
    if biggest is not None and biggest.file_size > max_part:
        raise FileRejected(
            f"Bagian {biggest.filename} dari berkas terlalu besar ({megabytes(biggest.file_size)}; batas "
            f"{megabytes(max_part)}), biasanya karena sangat banyak format atau nama. " + SPLIT_OR_TEMPLATE
        )


def _streamed_part(name: str) -> bool:
    """Parts read as a stream under their own bounds (sheets: cells and rows; shared strings: their count); every
    other part openpyxl parses whole, so its size is its bound. Excel, LibreOffice and the writers we know keep
    sheets under xl/worksheets/; a sheet elsewhere is only held to the smaller bound."""
    return (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name == "xl/sharedStrings.xml"


class _StringsBound:
    """Reads the shared strings as openpyxl does, but counts them as it goes and keeps no parsed element (openpyxl's
    own reader leaves every emptied element in the tree: millions of tiny strings cost hundreds of MB)."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.most = limit("IMPORT_MAX_SHARED_STRINGS", DEFAULT_MAX_SHARED_STRINGS)
        self.most_chars = limit("IMPORT_MAX_SHARED_CHARS", DEFAULT_MAX_SHARED_CHARS)

    def read(self, source: Any) -> list[str]:
        strings: list[str] = []
        chars = 0
        tag = f"{{{SHEET_MAIN_NS}}}si"
        root = None
        for event, node in iterparse(source, events=("start", "end")):
            if root is None:
                root = node
            if event != "end" or node.tag != tag:
                continue
            plain = _plain_text(node)
            if plain is None:
                text = Text.from_tree(node)
                plain = "" if text is None else text.content
            strings.append(plain.replace("x005F_", ""))
            chars += len(strings[-1])
            root.clear()
            if chars > self.most_chars:
                raise FileRejected(
                    f"Teks berkas (shared strings) berjumlah lebih dari {format_thousands(self.most_chars)} karakter; "
                    f"berkas usulan yang sah jauh lebih sedikit. {SPLIT_OR_TEMPLATE}"
                )
            if len(strings) > self.most:
                raise FileRejected(
                    f"Berkas berisi lebih dari {format_thousands(self.most)} teks berbeda (shared strings); "
                    f"berkas usulan yang sah jauh lebih sedikit. {SPLIT_OR_TEMPLATE}"
                )
            if len(strings) % PROGRESS_EVERY == 0:
                self.budget.check()
        return strings


class BoundedReader(ExcelReader):
    """openpyxl's reader with our shared-strings reader (read-only, values only, no external links)."""

    def __init__(self, stream: BinaryIO, budget: Budget) -> None:
        super().__init__(stream, read_only=True, data_only=True, keep_links=False)
        self.budget = budget

    def read_strings(self) -> None:
        content_type = self.package.find(SHARED_STRINGS)
        if content_type is not None:
            with self.archive.open(content_type.PartName[1:]) as src:
                self.shared_strings = _StringsBound(self.budget).read(src)


def _prescan(stream: BinaryIO, budget: Budget) -> None:
    """Before openpyxl: every part it parses whole has at most so many elements, and the streamed parts (sheets,
    shared strings) no run of text or tag longer than MAX_RUN_BYTES. Both stop at the first excess, so a hostile
    part costs a fraction of a second; an honest 20,000-row file is read once more, at zlib's speed."""
    most_elements = limit("IMPORT_MAX_PART_ELEMENTS", DEFAULT_MAX_PART_ELEMENTS)
    try:
        with zipfile.ZipFile(stream) as archive:
            for info in archive.infolist():
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(info) as part:
                    if _streamed_part(info.filename):
                        _check_runs(part, info.filename, budget)
                        continue
                    for count, _ in enumerate(iterparse(part, events=("start",)), start=1):
                        if count > most_elements:
                            raise FileRejected(
                                f"Bagian {info.filename} dari berkas berisi lebih dari "
                                f"{format_thousands(most_elements)} unsur (biasanya format sel atau nama yang "
                                f"berlebihan). {SPLIT_OR_TEMPLATE}"
                            )
    except FileRejected:
        raise
    except Exception as exc:  # damaged XML or zip: openpyxl gives the same answer next
        logger.info("Import: prescan could not read a part: %r", exc)
    finally:
        stream.seek(0)


def _check_runs(part: IO[bytes], name: str, budget: Budget) -> None:
    run = 0  # bytes since the last "<", carried from one chunk to the next
    while chunk := part.read(1024 * 1024):
        run = _run_after(chunk, run, MAX_RUN_BYTES)
        if run > MAX_RUN_BYTES:
            break
        budget.check()
    if run > MAX_RUN_BYTES:
        raise FileRejected(
            f"Bagian {name} dari berkas berisi satu teks atau tanda sepanjang lebih dari "
            f"{megabytes(MAX_RUN_BYTES)}; satu sel Excel memuat paling banyak 32.767 karakter. " + SAVE_AS_XLSX
        )


def _run_after(chunk: bytes, run: int, most: int) -> int:
    """The bytes since the last "<" at the end of `chunk`, which follows `run` such bytes; more than `most` as soon
    as a run between two "<" is longer than `most`.

    Each step looks backwards for the last "<" before the farthest byte the current run may reach: none means the
    run is too long, else the next run starts after it. An honest sheet costs a few searches per `most` bytes
    instead of splitting the chunk into a piece per tag (0.04 s of a 10,000-row import).
    """
    start = 0  # where the current run starts in `chunk`; `run` of its bytes came before
    while True:
        reach = start + most + 1 - run  # no "<" in chunk[start:reach] makes the run most + 1 bytes long
        if reach > len(chunk):
            last = chunk.rfind(b"<", start)
            return run + len(chunk) - start if last == -1 else len(chunk) - last - 1
        last = chunk.rfind(b"<", start, reach)
        if last == -1:
            return most + 1
        start, run = last + 1, 0


def open_workbook(stream: BinaryIO, budget: Budget) -> Any:
    """The workbook, read-only, its shared strings counted; a FileRejected from the bounds passes through."""
    _prescan(stream, budget)
    reader = BoundedReader(stream, budget)
    try:
        reader.read()
    except ValueError as exc:
        # openpyxl wraps what went wrong in a ValueError; ours is its cause.
        if isinstance(exc.__cause__, FileRejected):
            raise exc.__cause__ from None
        raise
    budget.check()
    return reader.wb


def pick_sheet(workbook) -> Any:
    """The sheet named Usulan (whatever its case and spacing), else the first."""
    for name in workbook.sheetnames:
        if name.strip().casefold() == "usulan":
            return workbook[name]
    return workbook[workbook.sheetnames[0]]


def sheet_rows(
    workbook, sheet, budget: Budget | None = None, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values by column) of the non-empty rows; missing cells are None.

    The rows and cells are counted against their bounds and the CPU budget as they are read; `progress` hears the
    count of rows read every PROGRESS_EVERY rows. Whatever openpyxl, zipfile or the XML parser raise on a damaged
    sheet becomes one readable refusal; only the reading is guarded, so a mistake in the checks still shows as the
    bug it is.
    """
    budget = budget or Budget()
    most_rows = limit("IMPORT_MAX_SHEET_ROWS", DEFAULT_MAX_SHEET_ROWS)
    most_cells = limit("IMPORT_MAX_CELLS", DEFAULT_MAX_CELLS)
    rows_read = cells_read = 0
    try:
        with workbook._archive.open(sheet._worksheet_path) as stream:
            parser = _ValueParser(
                stream,
                sheet._shared_strings,
                data_only=True,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            for number, values, count in parser.parse():
                rows_read += 1
                cells_read += count
                if rows_read > most_rows:
                    raise FileRejected(
                        f"Sheet {sheet.title!r} berisi lebih dari {format_thousands(most_rows)} baris (termasuk "
                        f"baris yang tampak kosong). Hapus baris kosong di bawah data. {SPLIT_OR_TEMPLATE}"
                    )
                if cells_read > most_cells:
                    raise FileRejected(
                        f"Sheet {sheet.title!r} berisi lebih dari {format_thousands(most_cells)} sel (termasuk sel "
                        f"kosong yang berformat). Hapus kolom dan baris kosong di luar data. {SPLIT_OR_TEMPLATE}"
                    )
                budget.check()
                if progress is not None and rows_read % PROGRESS_EVERY == 0:
                    progress(rows_read)
                if values:
                    yield number, values
    except FileRejected:
        raise
    except Exception as exc:  # a damaged file may make the parser raise anything
        logger.info("Import: sheet %r unreadable: %r", sheet.title, exc)
        raise FileRejected("Isi berkas .xlsx rusak sehingga tidak dapat dibaca. " + SAVE_AS_XLSX) from exc
