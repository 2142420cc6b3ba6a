"""One cell at a time: values as spreadsheets carry them (codes stored as numbers, escaped control characters,
yes/no words) turned into what the checks need, or a `CellError` whose message follows `Baris N, Kolom: `.

Numbers (amounts, volumes, coordinates) are read by the project's one number parser, `rakornis.numbers`, with the
same rules and messages as the forms; its `NumberError` is a cell error like `CellError`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from programs.models import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR, Proposal, ProposalDocument, document_kinds
from programs.xlsx import columns as cols
from rakornis.i18n import official_text
from rakornis.numbers import NumberError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django_stubs_ext import StrOrPromise

_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CellError(ValueError):
    """A cell value that cannot be used; the message is the part after `Baris N, Kolom: `."""


# What a cell parser raises for a value it cannot use: this module's errors and the number parser's.
CELL_ERRORS = (CellError, NumberError)


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
    if type(value) is str and value.isprintable() and "_x" not in value:
        # Most cells: nothing to unescape or drop (control characters, line breaks and non-breaking spaces are not
        # printable), so only the spaces are collapsed, as below; most have none to collapse.
        if "  " not in value and value[:1] != " " and value[-1:] != " ":
            return value
        return " ".join(value.split())
    return " ".join(_raw_text(value).replace("\u00a0", " ").split())


def clean_block(value: Any) -> str:
    """Text that may have line breaks (notes): each line trimmed, blank lines at the ends dropped."""
    if value is None:
        return ""
    lines = [" ".join(line.replace("\u00a0", " ").split()) for line in _raw_text(value).split("\n")]
    return "\n".join(lines).strip("\n")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean_line(value))


def casefold_key(text: str) -> str:
    return " ".join(text.split()).casefold()


# Codes, choices and years -------------------------------------------------------------------------------------------


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


YES_WORDS = {"ya", "y", "yes", "1", "true", "benar", "x", "\u2713"}
NO_WORDS = {"tidak", "t", "tdk", "no", "n", "0", "false", "salah", "-"}


def parse_yes_no(value: Any) -> bool:
    text = clean_line(value).casefold()
    if not text or text in NO_WORDS:
        return False
    if text in YES_WORDS:
        return True
    raise CellError(f"isi {cols.YES_LABEL} atau {cols.NO_LABEL} (bukan {clean_line(value)!r})")


def _choice_lookup(choices: Sequence[tuple[Any, StrOrPromise]], extra: dict[str, Any]) -> dict[str, Any]:
    lookup = {casefold_key(official_text(label)): value for value, label in choices}
    lookup |= {casefold_key(str(value)): value for value, _ in choices}
    lookup |= extra
    return lookup


PRIORITIES = _choice_lookup(
    Proposal.Priority.choices,
    {f"{value} - {official_text(label)}".casefold(): value for value, label in Proposal.Priority.choices}
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
    choice = PRIORITIES.get(casefold_key(text))
    if choice is None:
        raise CellError(f"{text!r} bukan prioritas; isi 1/Tinggi, 2/Sedang atau 3/Rendah")
    return int(choice)


def parse_origin(value: Any) -> str:
    text = clean_line(value)
    if not text:
        return Proposal.Origin.MUSRENBANG
    choice = ORIGINS.get(casefold_key(text))
    if choice is None:
        labels = ", ".join(official_text(label) for _, label in Proposal.Origin.choices)
        raise CellError(f"{text!r} bukan sumber usulan yang dikenal; isi salah satu dari: {labels}")
    return choice


_YEAR_RE = re.compile(r"\d{4}")


def parse_year(value: Any) -> int | None:
    if type(value) is int and MIN_FISCAL_YEAR <= value <= MAX_FISCAL_YEAR:
        return value  # as most files have it: what the rest of this function would return
    if value is None or (isinstance(value, str) and not clean_line(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_line(value) if not isinstance(value, int) or isinstance(value, bool) else str(value)
    if not _YEAR_RE.fullmatch(text):
        raise CellError(f"isi tahun empat angka, misalnya 2027 (bukan {text!r})")
    year = int(text)
    if not MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR:
        raise CellError(f"tahun {year} di luar rentang {MIN_FISCAL_YEAR}\u2013{MAX_FISCAL_YEAR}")
    return year


# Supporting documents ------------------------------------------------------------------------------------------------


def _document_key(text: str) -> str:
    # `Foto Lokasi 0%`, `foto lokasi 0 %` and `foto_0` alike: case, spaces, underscores and hyphens do not matter.
    return re.sub(r"[\s_\-]+", "", text.casefold())


def _document_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, label in ProposalDocument.Kind.choices:
        full = official_text(label)  # the application's own label, e.g. `DED (gambar rencana)`, in any language
        for text in (code, cols.DOCUMENT_NAMES[code], full, re.sub(r"\s*\([^()]*\)$", "", full)):
            lookup.setdefault(_document_key(text), code)
    return lookup


# Words that say "none" in a cell that must not stay empty to a planner's eye.
NO_DOCUMENT_WORDS = {"-", "\u2013", "tidak ada", "belum ada", "tidakada", "belumada"}


def parse_document_kinds(value: Any) -> list[str]:
    """`DED; RAB, Foto Lokasi 0%` -> the kinds' codes in their order: names separated by `,`, `;` or line breaks, as
    `cols.DOCUMENT_NAMES` writes them, as the application labels them, or by code. Empty or `-`: none."""
    text = clean_block(value)
    if casefold_key(text) in NO_DOCUMENT_WORDS:
        return []
    lookup = _document_lookup()
    codes: set[str] = set()
    unknown: list[str] = []
    for part in re.split(r"[,;\n]", text):
        part = " ".join(part.split())
        if not part:
            continue
        code = lookup.get(_document_key(part))
        if code is None:
            unknown.append(f'"{part}"')
        else:
            codes.add(code)
    if unknown:
        names = ", ".join(cols.DOCUMENT_NAMES.values())
        raise CellError(f"jenis {', '.join(unknown)} tidak dikenal; pilih dari: {names}")
    return document_kinds(codes)
