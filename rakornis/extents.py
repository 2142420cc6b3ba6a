"""Where a proposal's coordinates may lie: inside its province, not only inside Indonesia.

The database keeps Indonesia's bounding box (`programs_proposal_coordinates_in_indonesia`, the same for every
province and row); the forms and the import check the narrower box of the proposal's province, so that the usual
slips (a latitude typed without its minus sign, a point copied from another kabupaten's map) are refused with a
message. The boxes are the provinces' official extents as their governments publish them (Kalimantan Selatan:
1°21'49"-4°10'14" S, 114°19'33"-116°33'28" E; Kalimantan Tengah: 0°45' N-3°30' S, 111°-116° E), widened by half a
degree (about 55 km) for the small islands and for rounding. A province without a box here (no shipped reference
data has one yet) is checked against Indonesia's box only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings

from rakornis.numbers import format_number


@dataclass(frozen=True)
class Extent:
    name: str
    south: Decimal
    north: Decimal
    west: Decimal
    east: Decimal

    def latitude_problem(self, latitude: Decimal) -> str | None:
        if self.south <= latitude <= self.north:
            return None
        return (
            f"lintang {format_number(latitude, trim=True)} di luar {self.name} "
            f"({format_number(self.south)} s.d. {format_number(self.north)}); periksa tanda minusnya"
        )

    def longitude_problem(self, longitude: Decimal) -> str | None:
        if self.west <= longitude <= self.east:
            return None
        return (
            f"bujur {format_number(longitude, trim=True)} di luar {self.name} "
            f"({format_number(self.west)} s.d. {format_number(self.east)})"
        )


PROVINCE_EXTENTS = {
    "62": Extent("Kalimantan Tengah", Decimal("-4"), Decimal("1.25"), Decimal("110.5"), Decimal("116.5")),
    "63": Extent("Kalimantan Selatan", Decimal("-4.7"), Decimal("-0.85"), Decimal("113.8"), Decimal("117.1")),
}


def province_extent(region_code: str) -> Extent | None:
    """The box of the province of `region_code` (`63.03` -> Kalimantan Selatan), or None."""
    return PROVINCE_EXTENTS.get(region_code[:2])


# The kabupaten/kota boxes: reference_data/wilayah/wilayah_extent_62_63.csv (see reference_data/SOURCES.md), the
# bounding boxes of the simplified boundaries of cahyadsn/wilayah_boundaries for Kalimantan Tengah and Kalimantan
# Selatan. A box is coarser than the boundary (a point in Banjarbaru lies inside Banjar's box), so a point outside
# its box is certainly outside its kabupaten/kota, give or take the margin below for the simplified coastlines: that
# is a warning on the proposal page and form, never a refusal (a road may end across the border).
REGION_MARGIN = Decimal("0.05")  # about 5.5 km


@cache
def region_extents() -> dict[str, Extent]:
    """Every shipped kabupaten/kota box by code (`63.03`), with the margin; the provinces' rows are left out."""
    path = Path(settings.REFERENCE_DATA_DIR) / "wilayah" / "wilayah_extent_62_63.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["kode"]: Extent(
                row["nama"],
                Decimal(row["min_lat"]) - REGION_MARGIN,
                Decimal(row["max_lat"]) + REGION_MARGIN,
                Decimal(row["min_lng"]) - REGION_MARGIN,
                Decimal(row["max_lng"]) + REGION_MARGIN,
            )
            for row in csv.DictReader(handle)
            if "." in row["kode"]
        }


def region_extent(region_code: str) -> Extent | None:
    """The box of the kabupaten/kota of `region_code` (`63.03`, or a kecamatan/desa code under it), or None."""
    return region_extents().get(".".join(region_code.split(".")[:2]))


def outside_region(region_code: str, latitude: Decimal | None, longitude: Decimal | None) -> str | None:
    """A sentence when the point lies outside its kabupaten/kota's box; None when inside, unknown or without a box."""
    extent = region_extent(region_code)
    if extent is None or latitude is None or longitude is None:
        return None
    if extent.south <= latitude <= extent.north and extent.west <= longitude <= extent.east:
        return None
    return (
        f"Titik koordinat ({format_number(latitude, trim=True)}; {format_number(longitude, trim=True)}) berada di luar "
        f"wilayah {extent.name}. Periksa lintang dan bujurnya: mungkin tersalin dari lokasi lain."
    )
