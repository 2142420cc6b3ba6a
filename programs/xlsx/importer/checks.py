"""The checks of one row, column by column: which proposal and where (and may the user import it there), what it
proposes, where exactly, and its money. The lookups they need are read once per file (`Lookups`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import CharField

from agencies.models import Agency, Region, region_within
from programs.models import CELL_TEXT_MAX, FundingScheme, Nomenclature, NomenclatureMapping, Proposal
from programs.xlsx import columns as cols
from programs.xlsx.importer.cells import (
    CELL_ERRORS,
    casefold_key,
    clean_block,
    clean_line,
    parse_code,
    parse_document_kinds,
    parse_origin,
    parse_priority,
    parse_region_code,
    parse_year,
    parse_yes_no,
)
from programs.xlsx.importer.reading import UNSAVED_FORMULA, ErrorValue
from rakornis import fiscal_year, policy
from rakornis.extents import outside_region, province_extent
from rakornis.formatting import format_rupiah
from rakornis.numbers import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    MAX_AMOUNT_DIGITS,
    parse_amount,
    parse_coordinate,
    parse_volume,
)

if TYPE_CHECKING:
    from programs.xlsx.importer.plan import Plan


@dataclass
class Header:
    row: int
    positions: dict[str, int]  # field key -> column index
    fields: dict[str, cols.Field]
    scheme_keys: list[str] = field(init=False)  # the `Pagu ...` columns' keys, in the file's order

    def __post_init__(self) -> None:
        self.scheme_keys = [key for key in self.positions if key.startswith(cols.SCHEME_PREFIX)]

    def has(self, key: str) -> bool:
        return key in self.positions

    def cells(self, values: list[Any]) -> dict[str, Any]:
        """A sheet row's values by field key (None where the row is shorter than the header)."""
        return {key: values[col] if col < len(values) else None for key, col in self.positions.items()}


@functools.cache
def _max_length(name: str) -> int:
    model_field = Proposal._meta.get_field(name)
    assert isinstance(model_field, CharField) and model_field.max_length is not None
    return model_field.max_length


_REGENCY_PREFIX_RE = re.compile(r"^(kabupaten|kab\.?|kota)\s+")
_KAB_RE = re.compile(r"^kab\.?\s+")


def _regency_name_matches(typed: str, region: Region) -> bool:
    if typed == region.name:  # as the export writes it
        return True

    def full(text: str) -> str:
        return _KAB_RE.sub("kabupaten ", casefold_key(text))

    stored = full(region.name)
    given = full(typed)
    return given == stored or (not _REGENCY_PREFIX_RE.match(given) and given == _REGENCY_PREFIX_RE.sub("", stored))


class Lookups:
    """Everything the rows refer to, read in a handful of queries whatever the number of rows."""

    def __init__(self) -> None:
        self.regencies: dict[str, Region] = {}
        self.places: dict[str, Region] = {}
        self.agencies: dict[str, Agency] = {}
        self.sub_activities: dict[str, Nomenclature] = {}
        self.successors: dict[str, list[str]] = {}
        self.proposals: dict[str, Proposal] = {}
        self.scope_names: dict[str, str] = {}

    @classmethod
    def load(cls, rows: list[tuple[int, dict[str, Any]]], plan: Plan) -> Lookups:
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
                self.agencies.setdefault(casefold_key(text), agency)
        self.sub_activities = {
            n.code: n
            for n in Nomenclature.objects.sub_activities()
            .filter(code__in=sub_codes - {""})
            .select_related("retired_by")
        }
        # What a decree says replaces each retired code the rows name (one query), for the row's message.
        retired = [n.pk for n in self.sub_activities.values() if not n.is_active]
        for link in (
            NomenclatureMapping.objects.filter(old__in=retired, new__is_active=True)
            .select_related("old", "new")
            .order_by("new__code")
            if retired
            else []
        ):
            self.successors.setdefault(link.old.code, []).append(link.new.code)
        visible = Proposal.objects.all() if plan.user is None else Proposal.objects.for_user(plan.user)
        self.proposals = {
            p.number: p
            for p in visible.filter(number__in=numbers - {""})
            .select_related("region", "agency", "sub_activity", "district", "village")
            .prefetch_related("funding_lines")
        }
        scope = {*(plan.create_codes or []), *(plan.edit_codes or [])}
        self.scope_names = dict(Region.objects.filter(code__in=scope).values_list("code", "name"))
        return self

    def outside_scope_message(self, region: Region, allowed: list[str]) -> str:
        if not allowed:
            return "peran Anda tidak mengizinkan mengimpor usulan"
        names = ", ".join(f"{self.scope_names.get(code, code)} ({code})" for code in allowed)
        return f"Anda hanya dapat mengimpor usulan {names}; baris ini untuk {region.name} ({region.code})"


class RowCheck:
    """Reads and checks the cells of one row; every problem goes to `problems` as (column, message)."""

    def __init__(self, plan: Plan, lookups: Lookups, header: Header, number: int, cells: dict[str, Any]) -> None:
        self.plan = plan
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
        return field_.key in self.header.positions

    def label(self, key: str) -> str:
        return self.header.fields[key].label if key in self.header.fields else key

    def problem(self, field_or_label: cols.Field | str, message: str) -> None:
        label = field_or_label.label if isinstance(field_or_label, cols.Field) else field_or_label
        self.problems.append((label, message))

    def read(self, key: str, parse: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        value = self.cells.get(key)
        if value is UNSAVED_FORMULA:
            self.problem(self.label(key), "rumus tanpa nilai tersimpan; buka berkas di Excel/LibreOffice lalu simpan")
            return None
        if isinstance(value, ErrorValue):
            self.problem(self.label(key), f"rumus menghasilkan galat {value.code}")
            return None
        try:
            return parse(value, *args, **kwargs)
        except CELL_ERRORS as exc:
            self.problem(self.label(key), str(exc))
            return None

    def required(self, field_: cols.Field, parse: Callable[..., Any], message: str = "wajib diisi") -> Any:
        before = len(self.problems)
        value = self.read(field_.key, parse)
        if value in (None, "") and len(self.problems) == before:
            self.problem(field_, message)
        return value

    def kept(self, value: Agency | Nomenclature, field_name: str) -> bool:
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
        saved_year = self.existing.fiscal_year if self.existing is not None else None
        if self.year is not None and (
            problem := fiscal_year.typed_year_problem(self.year, saved=saved_year, default=self.plan.default_year)
        ):
            self.problem(cols.FISCAL_YEAR, problem)
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
        allowed = self.plan.edit_codes if existing is not None else self.plan.create_codes
        if not policy.within(region.code, allowed):
            self.problem(cols.REGION_CODE, self.lookups.outside_scope_message(region, allowed or []))
        # The ID Usulan names the year and kabupaten/kota: a row cannot move its proposal to another series.
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
            agency = self.lookups.agencies.get(casefold_key(agency_text))
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
        if notes and len(notes) > CELL_TEXT_MAX:
            self.problem(cols.NOTES, f"paling banyak {CELL_TEXT_MAX} karakter (kini {len(notes)})")
        code = self.read(cols.SUB_ACTIVITY.key, parse_code) if self.has(cols.SUB_ACTIVITY) else ""
        if out_of_catalogue:
            # The model keeps the reason apart from the notes; in the workbook Keterangan carries it.
            if code:
                self.plan.warn(self.number, cols.SUB_ACTIVITY.label, f"kode {code} diabaikan: Di Luar Nomenklatur = Ya")
            if not notes:
                self.problem(cols.NOTES, "usulan di luar nomenklatur wajib dijelaskan alasannya di kolom Keterangan")
            values |= {"sub_activity": None, "out_of_catalogue": True, "out_of_catalogue_reason": notes or ""}
        else:
            if not code:
                self.problem(cols.SUB_ACTIVITY, "wajib diisi (atau isi Di Luar Nomenklatur = Ya beserta alasannya)")
            elif (node := self.lookups.sub_activities.get(code)) is None:
                self.problem(cols.SUB_ACTIVITY, f"kode {code} tidak ada dalam nomenklatur")
            elif not node.is_active and not self.kept(node, "sub_activity"):
                decree = f" (tidak lagi dimuat {node.retired_by})" if node.retired_by is not None else ""
                new_codes = self.lookups.successors.get(code)
                advice = f"gunakan kode penggantinya {', '.join(new_codes)}" if new_codes else "pilih kode yang berlaku"
                self.problem(cols.SUB_ACTIVITY, f"kode {code} sudah tidak berlaku dalam nomenklatur{decree}; {advice}")
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
        if self.has(cols.DECLARED_DOCUMENTS):
            documents = self.read(cols.DECLARED_DOCUMENTS.key, parse_document_kinds)
            if documents is not None:
                values["declared_documents"] = documents

    def place(self) -> None:
        """Kecamatan or desa inside the kabupaten/kota, and coordinates inside Indonesia and the province (a point
        outside its kabupaten/kota is a warning only)."""
        values = self.values
        if self.has(cols.LOCATION_CODE):
            code = self.read(cols.LOCATION_CODE.key, parse_code)
            values |= {"district": None, "village": None}
            place = self.lookups.places.get(code) if code else None
            if code and place is None:
                self.problem(cols.LOCATION_CODE, f"kode {code} bukan kecamatan atau desa/kelurahan yang dikenal")
            elif place is not None and self.region is not None and not region_within(place.code, self.region.code):
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
            extent = province_extent(self.region.code) if self.region is not None else None
            if extent is not None and latitude is not None and (problem := extent.latitude_problem(latitude)):
                self.problem(cols.LATITUDE, problem)
            if extent is not None and longitude is not None and (problem := extent.longitude_problem(longitude)):
                self.problem(cols.LONGITUDE, problem)
            # Outside its kabupaten/kota is a warning, as on the form: the row is imported.
            if len(self.problems) == before and self.region is not None:
                if warning := outside_region(self.region.code, latitude, longitude):
                    self.plan.warn(self.number, cols.LATITUDE.label, warning)
            values |= {"latitude": latitude, "longitude": longitude}

    def money(self) -> None:
        """One amount per `Pagu ...` column (zero when empty), and Total Pagu equal to their sum when given."""
        before = len(self.problems)
        file_sum = Decimal(0)
        schemes: dict[str, FundingScheme] = self.plan.schemes_by_code
        for key in self.header.scheme_keys:
            amount = self.read(key, parse_amount) or Decimal(0)
            scheme = schemes.get(key.removeprefix(cols.SCHEME_PREFIX))
            if scheme is None:
                if amount:
                    self.problem(self.label(key), "skema pendanaan ini belum ada di data referensi aplikasi")
                continue
            file_sum += amount
            self.funding[scheme.pk] = amount
        if self.has(cols.TOTAL) and len(self.problems) == before:
            # The total of several 18-digit amounts may have more digits than one of them.
            total = self.read(cols.TOTAL.key, parse_amount, digits=MAX_AMOUNT_DIGITS + 2)
            if total is not None and total != file_sum:
                self.problem(
                    cols.TOTAL, f"{format_rupiah(total)} tidak sama dengan jumlah kolom Pagu {format_rupiah(file_sum)}"
                )
