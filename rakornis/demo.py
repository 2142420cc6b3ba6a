"""Demo data: the demo accounts, the Rakornis PUPR Kalsel 2026 meeting and generated proposals for TA 2027.

Used by `python manage.py seed_demo` (quick start and benchmarks). Everything is derived from the loaded reference
data (regions, agencies, funding schemes, nomenclature) and one `random.Random(seed)`, so the same seed on the same
reference data gives the same proposals: numbers, names, amounts, statuses and decisions.

Running it again on a database that already has data:
- with `if_empty=True` (used by `make run`): nothing at all is written when any proposal exists;
- otherwise the demo accounts (names, password, roles) and the demo meetings (fields and attendance) are brought
  back to their demo state in place, and proposals are generated only when the database has no proposal yet.
  Generated data is never appended to existing proposals: numbers, merges and carry-overs would no longer be those
  of the seed. To regenerate, start from an empty database (`flush`, then `load_reference_data`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, reset_queries, transaction
from django.utils import timezone

from agencies.models import Agency, Region, StaffRole
from meetings.models import Attendance, Decision, DecisionFunding, Meeting
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding
from rakornis.models import AuditEntry

DEMO_PASSWORD = "rakornis-demo"
DEFAULT_SEED = 2027
DEFAULT_PROPOSALS = 300
CHUNK_SIZE = 5_000
FISCAL_YEAR = 2027
PROVINCE_CODE = "63"
MILLION = 1_000_000

WITA = ZoneInfo("Asia/Makassar")

PUPR_PROV = "Dinas PUPR Prov. Kalsel"
PERKIM_PROV = "Disperkim Prov. Kalsel"
BAPPEDA = "Bappeda Prov. Kalsel"
BPJN = "BPJN Kalimantan Selatan"
BWS = "BWS Kalimantan III"
BPPW = "BPPW Kalimantan Selatan"
ITS = "ITS Surabaya"
NAMED_AGENCIES = (PUPR_PROV, PERKIM_PROV, BAPPEDA, BPJN, BWS, BPPW, ITS)


class MissingReferenceData(Exception):
    """The reference data the demo is built from has not been loaded (or is incomplete)."""


# --- Accounts -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str | None  # None: the superuser, who holds no StaffRole
    agency: str | None  # short name


DEMO_ACCOUNTS = (
    DemoAccount("admin", "Fajar", "Nugroho", None, None),
    DemoAccount("perencana.pupr", "Siti", "Rahmawati", StaffRole.Role.PLANNER, PUPR_PROV),
    DemoAccount("verifikator.pupr", "Ahmad", "Fauzi", StaffRole.Role.VERIFIER, PUPR_PROV),
    DemoAccount("sekretariat", "Nurul", "Hidayah", StaffRole.Role.SECRETARY, PUPR_PROV),
    DemoAccount("operator.banjar", "Muhammad Rizky", "Ramadhan", StaffRole.Role.OPERATOR, "Dinas PUPR Kab. Banjar"),
    DemoAccount("operator.tapin", "Rina", "Maulida", StaffRole.Role.OPERATOR, "Dinas PUPR Kab. Tapin"),
    DemoAccount("pimpinan", "Hasanuddin", "Noor", StaffRole.Role.VIEWER, PUPR_PROV),
)


# --- Meetings -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAttendee:
    name: str
    position: str
    agency: str | None
    capacity: str = Attendance.Capacity.PARTICIPANT
    represents: str = ""


@dataclass(frozen=True)
class DemoMeeting:
    key: str
    kind: str
    title: str
    organiser: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    city: str
    purpose: str
    closed: bool
    attendees: tuple[DemoAttendee, ...]


C = Attendance.Capacity

RAKORNIS = DemoMeeting(
    key="rakornis",
    kind=Meeting.Kind.RAKORNIS,
    title="Rakornis Dinas PUPR Provinsi Kalimantan Selatan 2026",
    organiser=PUPR_PROV,
    starts_at=datetime(2026, 1, 29, 9, 0, tzinfo=WITA),
    ends_at=datetime(2026, 1, 29, 16, 0, tzinfo=WITA),
    venue="Anjungan Kalimantan Selatan, Taman Mini Indonesia Indah",
    city="Jakarta",
    purpose=(
        "Menyelaraskan program antartingkat pemerintahan dan menyepakati program yang menjadi dasar penyusunan "
        "Renja Dinas PUPR Provinsi Kalimantan Selatan Tahun Anggaran 2027, termasuk pendanaan dekonsentrasi dan "
        "tugas pembantuan."
    ),
    closed=True,
    attendees=(
        DemoAttendee(
            "Ir. Hasanuddin Noor, M.T.",
            "Kepala Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
            PUPR_PROV,
            C.CHAIR,
        ),
        DemoAttendee(
            "Hj. Rusmiati, S.T., M.Si.",
            "Perencana Ahli Madya",
            BAPPEDA,
            represents="Kepala Bappeda Provinsi Kalimantan Selatan",
        ),
        DemoAttendee("Syahrial Anwar, S.T.", "Kepala Bidang Perumahan", PERKIM_PROV),
        DemoAttendee("Dedi Kurniawan, S.T., M.T.", "Kepala Bidang Perencanaan dan Pemrograman", BPJN),
        DemoAttendee(
            "Rizal Fahmi, S.T., M.Eng.",
            "Kepala Seksi Perencanaan Umum dan Program",
            BWS,
            represents="Kepala Balai Wilayah Sungai Kalimantan III",
        ),
        DemoAttendee("Nur Aisyah, S.T., M.T.", "Kepala Seksi Perencanaan dan Pemrograman", BPPW),
        DemoAttendee("Dr. Ir. Bambang Setiawan, M.T.", "Dosen Departemen Teknik Sipil", ITS, C.SPEAKER),
        DemoAttendee("Siti Rahmawati, S.T.", "Perencana Ahli Muda", PUPR_PROV),
        DemoAttendee("H. Gusti Rahmadi, S.T., M.T.", "Kepala Dinas", "Dinas PUPR Kab. Banjar"),
        DemoAttendee("Akhmad Rifani, S.T.", "Sekretaris Dinas", "Dinas PUPR Kab. Tapin"),
        DemoAttendee("Yusuf Effendi, S.T., M.T.", "Kepala Dinas", "Dinas PUPR Kab. Hulu Sungai Selatan"),
        DemoAttendee("Fitriani, S.T.", "Kepala Bidang Bina Marga", "Dinas PUPR Kab. Tanah Laut"),
        DemoAttendee("Ir. Budi Santoso", "Kepala Dinas", "Dinas PUPR Kab. Tabalong"),
        DemoAttendee("Irwan Saputra, S.T., M.T.", "Kepala Bidang Sumber Daya Air", "Dinas PUPR Kota Banjarmasin"),
        DemoAttendee("Lailatul Fitri, S.T.", "Perencana Ahli Muda", "Dinas PUPR Kota Banjarbaru"),
        DemoAttendee("Nurul Hidayah, S.E.", "Analis Perencanaan", PUPR_PROV, C.SECRETARIAT),
    ),
)

RAKORTEK_PKP = DemoMeeting(
    key="rakortek-pkp",
    kind=Meeting.Kind.RAKORTEK,
    title="Rakortek Perumahan dan Kawasan Permukiman Provinsi Kalimantan Selatan 2026",
    organiser=PERKIM_PROV,
    starts_at=datetime(2026, 2, 12, 8, 30, tzinfo=WITA),
    ends_at=datetime(2026, 2, 12, 15, 0, tzinfo=WITA),
    venue="Aula rapat, Banjarmasin",
    city="Banjarmasin",
    purpose=(
        "Sinkronisasi data perumahan dan kawasan permukiman dengan kabupaten/kota untuk perencanaan TA 2027, "
        "menuju Musrenbang April-Mei 2026. Capaian: RTLH tertangani 2.804 unit dari 237.973 unit tercatat; "
        "kawasan kumuh tertangani 345,029 ha (43,62% luas kumuh kewenangan provinsi)."
    ),
    closed=False,
    attendees=(
        DemoAttendee("Ir. Muhammad Arsyad, M.T.", "Kepala Dinas", PERKIM_PROV, C.CHAIR),
        DemoAttendee("Hj. Rusmiati, S.T., M.Si.", "Perencana Ahli Madya", BAPPEDA),
        DemoAttendee("Nur Aisyah, S.T., M.T.", "Kepala Seksi Perencanaan dan Pemrograman", BPPW),
        DemoAttendee("Rahmadani, S.T.", "Kepala Bidang Perumahan", "Disperkim Kab. Banjar"),
        DemoAttendee("Ahmad Zaini, S.T.", "Kepala Bidang Kawasan Permukiman", "Disperkim Kota Banjarmasin"),
        DemoAttendee("Sri Wahyuni, S.T.", "Perencana Ahli Pertama", "Disperkim Kab. Barito Kuala"),
        DemoAttendee("Noor Hasanah, S.T.", "Kepala Bidang Perumahan", "Disperkim Kab. Hulu Sungai Utara"),
        DemoAttendee("Wahyu Hidayat, S.E.", "Analis Perencanaan", PERKIM_PROV, C.SECRETARIAT),
    ),
)

FORUM_PD = DemoMeeting(
    key="forum-pd",
    kind=Meeting.Kind.FORUM_PD,
    title="Forum Perangkat Daerah Dinas PUPR Provinsi Kalimantan Selatan 2026",
    organiser=PUPR_PROV,
    starts_at=datetime(2026, 3, 10, 9, 0, tzinfo=WITA),
    ends_at=datetime(2026, 3, 10, 15, 30, tzinfo=WITA),
    venue="Aula Dinas PUPR Provinsi Kalimantan Selatan",
    city="Banjarbaru",
    purpose=(
        "Membahas usulan kabupaten/kota yang telah diverifikasi dan belum disepakati, untuk rancangan Renja TA 2027."
    ),
    closed=False,
    attendees=(
        DemoAttendee(
            "Ir. Hasanuddin Noor, M.T.",
            "Kepala Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
            PUPR_PROV,
            C.CHAIR,
        ),
        DemoAttendee("Hj. Rusmiati, S.T., M.Si.", "Perencana Ahli Madya", BAPPEDA),
        DemoAttendee("Nurul Hidayah, S.E.", "Analis Perencanaan", PUPR_PROV, C.SECRETARIAT),
    ),
)

DEMO_MEETINGS = (RAKORNIS, RAKORTEK_PKP, FORUM_PD)


# --- What the kabupaten/kota propose --------------------------------------------------------------------------------


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

# Funding mixes (scheme codes, weight) by authority.
REGENCY_MIXES = (
    (("APBD_KAB",), 30),
    (("BKP",), 10),
    (("DAK_FISIK",), 8),
    (("APBD_KAB", "BKP"), 18),
    (("APBD_KAB", "DAK_FISIK"), 12),
    (("APBD_KAB", "DAU_PU"), 8),
    (("APBD_KAB", "BKP", "DAK_FISIK"), 8),
    (("APBD_KAB", "BKP", "DAU_PU"), 6),
)
PROVINCIAL_MIXES = (
    (("APBD_PROV",), 70),
    (("APBD_PROV", "TP"), 20),
    (("APBD_PROV", "LAINNYA"), 6),
    (("APBD_PROV", "TP", "LAINNYA"), 4),
)
PROVINCIAL_NONPHYSICAL_MIXES = (
    (("APBD_PROV",), 75),
    (("APBD_PROV", "DEKON"), 25),
)
ALL_MIXES = (*REGENCY_MIXES, *PROVINCIAL_MIXES, *PROVINCIAL_NONPHYSICAL_MIXES)
SCHEME_CODES = sorted({code for mix, _ in ALL_MIXES for code in mix} | {"APBN"})

S = Proposal.Status
STATUS_WEIGHTS = (
    (S.DRAFT, 8),
    (S.SUBMITTED, 10),
    (S.RETURNED, 5),
    (S.VERIFIED, 12),
    (S.AGREED, 30),
    (S.AGREED_WITH_CHANGES, 12),
    (S.MERGED, 5),
    (S.DEFERRED, 10),
    (S.REJECTED, 8),
)
DECIDED = {S.AGREED, S.AGREED_WITH_CHANGES, S.MERGED, S.DEFERRED, S.REJECTED}
PRIORITY_WEIGHTS = ((Proposal.Priority.HIGH, 30), (Proposal.Priority.MEDIUM, 50), (Proposal.Priority.LOW, 20))
ORIGIN_WEIGHTS = (
    (Proposal.Origin.MUSRENBANG, 45),
    (Proposal.Origin.POKIR, 20),
    (Proposal.Origin.RENJA, 20),
    (Proposal.Origin.FORUM_PD, 10),
    (Proposal.Origin.OTHER, 5),
)
# The first proposals of a run walk through every kabupaten/kota and every status, so even a small run shows them
# all; the merged one (last) goes to the first kabupaten, whose first proposal is agreed.
PRELUDE_STATUSES = (
    S.AGREED,
    S.AGREED_WITH_CHANGES,
    S.DEFERRED,
    S.REJECTED,
    S.DRAFT,
    S.SUBMITTED,
    S.RETURNED,
    S.VERIFIED,
)

# Proposals per kabupaten/kota, relative (larger and more populous ones propose more).
REGION_WEIGHTS = {
    "63.01": 8,
    "63.02": 8,
    "63.03": 12,
    "63.04": 7,
    "63.05": 6,
    "63.06": 7,
    "63.07": 7,
    "63.08": 7,
    "63.09": 7,
    "63.10": 8,
    "63.11": 6,
    "63.71": 10,
    "63.72": 7,
}
# Approximate seat of each kabupaten/kota (lat, lon); proposals are scattered around it. Demo only.
REGION_SEATS = {
    "63.01": (-3.80, 114.76),
    "63.02": (-3.24, 116.20),
    "63.03": (-3.41, 114.85),
    "63.04": (-2.98, 114.76),
    "63.05": (-2.94, 115.16),
    "63.06": (-2.78, 115.27),
    "63.07": (-2.58, 115.38),
    "63.08": (-2.42, 115.25),
    "63.09": (-2.17, 115.38),
    "63.10": (-3.44, 115.99),
    "63.11": (-2.33, 115.47),
    "63.71": (-3.32, 114.59),
    "63.72": (-3.44, 114.83),
}
RIVERS = {
    "63.01": ("Tabanio", "Maluka", "Kintap", "Asam-Asam"),
    "63.02": ("Sampanahan", "Cantung"),
    "63.03": ("Martapura", "Riam Kanan", "Riam Kiwa"),
    "63.04": ("Barito", "Alalak"),
    "63.05": ("Tapin",),
    "63.06": ("Amandit", "Negara"),
    "63.07": ("Batang Alai", "Barabai"),
    "63.08": ("Negara", "Tabalong"),
    "63.09": ("Tabalong",),
    "63.10": ("Kusan", "Batulicin"),
    "63.11": ("Balangan", "Pitap"),
    "63.71": ("Martapura", "Kuin", "Alalak"),
    "63.72": ("Kemuning",),
}
DEFER_REASONS = (
    "DED dan dokumen lingkungan belum siap; dibahas kembali untuk TA 2028.",
    "Status lahan belum clear and clean; ditangguhkan sampai pembebasan lahan selesai.",
    "Pagu indikatif TA 2027 tidak mencukupi; diprioritaskan pada TA 2028.",
    "Menunggu sinkronisasi dengan program Balai pada ruas/lokasi yang sama.",
)
REJECT_REASONS = (
    "Lokasi tumpang tindih dengan kegiatan APBN TA 2026.",
    "Tidak sesuai dengan prioritas RPJMD dan Renstra perangkat daerah.",
    "Sudah ditangani melalui DAK Fisik TA 2026.",
    "Data teknis tidak lengkap dan tidak dapat diverifikasi.",
)
NOT_PROVINCIAL_REASON = "Lokasi bukan kewenangan provinsi; diusulkan melalui APBD kabupaten/kota."
RETURN_NOTES = (
    "Lengkapi RAB dan gambar rencana.",
    "Koordinat lokasi dan foto kondisi eksisting belum dilampirkan.",
    "Volume tidak sesuai dengan data kondisi jalan; mohon diperbaiki.",
    "Sumber pendanaan belum sesuai kewenangan.",
)
CARRY_OVER_SHARE = 0.3  # of the deferred proposals get a TA 2028 draft
FORWARD_SHARE = 0.3  # of the multi-year works carry a forward estimate
OUT_OF_CATALOGUE_SHARE = 0.02
COORDINATES_SHARE = 0.7


# --- Reference data -------------------------------------------------------------------------------------------------


@dataclass
class Place:
    """A kecamatan with the names used to describe a location in it."""

    pk: int
    name: str
    villages: list[tuple[int, str]]  # (pk, "Desa X" / "Kelurahan Y")


@dataclass
class RegencyRef:
    pk: int
    code: str
    name: str
    is_city: bool
    places: list[Place]
    pupr_id: int
    perkim_id: int


@dataclass
class DemoReference:
    """The reference rows the demo needs, looked up once."""

    regencies: list[RegencyRef]
    agencies: dict[str, Agency]  # by short name
    schemes: dict[str, int]  # code -> pk
    works: list[tuple[Work, int]]  # (work, sub kegiatan pk) for the works whose code is loaded


def demo_reference_load() -> DemoReference:
    """Look up regions, agencies, schemes and sub kegiatan, or raise MissingReferenceData naming what is missing."""
    hint = "Jalankan `python manage.py load_reference_data` terlebih dahulu."
    regencies = list(Region.objects.regencies().filter(code__startswith=f"{PROVINCE_CODE}.").order_by("code"))
    if not regencies:
        raise MissingReferenceData(f"Data referensi belum dimuat: wilayah Kalimantan Selatan tidak ada. {hint}")
    missing: list[str] = []
    agencies = {agency.short_name: agency for agency in Agency.objects.select_related("region")}
    missing += [f"instansi {name}" for name in NAMED_AGENCIES if name not in agencies]

    by_region: dict[int, dict[str, int]] = {}
    for agency in Agency.objects.filter(level=Agency.Level.REGENCY, region__in=regencies).order_by("short_name"):
        sector = "pupr" if agency.short_name.startswith("Dinas PUPR") else "perkim"
        by_region.setdefault(agency.region_id, {}).setdefault(sector, agency.pk)

    districts = Region.objects.districts().filter(code__startswith=f"{PROVINCE_CODE}.").order_by("code")
    places: dict[int, Place] = {pk: Place(pk, name, []) for pk, name in districts.values_list("pk", "name")}
    villages = Region.objects.villages().filter(code__startswith=f"{PROVINCE_CODE}.").order_by("code")
    for pk, name, kind, parent_id in villages.values_list("pk", "name", "kind", "parent_id"):
        if parent_id in places:
            places[parent_id].villages.append((pk, f"{kind or 'Desa'} {name}"))
    places_by_regency: dict[int, list[Place]] = {}
    for parent_id, pk in districts.values_list("parent_id", "pk"):
        places_by_regency.setdefault(parent_id, []).append(places[pk])

    refs = []
    for regency in regencies:
        sectors = by_region.get(regency.pk, {})
        if "pupr" not in sectors or "perkim" not in sectors:
            missing.append(f"Dinas PUPR dan Disperkim {regency.name}")
            continue
        if not places_by_regency.get(regency.pk):
            missing.append(f"kecamatan {regency.name}")
            continue
        refs.append(
            RegencyRef(
                pk=regency.pk,
                code=regency.code,
                name=regency.name,
                is_city=regency.kind == "Kota" or regency.name.startswith("Kota "),
                places=places_by_regency[regency.pk],
                pupr_id=sectors["pupr"],
                perkim_id=sectors["perkim"],
            )
        )

    schemes = dict(FundingScheme.objects.filter(code__in=SCHEME_CODES).values_list("code", "pk"))
    missing += [f"skema pendanaan {code}" for code in SCHEME_CODES if code not in schemes]
    codes = dict(
        Nomenclature.objects.sub_activities().filter(code__in=[work.code for work in WORKS]).values_list("code", "pk")
    )
    works = [(work, codes[work.code]) for work in WORKS if work.code in codes]
    if not works:
        missing.append("nomenklatur sub kegiatan bidang 1.03/1.04")
    if missing:
        raise MissingReferenceData(f"Data referensi belum lengkap: {', '.join(missing)}. {hint}")
    return DemoReference(regencies=refs, agencies=agencies, schemes=schemes, works=works)


# --- Accounts and meetings ------------------------------------------------------------------------------------------


def demo_accounts_ensure(*, reference: DemoReference) -> dict[str, AbstractBaseUser]:
    """Create or restore the demo accounts (names, password `rakornis-demo`, one active role each)."""
    user_model = get_user_model()
    # One hash for all seven: hashing is deliberately slow, and these are demo accounts.
    password = make_password(DEMO_PASSWORD)
    users = {}
    for account in DEMO_ACCOUNTS:
        superuser = account.role is None
        user, _ = user_model.objects.update_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "is_active": True,
                "is_staff": superuser,
                "is_superuser": superuser,
                "password": password,
            },
        )
        if account.role is not None:
            StaffRole.objects.update_or_create(
                user=user,
                agency=reference.agencies[account.agency],
                role=account.role,
                defaults={"is_active": True},
            )
        users[account.username] = user
    return users


def demo_meetings_ensure(*, reference: DemoReference, users: dict[str, AbstractBaseUser]) -> dict[str, Meeting]:
    """Create or restore the demo meetings, found by kind and title; their attendance lists are rewritten."""
    meetings = {}
    for spec in DEMO_MEETINGS:
        values = {
            "organiser": reference.agencies[spec.organiser],
            "starts_at": spec.starts_at,
            "ends_at": spec.ends_at,
            "venue": spec.venue,
            "city": spec.city,
            "fiscal_year": FISCAL_YEAR,
            "purpose": spec.purpose,
            "closed_at": spec.ends_at if spec.closed else None,
            "closed_by": users["sekretariat"] if spec.closed else None,
        }
        meeting = Meeting.objects.filter(kind=spec.kind, title=spec.title).order_by("pk").first()
        if meeting is None:
            meeting = Meeting.objects.create(kind=spec.kind, title=spec.title, **values)
        else:
            for name, value in values.items():
                setattr(meeting, name, value)
            meeting.save()
        meeting.attendances.all().delete()
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                name=person.name,
                position=person.position,
                agency=reference.agencies.get(person.agency) if person.agency else None,
                capacity=person.capacity,
                represents=person.represents,
                order=order,
            )
            for order, person in enumerate(spec.attendees, start=1)
        )
        meetings[spec.key] = meeting
    return meetings


# --- Proposals ------------------------------------------------------------------------------------------------------

# The Proposal columns a generated row fills; every other column takes its field's default (see _BulkInsert).
PROPOSAL_COLUMNS = (
    "number",
    "fiscal_year",
    "region_id",
    "district_id",
    "village_id",
    "location",
    "latitude",
    "longitude",
    "agency_id",
    "sub_activity_id",
    "out_of_catalogue",
    "out_of_catalogue_reason",
    "name",
    "volume",
    "unit",
    "output_indicator",
    "priority",
    "origin",
    "status",
    "forward_volume",
    "forward_amount",
    "carried_over_from_id",
    "notes",
    "created_by_id",
)
DECISION_COLUMNS = (
    "meeting_id",
    "proposal_id",
    "outcome",
    "agreed_volume",
    "executing_agency_id",
    "merged_into_id",
    "reason",
    "decided_by_id",
)
FUNDING_COLUMNS = ("scheme_id", "amount")
AUDIT_COLUMNS = ("content_type_id", "object_id", "object_repr", "action", "user_id", "changes", "note")
LOOKUP_BATCH = 1_000  # ids looked up per query after an insert (well under SQLite's parameter limit)


@dataclass(slots=True)
class _Decision:
    outcome: str
    agreed_volume: Decimal | None
    lines: list[tuple[str, int]]  # (scheme code, millions)
    executing_agency_id: int | None
    merged_into: _Row | None
    reason: str


@dataclass(slots=True)
class _Row:
    """One generated proposal: its column values, funding lines and what the Rakornis decided on it."""

    values: dict[str, object]  # PROPOSAL_COLUMNS
    lines: list[tuple[str, int]]  # (scheme code, millions)
    decision: _Decision | None = None
    carry_over: bool = False
    return_note: str = ""
    link: str = ""  # the number of its TA 2028 draft, or of the deferred proposal a draft continues
    pk: int | None = None

    @property
    def number(self) -> str:
        return self.values["number"]

    @property
    def status(self) -> str:
        return self.values["status"]


@dataclass
class ProposalCounts:
    proposals: int = 0
    carried_over: int = 0
    funding_lines: int = 0
    decisions: int = 0
    decision_lines: int = 0
    audit_entries: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


class _BulkInsert:
    """INSERT rows of plain, driver-ready values (int, str, Decimal, None): COPY on PostgreSQL, else executemany.

    bulk_create builds a model instance per row and prepares every value through its field; at a million proposals
    that costs several times what the database itself does. Rows here are tuples for the `given` columns; every
    other concrete column gets its field's default once (auto_now/auto_now_add: the time of the run), so a field
    added to the model later does not break the seed unless it is required and has no default, which fails at once
    naming the field.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], now: datetime) -> None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        by_name = {f.attname: f for f in fields}
        chosen = [by_name[name] for name in given]
        columns, constants = list(chosen), []
        for f in fields:
            if f in chosen or (f.has_db_default() and not f.has_default()):
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default() or f.null or f.blank:
                value = f.get_default()
            else:
                raise ImproperlyConfigured(f"seed_demo does not fill the required field {meta.label}.{f.name}")
            columns.append(f)
            constants.append(f.get_db_prep_save(value, connection))
        qn = connection.ops.quote_name
        table, names = qn(meta.db_table), ", ".join(qn(f.column) for f in columns)
        self.copy_sql = f"COPY {table} ({names}) FROM STDIN"
        self.insert_sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.constants = tuple(constants)

    def __call__(self, rows: Iterable[tuple]) -> int:
        params = [row + self.constants for row in rows]
        if not params:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # psycopg's executemany parses a client-side query per row; COPY streams the rows instead.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in params:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, params)
        return len(params)


def _ids(queryset: models.QuerySet, field_name: str, keys: list) -> dict:
    """`{key: pk}` of the rows of `queryset` whose `field_name` is in `keys`, a thousand keys per query."""
    found = {}
    for start in range(0, len(keys), LOOKUP_BATCH):
        batch = keys[start : start + LOOKUP_BATCH]
        found.update(queryset.filter(**{f"{field_name}__in": batch}).order_by().values_list(field_name, "pk"))
    return found


def _weighted(pairs: Sequence[tuple[object, int]]) -> tuple[list, list[int]]:
    values = [value for value, _ in pairs]
    return values, list(accumulate(weight for _, weight in pairs))


def _volume(hundredths: int) -> Decimal:
    return Decimal(hundredths).scaleb(-2)


def _sta(metres: int) -> str:
    return f"{metres // 1000}+{metres % 1000:03d}"


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split `total` millions over `parts` lines, the first line the largest share."""
    if parts == 1:
        return [total]
    first = total * rng.choice((50, 60, 70, 75, 80)) // 100
    if parts == 2:
        return [first, total - first]
    second = (total - first) * rng.choice((50, 60, 70)) // 100
    return [first, second, total - first - second]


class _Generator:
    """Draws proposals one by one from a seeded RNG; the draws depend only on the seed and the reference data."""

    def __init__(self, *, reference: DemoReference, seed: int, users: dict[str, AbstractBaseUser]) -> None:
        self.rng = random.Random(seed)
        self.ref = reference
        weighted = [(regency, REGION_WEIGHTS.get(regency.code, 7)) for regency in reference.regencies]
        self.regions = _weighted(weighted)
        self.works = _weighted([(work, work.weight) for work, _ in reference.works])
        self.work_ids = {work.code: pk for work, pk in reference.works}
        self.statuses = _weighted(STATUS_WEIGHTS)
        self.priorities = _weighted(PRIORITY_WEIGHTS)
        self.origins = _weighted(ORIGIN_WEIGHTS)
        self.regency_mixes = _weighted(REGENCY_MIXES)
        self.provincial_mixes = _weighted(PROVINCIAL_MIXES)
        self.nonphysical_mixes = _weighted(PROVINCIAL_NONPHYSICAL_MIXES)
        self.sequence: dict[tuple[int, str], int] = {}
        # The latest agreed proposal per (kab/kota, sub kegiatan) and per kab/kota: where a merged one goes.
        self.agreed_by_work: dict[tuple[str, str], _Row] = {}
        self.agreed_by_region: dict[str, _Row] = {}
        self.pupr_prov = reference.agencies[PUPR_PROV].pk
        self.perkim_prov = reference.agencies[PERKIM_PROV].pk
        operators = {"Dinas PUPR Kab. Banjar": "operator.banjar", "Dinas PUPR Kab. Tapin": "operator.tapin"}
        self.operator_ids = {
            reference.agencies[short].pk: users[username].pk
            for short, username in operators.items()
            if short in reference.agencies and username in users
        }
        self.index = 0
        self.deferred_seen = 0

    def _pick(self, weighted: tuple[list, list[int]]):
        values, cumulative = weighted
        return self.rng.choices(values, cum_weights=cumulative)[0]

    def number(self, year: int, region_code: str) -> str:
        key = (year, region_code)
        self.sequence[key] = self.sequence.get(key, 0) + 1
        return Proposal.format_number(year, region_code, self.sequence[key])

    def _regency_and_status(self) -> tuple[RegencyRef, str]:
        index, regencies = self.index, self.ref.regencies
        if index < len(regencies):
            return regencies[index], PRELUDE_STATUSES[index % len(PRELUDE_STATUSES)]
        if index == len(regencies):
            return regencies[0], S.MERGED
        return self._pick(self.regions), self._pick(self.statuses)

    def _places(self, regency: RegencyRef, work: Work) -> tuple[dict[str, str], Place, int | None]:
        rng = self.rng
        place = rng.choice(regency.places)
        village_id, village = rng.choice(place.villages) if place.villages else (None, f"Kecamatan {place.name}")
        fields = {
            "kec": place.name,
            "desa": village,
            "sungai": rng.choice(RIVERS.get(regency.code, ("Martapura",))),
            "di": village.split(" ", 1)[-1],
        }
        if work.road:
            if not regency.is_city and len(regency.places) > 1 and rng.random() < 0.5:
                other = rng.choice([p for p in regency.places if p is not place])
                fields["ruas"] = f"{place.name} - {other.name}"
                village_id = None
            elif len(place.villages) > 1:
                other_name = rng.choice([name for pk, name in place.villages if pk != village_id])
                fields["ruas"] = f"{village.split(' ', 1)[-1]} - {other_name.split(' ', 1)[-1]}"
            else:
                fields["ruas"] = f"{place.name} - {regency.name.split(' ', 1)[-1]}"
        return fields, place, village_id

    def next(self) -> _Row:
        rng = self.rng
        regency, status = self._regency_and_status()
        self.index += 1
        out_of_catalogue = rng.random() < OUT_OF_CATALOGUE_SHARE
        work = OUT_OF_CATALOGUE if out_of_catalogue else self._pick(self.works)

        fields, place, village_id = self._places(regency, work)
        vol = rng.randint(*work.volume) * work.step
        total = min(max(vol * rng.randint(*work.price) // 100 // MILLION, work.bounds[0]), work.bounds[1])
        if work.road:
            start = 0 if rng.random() < 0.5 else rng.randrange(500, 20_001, 250)
            fields["sta"] = f"STA {_sta(start)} - {_sta(start + vol * 10)}"
            location = f"Ruas {fields['ruas']}, {fields['sta']}, Kecamatan {place.name}"
        else:
            location = f"{fields['desa']}, Kecamatan {place.name}" if village_id else f"Kecamatan {place.name}"

        if not work.provincial:
            schemes = self._pick(self.regency_mixes)
        else:
            schemes = self._pick(self.provincial_mixes if work.physical else self.nonphysical_mixes)
        lines = list(zip(schemes, _split(total, len(schemes), rng), strict=True))

        latitude = longitude = None
        if rng.random() < COORDINATES_SHARE:
            lat, lon = REGION_SEATS.get(regency.code, (-3.0, 115.0))
            spread = 0.03 if regency.is_city else 0.12
            latitude = Decimal(f"{lat + rng.uniform(-spread, spread):.6f}")
            longitude = Decimal(f"{lon + rng.uniform(-spread, spread):.6f}")
        forward_volume = forward_amount = None
        if work.multi_year and rng.random() < FORWARD_SHARE:
            share = rng.choice((50, 75, 100))
            forward_volume = _volume(max(work.step, vol * share // 100 // work.step * work.step))
            forward_amount = Decimal(total * share * 105 // 10_000 * MILLION)
        priority = self._pick(self.priorities)
        origin = self._pick(self.origins)

        agency_id = regency.perkim_id if work.sector == "perkim" else regency.pupr_id
        work_key = (regency.code, work.code)
        merge_target = None
        if status == S.MERGED:
            merge_target = self.agreed_by_work.get(work_key) or self.agreed_by_region.get(regency.code)
            if merge_target is None:  # nothing agreed yet in this kab/kota to merge into
                status = S.AGREED
        row = _Row(
            values={
                "number": self.number(FISCAL_YEAR, regency.code),
                "fiscal_year": FISCAL_YEAR,
                "region_id": regency.pk,
                "district_id": place.pk,
                "village_id": village_id,
                "location": location,
                "latitude": latitude,
                "longitude": longitude,
                "agency_id": agency_id,
                "sub_activity_id": None if out_of_catalogue else self.work_ids[work.code],
                "out_of_catalogue": out_of_catalogue,
                "out_of_catalogue_reason": OUT_OF_CATALOGUE_REASON if out_of_catalogue else "",
                "name": work.name.format(**fields),
                "volume": _volume(vol),
                "unit": work.unit,
                "output_indicator": work.indicator,
                "priority": int(priority),
                "origin": str(origin),
                "status": str(status),
                "forward_volume": forward_volume,
                "forward_amount": forward_amount,
                "carried_over_from_id": None,
                "notes": "",
                "created_by_id": self.operator_ids.get(agency_id),
            },
            lines=lines,
        )
        if status in Proposal.AGREED_STATUSES:
            self.agreed_by_work[work_key] = row
            self.agreed_by_region[regency.code] = row
        if status in DECIDED:
            row.decision = self._decision(status, work, vol, lines, agency_id, merge_target)
        if status == S.DEFERRED:
            # The first deferred proposal of a run always gets its TA 2028 draft, so a small demo shows one.
            row.carry_over = rng.random() < CARRY_OVER_SHARE or self.deferred_seen == 0
            self.deferred_seen += 1
        if status == S.RETURNED:
            row.return_note = rng.choice(RETURN_NOTES)
        return row

    def _decision(
        self,
        status: str,
        work: Work,
        vol: int,
        lines: list[tuple[str, int]],
        agency_id: int,
        merge_target: _Row | None,
    ) -> _Decision:
        rng = self.rng
        executing = agency_id
        if work.provincial:
            executing = self.perkim_prov if work.code.startswith("1.04.") else self.pupr_prov
        if status == S.AGREED:
            return _Decision(status, _volume(vol), list(lines), executing, None, "")
        if status == S.MERGED:
            if merge_target.values["sub_activity_id"] == self.work_ids.get(work.code):
                reason = f"Digabung dengan usulan {merge_target.number} (sub kegiatan dan wilayah yang sama)."
            else:
                reason = f"Digabung dengan usulan {merge_target.number} dalam satu paket pekerjaan."
            return _Decision(status, None, [], None, merge_target, reason)
        if status == S.DEFERRED:
            return _Decision(status, None, [], None, None, rng.choice(DEFER_REASONS))
        if status == S.REJECTED:
            reasons = (*REJECT_REASONS, NOT_PROVINCIAL_REASON) if work.provincial else REJECT_REASONS
            return _Decision(status, None, [], None, None, rng.choice(reasons))

        # Agreed with changes: the volume and amounts cut, part of the money moved to another scheme, or a
        # provincial work taken over by the central Balai with APBN.
        change = rng.random()
        if work.balai and change < 0.15:
            share = rng.choice((80, 90, 100))
            total = sum(amount for _, amount in lines)
            balai = self.ref.agencies[work.balai]
            reason = f"Ditangani melalui APBN oleh {balai.short_name}."
            return _Decision(status, _volume(vol), [("APBN", total * share // 100)], balai.pk, None, reason)
        if change < 0.45:
            if work.provincial:
                target = "TP" if work.physical else "DEKON"
            else:
                target = "BKP" if lines[0][0] != "BKP" else "APBD_KAB"
            first_scheme, first_amount = lines[0]
            moved = first_amount * rng.choice((20, 30, 40, 50)) // 100
            changed = dict(lines)
            changed[first_scheme] = first_amount - moved
            changed[target] = changed.get(target, 0) + moved
            reason = f"Sebagian pendanaan dialihkan ke {target.replace('_', ' ')}."
            return _Decision(status, _volume(vol), list(changed.items()), executing, None, reason)
        share = rng.choice((50, 60, 70, 75, 80, 90))
        agreed_volume = max(work.step, vol * share // 100 // work.step * work.step)
        changed_lines = [(scheme, max(1, amount * share // 100)) for scheme, amount in lines]
        reason = "Volume dan pagu disesuaikan dengan kemampuan keuangan daerah."
        return _Decision(status, _volume(agreed_volume), changed_lines, executing, None, reason)

    def carry_over(self, deferred: _Row) -> _Row:
        """The TA 2028 draft continuing a deferred proposal (already saved), as `proposal_carry_over` makes it."""
        year = FISCAL_YEAR + 1
        values = dict(deferred.values)
        values.update(
            number=self.number(year, deferred.number.split("-")[2]),
            fiscal_year=year,
            status=S.DRAFT.value,
            forward_volume=None,
            forward_amount=None,
            carried_over_from_id=deferred.pk,
        )
        deferred.link = values["number"]
        return _Row(values, list(deferred.lines), link=deferred.number)


# Audit trail of a seeded proposal: the steps its status went through.
STEPS = {
    S.DRAFT: (),
    S.SUBMITTED: (S.SUBMITTED,),
    S.RETURNED: (S.SUBMITTED, S.RETURNED),
    S.VERIFIED: (S.SUBMITTED, S.VERIFIED),
}
DECIDED_STEPS = (S.SUBMITTED, S.VERIFIED, None)  # None: the decision itself
STEP_ACTIONS = {
    S.SUBMITTED: AuditEntry.Action.SUBMITTED.value,
    S.RETURNED: AuditEntry.Action.RETURNED.value,
    S.VERIFIED: AuditEntry.Action.VERIFIED.value,
}
CREATED = AuditEntry.Action.CREATED.value
DECIDED_ACTION = AuditEntry.Action.DECIDED.value
CARRIED_OVER = AuditEntry.Action.CARRIED_OVER.value


class _ProposalWriter:
    """Writes generated rows chunk by chunk: proposals, funding, decisions and audit entries."""

    def __init__(
        self, *, reference: DemoReference, users: dict[str, AbstractBaseUser], meeting: Meeting, audit: bool
    ) -> None:
        now = timezone.now()
        self.schemes = reference.schemes
        self.meeting_id = meeting.pk
        self.verifier = users["verifikator.pupr"].pk
        self.secretary = users["sekretariat"].pk
        self.planner = users["perencana.pupr"].pk
        self.meeting_title = meeting.title
        self.audit = audit
        self.content_type_id = ContentType.objects.get_for_model(Proposal).pk
        self.insert_proposals = _BulkInsert(Proposal, PROPOSAL_COLUMNS, now)
        self.insert_funding = _BulkInsert(ProposalFunding, ("proposal_id", *FUNDING_COLUMNS), now)
        self.insert_decisions = _BulkInsert(Decision, DECISION_COLUMNS, now)
        self.insert_decision_funding = _BulkInsert(DecisionFunding, ("decision_id", *FUNDING_COLUMNS), now)
        self.insert_audit = _BulkInsert(AuditEntry, AUDIT_COLUMNS, now)
        self.json: dict[tuple, object] = {}

    def proposals(self, rows: list[_Row]) -> int:
        """Insert the proposals and their funding lines; sets each row's pk."""
        self.insert_proposals(tuple(row.values[column] for column in PROPOSAL_COLUMNS) for row in rows)
        ids = _ids(Proposal.objects.all(), "number", [row.number for row in rows])
        for row in rows:
            row.pk = ids[row.number]
        return self.insert_funding(
            (row.pk, self.schemes[scheme], Decimal(amount * MILLION)) for row in rows for scheme, amount in row.lines
        )

    def decisions(self, rows: list[_Row]) -> tuple[int, int]:
        decided = [row for row in rows if row.decision is not None]
        self.insert_decisions(
            (
                self.meeting_id,
                row.pk,
                row.decision.outcome,
                row.decision.agreed_volume,
                row.decision.executing_agency_id,
                row.decision.merged_into.pk if row.decision.merged_into else None,
                row.decision.reason,
                self.secretary,
            )
            for row in decided
        )
        ids = _ids(Decision.objects.filter(meeting_id=self.meeting_id), "proposal_id", [row.pk for row in decided])
        lines = self.insert_decision_funding(
            (ids[row.pk], self.schemes[scheme], Decimal(amount * MILLION))
            for row in decided
            for scheme, amount in row.decision.lines
        )
        return len(decided), lines

    def _changes(self, old: str | None, new: str | None) -> object:
        key = (old, new)
        if key not in self.json:
            value = {"status": [old, new]} if new else {}
            self.json[key] = connection.ops.adapt_json_value(value, None)
        return self.json[key]

    def audit_entries(self, rows: list[_Row]) -> int:
        """The trail the services would have written: created, submitted, returned/verified, decided, carried over."""
        if not self.audit:
            return 0
        entries = []
        draft = S.DRAFT.value
        for row in rows:
            values = row.values
            common = (self.content_type_id, str(row.pk), f"{row.number} {values['name']}"[:300])
            operator = values["created_by_id"]
            if values["carried_over_from_id"] is not None:
                note = f"Lanjutan dari {row.link} (TA {FISCAL_YEAR})."
                entries.append((*common, CARRIED_OVER, operator, self._changes(None, draft), note))
                continue
            entries.append((*common, CREATED, operator, self._changes(None, draft), ""))
            previous = draft
            for step in DECIDED_STEPS if row.decision is not None else STEPS[row.status]:
                if step is None:
                    new, action, user = row.status, DECIDED_ACTION, self.secretary
                    note = f"{S(new).label} dalam {self.meeting_title}"
                    note += f": {row.decision.reason}" if row.decision.reason else ""
                elif step == S.SUBMITTED:
                    new, action, user, note = step.value, STEP_ACTIONS[step], operator, ""
                else:
                    new, action, user, note = step.value, STEP_ACTIONS[step], self.verifier, row.return_note
                entries.append((*common, action, user, self._changes(previous, new), note))
                previous = new
            if row.link:
                note = f"Dilanjutkan ke TA {FISCAL_YEAR + 1} sebagai {row.link}."
                entries.append((*common, CARRIED_OVER, self.planner, self._changes(None, None), note))
        return self.insert_audit(entries)


def demo_proposals_create(
    *,
    reference: DemoReference,
    users: dict[str, AbstractBaseUser],
    meeting: Meeting,
    count: int,
    seed: int,
    chunk_size: int = CHUNK_SIZE,
    audit: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ProposalCounts:
    """Generate `count` TA 2027 proposals with funding, decisions at `meeting`, TA 2028 carry-overs and audit rows.

    Works in chunks of `chunk_size` proposals (one COPY or executemany per table each) and keeps only a few rows
    across chunks (merge targets), so memory stays flat for a million proposals. The caller holds the transaction.
    """
    generator = _Generator(reference=reference, seed=seed, users=users)
    writer = _ProposalWriter(reference=reference, users=users, meeting=meeting, audit=audit)
    counts = ProposalCounts(by_status=dict.fromkeys(S.values, 0))
    while counts.proposals < count:
        rows = [generator.next() for _ in range(min(chunk_size, count - counts.proposals))]
        counts.funding_lines += writer.proposals(rows)
        carried = [generator.carry_over(row) for row in rows if row.carry_over]
        counts.funding_lines += writer.proposals(carried)
        decisions, decision_lines = writer.decisions(rows)
        counts.decisions += decisions
        counts.decision_lines += decision_lines
        counts.audit_entries += writer.audit_entries(rows + carried)
        counts.proposals += len(rows)
        counts.carried_over += len(carried)
        for row in rows:
            counts.by_status[row.status] += 1
        reset_queries()  # with DEBUG on, Django keeps every query; a million-row run must not
        if progress is not None:
            progress(counts.proposals)
    return counts


# --- The whole demo -------------------------------------------------------------------------------------------------


@dataclass
class SeedResult:
    skipped: str = ""  # why nothing (or no proposal) was generated
    accounts: int = 0
    meetings: int = 0
    attendances: int = 0
    proposals: ProposalCounts | None = None
    elapsed: float = 0.0


def demo_seed(
    *,
    proposals: int = DEFAULT_PROPOSALS,
    seed: int = DEFAULT_SEED,
    if_empty: bool = False,
    chunk_size: int = CHUNK_SIZE,
    audit: bool = True,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Seed the demo in one transaction; see the module docstring for what a second run does."""
    started = time.perf_counter()
    if if_empty and (existing := Proposal.objects.count()):
        return SeedResult(skipped=f"basis data sudah berisi {existing} usulan", elapsed=time.perf_counter() - started)
    reference = demo_reference_load()
    result = SeedResult()
    with transaction.atomic():
        users = demo_accounts_ensure(reference=reference)
        meetings = demo_meetings_ensure(reference=reference, users=users)
        result.accounts, result.meetings = len(users), len(meetings)
        result.attendances = Attendance.objects.filter(meeting__in=meetings.values()).count()
        if existing := Proposal.objects.count():
            result.skipped = f"basis data sudah berisi {existing} usulan; usulan demo tidak dibuat ulang"
        else:
            result.proposals = demo_proposals_create(
                reference=reference,
                users=users,
                meeting=meetings[RAKORNIS.key],
                count=proposals,
                seed=seed,
                chunk_size=chunk_size,
                audit=audit,
                progress=progress,
            )
    result.elapsed = time.perf_counter() - started
    return result
