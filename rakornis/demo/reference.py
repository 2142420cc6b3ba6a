"""The reference rows the demo is drawn from (regions, agencies, funding schemes, sub kegiatan), looked up once."""

from __future__ import annotations

from dataclasses import dataclass

from agencies.models import Agency, Region
from programs.models import FundingScheme, Nomenclature
from rakornis.demo.names import NAMED_AGENCIES, PROVINCE_CODE
from rakornis.demo.weights import SCHEME_CODES
from rakornis.demo.works import WORKS, Work


class MissingReferenceData(Exception):
    """The reference data the demo is built from has not been loaded (or is incomplete)."""


@dataclass
class Place:
    """A kecamatan with the desa/kelurahan used to describe a location in it."""

    district: Region
    villages: list[tuple[Region, str]]  # (village, "Desa X" / "Kelurahan Y")

    @property
    def name(self) -> str:
        return self.district.name


@dataclass
class RegencyRef:
    region: Region
    is_city: bool
    places: list[Place]
    pupr: Agency
    perkim: Agency

    @property
    def code(self) -> str:
        return self.region.code

    @property
    def name(self) -> str:
        return self.region.name


@dataclass
class DemoReference:
    regencies: list[RegencyRef]
    agencies: dict[str, Agency]  # by short name
    schemes: dict[str, FundingScheme]  # by code
    works: list[tuple[Work, Nomenclature]]  # the works whose sub kegiatan is loaded


HINT = "Jalankan `python manage.py load_reference_data` terlebih dahulu."


def _places(regencies: list[Region]) -> dict[int, list[Place]]:
    """The kecamatan of each kabupaten/kota, in code order, with their desa/kelurahan."""
    in_province = {"code__startswith": f"{PROVINCE_CODE}."}
    places = {
        district.pk: Place(district, [])
        for district in Region.objects.districts().filter(**in_province).order_by("code")
    }
    for village in Region.objects.villages().filter(**in_province).order_by("code"):
        if village.parent_id in places:
            places[village.parent_id].villages.append((village, f"{village.kind or 'Desa'} {village.name}"))
    by_regency: dict[int, list[Place]] = {regency.pk: [] for regency in regencies}
    for place in places.values():
        if place.district.parent_id in by_regency:
            by_regency[place.district.parent_id].append(place)
    return by_regency


def demo_reference_load() -> DemoReference:
    """Look up regions, agencies, schemes and sub kegiatan, or raise MissingReferenceData naming what is missing."""
    regencies = list(Region.objects.regencies().filter(code__startswith=f"{PROVINCE_CODE}.").order_by("code"))
    if not regencies:
        raise MissingReferenceData(f"Data referensi belum dimuat: wilayah Kalimantan Selatan tidak ada. {HINT}")
    missing: list[str] = []
    agencies = {agency.short_name: agency for agency in Agency.objects.select_related("region")}
    missing += [f"instansi {name}" for name in NAMED_AGENCIES if name not in agencies]

    sectors: dict[int, dict[str, Agency]] = {}
    for agency in agencies.values():
        if agency.level == Agency.Level.REGENCY and agency.region_id is not None:
            sector = "pupr" if agency.short_name.startswith("Dinas PUPR") else "perkim"
            current = sectors.setdefault(agency.region_id, {}).get(sector)
            if current is None or agency.short_name < current.short_name:
                sectors[agency.region_id][sector] = agency

    places = _places(regencies)
    refs = []
    for regency in regencies:
        own = sectors.get(regency.pk, {})
        if "pupr" not in own or "perkim" not in own:
            missing.append(f"Dinas PUPR dan Disperkim {regency.name}")
        elif not places[regency.pk]:
            missing.append(f"kecamatan {regency.name}")
        else:
            is_city = regency.kind == "Kota" or regency.name.startswith("Kota ")
            refs.append(RegencyRef(regency, is_city, places[regency.pk], own["pupr"], own["perkim"]))

    schemes = {scheme.code: scheme for scheme in FundingScheme.objects.filter(code__in=SCHEME_CODES)}
    missing += [f"skema pendanaan {code}" for code in SCHEME_CODES if code not in schemes]
    codes = {
        sub.code: sub for sub in Nomenclature.objects.sub_activities().filter(code__in=[work.code for work in WORKS])
    }
    works = [(work, codes[work.code]) for work in WORKS if work.code in codes]
    if not works:
        missing.append("nomenklatur sub kegiatan bidang 1.03/1.04")
    if missing:
        raise MissingReferenceData(f"Data referensi belum lengkap: {', '.join(missing)}. {HINT}")
    return DemoReference(regencies=refs, agencies=agencies, schemes=schemes, works=works)
