"""What the generator draws from: funding mixes, statuses, priorities, origins, places and reasons, with weights."""

from __future__ import annotations

import csv
from pathlib import Path

from programs.models import Proposal

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
PRIORITY_WEIGHTS = ((Proposal.Priority.HIGH, 30), (Proposal.Priority.MEDIUM, 50), (Proposal.Priority.LOW, 20))
ORIGIN_WEIGHTS = (
    (Proposal.Origin.MUSRENBANG, 45),
    (Proposal.Origin.POKIR, 20),
    (Proposal.Origin.RENJA, 20),
    (Proposal.Origin.FORUM_PD, 10),
    (Proposal.Origin.OTHER, 5),
)
# The first proposals of a run walk through every kabupaten/kota and every status, so even a small run shows them
# all. Then come two situations the pages must show: a proposal merged into the first kabupaten's first one
# (agreed), and a Pokir DPRD proposal for the same work as the second kabupaten's first one (from Musrenbang), which
# the overlap rule flags (`programs.overlaps`).
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


def _read_regencies() -> list[dict[str, str]]:
    """regencies.csv: per kabupaten/kota, how many proposals it makes relative to the others (larger and more
    populous ones propose more), the approximate seat that proposals are scattered around (demo only), its rivers."""
    with open(Path(__file__).with_name("regencies.csv"), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


_REGENCIES = _read_regencies()
REGION_WEIGHTS = {row["code"]: int(row["weight"]) for row in _REGENCIES}
REGION_SEATS = {row["code"]: (float(row["latitude"]), float(row["longitude"])) for row in _REGENCIES}
RIVERS = {row["code"]: tuple(row["rivers"].split("; ")) for row in _REGENCIES}
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
