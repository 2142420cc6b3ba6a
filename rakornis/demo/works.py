"""The kinds of work the kabupaten/kota propose: sub kegiatan code, name pattern, unit, volume, price and funding."""

from __future__ import annotations

from dataclasses import dataclass

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


ROAD = "Panjang jalan yang ditangani"
WORKS = (
    # Kabupaten/kota authority (A = 2): APBD Kab/Kota, Bantuan Keuangan Provinsi, DAK Fisik, DAU PU.
    Work(
        code="1.03.10.2.01.0055",
        sector="pupr",
        name="Rehabilitasi Jalan Ruas {ruas} {sta}",
        unit="km",
        volume=(5, 80),
        step=10,
        price=(800_000_000, 3_000_000_000),
        bounds=(500, 25_000),
        indicator=ROAD,
        weight=30,
        road=True,
        multi_year=True,
    ),
    Work(
        code="1.03.10.2.01.0053",
        sector="pupr",
        name="Pembangunan Jalan Ruas {ruas} {sta}",
        unit="km",
        volume=(5, 45),
        step=10,
        price=(3_000_000_000, 6_000_000_000),
        bounds=(1_500, 25_000),
        indicator="Panjang jalan yang dibangun",
        weight=18,
        road=True,
        multi_year=True,
    ),
    Work(
        code="1.03.10.2.01.0051",
        sector="pupr",
        name="Pemeliharaan Rutin Jalan Kabupaten Wilayah Kecamatan {kec}",
        unit="km",
        volume=(50, 600),
        step=10,
        price=(40_000_000, 120_000_000),
        bounds=(250, 5_000),
        indicator="Panjang jalan yang dipelihara",
        weight=12,
    ),
    Work(
        code="1.03.02.2.01.0089",
        sector="pupr",
        name="Operasi dan Pemeliharaan Embung {desa}",
        unit="unit",
        volume=(1, 4),
        step=100,
        price=(150_000_000, 600_000_000),
        bounds=(150, 2_400),
        indicator="Jumlah embung yang dioperasikan dan dipelihara",
        weight=5,
    ),
    # Provincial authority (A = 1), proposed by the kab/kota for the province to fund: APBD Provinsi (+ TP/Dekon).
    Work(
        code="1.03.10.1.01.0030",
        sector="pupr",
        name="Rehabilitasi Jalan Provinsi Ruas {ruas} {sta}",
        unit="km",
        volume=(10, 100),
        step=10,
        price=(1_500_000_000, 3_500_000_000),
        bounds=(1_000, 25_000),
        indicator=ROAD,
        weight=8,
        road=True,
        multi_year=True,
        balai=BPJN,
    ),
    Work(
        code="1.03.10.1.01.0031",
        sector="pupr",
        name="Rekonstruksi Jalan Provinsi Ruas {ruas} {sta}",
        unit="km",
        volume=(10, 60),
        step=10,
        price=(3_000_000_000, 5_000_000_000),
        bounds=(2_000, 25_000),
        indicator=ROAD,
        weight=4,
        road=True,
        multi_year=True,
        balai=BPJN,
    ),
    Work(
        code="1.03.10.1.01.0040",
        sector="pupr",
        name="Pelebaran Jalan Menuju Standar Ruas {ruas} {sta}",
        unit="km",
        volume=(10, 60),
        step=10,
        price=(2_500_000_000, 4_500_000_000),
        bounds=(2_000, 25_000),
        indicator=ROAD,
        weight=3,
        road=True,
        balai=BPJN,
    ),
    Work(
        code="1.03.10.1.01.0038",
        sector="pupr",
        name="Pemeliharaan Berkala Jalan Provinsi Ruas {ruas} {sta}",
        unit="km",
        volume=(20, 150),
        step=10,
        price=(400_000_000, 900_000_000),
        bounds=(500, 10_000),
        indicator="Panjang jalan yang dipelihara",
        weight=4,
        road=True,
    ),
    Work(
        code="1.03.10.1.01.0032",
        sector="pupr",
        name="Pembangunan Jembatan Sungai {sungai} {desa}",
        unit="m",
        volume=(6, 30),
        step=500,
        price=(60_000_000, 150_000_000),
        bounds=(1_500, 25_000),
        indicator="Panjang jembatan yang dibangun",
        weight=4,
        multi_year=True,
        balai=BPJN,
    ),
    Work(
        code="1.03.10.1.01.0036",
        sector="pupr",
        name="Penggantian Jembatan {desa} Kecamatan {kec}",
        unit="m",
        volume=(4, 20),
        step=500,
        price=(50_000_000, 120_000_000),
        bounds=(1_000, 15_000),
        indicator="Panjang jembatan yang diganti",
        weight=3,
        balai=BPJN,
    ),
    Work(
        code="1.03.10.1.01.0025",
        sector="pupr",
        name="Rehabilitasi Jembatan {desa} Kecamatan {kec}",
        unit="m",
        volume=(4, 24),
        step=500,
        price=(20_000_000, 60_000_000),
        bounds=(300, 5_000),
        indicator="Panjang jembatan yang direhabilitasi",
        weight=3,
    ),
    Work(
        code="1.03.02.1.01.0009",
        sector="pupr",
        name="Pembangunan Tanggul Sungai {sungai} {desa}",
        unit="m",
        volume=(4, 40),
        step=5_000,
        price=(4_000_000, 12_000_000),
        bounds=(800, 25_000),
        indicator="Panjang tanggul yang dibangun",
        weight=4,
        multi_year=True,
        balai=BWS,
    ),
    Work(
        code="1.03.02.1.01.0079",
        sector="pupr",
        name="Normalisasi Sungai {sungai} Kecamatan {kec}",
        unit="m",
        volume=(5, 60),
        step=10_000,
        price=(800_000, 3_000_000),
        bounds=(500, 15_000),
        indicator="Panjang sungai yang dinormalisasi",
        weight=4,
        balai=BWS,
    ),
    Work(
        code="1.03.02.1.02.0014",
        sector="pupr",
        name="Rehabilitasi Jaringan Irigasi D.I. {di}",
        unit="ha",
        volume=(3, 50),
        step=5_000,
        price=(1_500_000, 6_000_000),
        bounds=(300, 15_000),
        indicator="Luas daerah irigasi yang jaringannya direhabilitasi",
        weight=4,
        balai=BWS,
    ),
    Work(
        code="1.03.02.1.01.0120",
        sector="pupr",
        name="Pembangunan Embung {desa}",
        unit="unit",
        volume=(1, 2),
        step=100,
        price=(1_500_000_000, 6_000_000_000),
        bounds=(1_500, 12_000),
        indicator="Jumlah embung yang dibangun",
        weight=2,
        balai=BWS,
    ),
    Work(
        code="1.03.02.1.01.0116",
        sector="pupr",
        name="Pembangunan Sumur Bor Air Baku {desa}",
        unit="unit",
        volume=(1, 5),
        step=100,
        price=(300_000_000, 900_000_000),
        bounds=(300, 4_500),
        indicator="Jumlah sumur air tanah untuk air baku yang dibangun",
        weight=2,
    ),
    Work(
        code="1.03.02.1.01.0122",
        sector="pupr",
        name="Penyusunan DED Pengendali Banjir Sungai {sungai}",
        unit="dokumen",
        volume=(1, 1),
        step=100,
        price=(300_000_000, 1_500_000_000),
        bounds=(300, 1_500),
        indicator="Jumlah dokumen rencana teknis yang disusun",
        weight=2,
        physical=False,
    ),
    Work(
        code="1.03.09.1.01.0008",
        sector="pupr",
        name="Penataan Kawasan Tepian Sungai {sungai} Kecamatan {kec}",
        unit="paket",
        volume=(1, 1),
        step=100,
        price=(1_500_000_000, 8_000_000_000),
        bounds=(1_500, 8_000),
        indicator="Jumlah kawasan yang ditata",
        weight=2,
    ),
    Work(
        code="1.03.03.1.01.0015",
        sector="pupr",
        name="Penyusunan Rencana Teknis SPAM Kawasan Kecamatan {kec}",
        unit="dokumen",
        volume=(1, 1),
        step=100,
        price=(250_000_000, 800_000_000),
        bounds=(250, 800),
        indicator="Jumlah dokumen rencana teknis SPAM yang disusun",
        weight=1,
        physical=False,
    ),
    Work(
        code="1.03.05.1.01.0015",
        sector="pupr",
        name="Penyusunan Rencana Teknis SPALD Kawasan Kecamatan {kec}",
        unit="dokumen",
        volume=(1, 1),
        step=100,
        price=(250_000_000, 800_000_000),
        bounds=(250, 800),
        indicator="Jumlah dokumen rencana teknis air limbah yang disusun",
        weight=1,
        physical=False,
    ),
    Work(
        code="1.04.03.1.02.0003",
        sector="perkim",
        name="Peningkatan Kualitas Rumah Tidak Layak Huni {desa} Kecamatan {kec}",
        unit="unit",
        volume=(20, 150),
        step=100,
        price=(20_000_000, 35_000_000),
        bounds=(400, 5_000),
        indicator="Jumlah rumah tidak layak huni yang ditingkatkan kualitasnya",
        weight=8,
        multi_year=True,
    ),
    Work(
        code="1.04.03.1.01.0014",
        sector="perkim",
        name="Pembinaan Kelompok Swadaya Masyarakat Permukiman Kumuh {desa}",
        unit="paket",
        volume=(1, 1),
        step=100,
        price=(100_000_000, 400_000_000),
        bounds=(100, 400),
        indicator="Jumlah KSM yang dibina",
        weight=2,
        physical=False,
    ),
    Work(
        code="1.04.05.1.01.0001",
        sector="perkim",
        name="Penyusunan Rencana Penyediaan PSU Permukiman Kecamatan {kec}",
        unit="dokumen",
        volume=(1, 1),
        step=100,
        price=(200_000_000, 600_000_000),
        bounds=(200, 600),
        indicator="Jumlah dokumen perencanaan PSU yang disusun",
        weight=2,
        physical=False,
    ),
)

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
