"""Reference data of the programs app: the nomenclature code tree and the funding schemes, read from CSV/XLSX and
loaded all or nothing (`manage.py load_reference_data`)."""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from programs.models import FundingScheme, Nomenclature
from rakornis.loading import LoadResult, ReferenceDataError, clean_text, read_csv

NOMENCLATURE_COLUMNS = {
    "kode": "code",
    "level": "level",
    "tingkat": "level",
    "nama": "name",
    "nomenklatur": "name",
    "status": "status",
    "kinerja": "performance",
    "indikator": "indicator",
    "satuan": "unit",
}
NOMENCLATURE_REQUIRED = ("code", "level", "name")
LEVEL_ALIASES = {clean_text(label).lower().replace(" ", "_"): value for value, label in Nomenclature.Level.choices} | {
    value: value for value in Nomenclature.Level.values
}


@dataclass(frozen=True)
class NomenclatureRow:
    line: int
    code: str
    level: str
    name: str
    status: str = ""
    performance: str = ""
    indicator: str = ""
    unit: str = ""


def _code_from_cell(value: object, level: str) -> str:
    """A code as typed, also when a spreadsheet stored `1.03` as the number 1.03 (or `1.10` as 1.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return clean_text(value)
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    code = repr(float(value))
    head, _, tail = code.partition(".")
    if level == Nomenclature.Level.SECTOR and len(tail) < 2:
        tail = tail.ljust(2, "0")
    return f"{head}.{tail}"


def _records_from_file(path: Path) -> tuple[list[str], list[tuple[int, list[object]]]]:
    """Header and (line number, values) rows of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.reader(handle))
        except UnicodeDecodeError as exc:
            raise ReferenceDataError([f"{path.name}: bukan teks UTF-8 ({exc.reason})"]) from exc
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise ReferenceDataError([f"{path.name}: bukan berkas XLSX yang dapat dibaca"]) from exc
        try:
            rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    else:
        raise ReferenceDataError([f"{path.name}: hanya berkas .csv atau .xlsx yang diterima"])
    if not rows:
        raise ReferenceDataError([f"{path.name}: berkas kosong"])
    header = [clean_text(cell).lower() for cell in rows[0]]
    return header, [(number, values) for number, values in enumerate(rows[1:], start=2)]


def nomenclature_read(path: Path) -> list[NomenclatureRow]:
    """Read a nomenclature list (columns kode, level, nama; optional status, kinerja, indikator, satuan)."""
    header, records = _records_from_file(path)
    positions = {NOMENCLATURE_COLUMNS[name]: index for index, name in enumerate(header) if name in NOMENCLATURE_COLUMNS}
    missing = [name for name in NOMENCLATURE_REQUIRED if name not in positions]
    if missing:
        labels = {"code": "kode", "level": "level", "name": "nama"}
        raise ReferenceDataError([f"{path.name}: kolom wajib tidak ada: {', '.join(labels[name] for name in missing)}"])
    rows = []
    for line, values in records:
        if all(clean_text(value) == "" for value in values):
            continue

        def cell(field: str, values: list[object] = values) -> object:
            index = positions.get(field)
            return values[index] if index is not None and index < len(values) else None

        raw_level = clean_text(cell("level")).lower().replace(" ", "_")
        level = LEVEL_ALIASES.get(raw_level, raw_level)
        rows.append(
            NomenclatureRow(
                line=line,
                code=_code_from_cell(cell("code"), level),
                level=level,
                name=clean_text(cell("name")),
                status=clean_text(cell("status")),
                performance=clean_text(cell("performance")),
                indicator=clean_text(cell("indicator")),
                unit=clean_text(cell("unit")),
            )
        )
    return rows


def nomenclature_validate(rows: list[NomenclatureRow]) -> list[str]:
    """Every problem of a nomenclature list, each as `Baris N, kode X: ...`."""
    errors = []
    seen: dict[str, int] = {}
    codes_in_file = {row.code for row in rows}
    known = set(
        Nomenclature.objects.filter(
            code__in=[
                parent for row in rows if (parent := Nomenclature.parent_code(row.code)) and parent not in codes_in_file
            ]
        ).values_list("code", flat=True)
    )
    for row in rows:
        where = f"Baris {row.line}, kode {row.code or '(kosong)'}"
        if row.level not in Nomenclature.Level.values:
            errors.append(
                f"{where}: level {row.level or '(kosong)'!r} tidak dikenal "
                f"(urusan, bidang_urusan, program, kegiatan, sub_kegiatan)"
            )
            continue
        expected_level = Nomenclature.level_for_code(row.code)
        if expected_level is None:
            errors.append(f"{where}: bentuk kode salah (harus U.BB.PP.A.KK.SSSS, A = 1 provinsi atau 2 kab/kota)")
            continue
        if expected_level != row.level:
            errors.append(
                f"{where}: kode ini berbentuk {Nomenclature.Level(expected_level).label.lower()}, "
                f"bukan {Nomenclature.Level(row.level).label.lower()}"
            )
        if not row.name:
            errors.append(f"{where}: nama kosong")
        elif len(row.name) > Nomenclature._meta.get_field("name").max_length:
            errors.append(f"{where}: nama lebih dari 500 karakter")
        if row.code in seen:
            errors.append(f"{where}: kode ganda (sudah ada di baris {seen[row.code]})")
        else:
            seen[row.code] = row.line
        parent = Nomenclature.parent_code(row.code)
        if parent and parent not in codes_in_file and parent not in known:
            errors.append(f"{where}: induk {parent} tidak ada di berkas maupun di basis data (yatim)")
    return errors


@transaction.atomic
def nomenclature_load(*, rows: list[NomenclatureRow], overwrite: bool = True) -> LoadResult:
    """Upsert a nomenclature list, all or nothing.

    `overwrite=False` only adds codes that are missing: the partial list shipped with the project must never
    overwrite names that a complete official list has already set.
    """
    errors = nomenclature_validate(rows)
    if errors:
        raise ReferenceDataError(errors)
    result = LoadResult(label="Nomenklatur")
    existing = {node.code: node for node in Nomenclature.objects.all()}
    ids = {code: node.pk for code, node in existing.items()}
    fields = ["level", "name", "parent", "government_level", "source_note", "performance", "indicator", "unit"]
    by_depth: dict[int, list[NomenclatureRow]] = {}
    for row in rows:
        by_depth.setdefault(len(row.code.split(".")), []).append(row)
    # Parents first, one bulk write per depth, so a complete list of tens of thousands of codes loads in seconds.
    for depth in sorted(by_depth):
        to_create, to_update = [], []
        for row in by_depth[depth]:
            candidate = Nomenclature(
                code=row.code,
                level=row.level,
                name=row.name,
                parent_id=ids.get(Nomenclature.parent_code(row.code) or ""),
                government_level=Nomenclature.government_level_for_code(row.code),
                source_note=row.status[:200],
                performance=row.performance,
                indicator=row.indicator,
                unit=row.unit[:60],
            )
            node = existing.get(row.code)
            if node is None:
                to_create.append(candidate)
                continue
            changed = [
                f
                for f in fields
                if getattr(node, f"{f}_id" if f == "parent" else f)
                != getattr(candidate, f"{f}_id" if f == "parent" else f)
            ]
            if overwrite and changed:
                candidate.pk = node.pk
                to_update.append(candidate)
            else:
                result.unchanged += 1
        Nomenclature.objects.bulk_create(to_create, batch_size=1000)
        Nomenclature.objects.bulk_update(to_update, fields, batch_size=500)
        result.created += len(to_create)
        result.updated += len(to_update)
        ids.update(
            Nomenclature.objects.filter(code__in=[row.code for row in by_depth[depth]]).values_list("code", "pk")
        )
    return result


@dataclass(frozen=True)
class FundingSchemeRow:
    code: str
    name: str
    short_name: str
    budget: str
    description: str


FUNDING_SCHEME_COLUMNS = {
    "code": "kode",
    "name": "nama",
    "short_name": "singkatan",
    "budget": "anggaran",
    "description": "keterangan",
}


def read_funding_scheme_rows(path: Path) -> list[FundingSchemeRow]:
    return [FundingSchemeRow(**values) for values in read_csv(path, FUNDING_SCHEME_COLUMNS)]


@transaction.atomic
def funding_schemes_load(*, rows: list[FundingSchemeRow]) -> LoadResult:
    result = LoadResult(label="Skema pendanaan")
    errors = [
        f"{row.code}: anggaran {row.budget!r} tidak dikenal"
        for row in rows
        if row.budget not in FundingScheme.Budget.values
    ]
    if errors:
        raise ReferenceDataError(errors)
    existing = {scheme.code: scheme for scheme in FundingScheme.objects.all()}
    for order, row in enumerate(rows, start=1):
        values = {
            "name": row.name,
            "short_name": row.short_name,
            "budget": row.budget,
            "description": row.description,
            "order": order,
        }
        result.upsert(FundingScheme, existing.get(row.code), {"code": row.code}, values)
    return result
