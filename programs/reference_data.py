"""Reference data of the programs app: the nomenclature code tree and the funding schemes, read from CSV/XLSX and
loaded all or nothing (`manage.py load_reference_data`)."""

from __future__ import annotations

import csv
import datetime
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.db import connection, transaction

from programs.models import FundingScheme, Nomenclature, NomenclatureDecree, NomenclatureMapping
from rakornis.i18n import official_text
from rakornis.loading import LoadResult, ReferenceDataError, clean_text, read_csv

# Header cells are folded to lower case with every run of other characters as one `_` ("Nama Kabupaten/Kota" ->
# nama_kabupaten_kota), then named here.
NOMENCLATURE_COLUMNS = {
    "kode": "code",
    "level": "level",
    "tingkat": "level",
    "nama": "name",
    "nomenklatur": "name",
    "nama_provinsi": "name",
    "nomenklatur_provinsi": "name",
    "nama_kabupaten_kota": "regency_name",
    "nama_kab_kota": "regency_name",
    "nomenklatur_kabupaten_kota": "regency_name",
    "nomenklatur_kab_kota": "regency_name",
    "status": "status",
    "kinerja": "performance",
    "indikator": "indicator",
    "satuan": "unit",
    "kode_lama": "old_codes",
}
NOMENCLATURE_REQUIRED = ("code", "level", "name")
MAPPING_COLUMNS = {"kode_lama": "old", "kode_baru": "new"}
LEVEL_ALIASES = {
    clean_text(official_text(label)).lower().replace(" ", "_"): value for value, label in Nomenclature.Level.choices
} | {value: value for value in Nomenclature.Level.values}
# The decree annex writes the supporting program once, as X.XX.01...; SIPD spreads it into every bidang urusan.
SUPPORTING_PREFIX = "X.XX."
# A sub kegiatan of Permendagri 90/2019 before Kepmendagri 050-5889/2021: a two-digit last segment.
PRE_2021_SUB_ACTIVITY_RE = re.compile(r"^\d\.\d{2}\.\d{2}\.[12]\.\d{2}\.\d{2}$")
# Old codes in one cell of `kode_lama`: separated by `;`, `,` or spaces.
OLD_CODES_SPLIT_RE = re.compile(r"[;,\s]+")


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
    regency_name: str = ""
    old_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MappingRow:
    """One `old -> new` line of a decree's mapping (a `kode_lama` cell of the list, or a separate mapping file)."""

    line: int
    old: str
    new: str
    where: str = "Baris"


@dataclass(frozen=True)
class DecreeInfo:
    """The decree a complete list comes from, as the person loading it names it."""

    number: str
    date: datetime.date
    source_file: str = ""


@dataclass
class NomenclatureLoadResult(LoadResult):
    """A nomenclature load also retires codes, spreads the supporting program and records mappings."""

    retired: int = 0
    spread: int = 0
    mapped: int = 0
    skipped_mappings: list[str] = field(default_factory=list)
    decree: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        if self.spread:
            text += f", {self.spread} kode program penunjang X.XX disebar ke setiap bidang urusan"
        if self.decree:
            text += f"; {self.retired} kode tidak lagi berlaku menurut {self.decree}"
        if self.mapped:
            text += f"; {self.mapped} pemetaan kode lama -> baru"
        if self.skipped_mappings:
            shown = ", ".join(self.skipped_mappings[:5]) + (" ..." if len(self.skipped_mappings) > 5 else "")
            text += f"; {len(self.skipped_mappings)} pemetaan dilewati (kode lama tidak pernah dimuat: {shown})"
        return text


def _header_key(value: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", clean_text(value).lower()).strip("_")


def _code_from_cell(value: object, level: str) -> str:
    """A code as typed, also when a spreadsheet stored `1.03` as the number 1.03 (or `1.10` as 1.1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        code = clean_text(value)
        # X.XX in any case (x.xx, X.Xx): the supporting program of the annex.
        return SUPPORTING_PREFIX + code[5:] if code[:5].upper() == SUPPORTING_PREFIX else code
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
    header = [_header_key(cell) for cell in rows[0]]
    return header, [(number, values) for number, values in enumerate(rows[1:], start=2)]


def _cells(header: list[str], columns: dict[str, str]) -> dict[str, int]:
    return {columns[name]: index for index, name in enumerate(header) if name in columns}


def nomenclature_read(path: Path) -> list[NomenclatureRow]:
    """Read a nomenclature list: columns kode, level, nama (or nama_provinsi); optional nama_kabupaten_kota (where
    the kabupaten/kota tree names a code differently), status, kinerja, indikator, satuan, kode_lama (the codes of
    the previous decree this row replaces)."""
    header, records = _records_from_file(path)
    positions = _cells(header, NOMENCLATURE_COLUMNS)
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
        name, regency_name = clean_text(cell("name")), clean_text(cell("regency_name"))
        if not name:  # only the kabupaten/kota tree names it
            name, regency_name = regency_name, ""
        rows.append(
            NomenclatureRow(
                line=line,
                code=_code_from_cell(cell("code"), level),
                level=level,
                name=name,
                regency_name="" if regency_name == name else regency_name,
                status=clean_text(cell("status")),
                performance=clean_text(cell("performance")),
                indicator=clean_text(cell("indicator")),
                unit=clean_text(cell("unit")),
                old_codes=tuple(code for code in OLD_CODES_SPLIT_RE.split(clean_text(cell("old_codes"))) if code),
            )
        )
    return rows


def mapping_read(path: Path) -> list[MappingRow]:
    """A decree's mapping of old codes to new ones: columns kode_lama, kode_baru."""
    header, records = _records_from_file(path)
    positions = _cells(header, MAPPING_COLUMNS)
    missing = [name for name, key in MAPPING_COLUMNS.items() if key not in positions]
    if missing:
        raise ReferenceDataError([f"{path.name}: kolom wajib tidak ada: {', '.join(missing)}"])
    rows = []
    for line, values in records:
        old, new = (
            clean_text(values[positions[key]]) if positions[key] < len(values) else "" for key in ("old", "new")
        )
        if old or new:
            rows.append(MappingRow(line=line, old=old, new=new, where=f"{path.name} baris"))
    return rows


def _sector_codes(rows: list[NomenclatureRow]) -> list[str]:
    """The bidang urusan the supporting program is spread into: those of the list, else those already loaded."""
    in_file = sorted({row.code for row in rows if row.level == Nomenclature.Level.SECTOR})
    if in_file:
        return in_file
    return list(
        Nomenclature.objects.filter(level=Nomenclature.Level.SECTOR, is_active=True).values_list("code", flat=True)
    )


def nomenclature_spread_supporting(rows: list[NomenclatureRow]) -> tuple[list[NomenclatureRow], int]:
    """The list with every `X.XX.` row written out once per bidang urusan (`X.XX.01` -> `1.03.01`, `5.01.01`, ...),
    as SIPD does; a code the list also writes out itself keeps its own row. Returns the rows and how many were made."""
    supporting = [row for row in rows if row.code.startswith(SUPPORTING_PREFIX)]
    if not supporting:
        return rows, 0
    written = {row.code for row in rows}
    result = [row for row in rows if not row.code.startswith(SUPPORTING_PREFIX)]
    made = 0
    for sector in _sector_codes(result):
        for row in supporting:
            code = f"{sector}.{row.code[len(SUPPORTING_PREFIX) :]}"
            if code not in written:
                result.append(replace(row, code=code, old_codes=()))
                written.add(code)
                made += 1
    return result, made


def pre_2021_problem(rows: list[NomenclatureRow]) -> str | None:
    """Why a list with two-digit sub kegiatan codes (Permendagri 90/2019 before 2021) is refused, or None."""
    old = [row for row in rows if PRE_2021_SUB_ACTIVITY_RE.match(row.code)]
    if not old:
        return None
    first = old[0]
    return (
        f"Daftar nomenklatur ini memakai kode sub kegiatan dua digit ({len(old)} baris, pertama baris {first.line}, "
        f"kode {first.code}), yaitu bentuk sebelum Kepmendagri 050-5889/2021. Sejak 2021 kode sub kegiatan berakhir "
        f"empat digit (mis. 1.03.10.2.01.0055). Muat lampiran keputusan yang berlaku; kode lama dapat dipetakan ke "
        f"kode baru lewat kolom kode_lama atau --mapping."
    )


def nomenclature_validate(rows: list[NomenclatureRow]) -> list[str]:
    """Every problem of a nomenclature list, each as `Baris N, kode X: ...`."""
    if problem := pre_2021_problem(rows):
        return [problem]
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
        if row.code.startswith(SUPPORTING_PREFIX):
            errors.append(f"{where}: program penunjang X.XX tidak dapat disebar: daftar ini tanpa bidang urusan")
            continue
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
        for label, text in (("nama", row.name), ("nama kabupaten/kota", row.regency_name)):
            if len(text) > NAME_MAX:
                errors.append(f"{where}: {label} lebih dari {NAME_MAX} karakter")
        if row.code in seen:
            errors.append(f"{where}: kode ganda (sudah ada di baris {seen[row.code]})")
        else:
            seen[row.code] = row.line
        parent = Nomenclature.parent_code(row.code)
        if parent and parent not in codes_in_file and parent not in known:
            errors.append(f"{where}: induk {parent} tidak ada di berkas maupun di basis data (yatim)")
    return errors


NAME_MAX = Nomenclature._meta.get_field("name").max_length or 500
FIELDS = [
    "level",
    "name",
    "regency_name",
    "parent",
    "government_level",
    "source_note",
    "performance",
    "indicator",
    "unit",
]


def _decree_record(decree: DecreeInfo, row_count: int) -> NomenclatureDecree:
    """The decree's row, refused when a later decree is already loaded (an older list must not retire newer codes)."""
    later = NomenclatureDecree.objects.filter(date__gt=decree.date).exclude(number=decree.number).first()
    if later is not None:
        raise ReferenceDataError(
            [
                f"{decree.number} ({decree.date:%d-%m-%Y}) lebih lama dari {later.number} ({later.date:%d-%m-%Y}) "
                f"yang sudah dimuat: daftar lama tidak dimuat karena akan mencabut kode yang berlaku."
            ]
        )
    record, _ = NomenclatureDecree.objects.update_or_create(
        number=decree.number,
        defaults={"date": decree.date, "source_file": decree.source_file[:255], "row_count": row_count},
    )
    return record


def _insert(nodes: list[Nomenclature], batch_size: int = 2000) -> None:
    """INSERT the new codes with one `executemany` per batch. `bulk_create` spent about 0.3 ms of Python per row
    compiling its SQL (8 of the 10 s of a first load of 25,000 codes); these columns are plain text, numbers and
    booleans that both databases take as they are. Every concrete column but the key, so a field added later is
    written too (its default is on the instance)."""
    if not nodes:
        return
    fields = [f for f in Nomenclature._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Nomenclature._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(nodes), batch_size):
            cursor.executemany(
                sql, [[getattr(node, f.attname) for f in fields] for node in nodes[start : start + batch_size]]
            )


def _in_chunks(values: list[int], size: int = 900) -> list[list[int]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


@transaction.atomic
def nomenclature_load(
    *,
    rows: list[NomenclatureRow],
    overwrite: bool = True,
    decree: DecreeInfo | None = None,
    mappings: list[MappingRow] | None = None,
) -> NomenclatureLoadResult:
    """Upsert a nomenclature list, all or nothing.

    `overwrite=False` only adds codes that are missing: the partial list shipped with the project must never
    overwrite names that a complete official list has already set. With a `decree`, the list is complete: every
    code it lists is in force by that decree, every code in force that it does not list is retired by it (kept for
    the proposals that carry it, no longer offered), and its `mappings` (plus the `kode_lama` cells) are recorded.
    """
    if problem := pre_2021_problem(rows):
        raise ReferenceDataError([problem])
    rows, spread = nomenclature_spread_supporting(rows)
    errors = nomenclature_validate(rows)
    mapping_rows = [MappingRow(row.line, old, row.code) for row in rows for old in row.old_codes] + (mappings or [])
    if mapping_rows and decree is None:
        errors.append("Pemetaan kode lama -> baru hanya dapat dimuat bersama keputusannya (--decree).")
    if errors:
        raise ReferenceDataError(errors)
    result = NomenclatureLoadResult(label="Nomenklatur", spread=spread)
    # First, so that an older decree is refused before anything is written; new codes are inserted with it.
    record = _decree_record(decree, len(rows)) if decree is not None else None
    existing = {node.code: node for node in Nomenclature.objects.all()}
    ids = {code: node.pk for code, node in existing.items()}
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
                regency_name=row.regency_name,
                parent_id=ids.get(Nomenclature.parent_code(row.code) or ""),
                government_level=Nomenclature.government_level_for_code(row.code),
                source_note=row.status[:200],
                performance=row.performance,
                indicator=row.indicator,
                unit=row.unit[:60],
                decree=record,
            )
            node = existing.get(row.code)
            if node is None:
                to_create.append(candidate)
                continue
            changed = [
                f
                for f in FIELDS
                if getattr(node, f"{f}_id" if f == "parent" else f)
                != getattr(candidate, f"{f}_id" if f == "parent" else f)
            ]
            if overwrite and changed:
                candidate.pk = node.pk
                to_update.append(candidate)
            else:
                result.unchanged += 1
        _insert(to_create)
        Nomenclature.objects.bulk_update(to_update, FIELDS, batch_size=500)
        result.created += len(to_create)
        result.updated += len(to_update)
        if to_create:
            ids.update(Nomenclature.objects.filter(level=by_depth[depth][0].level).values_list("code", "pk"))
    if record is not None:
        # What the list names is in force by this decree; whatever was in force and is not named retires (one UPDATE).
        # Only rows whose mark changes are written: a second load of the same list writes nothing, and every write
        # also costs the name's trigram indexes on PostgreSQL.
        listed = {row.code for row in rows}
        to_mark = [
            node.pk
            for code, node in existing.items()
            if code in listed and (node.decree_id != record.pk or not node.is_active or node.retired_by_id)
        ]
        unlisted = [node.pk for code, node in existing.items() if node.decree_id == record.pk and code not in listed]
        for chunk in _in_chunks(unlisted):  # the same decree loaded again, corrected: it no longer names these
            Nomenclature.objects.filter(pk__in=chunk).update(decree=None)
        for chunk in _in_chunks(to_mark):
            Nomenclature.objects.filter(pk__in=chunk).update(decree=record, is_active=True, retired_by=None)
        in_force = Nomenclature.objects.filter(is_active=True)
        result.retired = in_force.exclude(decree=record).update(is_active=False, retired_by=record)
        record.retired_count = result.retired
        record.save(update_fields=["retired_count"])
        result.decree = record.number
        _mappings_load(mapping_rows, record, ids, result)
    return result


def _mappings_load(
    rows: list[MappingRow], decree: NomenclatureDecree, ids: dict[str, int], result: NomenclatureLoadResult
) -> None:
    """Record `old -> new` for each row; a new code must be in the list (or in force), an old code must be known."""
    errors: list[str] = []
    links = []
    old_ids = (
        dict(Nomenclature.objects.filter(code__in={row.old for row in rows} - ids.keys()).values_list("code", "pk"))
        | ids
    )
    for row in rows:
        where = f"{row.where} {row.line}, pemetaan {row.old or '(kosong)'} -> {row.new or '(kosong)'}"
        if not row.old or not row.new:
            errors.append(f"{where}: kode lama dan kode baru wajib diisi")
        elif row.old == row.new:
            errors.append(f"{where}: kode lama sama dengan kode baru")
        elif row.new not in ids:
            errors.append(f"{where}: kode baru {row.new} tidak ada dalam daftar ini")
        elif row.old not in old_ids:
            result.skipped_mappings.append(row.old)
        else:
            links.append(NomenclatureMapping(old_id=old_ids[row.old], new_id=ids[row.new], decree=decree))
    if errors:
        raise ReferenceDataError(errors)
    NomenclatureMapping.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
    result.mapped = len({(link.old_id, link.new_id) for link in links})


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
