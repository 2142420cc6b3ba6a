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

from dataclasses import dataclass
from decimal import Decimal

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
