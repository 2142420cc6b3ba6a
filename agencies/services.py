"""Writes that touch several agency-side rows: loading the region tree and the agency list."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from agencies.models import Agency, Region
from rakornis.loading import LoadResult, ReferenceDataError, clean_text, read_csv


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    kind: str
    parent_code: str | None


# (file, level, column of the parent code or None, column of the kind or None)
REGION_FILES = [
    ("provinsi.csv", Region.Level.PROVINCE, None, None),
    ("kabupaten_kota.csv", Region.Level.REGENCY, "kode_provinsi", "jenis"),
    ("kecamatan.csv", Region.Level.DISTRICT, "kode_kabkota", None),
    ("desa_kelurahan_62_63.csv", Region.Level.VILLAGE, "kode_kecamatan", "jenis"),
]


def read_region_rows(directory: Path) -> dict[str, list[RegionRow]]:
    """The rows of each region level, read from the Kemendagri CSV files in `directory`."""
    rows: dict[str, list[RegionRow]] = {}
    for filename, level, parent_column, kind_column in REGION_FILES:
        with open(directory / filename, encoding="utf-8", newline="") as handle:
            rows[level] = [
                RegionRow(
                    code=clean_text(record["kode"]),
                    name=clean_text(record["nama"]),
                    kind=clean_text(record[kind_column]) if kind_column else "",
                    parent_code=clean_text(record[parent_column]) if parent_column else None,
                )
                for record in csv.DictReader(handle)
            ]
    return rows


def _upsert_level(level: str, rows: list[RegionRow], parent_ids: dict[str, int]) -> tuple[LoadResult, dict[str, int]]:
    result = LoadResult(label=str(Region.Level(level).label))
    existing = {region.code: region for region in Region.objects.filter(level=level)}
    to_create: list[Region] = []
    to_update: list[Region] = []
    errors: list[str] = []
    for row in rows:
        parent_id = None
        if row.parent_code is not None:
            parent_id = parent_ids.get(row.parent_code)
            if parent_id is None:
                errors.append(f"{row.code} {row.name}: wilayah induk {row.parent_code} tidak ada")
                continue
        region = existing.get(row.code)
        if region is None:
            to_create.append(Region(code=row.code, name=row.name, kind=row.kind, level=level, parent_id=parent_id))
        elif (region.name, region.kind, region.parent_id) != (row.name, row.kind, parent_id):
            region.name, region.kind, region.parent_id = row.name, row.kind, parent_id
            to_update.append(region)
        else:
            result.unchanged += 1
    if errors:
        raise ReferenceDataError(errors)
    Region.objects.bulk_create(to_create, batch_size=2000)
    Region.objects.bulk_update(to_update, ["name", "kind", "parent"], batch_size=1000)
    result.created, result.updated = len(to_create), len(to_update)
    return result, dict(Region.objects.filter(level=level).values_list("code", "pk"))


@transaction.atomic
def regions_load(*, rows: dict[str, list[RegionRow]]) -> list[LoadResult]:
    """Upsert the region tree level by level (parents first), so a second run changes nothing."""
    results = []
    parent_ids: dict[str, int] = {}
    for level in Region.Level.values:
        result, parent_ids = _upsert_level(level, rows.get(level, []), parent_ids)
        results.append(result)
    return results


@dataclass(frozen=True)
class AgencyRow:
    name: str
    short_name: str
    level: str
    region_code: str
    description: str


AGENCY_COLUMNS = {
    "name": "nama",
    "short_name": "singkatan",
    "level": "tingkat",
    "region_code": "kode_wilayah",
    "description": "keterangan",
}


def read_agency_rows(path: Path) -> list[AgencyRow]:
    return [AgencyRow(**values) for values in read_csv(path, AGENCY_COLUMNS, optional=("keterangan",))]


@transaction.atomic
def agencies_load(*, rows: list[AgencyRow]) -> LoadResult:
    """Upsert agencies by their full name; the region must already be loaded."""
    result = LoadResult(label="Instansi")
    region_ids = dict(Region.objects.filter(code__in={row.region_code for row in rows}).values_list("code", "pk"))
    existing = {agency.name: agency for agency in Agency.objects.all()}
    errors = []
    for row in rows:
        if row.level not in Agency.Level.values:
            errors.append(f"{row.name}: tingkat {row.level!r} tidak dikenal")
        if row.region_code and row.region_code not in region_ids:
            errors.append(f"{row.name}: kode wilayah {row.region_code} tidak ada")
    if errors:
        raise ReferenceDataError(errors)
    for row in rows:
        values = {
            "short_name": row.short_name,
            "level": row.level,
            "region_id": region_ids.get(row.region_code),
            "description": row.description,
        }
        result.upsert(Agency, existing.get(row.name), {"name": row.name}, values)
    return result
