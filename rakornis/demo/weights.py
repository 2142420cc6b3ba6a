"""What the generator draws from: funding mixes, statuses, priorities, origins, places and reasons, with weights."""

from __future__ import annotations

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
