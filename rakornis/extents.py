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
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any

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
# Selatan. A box is coarser than the boundary (Rantau, in Tapin, lies inside Banjar's box), so it is used only for a
# kabupaten/kota without a boundary below, and the warning then says that only the box was checked.
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
    return region_extents().get(_regency_code(region_code))


# The kabupaten/kota boundaries: reference_data/wilayah/batas_kabupaten_kota_62_63.geojson (same source, simplified
# to 19-637 points a kabupaten/kota). Simplified lines cut corners and coasts, so a point within BOUNDARY_MARGIN of a
# boundary counts as inside it: 0.01 degree, about 1.1 km, a few times the error of the simplified line away from the
# coast and less than the width of any kabupaten/kota, so a point typed across the border of the next one (Rantau for
# Banjar) is still caught. Degrees are compared as if square: at 0.8 N to 4.2 S a degree of longitude is 99.7 % or
# more of a degree of latitude. Whatever the check says is a warning, never a refusal (a road may end across the
# border, and the coasts and small islands are coarse).
BOUNDARY_MARGIN = 0.01

Edge = tuple[float, float, float, float]  # (lng, lat) of one end, then of the other


@dataclass(frozen=True)
class Part:
    """One polygon of a MultiPolygon: the edges of its outer ring and of its holes, and the box around them."""

    edges: tuple[Edge, ...] = field(repr=False)
    west: float
    south: float
    east: float
    north: float

    def contains(self, lng: float, lat: float) -> bool:
        """Ray casting over the edges of every ring: a point inside the outer ring and inside a hole crosses an even
        number of edges in all, so holes are respected without telling the rings apart."""
        if not (self.west <= lng <= self.east and self.south <= lat <= self.north):
            return False
        inside = False
        for x1, y1, x2, y2 in self.edges:
            if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        return inside

    def near(self, lng: float, lat: float, margin: float) -> bool:
        """Whether the point lies within `margin` degrees of an edge of one of the rings."""
        west, east, south, north = lng - margin, lng + margin, lat - margin, lat + margin
        if not (self.west <= east and west <= self.east and self.south <= north and south <= self.north):
            return False
        limit = margin * margin
        for x1, y1, x2, y2 in self.edges:
            # Most edges are far away: their box misses the point's square.
            if (x1 < west and x2 < west) or (x1 > east and x2 > east) or (y1 < south and y2 < south):
                continue
            if y1 > north and y2 > north:
                continue
            dx, dy = x2 - x1, y2 - y1
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((lng - x1) * dx + (lat - y1) * dy) / length))
            ex, ey = x1 + t * dx - lng, y1 + t * dy - lat
            if ex * ex + ey * ey <= limit:
                return True
        return False


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    parts: tuple[Part, ...] = field(repr=False)
    feature: dict[str, Any] = field(repr=False)  # the GeoJSON feature as shipped, for the map

    @cached_property
    def box(self) -> tuple[float, float, float, float]:
        """West, south, east, north of all its polygons: most points are rejected here, before any polygon."""
        return (
            min(part.west for part in self.parts),
            min(part.south for part in self.parts),
            max(part.east for part in self.parts),
            max(part.north for part in self.parts),
        )

    def contains(self, latitude: float, longitude: float) -> bool:
        """Strictly inside one of its polygons (and in none of that polygon's holes)."""
        west, south, east, north = self.box
        if not (west <= longitude <= east and south <= latitude <= north):
            return False
        return any(part.contains(longitude, latitude) for part in self.parts)

    def covers(self, latitude: float, longitude: float, margin: float = BOUNDARY_MARGIN) -> bool:
        """Inside, or within `margin` degrees of the boundary: what the warning counts as inside."""
        return self.contains(latitude, longitude) or any(part.near(longitude, latitude, margin) for part in self.parts)


def _part(rings: list[list[list[float]]]) -> Part:
    """A GeoJSON polygon ([lng, lat] rings, each closed, the outer ring first) as a Part."""
    edges = tuple(
        (float(start[0]), float(start[1]), float(end[0]), float(end[1]))
        for ring in rings
        for start, end in zip(ring, ring[1:], strict=False)
    )
    outer = rings[0]
    return Part(
        edges,
        west=min(float(point[0]) for point in outer),
        south=min(float(point[1]) for point in outer),
        east=max(float(point[0]) for point in outer),
        north=max(float(point[1]) for point in outer),
    )


@cache
def region_boundaries() -> dict[str, Boundary]:
    """Every shipped kabupaten/kota boundary by code (`63.03`), read once a process."""
    path = Path(settings.REFERENCE_DATA_DIR) / "wilayah" / "batas_kabupaten_kota_62_63.geojson"
    with path.open(encoding="utf-8") as handle:
        collection = json.load(handle)
    boundaries = {}
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        code = feature["properties"]["kode"]
        boundaries[code] = Boundary(
            code, feature["properties"]["nama"], tuple(_part(polygon) for polygon in polygons), feature
        )
    return boundaries


def region_boundary(region_code: str) -> Boundary | None:
    """The boundary of the kabupaten/kota of `region_code` (`63.03`, or a kecamatan/desa code under it), or None."""
    return region_boundaries().get(_regency_code(region_code))


def region_at(latitude: float, longitude: float) -> Boundary | None:
    """The shipped kabupaten/kota whose boundary holds the point (strictly, no margin), or None."""
    return next((b for b in region_boundaries().values() if b.contains(latitude, longitude)), None)


def _regency_code(region_code: str) -> str:
    return ".".join(region_code.split(".")[:2])


def outside_region(region_code: str, latitude: Decimal | None, longitude: Decimal | None) -> str | None:
    """A sentence when the point lies outside its kabupaten/kota; None when inside, unknown or not shipped.

    By the boundary when one is shipped (naming the kabupaten/kota the point falls in, when it falls in one), else by
    the box, and the sentence then says that only the box was checked."""
    if latitude is None or longitude is None:
        return None
    boundary = region_boundary(region_code)
    if boundary is not None:
        lat, lng = float(latitude), float(longitude)
        if boundary.covers(lat, lng):
            return None
        other = region_at(lat, lng)
        where = f"berada di {other.name}, bukan di" if other is not None else "berada di luar wilayah"
        return f"{_point(latitude, longitude)} {where} {boundary.name}. {_ADVICE}"
    extent = region_extent(region_code)
    if extent is None:
        return None
    if extent.south <= latitude <= extent.north and extent.west <= longitude <= extent.east:
        return None
    return (
        f"{_point(latitude, longitude)} berada di luar kotak batas wilayah {extent.name} (batas wilayahnya belum "
        f"tersedia, hanya kotaknya yang diperiksa). {_ADVICE}"
    )


_ADVICE = "Periksa lintang dan bujurnya: mungkin tersalin dari lokasi lain."


def _point(latitude: Decimal, longitude: Decimal) -> str:
    return f"Titik koordinat ({format_number(latitude, trim=True)}; {format_number(longitude, trim=True)})"
