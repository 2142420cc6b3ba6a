"""The columns of the proposal workbook (spec: shared/spec/usulan-xlsx.md), shared by export, template and import."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from programs.models import FundingScheme, ProposalDocument
from programs.xlsx.render import Column, Kind

SCHEME_PREFIX = "pagu:"

# The spec's `Pagu ...` columns, in the spec's order, by funding scheme code (data/skema_pendanaan.csv).
SCHEME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Pagu APBD Provinsi", "APBD_PROV"),
    ("Pagu APBD Kab/Kota", "APBD_KAB"),
    ("Pagu Bantuan Keuangan Provinsi", "BKP"),
    ("Pagu DAK Fisik", "DAK_FISIK"),
    ("Pagu DAK Nonfisik", "DAK_NONFISIK"),
    ("Pagu DAU PU", "DAU_PU"),
    ("Pagu Dekonsentrasi", "DEKON"),
    ("Pagu Tugas Pembantuan", "TP"),
    ("Pagu APBN", "APBN"),
    ("Pagu Lainnya", "LAINNYA"),
)
SCHEME_LABELS = {code: label for label, code in SCHEME_COLUMNS}
SCHEME_ORDER = {code: index for index, (_, code) in enumerate(SCHEME_COLUMNS)}


@dataclass(frozen=True)
class Field:
    """One column of the interchange format.

    `informational` columns are exported for the reader (status, the sub kegiatan's name) and ignored on import,
    so that a round trip raises no "unknown column" warning.
    """

    label: str
    key: str
    kind: Kind = Kind.TEXT
    width: float = 14
    required: bool = False
    informational: bool = False
    aliases: tuple[str, ...] = ()

    def column(self, *, marker: bool = False) -> Column:
        label = f"{self.label} *" if marker and self.required else self.label
        # No wrapped text: the interchange sheet is a data list, and wrapping (formats plus row heights) would make
        # a 100,000-row export a fifth slower (bench/xlsx_bench.py).
        return Column(label, self.kind, self.width, align="center" if self.key == "no" else "")


NO = Field("No", "no", Kind.COUNT, 6, informational=True)
NUMBER = Field("ID Usulan", "number", width=21, aliases=("Nomor Usulan", "No Usulan"))
STATUS = Field("Status", "status", width=14, informational=True)
FISCAL_YEAR = Field("Tahun Anggaran", "fiscal_year", Kind.YEAR, 9, required=True, aliases=("Tahun", "TA"))
REGION_CODE = Field(
    "Kode Kabupaten/Kota", "region_code", width=11, required=True, aliases=("Kode Kab/Kota", "Kode Kab Kota")
)
REGION_NAME = Field("Kabupaten/Kota", "region_name", width=20, aliases=("Kab/Kota", "Nama Kabupaten/Kota"))
AGENCY = Field(
    "Perangkat Daerah Pengusul", "agency", width=24, required=True, aliases=("Perangkat Daerah", "Pengusul", "OPD")
)
SUB_ACTIVITY = Field("Kode Sub Kegiatan", "sub_activity_code", width=19, required=True, aliases=("Kode Subkegiatan",))
SUB_ACTIVITY_NAME = Field("Nama Sub Kegiatan", "sub_activity_name", width=30, informational=True)
OUT_OF_CATALOGUE = Field("Di Luar Nomenklatur", "out_of_catalogue", width=11)
NAME = Field("Nama Usulan", "name", width=40, required=True, aliases=("Nama Kegiatan Usulan",))
LOCATION = Field("Lokasi", "location", width=28)
LOCATION_CODE = Field("Kode Lokasi", "location_code", width=15, aliases=("Kode Kecamatan/Desa", "Kode Wilayah"))
LATITUDE = Field("Latitude", "latitude", Kind.COORDINATE, 11, aliases=("Lintang", "Lat"))
LONGITUDE = Field("Longitude", "longitude", Kind.COORDINATE, 11, aliases=("Bujur", "Long", "Lng"))
VOLUME = Field("Volume", "volume", Kind.VOLUME, 10, required=True)
UNIT = Field("Satuan", "unit", width=9, required=True)
OUTPUT_INDICATOR = Field("Indikator Keluaran", "output_indicator", width=28)
TOTAL = Field("Total Pagu", "total", Kind.MONEY, 19, aliases=("Jumlah Pagu", "Pagu Total"))
PRIORITY = Field("Prioritas", "priority", width=10)
ORIGIN = Field("Sumber Usulan", "origin", width=18)
FORWARD_VOLUME = Field("Prakiraan Maju Volume", "forward_volume", Kind.VOLUME, 11)
FORWARD_AMOUNT = Field("Prakiraan Maju Pagu", "forward_amount", Kind.MONEY, 19)
NOTES = Field("Keterangan", "notes", width=30, aliases=("Catatan",))
# The documents the proposer says exist (Proposal.declared_documents), by the names below; and, for the reader only,
# the kinds uploaded in the application (never read back: the declaration round-trips unchanged whatever is uploaded).
DECLARED_DOCUMENTS = Field(
    "Data Dukung Tersedia",
    "declared_documents",
    width=30,
    aliases=("Data Dukung", "Dokumen Pendukung", "Data Dukung Tersedia (jenis)", "Dokumen Tersedia"),
)
UPLOADED_DOCUMENTS = Field("Data Dukung Diunggah", "uploaded_documents", width=30, informational=True)

FIELDS_BEFORE_SCHEMES = (
    NO,
    NUMBER,
    STATUS,
    FISCAL_YEAR,
    REGION_CODE,
    REGION_NAME,
    AGENCY,
    SUB_ACTIVITY,
    SUB_ACTIVITY_NAME,
    OUT_OF_CATALOGUE,
    NAME,
    LOCATION,
    LOCATION_CODE,
    LATITUDE,
    LONGITUDE,
    VOLUME,
    UNIT,
    OUTPUT_INDICATOR,
)
FIELDS_AFTER_SCHEMES = (
    TOTAL,
    PRIORITY,
    ORIGIN,
    FORWARD_VOLUME,
    FORWARD_AMOUNT,
    NOTES,
    DECLARED_DOCUMENTS,
    UPLOADED_DOCUMENTS,
)
FIXED_FIELDS = FIELDS_BEFORE_SCHEMES + FIELDS_AFTER_SCHEMES

YES_LABEL = "Ya"
NO_LABEL = "Tidak"

DocumentKind = ProposalDocument.Kind

# The names of the document kinds in `Data Dukung Tersedia`, by kind: what the export writes and the template
# suggests. The importer also takes the application's full label and the short code, ignoring case and spaces.
DOCUMENT_NAMES: dict[str, str] = {
    DocumentKind.DED: "DED",
    DocumentKind.RAB: "RAB",
    DocumentKind.SITE_PHOTO: "Foto lokasi 0 %",
    DocumentKind.LAND_STATUS: "Status lahan",
    DocumentKind.ENVIRONMENTAL: "Dokumen lingkungan",
    DocumentKind.COVER_LETTER: "Surat usulan",
    DocumentKind.OTHER: "Lainnya",
}
DOCUMENT_SEPARATOR = "; "


def document_names(codes: Iterable[str]) -> str:
    """`DED; RAB` for the kinds `codes`, in the kinds' order (unknown codes are left out)."""
    wanted = set(codes)
    return DOCUMENT_SEPARATOR.join(name for code, name in DOCUMENT_NAMES.items() if code in wanted)


# A few units planners use; the Satuan drop-down offers them and still accepts any other unit.
COMMON_UNITS = (
    "km",
    "m",
    "m2",
    "m3",
    "ha",
    "unit",
    "buah",
    "titik",
    "lokasi",
    "paket",
    "dokumen",
    "laporan",
    "kegiatan",
    "rumah",
    "KK",
    "SR",
    "jiwa",
    "orang",
    "lt/detik",
)


def scheme_label(scheme: FundingScheme) -> str:
    return SCHEME_LABELS.get(scheme.code) or f"Pagu {scheme.short_name}"


def ordered_schemes(schemes: Iterable[FundingScheme]) -> list[FundingScheme]:
    """The spec's schemes in the spec's order, then any other scheme the application knows, by its own order."""
    return sorted(schemes, key=lambda s: (SCHEME_ORDER.get(s.code, len(SCHEME_ORDER)), s.order, s.code))


def scheme_fields(schemes: Sequence[FundingScheme]) -> list[Field]:
    """One `Pagu <scheme>` column per scheme; the spec's ten are always there, known to the database or not."""
    known = {scheme.code for scheme in schemes}
    fields = [Field(label, f"{SCHEME_PREFIX}{code}", Kind.MONEY, 17) for label, code in SCHEME_COLUMNS]
    extra = [s for s in ordered_schemes(schemes) if s.code not in SCHEME_LABELS and s.code in known]
    fields += [Field(scheme_label(s), f"{SCHEME_PREFIX}{s.code}", Kind.MONEY, 17) for s in extra]
    return fields


def interchange_fields(schemes: Sequence[FundingScheme]) -> list[Field]:
    return [*FIELDS_BEFORE_SCHEMES, *scheme_fields(schemes), *FIELDS_AFTER_SCHEMES]


_TRAILING_MARKER_RE = re.compile(r"(\s*(\([^()]*\)|\[[^\[\]]*\]|\*))+$")


def normalise_header(value: object) -> str:
    """`Pagu APBD  Provinsi\\n(Rp) *` -> `pagu apbd provinsi`: case, spacing, line breaks and a trailing unit or
    marker (`(Rp)`, `*`) do not matter."""
    if value is None:
        return ""
    text = " ".join(str(value).replace("\u00a0", " ").split())
    text = _TRAILING_MARKER_RE.sub("", text).strip().rstrip(":").strip()
    return text.casefold()


def header_index(schemes: Sequence[FundingScheme]) -> dict[str, Field]:
    """Normalised header text (label or alias, and `Pagu <scheme name/short name/code>`) -> field."""
    index: dict[str, Field] = {}
    for field in interchange_fields(schemes):
        for text in (field.label, *field.aliases):
            index.setdefault(normalise_header(text), field)
    by_code = {field.key.removeprefix(SCHEME_PREFIX): field for field in scheme_fields(schemes)}
    for scheme in schemes:
        scheme_field = by_code.get(scheme.code)
        if scheme_field is None:
            continue
        for text in (scheme.name, scheme.short_name, scheme.code):
            index.setdefault(normalise_header(f"Pagu {text}"), scheme_field)
    return index
