"""Import of the proposal workbook, every rule of shared/spec/usulan-xlsx.md.

`proposal_import_parse` reads and validates a file and says what it would do (create, update, leave alone), writing
nothing; `proposal_import_apply` writes that plan in one transaction, all or nothing. The web view shows the parse
result as the preview and applies it on confirmation; the `import_proposals` command does both.

A file is untrusted input: the name, the size, the archive and the uncompressed size are checked before openpyxl
reads a byte of XML, and whatever openpyxl or zipfile raise on a damaged file becomes one readable message.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from openpyxl import load_workbook
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from agencies.models import Agency, Region
from programs.access import Action as AccessAction
from programs.access import action_region_codes
from programs.models import (
    MAX_FISCAL_YEAR,
    MIN_FISCAL_YEAR,
    FundingScheme,
    Nomenclature,
    Proposal,
    ProposalFunding,
)

# The app's own numbering and audited fields, so imported proposals look like any other.
from programs.services import PROPOSAL_FIELDS, proposal_next_number
from programs.xlsx import columns as cols
from rakornis.audit import audit_value
from rakornis.formatting import format_rupiah, format_thousands
from rakornis.models import AuditEntry

logger = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
DEFAULT_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 20
HEADER_MIN_MATCHES = 3
BATCH_SIZE = 500

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

SAVE_AS_XLSX = "Buka berkas di Excel atau LibreOffice, lalu Simpan Sebagai \u201cExcel Workbook (.xlsx)\u201d."


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# Results --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    """One problem (or warning): the sheet row as the spreadsheet numbers it, the column, a message in Indonesian."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(part for part in (f"Baris {self.row}" if self.row else "", self.column) if part)
        return f"{where}: {self.message}" if where else self.message


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass
class ImportRow:
    """What one valid row does. `values` are model field values (foreign keys as instances); `funding` maps a
    scheme id to its amount, zero meaning "no line". For an update both hold only what changes."""

    row: int
    action: RowAction
    name: str
    region: Region
    total: Decimal
    values: dict[str, Any] = field(default_factory=dict)
    funding: dict[int, Decimal] = field(default_factory=dict)
    proposal_id: int | None = None
    number: str = ""
    version: int | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def changed_labels(self) -> list[str]:
        return [FIELD_LABELS.get(name, name) for name in self.changes]


@dataclass
class ImportResult:
    filename: str = ""
    sheet: str = ""
    header_row: int | None = None
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def _of(self, action: RowAction) -> list[ImportRow]:
        return [row for row in self.rows if row.action is action]

    @property
    def to_create(self) -> list[ImportRow]:
        return self._of(RowAction.CREATE)

    @property
    def to_update(self) -> list[ImportRow]:
        return self._of(RowAction.UPDATE)

    @property
    def unchanged(self) -> list[ImportRow]:
        return self._of(RowAction.UNCHANGED)

    @property
    def error_rows(self) -> int:
        return len({issue.row for issue in self.errors if issue.row is not None})

    def summary(self) -> str:
        text = f"{len(self.to_create)} usulan baru, {len(self.to_update)} diubah, {len(self.unchanged)} tanpa perubahan"
        if self.errors:
            text += f"; {len(self.errors)} kesalahan di {self.error_rows} baris \u2014 tidak ada yang disimpan"
        return text


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{len(self.created)} usulan baru, {len(self.updated)} diubah, {self.unchanged} tanpa perubahan"


class ProposalImportError(Exception):
    """The plan cannot be written (errors in the file, or proposals changed since the preview); nothing was saved."""

    def __init__(self, issues: list[ImportIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class _FileRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


FIELD_LABELS = {
    "fiscal_year": cols.FISCAL_YEAR.label,
    "region": cols.REGION_CODE.label,
    "agency": cols.AGENCY.label,
    "sub_activity": cols.SUB_ACTIVITY.label,
    "out_of_catalogue": cols.OUT_OF_CATALOGUE.label,
    "out_of_catalogue_reason": "Alasan di luar nomenklatur",
    "name": cols.NAME.label,
    "location": cols.LOCATION.label,
    "district": "Kecamatan",
    "village": "Desa/Kelurahan",
    "latitude": cols.LATITUDE.label,
    "longitude": cols.LONGITUDE.label,
    "volume": cols.VOLUME.label,
    "unit": cols.UNIT.label,
    "output_indicator": cols.OUTPUT_INDICATOR.label,
    "priority": cols.PRIORITY.label,
    "origin": cols.ORIGIN.label,
    "forward_volume": cols.FORWARD_VOLUME.label,
    "forward_amount": cols.FORWARD_AMOUNT.label,
    "notes": cols.NOTES.label,
    "funding": "Pagu",
}


# Reading the file ----------------------------------------------------------------------------------------------------


class _UnsavedFormula:
    """A formula cell whose file carries no computed value (written by a program, never opened in a spreadsheet)."""

    def __repr__(self) -> str:
        return "<formula without a saved value>"


UNSAVED_FORMULA = _UnsavedFormula()


@dataclass(frozen=True)
class _ErrorValue:
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
            cell["value"] = _ErrorValue(str(cell["value"]))
        return cell


def _source(file: Any) -> tuple[BinaryIO, str, int]:
    """A seekable binary stream, the file's name and its size, for a path, bytes, an upload or a file object."""
    if isinstance(file, str | Path):
        path = Path(file)
        return open(path, "rb"), path.name, path.stat().st_size  # the caller closes it
    if isinstance(file, bytes | bytearray):
        return io.BytesIO(file), "", len(file)
    name = Path(getattr(file, "name", "") or "").name
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return file, name, size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"


def _check_file(stream: BinaryIO, name: str, size: int) -> None:
    """Refuse anything that is not a sound, reasonably sized .xlsx, with a message that says what to do."""
    suffix = Path(name).suffix.casefold()
    if suffix == ".xls":
        raise _FileRejected(f"Berkas .xls (Excel 97-2003) tidak dapat diimpor. {SAVE_AS_XLSX}")
    if suffix in (".csv", ".txt"):
        raise _FileRejected(f"Berkas CSV/teks tidak dapat diimpor; gunakan templat .xlsx. {SAVE_AS_XLSX}")
    if suffix and suffix != ".xlsx":
        raise _FileRejected(f"Hanya berkas Excel .xlsx yang dapat diimpor (berkas ini {suffix}). {SAVE_AS_XLSX}")
    max_upload = _limit("IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
    if size > max_upload:
        raise _FileRejected(
            f"Berkas terlalu besar ({_megabytes(size)}); batasnya {_megabytes(max_upload)}. "
            "Bagi usulan ke beberapa berkas."
        )
    if size == 0:
        raise _FileRejected("Berkas kosong.")
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(OLE2_MAGIC):
        raise _FileRejected(
            "Berkas ini berformat Excel lama (.xls) yang diganti namanya, atau dilindungi kata sandi. "
            f"Buka kata sandinya bila ada, lalu {SAVE_AS_XLSX[0].lower()}{SAVE_AS_XLSX[1:]}"
        )
    if not head.startswith(ZIP_MAGIC):
        raise _FileRejected(
            "Isi berkas bukan Excel .xlsx (mungkin CSV, teks atau format lain yang diganti namanya). " + SAVE_AS_XLSX
        )
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            uncompressed = sum(info.file_size for info in infos)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        logger.info("Import: unreadable zip %r: %s", name, exc)
        raise _FileRejected("Berkas .xlsx rusak atau tidak lengkap (arsipnya tidak dapat dibuka).") from exc
    finally:
        stream.seek(0)
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            kind = "berkas OpenDocument (.ods) yang diganti namanya"
        elif "word/document.xml" in names:
            kind = "dokumen Word yang diganti namanya"
        else:
            kind = "arsip ZIP biasa, bukan buku kerja Excel"
        raise _FileRejected(f"Berkas ini {kind}. {SAVE_AS_XLSX}")
    max_uncompressed = _limit("IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    if uncompressed > max_uncompressed:
        raise _FileRejected(
            f"Isi berkas terlalu besar setelah diekstrak ({_megabytes(uncompressed)}; batas "
            f"{_megabytes(max_uncompressed)}). Bagi usulan ke beberapa berkas."
        )


def _pick_sheet(workbook) -> Any:
    for name in workbook.sheetnames:
        if name.strip().casefold() == "usulan":
            return workbook[name]
    return workbook[workbook.sheetnames[0]]


def _sheet_rows(workbook, sheet) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values by column) of the non-empty rows; missing cells are None.

    Whatever openpyxl, zipfile or the XML parser raise on a damaged sheet becomes one readable refusal; only the
    reading is guarded, so a mistake in the checks below still shows as the bug it is.
    """
    try:
        with workbook._archive.open(sheet._worksheet_path) as source:
            parser = _ValueParser(
                source,
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
        raise _FileRejected("Isi berkas .xlsx rusak sehingga tidak dapat dibaca. " + SAVE_AS_XLSX) from exc


# Values as spreadsheets carry them ----------------------------------------------------------------------------------

_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CellError(Exception):
    """A cell value that cannot be used; the message is the part after `Baris N, Kolom: `."""


def _unescape(text: str) -> str:
    # OOXML writes control characters as _xHHHH_ (a CR as _x000D_); Excel shows them decoded.
    return _ESCAPE_RE.sub(lambda match: chr(int(match.group(1), 16)), text) if "_x" in text else text


def _raw_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _CONTROL_RE.sub("", _unescape(str(value)).replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(value: Any) -> str:
    """One-line text: spaces and non-breaking spaces collapsed, ends trimmed."""
    return " ".join(_raw_text(value).replace("\u00a0", " ").split())


def clean_block(value: Any) -> str:
    """Text that may have line breaks (notes): each line trimmed, blank lines at the ends dropped."""
    lines = [" ".join(line.replace("\u00a0", " ").split()) for line in _raw_text(value).split("\n")]
    return "\n".join(lines).strip("\n")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_line(value))


_THOUSANDS_DOT_RE = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_THOUSANDS_COMMA_RE = re.compile(r"^[1-9]\d{0,2}(,\d{3})+$")


def parse_number(value: Any) -> Decimal | None:
    """A number from a numeric cell or from text in Indonesian (or English) notation; None when blank.

    `1.500.000.000`, `Rp 1.500.000.000,00`, `Rp 1.500.000.000,-`, `2,5`, `1,500,000.50` and `(1.000)` (negative)
    are understood.
    One dot followed by three digits is a thousands separator, as Indonesians write it (`2.500` = 2500).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(f"{_raw_text(value)!r} bukan angka")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise CellError(f"{_raw_text(value)!r} bukan angka")
    text = clean_line(value)
    if not text:
        return None
    # `Rp 1.500.000.000,-` is how amounts are often written: the trailing `,-` means "no sen".
    compact = re.sub(r"^(rp\.?|idr)", "", text.replace(" ", "").casefold())
    compact = re.sub(r"[,.]-$", "", compact)
    negative = compact.startswith("-") or (compact.startswith("(") and compact.endswith(")"))
    compact = compact.strip("-()").removeprefix("rp.").removeprefix("rp").strip()
    if not re.fullmatch(r"\d[\d.,]*", compact):
        raise CellError(f"{text!r} bukan angka")
    dots, commas = compact.count("."), compact.count(",")
    if dots and commas:
        decimal_mark = "," if compact.rfind(",") > compact.rfind(".") else "."
        whole, _, fraction = compact.rpartition(decimal_mark)
        separator = "." if decimal_mark == "," else ","
        pattern = _THOUSANDS_DOT_RE if separator == "." else _THOUSANDS_COMMA_RE
        if separator in whole and not pattern.match(whole):
            raise CellError(f"{text!r} bukan angka yang dapat dibaca")
        number = f"{whole.replace(separator, '')}.{fraction}"
    elif commas:
        # Several commas group thousands (English notation); one comma is the Indonesian decimal mark.
        if commas > 1:
            if not _THOUSANDS_COMMA_RE.match(compact):
                raise CellError(f"{text!r} bukan angka yang dapat dibaca")
            number = compact.replace(",", "")
        else:
            number = compact.replace(",", ".")
    elif dots:
        if dots > 1 or _THOUSANDS_DOT_RE.match(compact):
            if not _THOUSANDS_DOT_RE.match(compact):
                raise CellError(f"{text!r} bukan angka yang dapat dibaca")
            number = compact.replace(".", "")
        else:
            number = compact
    else:
        number = compact
    try:
        result = Decimal(number)
    except InvalidOperation as exc:
        raise CellError(f"{text!r} bukan angka yang dapat dibaca") from exc
    return -result if negative else result


def _number_text(value: Decimal) -> str:
    """Indonesian notation, fraction kept: 1500000.5 -> `1.500.000,5`."""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    text = format_thousands(Decimal(whole)) + (f",{fraction}" if fraction else "")
    return f"-{text}" if value < 0 else text


def parse_amount(value: Any) -> Decimal | None:
    """Whole, non-negative rupiah. A fraction is an error, not rounded away."""
    number = parse_number(value)
    if number is None:
        return None
    if number < 0:
        raise CellError(f"pagu tidak boleh negatif (Rp {_number_text(number)})")
    whole = number.to_integral_value()
    if number != whole:
        # A numeric cell computed by a formula may carry binary noise (1500000000.0000002): that is not sen.
        if isinstance(value, float) and abs(number - whole) < Decimal("0.000001"):
            return whole
        raise CellError(f"pagu harus dalam rupiah bulat tanpa sen (Rp {_number_text(number)})")
    if len(whole.as_tuple().digits) > 18:
        raise CellError("pagu terlalu besar")
    return whole


def parse_volume(value: Any, *, label: str = "volume", allow_zero: bool = False) -> Decimal | None:
    number = parse_number(value)
    if number is None:
        return None
    if number < 0 or (number == 0 and not allow_zero):
        raise CellError(f"{label} harus lebih dari 0" if not allow_zero else f"{label} tidak boleh negatif")
    rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if rounded != number:
        if not (isinstance(value, float) and abs(rounded - number) < Decimal("0.0000001")):
            raise CellError(f"{label} paling banyak 2 angka di belakang koma ({clean_line(value)})")
    if rounded >= Decimal(10) ** 12:
        raise CellError(f"{label} terlalu besar")
    return rounded


def parse_region_code(value: Any) -> str:
    """`63.03` as typed, also when the spreadsheet stored it as the number 63.03 or 63.1 (read back as `63.10`)."""
    if isinstance(value, bool):
        return _raw_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        head, _, tail = repr(value).partition(".")
        return f"{head.zfill(2)}.{tail.ljust(2, '0')}"
    return clean_line(value)


def parse_code(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return clean_line(value)


def _casefold_key(text: str) -> str:
    return " ".join(text.split()).casefold()


_REGENCY_PREFIX_RE = re.compile(r"^(kabupaten|kab\.?|kota)\s+")


def _regency_name_matches(typed: str, region: Region) -> bool:
    def full(text: str) -> str:
        key = _casefold_key(text)
        return re.sub(r"^kab\.?\s+", "kabupaten ", key)

    stored = full(region.name)
    given = full(typed)
    return given == stored or (not _REGENCY_PREFIX_RE.match(given) and given == _REGENCY_PREFIX_RE.sub("", stored))


YES_WORDS = {"ya", "y", "yes", "1", "true", "benar", "x", "\u2713"}
NO_WORDS = {"tidak", "t", "tdk", "no", "n", "0", "false", "salah", "-"}


def parse_yes_no(value: Any) -> bool:
    text = clean_line(value).casefold()
    if not text or text in NO_WORDS:
        return False
    if text in YES_WORDS:
        return True
    raise CellError(f"isi {cols.YES_LABEL} atau {cols.NO_LABEL} (bukan {clean_line(value)!r})")


def _choice_lookup(choices: list[tuple[Any, str]], extra: dict[str, Any]) -> dict[str, Any]:
    lookup = {_casefold_key(str(label)): value for value, label in choices}
    lookup |= {_casefold_key(str(value)): value for value, _ in choices}
    lookup |= extra
    return lookup


PRIORITIES = _choice_lookup(
    Proposal.Priority.choices,
    {f"{value} - {label}".casefold(): value for value, label in Proposal.Priority.choices}
    | {"prioritas 1": 1, "prioritas 2": 2, "prioritas 3": 3},
)
ORIGINS = _choice_lookup(
    Proposal.Origin.choices,
    {"musrenbang": "musrenbang", "pokir": "pokir", "pokok pikiran dprd": "pokir", "forum perangkat daerah": "forum_pd"},
)


def parse_priority(value: Any) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        value = str(int(value))
    text = clean_line(value)
    if not text:
        return Proposal.Priority.MEDIUM
    choice = PRIORITIES.get(_casefold_key(text))
    if choice is None:
        raise CellError(f"{text!r} bukan prioritas; isi 1/Tinggi, 2/Sedang atau 3/Rendah")
    return int(choice)


def parse_origin(value: Any) -> str:
    text = clean_line(value)
    if not text:
        return Proposal.Origin.MUSRENBANG
    choice = ORIGINS.get(_casefold_key(text))
    if choice is None:
        labels = ", ".join(label for _, label in Proposal.Origin.choices)
        raise CellError(f"{text!r} bukan sumber usulan yang dikenal; isi salah satu dari: {labels}")
    return choice


def parse_year(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not clean_line(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_line(value) if not isinstance(value, int) or isinstance(value, bool) else str(value)
    if not re.fullmatch(r"\d{4}", text):
        raise CellError(f"isi tahun empat angka, misalnya 2027 (bukan {text!r})")
    year = int(text)
    if not MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR:
        raise CellError(f"tahun {year} di luar rentang {MIN_FISCAL_YEAR}\u2013{MAX_FISCAL_YEAR}")
    return year


def parse_coordinate(value: Any, *, limits: tuple[Decimal, Decimal], label: str) -> Decimal | None:
    """Decimal degrees, kept to the six places the database stores, inside Indonesia's bounding box."""
    number = parse_number(value)
    if number is None:
        return None
    number = number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    low, high = limits
    if not low <= number <= high:
        raise CellError(
            f"{label} {_number_text(number)} di luar wilayah Indonesia ({_number_text(low)} s.d. {_number_text(high)})"
        )
    return number


LATITUDE_RANGE = (Decimal("-11.5"), Decimal("6.5"))
LONGITUDE_RANGE = (Decimal("94"), Decimal("141.5"))


# Parsing --------------------------------------------------------------------------------------------------------------


def _max_length(name: str) -> int:
    return Proposal._meta.get_field(name).max_length


@dataclass
class _Header:
    row: int
    positions: dict[str, int]  # field key -> column index
    fields: dict[str, cols.Field]

    def has(self, key: str) -> bool:
        return key in self.positions


class _Parse:
    """One parse of one file: the lookups it needs, loaded once, and the issues found."""

    def __init__(self, *, user, result: ImportResult) -> None:
        self.user = user
        self.result = result
        self.schemes = list(FundingScheme.objects.all())
        self.schemes_by_code = {scheme.code: scheme for scheme in self.schemes}
        self.create_codes = None if user is None else action_region_codes(user, AccessAction.CREATE)
        self.edit_codes = None if user is None else action_region_codes(user, AccessAction.EDIT)

    def error(self, row: int | None, column: str, message: str) -> None:
        self.result.errors.append(ImportIssue(row, column, message))

    def warn(self, row: int | None, column: str, message: str) -> None:
        self.result.warnings.append(ImportIssue(row, column, message))

    # The header -------------------------------------------------------------------------------------------------

    def find_header(self, rows: list[tuple[int, list[Any]]]) -> _Header | None:
        index = cols.header_index(self.schemes)
        for number, values in rows:
            if number > HEADER_SEARCH_ROWS:
                break
            matches = {
                col: index[key]
                for col, value in enumerate(values)
                if isinstance(value, str) and (key := cols.normalise_header(value)) in index
            }
            if len({field.key for field in matches.values()}) < HEADER_MIN_MATCHES:
                continue
            positions: dict[str, int] = {}
            fields: dict[str, cols.Field] = {}
            for col, value in enumerate(values):
                if _is_blank(value):
                    continue
                field_ = matches.get(col)
                label = clean_line(value)
                if field_ is None:
                    self.warn(number, label, "kolom tidak dikenal, diabaikan")
                elif field_.key in positions:
                    self.error(number, label, f"kolom {field_.label} muncul dua kali")
                else:
                    positions[field_.key] = col
                    fields[field_.key] = field_
            return _Header(number, positions, fields)
        return None

    def check_required(self, header: _Header) -> None:
        for field_ in cols.FIXED_FIELDS:
            if not field_.required or header.has(field_.key):
                continue
            if field_ is cols.SUB_ACTIVITY and header.has(cols.OUT_OF_CATALOGUE.key):
                continue  # then only rows inside the nomenclature need it; checked per row
            self.error(header.row, field_.label, "kolom wajib tidak ditemukan di baris judul kolom")
        if not any(key.startswith(cols.SCHEME_PREFIX) for key in header.positions):
            labels = ", ".join(label for label, _ in cols.SCHEME_COLUMNS[:3])
            self.error(header.row, "Pagu", f"tidak ada satu pun kolom Pagu (mis. {labels}, ...)")

    # The rows ---------------------------------------------------------------------------------------------------

    def run(self, rows: list[tuple[int, dict[str, Any]]], header: _Header) -> None:
        lookups = _Lookups.load(rows, self)
        seen: dict[tuple, int] = {}
        seen_numbers: dict[str, int] = {}
        planned: list[tuple[ImportRow, tuple]] = []
        for number, cells in rows:
            errors_before = len(self.result.errors)
            plan = self.row(number, cells, header, lookups, seen_numbers)
            if plan is None or len(self.result.errors) > errors_before:
                continue
            row, key = plan
            if key in seen:
                self.error(
                    number,
                    cols.NAME.label,
                    f"usulan ganda: sama dengan baris {seen[key]} (kabupaten/kota, sub kegiatan, nama dan lokasi sama)",
                )
                continue
            seen[key] = number
            planned.append((row, key))
        existing = lookups.duplicates_in_database({key for _, key in planned})
        for row, key in planned:
            others = [number for pk, number in existing.get(key, []) if pk != row.proposal_id]
            if others:
                self.error(
                    row.row,
                    cols.NAME.label,
                    f"usulan ganda: sudah ada untuk TA {key[0]} sebagai {', '.join(sorted(others))} "
                    "(kabupaten/kota, sub kegiatan, nama dan lokasi sama)",
                )
                continue
            self.result.rows.append(row)

    def row(
        self, number: int, cells: dict[str, Any], header: _Header, lookups: _Lookups, seen_numbers: dict[str, int]
    ) -> tuple[ImportRow, tuple] | None:
        """The plan for one row and its duplicate key, or None after recording the row's problems."""
        check = _RowCheck(self, lookups, header, number, cells)
        check.identity(seen_numbers)
        check.description()
        check.place()
        check.money()
        if check.problems:
            for column, message in check.problems:
                self.error(number, column, message)
            return None
        if check.existing is None:
            return self.plan_create(check)
        return self.plan_update(check)

    def plan_create(self, check: _RowCheck) -> tuple[ImportRow, tuple] | None:
        lines = {pk: amount for pk, amount in check.funding.items() if amount > 0}
        if not lines:
            self.error(check.number, "Pagu", "isi minimal satu kolom Pagu dengan nilai lebih dari 0")
            return None
        values = check.values | {"fiscal_year": check.year, "region": check.region}
        values.setdefault("priority", Proposal.Priority.MEDIUM)
        values.setdefault("origin", Proposal.Origin.MUSRENBANG)
        row = ImportRow(
            row=check.number,
            action=RowAction.CREATE,
            name=values["name"],
            region=check.region,
            total=sum(lines.values(), Decimal(0)),
            values=values,
            funding=lines,
        )
        key = _duplicate_key(
            check.year, check.region.pk, values.get("sub_activity"), values["name"], values.get("location", "")
        )
        return row, key

    def plan_update(self, check: _RowCheck) -> tuple[ImportRow, tuple] | None:
        """Compare the row with the stored proposal: columns missing from the file keep their stored values."""
        existing = check.existing
        values = check.values
        stored = {line.scheme_id: line.amount for line in existing.funding_lines.all() if line.amount > 0}
        wanted = dict(stored)
        for scheme_id, amount in check.funding.items():
            if amount > 0:
                wanted[scheme_id] = amount
            else:
                wanted.pop(scheme_id, None)
        if not wanted:
            self.error(check.number, "Pagu", "isi minimal satu kolom Pagu dengan nilai lebih dari 0")
            return None
        changed = _changed_fields(existing, values)
        changes = {name: [audit_value(getattr(existing, name)), audit_value(values[name])] for name in changed}
        funding = {
            pk: wanted.get(pk, Decimal(0)) for pk in stored.keys() | wanted.keys() if stored.get(pk) != wanted.get(pk)
        }
        if funding:
            schemes = {scheme.pk: scheme for scheme in self.schemes}
            changes["funding"] = [
                _funding_snapshot((schemes[pk], amount) for pk, amount in stored.items()),
                _funding_snapshot((schemes[pk], amount) for pk, amount in wanted.items()),
            ]
        merged = {name: values.get(name, getattr(existing, name)) for name in ("sub_activity", "name", "location")}
        key = _duplicate_key(check.year, check.region.pk, merged["sub_activity"], merged["name"], merged["location"])
        row = ImportRow(
            row=check.number,
            action=RowAction.UNCHANGED,
            name=merged["name"],
            region=check.region,
            total=sum(wanted.values(), Decimal(0)),
            proposal_id=existing.pk,
            number=existing.number,
            version=existing.version,
        )
        if not changes:
            return row, key
        if existing.status not in Proposal.EDITABLE_STATUSES:
            changed_labels = ", ".join(FIELD_LABELS.get(name, name) for name in changes)
            self.error(
                check.number,
                cols.NUMBER.label,
                f"usulan {existing.number} berstatus {existing.get_status_display()} sehingga tidak dapat diubah lewat "
                f"impor (hanya Draf atau Dikembalikan); yang berbeda: {changed_labels}",
            )
            return None
        row.action = RowAction.UPDATE
        row.values = {name: values[name] for name in changed}
        row.funding = funding
        row.changes = changes
        return row, key


class _RowCheck:
    """Reads and checks the cells of one row; every problem goes to `problems` as (column, message)."""

    def __init__(self, parse: _Parse, lookups: _Lookups, header: _Header, number: int, cells: dict[str, Any]) -> None:
        self.parse = parse
        self.lookups = lookups
        self.header = header
        self.number = number
        self.cells = cells
        self.problems: list[tuple[str, str]] = []
        self.values: dict[str, Any] = {}
        self.funding: dict[int, Decimal] = {}
        self.existing: Proposal | None = None
        self.year: int | None = None
        self.region: Region | None = None

    def has(self, field_: cols.Field) -> bool:
        return self.header.has(field_.key)

    def label(self, key: str) -> str:
        return self.header.fields[key].label if key in self.header.fields else key

    def problem(self, field_or_label: cols.Field | str, message: str) -> None:
        label = field_or_label.label if isinstance(field_or_label, cols.Field) else field_or_label
        self.problems.append((label, message))

    def read(self, key: str, parse: Callable[..., Any], *args, **kwargs) -> Any:
        value = self.cells.get(key)
        if value is UNSAVED_FORMULA:
            self.problem(self.label(key), "rumus tanpa nilai tersimpan; buka berkas di Excel/LibreOffice lalu simpan")
            return None
        if isinstance(value, _ErrorValue):
            self.problem(self.label(key), f"rumus menghasilkan galat {value.code}")
            return None
        try:
            return parse(value, *args, **kwargs)
        except CellError as exc:
            self.problem(self.label(key), str(exc))
            return None

    def required(self, field_: cols.Field, parse: Callable[..., Any], message: str = "wajib diisi") -> Any:
        before = len(self.problems)
        value = self.read(field_.key, parse)
        if value in (None, "") and len(self.problems) == before:
            self.problem(field_, message)
        return value

    def kept(self, value: Any, field_name: str) -> bool:
        """Whether an existing proposal already has `value`: what was valid when it was saved may stay as it is."""
        return self.existing is not None and getattr(self.existing, f"{field_name}_id") == value.pk

    def identity(self, seen_numbers: dict[str, int]) -> None:
        """Which proposal (new, or the one its ID names), which year and kabupaten/kota; may the user import it."""
        number = self.read(cols.NUMBER.key, clean_line) or ""
        if number:
            self.existing = self.lookups.proposals.get(number)
            if number in seen_numbers:
                self.problem(cols.NUMBER, f"{number} sudah ada di baris {seen_numbers[number]}")
            seen_numbers.setdefault(number, self.number)
            if self.existing is None:
                self.problem(cols.NUMBER, f"usulan {number} tidak ditemukan di wilayah Anda")
        self.year = self.required(cols.FISCAL_YEAR, parse_year)
        code = self.required(cols.REGION_CODE, parse_region_code)
        region = self.lookups.regencies.get(code) if code else None
        if code and region is None:
            self.problem(cols.REGION_CODE, f"kode {code} bukan kabupaten/kota yang dikenal")
        if region is None:
            return
        self.region = region
        if self.has(cols.REGION_NAME):
            typed = self.read(cols.REGION_NAME.key, clean_line)
            if typed and not _regency_name_matches(typed, region):
                self.problem(cols.REGION_NAME, f"{typed!r} tidak sesuai dengan kode {region.code} ({region.name})")
        existing = self.existing
        allowed = self.parse.edit_codes if existing is not None else self.parse.create_codes
        if allowed is not None and not any(_within(region.code, code) for code in allowed):
            self.problem(cols.REGION_CODE, self.lookups.outside_scope_message(region, allowed))
        if existing is not None and existing.region_id != region.pk:
            self.problem(
                cols.REGION_CODE,
                f"usulan {existing.number} milik {existing.region.code} {existing.region.name}; kabupaten/kota usulan "
                "yang sudah ada tidak dapat diubah lewat impor",
            )
        if existing is not None and self.year is not None and existing.fiscal_year != self.year:
            self.problem(
                cols.FISCAL_YEAR,
                f"usulan {existing.number} untuk TA {existing.fiscal_year}; tahun anggaran usulan yang sudah ada tidak "
                "dapat diubah lewat impor",
            )

    def description(self) -> None:
        """Agency, sub kegiatan (or out of the nomenclature, with its reason), name, volume, unit and texts."""
        values = self.values
        agency_text = self.required(cols.AGENCY, clean_line)
        if agency_text:
            agency = self.lookups.agencies.get(_casefold_key(agency_text))
            if agency is None:
                self.problem(cols.AGENCY, f"{agency_text!r} tidak dikenal (tulis nama atau nama singkatnya)")
            elif not agency.is_active and not self.kept(agency, "agency"):
                self.problem(cols.AGENCY, f"{agency.short_name} sudah tidak aktif")
            elif self.region is not None and agency.region_id != self.region.pk:
                self.problem(cols.AGENCY, f"{agency.short_name} bukan perangkat daerah {self.region.name}")
            else:
                values["agency"] = agency

        out_of_catalogue = bool(self.read(cols.OUT_OF_CATALOGUE.key, parse_yes_no))
        notes = self.read(cols.NOTES.key, clean_block) if self.has(cols.NOTES) else None
        code = self.read(cols.SUB_ACTIVITY.key, parse_code) if self.has(cols.SUB_ACTIVITY) else ""
        if out_of_catalogue:
            # The model keeps the reason apart from the notes; in the workbook Keterangan carries it.
            if code:
                self.parse.warn(
                    self.number, cols.SUB_ACTIVITY.label, f"kode {code} diabaikan: Di Luar Nomenklatur = Ya"
                )
            if not notes:
                self.problem(cols.NOTES, "usulan di luar nomenklatur wajib dijelaskan alasannya di kolom Keterangan")
            values |= {"sub_activity": None, "out_of_catalogue": True, "out_of_catalogue_reason": notes or ""}
        else:
            if not code:
                self.problem(cols.SUB_ACTIVITY, "wajib diisi (atau isi Di Luar Nomenklatur = Ya beserta alasannya)")
            elif (node := self.lookups.sub_activities.get(code)) is None:
                self.problem(cols.SUB_ACTIVITY, f"kode {code} tidak ada dalam nomenklatur")
            elif not node.is_active and not self.kept(node, "sub_activity"):
                self.problem(cols.SUB_ACTIVITY, f"kode {code} sudah tidak berlaku dalam nomenklatur")
            else:
                values |= {"sub_activity": node, "out_of_catalogue": False, "out_of_catalogue_reason": ""}
            if notes is not None:
                values["notes"] = notes

        values["name"] = self.required(cols.NAME, clean_line)
        values["volume"] = self.required(cols.VOLUME, parse_volume)
        values["unit"] = self.required(cols.UNIT, clean_line, "wajib diisi, misalnya km, unit, ha")
        for field_, name in ((cols.LOCATION, "location"), (cols.OUTPUT_INDICATOR, "output_indicator")):
            if self.has(field_):
                values[name] = self.read(field_.key, clean_line) or ""
        for field_, name in (
            (cols.NAME, "name"),
            (cols.UNIT, "unit"),
            (cols.LOCATION, "location"),
            (cols.OUTPUT_INDICATOR, "output_indicator"),
        ):
            limit = _max_length(name)
            if len(values.get(name) or "") > limit:
                self.problem(field_, f"paling banyak {limit} karakter (kini {len(values[name])})")
        if self.has(cols.PRIORITY):
            values["priority"] = self.read(cols.PRIORITY.key, parse_priority)
        if self.has(cols.ORIGIN):
            values["origin"] = self.read(cols.ORIGIN.key, parse_origin)
        if self.has(cols.FORWARD_VOLUME):
            values["forward_volume"] = self.read(
                cols.FORWARD_VOLUME.key, parse_volume, label="prakiraan maju volume", allow_zero=True
            )
        if self.has(cols.FORWARD_AMOUNT):
            values["forward_amount"] = self.read(cols.FORWARD_AMOUNT.key, parse_amount)

    def place(self) -> None:
        """Kecamatan or desa inside the kabupaten/kota, and coordinates inside Indonesia."""
        values = self.values
        if self.has(cols.LOCATION_CODE):
            code = self.read(cols.LOCATION_CODE.key, parse_code)
            values |= {"district": None, "village": None}
            place = self.lookups.places.get(code) if code else None
            if code and place is None:
                self.problem(cols.LOCATION_CODE, f"kode {code} bukan kecamatan atau desa/kelurahan yang dikenal")
            elif place is not None and self.region is not None and not _within(place.code, self.region.code):
                self.problem(cols.LOCATION_CODE, f"{place.code} {place.name} tidak berada di {self.region.name}")
            elif place is not None and place.level == Region.Level.VILLAGE:
                values |= {"district": place.parent, "village": place}
            elif place is not None:
                values["district"] = place
        if self.has(cols.LATITUDE) or self.has(cols.LONGITUDE):
            before = len(self.problems)
            latitude = self.read(cols.LATITUDE.key, parse_coordinate, limits=LATITUDE_RANGE, label="lintang")
            longitude = self.read(cols.LONGITUDE.key, parse_coordinate, limits=LONGITUDE_RANGE, label="bujur")
            if (latitude is None) != (longitude is None) and len(self.problems) == before:
                missing = cols.LATITUDE if latitude is None else cols.LONGITUDE
                self.problem(missing, "isi Latitude dan Longitude, atau kosongkan keduanya")
            values |= {"latitude": latitude, "longitude": longitude}

    def money(self) -> None:
        """One amount per `Pagu ...` column (zero when empty), and Total Pagu equal to their sum when given."""
        before = len(self.problems)
        file_sum = Decimal(0)
        for key in self.header.positions:
            if not key.startswith(cols.SCHEME_PREFIX):
                continue
            amount = self.read(key, parse_amount) or Decimal(0)
            scheme = self.parse.schemes_by_code.get(key.removeprefix(cols.SCHEME_PREFIX))
            if scheme is None:
                if amount:
                    self.problem(self.label(key), "skema pendanaan ini belum ada di data referensi aplikasi")
                continue
            file_sum += amount
            self.funding[scheme.pk] = amount
        if self.has(cols.TOTAL) and len(self.problems) == before:
            total = self.read(cols.TOTAL.key, parse_amount)
            if total is not None and total != file_sum:
                self.problem(
                    cols.TOTAL, f"{format_rupiah(total)} tidak sama dengan jumlah kolom Pagu {format_rupiah(file_sum)}"
                )


def _funding_snapshot(lines: Iterable[tuple[FundingScheme, Decimal]]) -> dict[str, str]:
    """Funding lines as the proposal services audit them: `{scheme code: amount}` in scheme order."""
    ordered = sorted(lines, key=lambda line: (line[0].order, line[0].code))
    return {scheme.code: audit_value(amount) for scheme, amount in ordered}


def _within(code: str, scope: str) -> bool:
    return code == scope or code.startswith(f"{scope}.")


def _duplicate_key(
    year: int, region_id: int, sub_activity: Nomenclature | int | None, name: str, location: str
) -> tuple:
    sub_id = sub_activity.pk if isinstance(sub_activity, Nomenclature) else sub_activity
    return (year, region_id, sub_id, _casefold_key(name or ""), _casefold_key(location or ""))


def _same(field_name: str, stored: Any, new: Any) -> bool:
    if isinstance(stored, str) or isinstance(new, str):
        clean = clean_block if field_name in ("notes", "out_of_catalogue_reason") else clean_line
        return clean(stored or "") == clean(new or "")
    if hasattr(stored, "pk") or hasattr(new, "pk"):
        return getattr(stored, "pk", None) == getattr(new, "pk", None)
    return stored == new


def _changed_fields(proposal: Proposal, values: dict[str, Any]) -> list[str]:
    return [
        name for name in PROPOSAL_FIELDS if name in values and not _same(name, getattr(proposal, name), values[name])
    ]


class _Lookups:
    """Everything the rows refer to, read in a handful of queries whatever the number of rows."""

    def __init__(self) -> None:
        self.regencies: dict[str, Region] = {}
        self.places: dict[str, Region] = {}
        self.agencies: dict[str, Agency] = {}
        self.sub_activities: dict[str, Nomenclature] = {}
        self.proposals: dict[str, Proposal] = {}
        self.scope_names: dict[str, str] = {}

    @classmethod
    def load(cls, rows: list[tuple[int, dict[str, Any]]], parse: _Parse) -> _Lookups:
        self = cls()
        region_codes, place_codes, sub_codes, numbers = set(), set(), set(), set()
        for _, cells in rows:
            region_codes.add(parse_region_code(cells.get(cols.REGION_CODE.key)))
            place_codes.add(parse_code(cells.get(cols.LOCATION_CODE.key)))
            sub_codes.add(parse_code(cells.get(cols.SUB_ACTIVITY.key)))
            numbers.add(clean_line(cells.get(cols.NUMBER.key)))
        self.regencies = {r.code: r for r in Region.objects.regencies().filter(code__in=region_codes - {""})}
        self.places = {
            r.code: r
            for r in Region.objects.filter(
                code__in=place_codes - {""}, level__in=[Region.Level.DISTRICT, Region.Level.VILLAGE]
            ).select_related("parent")
        }
        for agency in Agency.objects.order_by("-is_active", "pk"):
            for text in (agency.name, agency.short_name):
                self.agencies.setdefault(_casefold_key(text), agency)
        self.sub_activities = {
            n.code: n for n in Nomenclature.objects.sub_activities().filter(code__in=sub_codes - {""})
        }
        visible = Proposal.objects.all() if parse.user is None else Proposal.objects.for_user(parse.user)
        self.proposals = {
            p.number: p
            for p in visible.filter(number__in=numbers - {""})
            .select_related("region", "agency", "sub_activity", "district", "village")
            .prefetch_related("funding_lines")
        }
        scope = {*(parse.create_codes or []), *(parse.edit_codes or [])}
        self.scope_names = dict(Region.objects.filter(code__in=scope).values_list("code", "name"))
        return self

    def outside_scope_message(self, region: Region, allowed: list[str]) -> str:
        if not allowed:
            return "peran Anda tidak mengizinkan mengimpor usulan"
        names = ", ".join(f"{self.scope_names.get(code, code)} ({code})" for code in allowed)
        return f"Anda hanya dapat mengimpor usulan {names}; baris ini untuk {region.name} ({region.code})"

    def duplicates_in_database(self, keys: set[tuple]) -> dict[tuple, list[tuple[int, str]]]:
        pairs = {(key[0], key[1]) for key in keys}
        found: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
        pairs_list = sorted(pairs)
        for start in range(0, len(pairs_list), 100):
            query = Q(pk__in=[])
            for year, region_id in pairs_list[start : start + 100]:
                query |= Q(fiscal_year=year, region_id=region_id)
            rows = Proposal.objects.filter(query).values_list(
                "pk", "number", "fiscal_year", "region_id", "sub_activity_id", "name", "location"
            )
            for pk, number, year, region_id, sub_id, name, location in rows:
                key = _duplicate_key(year, region_id, sub_id, name, location)
                if key in keys:
                    found[key].append((pk, number))
        return found


def _cells(values: list[Any], header: _Header) -> dict[str, Any]:
    return {key: values[col] if col < len(values) else None for key, col in header.positions.items()}


# Keys whose cells alone do not make a row: a row with only a running number or a zero total is blank.
_IGNORED_FOR_BLANK = {cols.NO.key, cols.TOTAL.key, cols.STATUS.key, cols.SUB_ACTIVITY_NAME.key}


def proposal_import_parse(*, file: Any, user=None) -> ImportResult:
    """Read and check a proposal workbook; say what would be created, updated and left alone. Writes nothing.

    `file`: an upload, a binary file object, bytes or a path. `user`: whose rights apply (an operator only imports
    rows of their own kabupaten/kota); None for the command line without `--user`, which may import anything.
    """
    stream, name, size = _source(file)
    result = ImportResult(filename=name)
    close = isinstance(file, str | Path)
    try:
        try:
            _check_file(stream, name, size)
        except _FileRejected as exc:
            result.errors.append(ImportIssue(None, "", exc.message))
            return result
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # whatever a damaged file makes openpyxl raise
            logger.info("Import: openpyxl could not open %r: %r", name, exc)
            result.errors.append(ImportIssue(None, "", "Berkas .xlsx rusak atau tidak dapat dibaca. " + SAVE_AS_XLSX))
            return result
        try:
            _parse_workbook(workbook, user=user, result=result)
        except _FileRejected as exc:
            result.rows.clear()
            result.errors.append(ImportIssue(None, "", exc.message))
        finally:
            workbook.close()
        return result
    finally:
        if close:
            stream.close()


def _parse_workbook(workbook, *, user, result: ImportResult) -> None:
    sheet = _pick_sheet(workbook)
    result.sheet = sheet.title
    if not hasattr(sheet, "_worksheet_path"):
        result.errors.append(
            ImportIssue(None, "", f"Sheet {sheet.title!r} bukan lembar data. Pindahkan usulan ke sheet Usulan.")
        )
        return
    parse = _Parse(user=user, result=result)
    if parse.create_codes == [] and parse.edit_codes == []:
        result.errors.append(
            ImportIssue(None, "", "Peran Anda tidak mengizinkan mengimpor usulan (hanya operator kabupaten/kota).")
        )
        return
    max_rows = _limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    head: list[tuple[int, list[Any]]] = []
    rows = _sheet_rows(workbook, sheet)
    header = None
    for number, values in rows:
        head.append((number, values))
        if number >= HEADER_SEARCH_ROWS:
            break
    header = parse.find_header(head)
    if header is None:
        result.errors.append(
            ImportIssue(
                None,
                "",
                f"Baris judul kolom tidak ditemukan di {HEADER_SEARCH_ROWS} baris pertama sheet {sheet.title!r}: "
                "harus ada kolom seperti Tahun Anggaran, Kode Kabupaten/Kota, Nama Usulan, Volume, Satuan dan Pagu.",
            )
        )
        return
    result.header_row = header.row
    parse.check_required(header)
    if result.errors:
        return
    data: list[tuple[int, dict[str, Any]]] = []

    def data_rows():
        yield from ((n, v) for n, v in head if n > header.row)
        yield from rows

    for number, values in data_rows():
        cells = _cells(values, header)
        if all(_is_blank(value) for key, value in cells.items() if key not in _IGNORED_FOR_BLANK):
            continue
        if len(data) >= max_rows:
            result.errors.append(
                ImportIssue(
                    None,
                    "",
                    f"Berkas berisi lebih dari {format_thousands(max_rows)} baris usulan; "
                    "bagi menjadi beberapa berkas.",
                )
            )
            return
        data.append((number, cells))
    if not data:
        result.errors.append(
            ImportIssue(None, "", f"Tidak ada baris usulan di bawah baris judul kolom (baris {header.row}).")
        )
        return
    parse.run(data, header)
    # Row by row, as a planner fixes them; within a row, in the order they were found.
    result.errors.sort(key=lambda issue: issue.row or 0)


# Writing ------------------------------------------------------------------------------------------------------------


@transaction.atomic
def proposal_import_apply(*, result: ImportResult, user) -> ImportSummary:
    """Write a parse result: every new proposal with its number, funding lines and audit entry, every update, or
    nothing at all. Proposals changed by someone else since the parse make the whole import fail."""
    if result.errors:
        raise ProposalImportError(result.errors)
    summary = ImportSummary(unchanged=len(result.unchanged))
    content_type = ContentType.objects.get_for_model(Proposal)
    audit_user = user if user is not None and user.is_authenticated else None
    note_prefix = f"Diimpor dari {result.filename}" if result.filename else "Diimpor dari berkas .xlsx"
    audits: list[AuditEntry] = []
    schemes = {scheme.pk: scheme for scheme in FundingScheme.objects.all()}

    updates = result.to_update
    if updates:
        locked = {
            p.pk: p
            for p in Proposal.objects.select_for_update()
            .filter(pk__in=[row.proposal_id for row in updates])
            .prefetch_related("funding_lines")
        }
        conflicts = []
        for row in updates:
            proposal = locked.get(row.proposal_id)
            if proposal is None or proposal.version != row.version:
                conflicts.append(
                    ImportIssue(
                        row.row,
                        cols.NUMBER.label,
                        f"usulan {row.number} diubah pengguna lain setelah berkas diperiksa; unggah ulang berkasnya",
                    )
                )
            elif not proposal.is_editable:
                conflicts.append(
                    ImportIssue(
                        row.row,
                        cols.NUMBER.label,
                        f"usulan {row.number} kini berstatus {proposal.get_status_display()}",
                    )
                )
        if conflicts:
            raise ProposalImportError(conflicts)
        for row in updates:
            proposal = locked[row.proposal_id]
            for name, value in row.values.items():
                setattr(proposal, name, value)
            proposal.version += 1
            proposal.save(update_fields=[*row.values, "version", "updated_at"])
            lines = {line.scheme_id: line for line in proposal.funding_lines.all()}
            for scheme_id, amount in row.funding.items():
                line = lines.get(scheme_id)
                if amount <= 0:
                    if line is not None:
                        line.delete()
                elif line is None:
                    ProposalFunding.objects.create(proposal=proposal, scheme_id=scheme_id, amount=amount)
                else:
                    line.amount = amount
                    line.save(update_fields=["amount"])
            audits.append(
                AuditEntry(
                    content_type=content_type,
                    object_id=str(proposal.pk),
                    object_repr=str(proposal)[:300],
                    action=AuditEntry.Action.IMPORTED,
                    user=audit_user,
                    changes=row.changes,
                    note=f"{note_prefix}, baris {row.row}.",
                )
            )
            summary.updated.append(proposal.number)

    creates = result.to_create
    if creates:
        by_series: dict[tuple[int, int], list[ImportRow]] = defaultdict(list)
        for row in creates:
            by_series[(row.values["fiscal_year"], row.region.pk)].append(row)
        proposals: list[tuple[Proposal, ImportRow]] = []
        for (year, _), rows in sorted(by_series.items(), key=lambda item: (item[0][0], item[1][0].region.code)):
            region = rows[0].region
            # The app's numbering (which also locks the kabupaten/kota's row), then consecutive numbers.
            first = proposal_next_number(fiscal_year=year, region=region)
            sequence = int(first.removeprefix(Proposal.number_prefix(year, region.code)))
            for offset, row in enumerate(sorted(rows, key=lambda r: r.row)):
                proposal = Proposal(**row.values, status=Proposal.Status.DRAFT, created_by=audit_user)
                proposal.number = Proposal.format_number(year, region.code, sequence + offset)
                proposals.append((proposal, row))
        Proposal.objects.bulk_create([p for p, _ in proposals], batch_size=BATCH_SIZE)
        ProposalFunding.objects.bulk_create(
            [
                ProposalFunding(proposal=proposal, scheme_id=scheme_id, amount=amount)
                for proposal, row in proposals
                for scheme_id, amount in row.funding.items()
            ],
            batch_size=BATCH_SIZE,
        )
        for proposal, row in proposals:
            after = {name: audit_value(getattr(proposal, name)) for name in PROPOSAL_FIELDS}
            after["funding"] = _funding_snapshot((schemes[pk], amount) for pk, amount in row.funding.items())
            changes = {name: [None, value] for name, value in after.items() if value not in (None, "", {})}
            changes["status"] = [None, Proposal.Status.DRAFT.value]
            audits.append(
                AuditEntry(
                    content_type=content_type,
                    object_id=str(proposal.pk),
                    object_repr=str(proposal)[:300],
                    action=AuditEntry.Action.IMPORTED,
                    user=audit_user,
                    changes=changes,
                    note=f"{note_prefix}, baris {row.row}.",
                )
            )
            summary.created.append(proposal.number)
    AuditEntry.objects.bulk_create(audits, batch_size=BATCH_SIZE)
    return summary
