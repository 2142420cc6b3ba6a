"""Benchmark of "is this point inside its kabupaten/kota" (rakornis/extents.py; not a test): the cost of one check,
of the 5,000 checks of a full map page (programs/map_views.MAP_POINT_LIMIT) and of a list page of 50 rows, and the
bytes of the boundaries a page sends.

    DEBUG=true .venv/bin/python bench/point_in_region_bench.py [--points 5000]

Needs no database. The points are drawn (seeded) from the shipped boundaries: "inside" puts each point inside its own
kabupaten/kota (what most proposals are), "box" anywhere in the two provinces' boxes with a random kabupaten/kota
(mostly outside, the worst case: every check then looks for the kabupaten/kota the point falls in).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import timeit
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakornis.settings")

import django

django.setup()

from programs.map_views import region_shapes  # noqa: E402
from rakornis.extents import outside_region, region_boundaries  # noqa: E402

TOWNS = {
    "Martapura in Banjar": ("63.03", "-3.413", "114.851"),
    "Rantau in Tapin": ("63.05", "-2.94", "115.16"),
    "Rantau for Banjar (names Tapin)": ("63.03", "-2.94", "115.16"),
    "Kotabaru town (Pulau Laut) in Kotabaru": ("63.02", "-3.24", "116.23"),
    "open sea east of Kotabaru": ("63.02", "-3.0", "117.3"),
    "Jakarta for Banjar (in none)": ("63.03", "-6.2088", "106.8456"),
}


def inside_points(count: int, rng: random.Random) -> list[tuple[str, Decimal, Decimal]]:
    boundaries = list(region_boundaries().values())
    points: list[tuple[str, Decimal, Decimal]] = []
    while len(points) < count:
        boundary = rng.choice(boundaries)
        west, south, east, north = boundary.box
        lat, lng = rng.uniform(south, north), rng.uniform(west, east)
        if boundary.contains(lat, lng):
            points.append((boundary.code, Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")))
    return points


def box_points(count: int, rng: random.Random) -> list[tuple[str, Decimal, Decimal]]:
    codes = list(region_boundaries())
    return [
        (rng.choice(codes), Decimal(f"{rng.uniform(-4.7, 1.25):.6f}"), Decimal(f"{rng.uniform(110.5, 117.1):.6f}"))
        for _ in range(count)
    ]


def per_check(points: list[tuple[str, Decimal, Decimal]]) -> tuple[float, int]:
    """Seconds for checking all `points` once (best of 3), and how many were warned about."""
    seconds = min(timeit.repeat(lambda: [outside_region(*p) for p in points], number=1, repeat=3))
    return seconds, sum(1 for p in points if outside_region(*p))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=5_000)
    args = parser.parse_args()

    def load_once() -> None:
        region_boundaries.cache_clear()
        region_boundaries()

    load = min(timeit.repeat(load_once, number=1, repeat=5))
    print(f"load and parse the boundaries once a process: {load * 1000:.1f} ms")
    print("one check (mean of 5,000 calls):")
    for label, (code, lat, lng) in TOWNS.items():
        call = partial(outside_region, code, Decimal(lat), Decimal(lng))
        seconds = timeit.timeit(call, number=5_000) / 5_000
        print(f"  {label}: {seconds * 1e6:.1f} us")
    rng = random.Random(10)
    for label, points in (
        ("each inside its own kabupaten/kota", inside_points(args.points, rng)),
        ("anywhere in the two provinces", box_points(args.points, rng)),
    ):
        seconds, warned = per_check(points)
        page, _ = per_check(points[:50])
        print(
            f"{args.points:,} points {label}: {seconds * 1000:.0f} ms ({seconds / len(points) * 1e6:.1f} us each, "
            f"{warned:,} warned); a list page of 50: {page * 1000:.1f} ms"
        )
    shapes = region_shapes()
    sizes = {shape["code"]: len(json.dumps(shape, separators=(",", ":"))) for shape in shapes}
    every = json.dumps(shapes).encode()
    zipped = len(gzip.compress(every))
    smallest, largest = min(sizes.values()) / 1024, max(sizes.values()) / 1024
    print(f"boundaries sent with a page: all {len(shapes)} {len(every) / 1024:.0f} KB ({zipped / 1024:.0f} KB gzipped)")
    print(f"one kabupaten/kota {smallest:.1f}-{largest:.1f} KB (largest {max(sizes, key=sizes.__getitem__)})")


if __name__ == "__main__":
    main()
