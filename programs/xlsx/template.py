"""The blank proposal workbook a kabupaten/kota fills in: the `Usulan` sheet with drop-downs, and `Referensi`."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import zip_longest
from typing import Any

from agencies.models import Agency, Region
from programs.models import FundingScheme, Nomenclature, Proposal
from programs.xlsx import columns as cols
from programs.xlsx.render import Column, ListValidation, SheetSpec, render_workbook
from rakornis.i18n import official_text
from rakornis.policy import regencies_for

REFERENCE_SHEET = "Referensi"
# Rows of the Usulan sheet that carry the drop-downs.
TEMPLATE_ROWS = 2000

GOVERNMENT_LEVELS = {value: official_text(label) for value, label in Nomenclature.GovernmentLevel.choices}


def _blocks(blocks: list[list[list[Any]]], widths: list[int]) -> Iterator[list[Any]]:
    """Side-by-side tables of different lengths, one blank column between them."""
    for parts in zip_longest(*blocks, fillvalue=None):
        row: list[Any] = []
        for index, part in enumerate(parts):
            row += list(part) if part is not None else [None] * widths[index]
            if index < len(parts) - 1:
                row.append(None)
        yield row


def proposal_template_workbook(*, user) -> bytes:
    """The template for `user`: kabupaten/kota, agencies and places of their scope; every sub kegiatan in force."""
    scope = regencies_for(user) if user is not None else Region.objects.regencies()
    regencies = list(scope.order_by("code"))
    agencies = list(
        Agency.objects.filter(is_active=True, region__in=scope).select_related("region").order_by("short_name")
    )
    # By parent rather than by code prefix: a superuser's scope is every kabupaten/kota of the country.
    places = sorted(
        [
            *Region.objects.districts().filter(parent__in=scope).values_list("code", "name", "level"),
            *Region.objects.villages().filter(parent__parent__in=scope).values_list("code", "name", "level"),
        ]
    )
    sub_activities = list(
        Nomenclature.objects.sub_activities()
        .active()
        .order_by("code")
        .values_list("code", "name", "government_level", "unit")
    )
    schemes = cols.ordered_schemes(FundingScheme.objects.all())
    regency_names = {region.code: region.name for region in regencies}
    level_labels = {value: official_text(label) for value, label in Region.Level.choices}

    blocks = [
        [[region.code, region.name] for region in regencies],
        # Every agency here has a region (filtered by it above); the nullable field's type does not know that.
        [[agency.short_name, agency.name, agency.region.code if agency.region else ""] for agency in agencies],
        [[code, name, GOVERNMENT_LEVELS.get(level, ""), unit] for code, name, level, unit in sub_activities],
        [[cols.scheme_label(scheme), scheme.name, scheme.get_budget_display()] for scheme in schemes],
        [[code, name, level_labels[level], regency_names.get(code[:5], "")] for code, name, level in places],
    ]
    reference_columns = [
        Column("Kode Kab/Kota", width=11),
        Column("Kabupaten/Kota", width=24),
        Column("", width=2),
        Column("Perangkat Daerah (nama singkat)", width=26),
        Column("Nama lengkap", width=40),
        Column("Kode Kab/Kota", width=11),
        Column("", width=2),
        Column("Kode Sub Kegiatan", width=19),
        Column("Sub Kegiatan", width=50, wrap=True),
        Column("Pelaksana", width=14),
        Column("Satuan", width=10),
        Column("", width=2),
        Column("Kolom Pagu", width=30),
        Column("Skema Pendanaan", width=40),
        Column("Anggaran", width=14),
        Column("", width=2),
        Column("Kode Lokasi", width=15),
        Column("Kecamatan / Desa", width=24),
        Column("Tingkat", width=14),
        Column("Kabupaten/Kota", width=24),
    ]
    reference = SheetSpec(
        name=REFERENCE_SHEET,
        columns=reference_columns,
        rows=_blocks(blocks, widths=[2, 3, 4, 3, 4]),
        title_lines=["Referensi untuk sheet Usulan (jangan diubah)"],
        autofilter=False,
    )
    first = reference.header_row + 2  # 1-based row of the first value below the header

    def source(column: str, count: int) -> str:
        return f"={REFERENCE_SHEET}!${column}${first}:${column}${first + count - 1}"

    fields = [field for field in cols.interchange_fields(schemes) if not field.informational or field is cols.NO]
    position = {field.key: index for index, field in enumerate(fields)}
    validations = [
        ListValidation(position[cols.UNIT.key], cols.COMMON_UNITS, strict=False, message="Pilih atau ketik satuan."),
        ListValidation(position[cols.PRIORITY.key], [official_text(label) for _, label in Proposal.Priority.choices]),
        ListValidation(position[cols.ORIGIN.key], [official_text(label) for _, label in Proposal.Origin.choices]),
        ListValidation(position[cols.OUT_OF_CATALOGUE.key], [cols.YES_LABEL, cols.NO_LABEL]),
        # A cell may name several kinds (`DED; RAB`), which a drop-down cannot pick: the list is a suggestion.
        ListValidation(
            position[cols.DECLARED_DOCUMENTS.key],
            list(cols.DOCUMENT_NAMES.values()),
            strict=False,
            message="Jenis data dukung yang sudah ada, dipisah titik koma: "
            + cols.DOCUMENT_SEPARATOR.join(cols.DOCUMENT_NAMES.values()),
        ),
    ]
    if regencies:
        validations.append(ListValidation(position[cols.REGION_CODE.key], source=source("A", len(regencies))))
    if agencies:
        validations.append(
            ListValidation(
                position[cols.AGENCY.key],
                source=source("D", len(agencies)),
                strict=False,
                message="Nama singkat atau nama lengkap perangkat daerah.",
            )
        )
    if sub_activities:
        validations.append(ListValidation(position[cols.SUB_ACTIVITY.key], source=source("H", len(sub_activities))))

    usulan = SheetSpec(
        name="Usulan",
        columns=[field.column(marker=True) for field in fields],
        rows=iter(()),
        title_lines=[
            "Templat Usulan Program/Kegiatan",
            "Kolom bertanda * wajib diisi; isi minimal satu kolom Pagu. Biarkan ID Usulan kosong untuk usulan baru. "
            "Kode kabupaten/kota, perangkat daerah, sub kegiatan dan lokasi: lihat sheet Referensi. "
            f"{cols.DECLARED_DOCUMENTS.label}: jenis dokumen yang sudah ada, dipisah ; atau , "
            f"(mis. DED; RAB; Foto lokasi 0 %), dari: {', '.join(cols.DOCUMENT_NAMES.values())}.",
        ],
        validations=validations,
        validation_rows=TEMPLATE_ROWS,
        active=True,
    )
    return render_workbook([usulan, reference])
