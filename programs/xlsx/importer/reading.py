"""Reading an uploaded workbook, which is untrusted input.

The name, the size, the archive and the uncompressed size are checked before openpyxl reads a byte of XML, and
whatever openpyxl or zipfile raise on a damaged file becomes one readable message (`FileRejected`).
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

logger = logging.getLogger("programs.xlsx.importer")

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

SAVE_AS_XLSX = "Buka berkas di Excel atau LibreOffice, lalu Simpan Sebagai \u201cExcel Workbook (.xlsx)\u201d."


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


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
    """openpyxl's read-only sheet parser, telling a formula without a saved value and an error value from a blank.

    With `data_only=True` openpyxl gives None for both a blank cell and a formula whose result was never saved;
    the spec makes the second a row error.
    """

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["value"] is None:
            if element.find(FORMULA_TAG) is not None:
                cell["value"] = UNSAVED_FORMULA
        elif cell["data_type"] == "e":
            cell["value"] = ErrorValue(str(cell["value"]))
        return cell


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


def pick_sheet(workbook) -> Any:
    """The sheet named Usulan (whatever its case and spacing), else the first."""
    for name in workbook.sheetnames:
        if name.strip().casefold() == "usulan":
            return workbook[name]
    return workbook[workbook.sheetnames[0]]


def sheet_rows(workbook, sheet) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values by column) of the non-empty rows; missing cells are None.

    Whatever openpyxl, zipfile or the XML parser raise on a damaged sheet becomes one readable refusal; only the
    reading is guarded, so a mistake in the checks still shows as the bug it is.
    """
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
            for number, cells in parser.parse():
                if not cells:
                    continue
                values: list[Any] = [None] * cells[-1]["column"]
                for cell in cells:
                    values[cell["column"] - 1] = cell["value"]
                yield number, values
    except Exception as exc:  # a damaged file may make the parser raise anything
        logger.info("Import: sheet %r unreadable: %r", sheet.title, exc)
        raise FileRejected("Isi berkas .xlsx rusak sehingga tidak dapat dibaca. " + SAVE_AS_XLSX) from exc
