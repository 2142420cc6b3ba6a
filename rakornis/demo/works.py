"""The kinds of work the kabupaten/kota propose: sub kegiatan code, name pattern, unit, volume, price and funding."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from programs.models import Nomenclature
from rakornis.demo.names import BPJN, BWS


@dataclass(frozen=True)
class Work:
    """A kind of work proposed under one sub kegiatan: how it is named, measured and priced.

    Volumes are drawn in steps of `step` hundredths of the unit (10 = 0.1 km); prices are rupiah per unit; the total
    is rounded to whole millions and kept within [min_million, max_million].
    """

    code: str
    sector: str  # "pupr" or "perkim": which kab/kota agency proposes it
    name: str  # format string over the place fields of `_places`
    unit: str
    volume: tuple[int, int]  # in steps
    step: int  # hundredths of the unit per step
    price: tuple[int, int]  # rupiah per unit
    bounds: tuple[int, int]  # total in millions
    indicator: str
    weight: int
    road: bool = False
    multi_year: bool = False
    balai: str | None = None  # the central Balai that may take a provincial work over with APBN
    physical: bool = True  # construction (TP may co-fund) rather than a plan or coaching (Dekonsentrasi may)

    @property
    def provincial(self) -> bool:
        parts = self.code.split(".")
        return len(parts) == 6 and parts[3] == Nomenclature.GovernmentLevel.PROVINCE


WORKS_FILE = Path(__file__).with_name("works.csv")
BALAI = {"": None, "BPJN": BPJN, "BWS": BWS}


def _work(row: dict[str, str]) -> Work:
    """One row of works.csv: a table a planner can read and extend in a spreadsheet."""
    return Work(
        code=row["code"],
        sector=row["sector"],
        name=row["name"],
        unit=row["unit"],
        volume=(int(row["volume_min"]), int(row["volume_max"])),
        step=int(row["step"]),
        price=(int(row["price_min"]), int(row["price_max"])),
        bounds=(int(row["million_min"]), int(row["million_max"])),
        indicator=row["indicator"],
        weight=int(row["weight"]),
        road=row["road"] == "1",
        multi_year=row["multi_year"] == "1",
        balai=BALAI[row["balai"]],
        physical=row["physical"] == "1",
    )


def _read_works() -> tuple[Work, ...]:
    with open(WORKS_FILE, encoding="utf-8", newline="") as handle:
        return tuple(_work(row) for row in csv.DictReader(handle))


# The kinds of work in catalogue order, with their weights (how often each is proposed): kabupaten/kota authority
# (A = 2: APBD Kab/Kota, Bantuan Keuangan Provinsi, DAK Fisik, DAU PU) and provincial (A = 1) works.
WORKS = _read_works()

# Work the kab/kota asks for that has no sub kegiatan in the loaded list (a small share of the proposals).
OUT_OF_CATALOGUE = Work(
    code="",
    sector="pupr",
    name="Pembangunan Siring dan Titian Ulin Sungai {sungai} {desa}",
    unit="m",
    volume=(4, 40),
    step=2_500,
    price=(5_000_000, 15_000_000),
    bounds=(300, 6_000),
    indicator="Panjang siring yang dibangun",
    weight=0,
)
OUT_OF_CATALOGUE_REASON = (
    "Belum ada sub kegiatan kabupaten/kota yang sesuai dalam nomenklatur yang berlaku; diusulkan untuk dibahas "
    "pada desk Rakornis."
)
