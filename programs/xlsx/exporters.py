"""The proposal export: any Proposal queryset in the interchange format of the spec, so the file imports back.

The other workbooks live with what they show and render through the same `render.write_workbook`: the Renja table
and the recap of a fiscal year in `workplans.exports`, the annex of a Berita Acara in `meetings.exports`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import batched
from pathlib import Path
from typing import Any, BinaryIO

from django.db.models import QuerySet

from programs.models import FundingScheme, Proposal, ProposalDocument, ProposalFunding
from programs.xlsx import columns as cols
from programs.xlsx.cells import stamp, text
from programs.xlsx.render import SheetSpec, render_workbook, write_workbook
from rakornis.i18n import official_text

# Rows fetched per query while streaming; the funding lines of each chunk come in one more query.
CHUNK_SIZE = 2000

ZERO = Decimal(0)


# Proposals in the interchange format ---------------------------------------------------------------------------------

# What a row reads: every field a person edits, so that the export imports back with no change (a foreign key as
# its code, and its name where the sheet shows one), after the number and status the sheet adds.
READ_AS = {
    "region": ("region__code", "region__name"),
    "agency": ("agency__short_name",),
    "district": ("district__code",),
    "village": ("village__code",),
    "sub_activity": ("sub_activity__code", "sub_activity__name"),
}
PROPOSAL_VALUES = (
    "pk",
    "number",
    "status",
    *(value for name in Proposal.EDITABLE_FIELDS for value in READ_AS.get(name, (name,))),
)


def proposal_export_rows(proposals: QuerySet[Proposal], schemes: Sequence[FundingScheme]) -> Iterator[list[Any]]:
    """Rows of the interchange format, in the queryset's order (number order when it has none).

    The proposals are read as plain values in chunks of CHUNK_SIZE, and each chunk's funding lines with one more
    query, like `prefetch_related` does but without building a model instance per row: the export of 100,000
    rows spends its time writing cells, not instantiating models. The kinds of uploaded documents come with one
    more query per chunk.
    """
    fields = cols.interchange_fields(schemes)
    scheme_ids = {scheme.pk: scheme.code for scheme in schemes}
    scheme_codes = [f.key.removeprefix(cols.SCHEME_PREFIX) for f in fields if f.key.startswith(cols.SCHEME_PREFIX)]
    statuses = {value: official_text(label) for value, label in Proposal.Status.choices}
    priorities = {value: official_text(label) for value, label in Proposal.Priority.choices}
    origins = {value: official_text(label) for value, label in Proposal.Origin.choices}
    if not proposals.ordered:
        proposals = proposals.order_by("fiscal_year", "region__code", "number")
    rows = proposals.values_list(*PROPOSAL_VALUES, named=True).iterator(chunk_size=CHUNK_SIZE)
    counter = 0
    for chunk in batched(rows, CHUNK_SIZE):
        funding: dict[int, dict[str, Decimal]] = defaultdict(dict)
        lines = ProposalFunding.objects.filter(proposal_id__in=[row.pk for row in chunk]).values_list(
            "proposal_id", "scheme_id", "amount"
        )
        for proposal_id, scheme_id, amount in lines:
            funding[proposal_id][scheme_ids[scheme_id]] = amount
        uploaded: dict[int, set[str]] = defaultdict(set)
        # No ordering: the model's would join the proposals, and DISTINCT would keep one row per upload.
        kinds = (
            ProposalDocument.objects.filter(proposal_id__in=[row.pk for row in chunk])
            .order_by()
            .values_list("proposal_id", "kind")
            .distinct()
        )
        for proposal_id, kind in kinds:
            uploaded[proposal_id].add(kind)
        for row in chunk:
            counter += 1
            amounts = funding.get(row.pk, {})
            yield [
                counter,
                row.number,
                statuses.get(row.status, row.status),
                row.fiscal_year,
                row.region__code,
                row.region__name,
                row.agency__short_name,
                row.sub_activity__code or "",
                row.sub_activity__name or "",
                cols.YES_LABEL if row.out_of_catalogue else cols.NO_LABEL,
                row.name,
                row.location,
                row.village__code or row.district__code or "",
                row.latitude,
                row.longitude,
                row.volume,
                row.unit,
                row.output_indicator,
                *(amounts.get(code) for code in scheme_codes),
                sum(amounts.values(), ZERO),
                priorities.get(row.priority, row.priority),
                origins.get(row.origin, row.origin),
                row.forward_volume,
                row.forward_amount,
                # Out of the nomenclature, Keterangan carries the reason (the importer reads it back as such).
                text(row.out_of_catalogue_reason if row.out_of_catalogue else row.notes),
                # What the proposer declared (read back on import), then what is uploaded (for the reader only).
                cols.document_names(row.declared_documents or []),
                cols.document_names(uploaded.get(row.pk, ())),
            ]


def proposal_export_sheets(proposals: QuerySet[Proposal], *, title: str = "Daftar Usulan") -> list[SheetSpec]:
    schemes = cols.ordered_schemes(FundingScheme.objects.all())
    fields = cols.interchange_fields(schemes)
    return [
        SheetSpec(
            name="Usulan",
            columns=[field.column() for field in fields],
            rows=proposal_export_rows(proposals, schemes),
            title_lines=[title, f"Diunduh {stamp()}"],
        )
    ]


def proposal_export_workbook(proposals: QuerySet[Proposal], output: str | Path | BinaryIO | None = None) -> bytes:
    """The proposals as an .xlsx in the interchange format: bytes, or written to `output` (then b"")."""
    sheets = proposal_export_sheets(proposals)
    if output is None:
        return render_workbook(sheets)
    write_workbook(sheets, output)
    return b""
