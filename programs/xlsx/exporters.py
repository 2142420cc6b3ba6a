"""Exporters: each builds its sheets from one queryset (plus aggregates), and `render.write_workbook` renders them.

- `proposal_export_*`: any Proposal queryset in the interchange format of the spec, so the file imports back;
- `work_plan_*`: the Renja table of one work plan, grouped program > kegiatan > sub kegiatan with subtotals;
- `recap_*`: agreed amounts by kabupaten/kota x funding scheme, and proposal counts by status;
- `meeting_annex_*`: the decisions of one meeting, the annex of its Berita Acara.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import batched, groupby
from pathlib import Path
from typing import Any, BinaryIO

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format

from agencies.models import Region
from meetings.models import Decision, DecisionFunding, Meeting
from programs.models import (
    FundingScheme,
    Nomenclature,
    Proposal,
    ProposalFunding,
    WorkPlan,
    WorkPlanItem,
    WorkPlanItemFunding,
)
from programs.xlsx import columns as cols
from programs.xlsx.render import Column, Kind, Row, SheetSpec, Style, render_workbook, write_workbook

# Rows fetched per query while streaming; the funding lines of each chunk come in one more query.
CHUNK_SIZE = 2000

ZERO = Decimal(0)


def _text(value: str | None) -> str:
    """Stored text as a cell shows it: Windows line breaks from text areas become plain ones."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def _blank_zero(amount: Decimal) -> Decimal | None:
    """Per-scheme cells of body rows stay empty rather than showing `Rp 0` in most columns."""
    return amount or None


def _stamp() -> str:
    return date_format(timezone.localtime(), "DATETIME_FORMAT")


# Proposals in the interchange format ---------------------------------------------------------------------------------

PROPOSAL_VALUES = (
    "pk",
    "number",
    "status",
    "fiscal_year",
    "region__code",
    "region__name",
    "agency__short_name",
    "sub_activity__code",
    "sub_activity__name",
    "out_of_catalogue",
    "out_of_catalogue_reason",
    "name",
    "location",
    "district__code",
    "village__code",
    "latitude",
    "longitude",
    "volume",
    "unit",
    "output_indicator",
    "priority",
    "origin",
    "forward_volume",
    "forward_amount",
    "notes",
)


def proposal_export_rows(proposals: QuerySet[Proposal], schemes: Sequence[FundingScheme]) -> Iterator[list[Any]]:
    """Rows of the interchange format, in the queryset's order (number order when it has none).

    The proposals are read as plain values in chunks of CHUNK_SIZE, and each chunk's funding lines with one more
    query, like `prefetch_related` does but without building a model instance per row: the export of 100,000
    rows spends its time writing cells, not instantiating models.
    """
    fields = cols.interchange_fields(schemes)
    scheme_ids = {scheme.pk: scheme.code for scheme in schemes}
    scheme_codes = [f.key.removeprefix(cols.SCHEME_PREFIX) for f in fields if f.key.startswith(cols.SCHEME_PREFIX)]
    statuses = dict(Proposal.Status.choices)
    priorities = dict(Proposal.Priority.choices)
    origins = dict(Proposal.Origin.choices)
    if not proposals.ordered:
        proposals = proposals.order_by("fiscal_year", "region__code", "number")
    rows = proposals.values_list(*PROPOSAL_VALUES).iterator(chunk_size=CHUNK_SIZE)
    counter = 0
    for chunk in batched(rows, CHUNK_SIZE):
        funding: dict[int, dict[str, Decimal]] = defaultdict(dict)
        lines = ProposalFunding.objects.filter(proposal_id__in=[row[0] for row in chunk]).values_list(
            "proposal_id", "scheme_id", "amount"
        )
        for proposal_id, scheme_id, amount in lines:
            funding[proposal_id][scheme_ids[scheme_id]] = amount
        for (
            pk,
            number,
            status,
            fiscal_year,
            region_code,
            region_name,
            agency,
            sub_code,
            sub_name,
            out_of_catalogue,
            reason,
            name,
            location,
            district_code,
            village_code,
            latitude,
            longitude,
            volume,
            unit,
            output_indicator,
            priority,
            origin,
            forward_volume,
            forward_amount,
            notes,
        ) in chunk:
            counter += 1
            amounts = funding.get(pk, {})
            yield [
                counter,
                number,
                statuses.get(status, status),
                fiscal_year,
                region_code,
                region_name,
                agency,
                sub_code or "",
                sub_name or "",
                cols.YES_LABEL if out_of_catalogue else cols.NO_LABEL,
                name,
                location,
                village_code or district_code or "",
                latitude,
                longitude,
                volume,
                unit,
                output_indicator,
                *(amounts.get(code) for code in scheme_codes),
                sum(amounts.values(), ZERO),
                priorities.get(priority, priority),
                origins.get(origin, origin),
                forward_volume,
                forward_amount,
                # Out of the nomenclature, Keterangan carries the reason (the importer reads it back as such).
                _text(reason if out_of_catalogue else notes),
            ]


def proposal_export_sheets(proposals: QuerySet[Proposal], *, title: str = "Daftar Usulan") -> list[SheetSpec]:
    schemes = cols.ordered_schemes(FundingScheme.objects.all())
    fields = cols.interchange_fields(schemes)
    return [
        SheetSpec(
            name="Usulan",
            columns=[field.column() for field in fields],
            rows=proposal_export_rows(proposals, schemes),
            title_lines=[title, f"Diunduh {_stamp()}"],
        )
    ]


def proposal_export_workbook(proposals: QuerySet[Proposal], output: str | Path | BinaryIO | None = None) -> bytes:
    """The proposals as an .xlsx in the interchange format: bytes, or written to `output` (then b"")."""
    sheets = proposal_export_sheets(proposals)
    if output is None:
        return render_workbook(sheets)
    write_workbook(sheets, output)
    return b""


# The Renja table -----------------------------------------------------------------------------------------------------

RENJA_TITLE = "Rumusan Rencana Program dan Kegiatan Perangkat Daerah Tahun {year} dan Prakiraan Maju Tahun {next_year}"
_TARGET_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\s+([^;]+?)\s*$")


def split_target(text: str) -> tuple[Decimal | str | None, str]:
    """`12,5 km` -> (12.5, "km"), so the target is a number; `12,5 km; 3 unit` (two units) stays text."""
    text = (text or "").strip()
    if not text:
        return None, ""
    match = _TARGET_RE.match(text)
    if match is None:
        return text, ""
    whole, fraction, unit = match.groups()
    return Decimal(f"{whole.replace('.', '')}.{fraction or '0'}"), unit


@dataclass
class _Sums:
    funding: dict[int, Decimal]
    forward: Decimal = ZERO

    @classmethod
    def of(cls, items: Iterable[WorkPlanItem]) -> _Sums:
        sums = cls(funding=defaultdict(lambda: ZERO))
        for item in items:
            for line in item.funding_lines.all():
                sums.funding[line.scheme_id] += line.amount
            sums.forward += item.forward_amount
        return sums

    def cells(self, schemes: Sequence[FundingScheme], *, zeros: bool = False) -> list[Decimal | None]:
        amounts = [self.funding.get(scheme.pk, ZERO) for scheme in schemes]
        shown = amounts if zeros else [_blank_zero(amount) for amount in amounts]
        return [*shown, sum(amounts, ZERO)]


def work_plan_items(work_plan: WorkPlan) -> QuerySet[WorkPlanItem]:
    return (
        WorkPlanItem.objects.filter(work_plan=work_plan)
        .select_related("sub_activity__parent__parent", "region")
        .prefetch_related(
            Prefetch(
                "funding_lines",
                queryset=WorkPlanItemFunding.objects.select_related("scheme").order_by("scheme__order", "scheme__code"),
            ),
            Prefetch("source_proposals", queryset=Proposal.objects.only("pk", "number").order_by("number")),
        )
        .order_by("sub_activity__code", "region__code")
    )


def _node(node: Nomenclature | None, code: str) -> tuple[str, str]:
    return (node.code, node.name) if node is not None and node.code == code else (code, "")


def _program_code(sub_activity_code: str) -> str:
    return Nomenclature.parent_code(Nomenclature.parent_code(sub_activity_code) or "") or ""


def work_plan_sheets(work_plan: WorkPlan) -> list[SheetSpec]:
    """The Renja of one agency and year. Its items are read at once (a Renja holds hundreds, at most a few
    thousand lines), so each group row can carry its subtotal above its lines, as the Renja form has it."""
    items = list(work_plan_items(work_plan))
    schemes = cols.ordered_schemes({line.scheme for item in items for line in item.funding_lines.all()})
    year = work_plan.fiscal_year
    columns = [
        Column("Kode", width=18),
        Column("Program / Kegiatan / Sub Kegiatan", width=40, wrap=True),
        Column("Indikator Kinerja", width=26, wrap=True),
        Column("Lokasi", width=26, wrap=True),
        Column("Target", Kind.VOLUME, 9),
        Column("Satuan", width=8),
        *(Column(f"Pagu {scheme.short_name}", Kind.MONEY, 17) for scheme in schemes),
        Column("Jumlah Pagu", Kind.MONEY, 18),
        Column(f"Target {year + 1}", Kind.VOLUME, 9),
        Column(f"Satuan {year + 1}", width=8),
        Column(f"Prakiraan Maju Pagu {year + 1}", Kind.MONEY, 18),
        Column("Usulan Sumber", width=22, wrap=True),
        Column("Keterangan", width=20, wrap=True),
    ]

    def group_row(style: Style, code: str, name: str, indicator: str, group: list[WorkPlanItem]) -> Row:
        sums = _Sums.of(group)
        forward = _blank_zero(sums.forward)
        return Row([code, name, indicator, "", None, "", *sums.cells(schemes), None, "", forward], style)

    def rows() -> Iterator[Row | list[Any]]:
        # Groups by code, so a node missing from the tree still gets its group row (code without a name).
        for program_code, program_items in groupby(items, key=lambda item: _program_code(item.sub_activity.code)):
            program_items = list(program_items)
            activity = program_items[0].sub_activity.parent
            code, name = _node(activity.parent if activity else None, program_code)
            yield group_row(Style.GROUP1, code, name, "", program_items)
            for activity_code, activity_items in groupby(
                program_items, key=lambda item: Nomenclature.parent_code(item.sub_activity.code) or ""
            ):
                activity_items = list(activity_items)
                code, name = _node(activity_items[0].sub_activity.parent, activity_code)
                yield group_row(Style.GROUP2, code, name, "", activity_items)
                for _, sub_items in groupby(activity_items, key=lambda item: item.sub_activity_id):
                    sub_items = list(sub_items)
                    sub = sub_items[0].sub_activity
                    yield group_row(Style.GROUP3, sub.code, sub.name, sub.indicator or sub.performance, sub_items)
                    for item in sub_items:
                        target, unit = split_target(item.target)
                        forward_target, forward_unit = split_target(item.forward_target)
                        yield [
                            "",
                            item.region.name,
                            "",
                            _text(item.location),
                            target,
                            unit,
                            *_Sums.of([item]).cells(schemes),
                            forward_target,
                            forward_unit,
                            _blank_zero(item.forward_amount),
                            ", ".join(proposal.number for proposal in item.source_proposals.all()),
                            _text(item.notes),
                        ]
        total = _Sums.of(items)
        yield Row(
            ["", "JUMLAH", "", "", None, "", *total.cells(schemes, zeros=True), None, "", total.forward], Style.TOTAL
        )

    agency = work_plan.agency
    return [
        SheetSpec(
            name=f"Renja {year}",
            columns=columns,
            rows=rows(),
            title_lines=[
                RENJA_TITLE.format(year=year, next_year=year + 1),
                f"{agency.name}",
                f"Tahun Anggaran {year} \u2014 {work_plan.get_status_display()} \u2014 dicetak {_stamp()}",
            ],
        )
    ]


def work_plan_workbook(work_plan: WorkPlan, output: str | Path | BinaryIO | None = None) -> bytes:
    sheets = work_plan_sheets(work_plan)
    if output is None:
        return render_workbook(sheets)
    write_workbook(sheets, output)
    return b""


# The recap of a fiscal year ------------------------------------------------------------------------------------------


def deciding_decisions(*, fiscal_year: int, proposals: QuerySet[Proposal]) -> QuerySet[Decision]:
    """Each proposal's decision at the latest meeting (by start, then id) planning `fiscal_year`, when it is agreed.

    The same rule as the Renja sync (programs/renja.py), so the recap and the Renja add up to the same amounts.
    """
    later = Decision.objects.filter(proposal=OuterRef("proposal"), meeting__fiscal_year=fiscal_year).filter(
        Q(meeting__starts_at__gt=OuterRef("meeting__starts_at"))
        | Q(meeting__starts_at=OuterRef("meeting__starts_at"), meeting_id__gt=OuterRef("meeting_id"))
    )
    return Decision.objects.filter(
        meeting__fiscal_year=fiscal_year,
        proposal__in=proposals.filter(fiscal_year=fiscal_year).values("pk"),
        outcome__in=Decision.COUNTED_OUTCOMES,
    ).filter(~Exists(later))


def recap_sheets(*, fiscal_year: int, proposals: QuerySet[Proposal]) -> list[SheetSpec]:
    """Agreed amounts by kabupaten/kota x scheme, and proposal counts by status, over `proposals` (the caller's
    scope, e.g. `Proposal.objects.for_user(user)`) of `fiscal_year`."""
    schemes = cols.ordered_schemes(FundingScheme.objects.all())
    year_proposals = proposals.filter(fiscal_year=fiscal_year)
    deciding = deciding_decisions(fiscal_year=fiscal_year, proposals=proposals)
    agreed: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for region_id, scheme_id, total in (
        DecisionFunding.objects.filter(decision__in=deciding.values("pk"))
        .values_list("decision__proposal__region_id", "scheme_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        agreed[region_id][scheme_id] = total
    agreed_counts = dict(
        deciding.values_list("proposal__region_id").annotate(n=Count("proposal_id", distinct=True)).order_by()
    )
    statuses: dict[int, dict[str, int]] = defaultdict(dict)
    for region_id, status, count in (
        year_proposals.values_list("region_id", "status").annotate(n=Count("pk")).order_by()
    ):
        statuses[region_id][status] = count
    regions = Region.objects.filter(pk__in=set(agreed) | set(statuses)).order_by("code")

    money_columns = [
        Column("No", Kind.COUNT, 5, align="center"),
        Column("Kode", width=8),
        Column("Kabupaten/Kota", width=26),
        Column("Usulan Disepakati", Kind.COUNT, 11),
        *(Column(cols.scheme_label(scheme), Kind.MONEY, 17) for scheme in schemes),
        Column("Jumlah", Kind.MONEY, 19),
    ]

    def money_rows() -> Iterator[Row | list[Any]]:
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        count_total = 0
        for number, region in enumerate(regions, start=1):
            amounts = [agreed[region.pk].get(scheme.pk, ZERO) for scheme in schemes]
            for scheme, amount in zip(schemes, amounts, strict=True):
                totals[scheme.pk] += amount
            count = agreed_counts.get(region.pk, 0)
            count_total += count
            yield [number, region.code, region.name, count, *map(_blank_zero, amounts), sum(amounts, ZERO)]
        amounts = [totals[scheme.pk] for scheme in schemes]
        yield Row(["", "", "JUMLAH", count_total, *amounts, sum(amounts, ZERO)], Style.TOTAL)

    status_choices = Proposal.Status.choices
    status_columns = [
        Column("No", Kind.COUNT, 5, align="center"),
        Column("Kode", width=8),
        Column("Kabupaten/Kota", width=26),
        *(Column(label, Kind.COUNT, 12) for _, label in status_choices),
        Column("Jumlah", Kind.COUNT, 10),
    ]

    def status_rows() -> Iterator[Row | list[Any]]:
        totals: dict[str, int] = defaultdict(int)
        for number, region in enumerate(regions, start=1):
            counts = [statuses[region.pk].get(value, 0) for value, _ in status_choices]
            for (value, _), count in zip(status_choices, counts, strict=True):
                totals[value] += count
            yield [number, region.code, region.name, *counts, sum(counts)]
        counts = [totals[value] for value, _ in status_choices]
        yield Row(["", "", "JUMLAH", *counts, sum(counts)], Style.TOTAL)

    stamp = f"Keadaan {_stamp()}"
    return [
        SheetSpec(
            name="Rekap Pagu",
            columns=money_columns,
            rows=money_rows(),
            title_lines=[
                f"Rekapitulasi Pagu Disepakati per Kabupaten/Kota dan Skema Pendanaan TA {fiscal_year}",
                "Keputusan rapat terakhir per usulan: disepakati atau disepakati dengan perubahan. " + stamp,
            ],
        ),
        SheetSpec(
            name="Rekap Status",
            columns=status_columns,
            rows=status_rows(),
            title_lines=[f"Jumlah Usulan per Status dan Kabupaten/Kota TA {fiscal_year}", stamp],
        ),
    ]


def recap_workbook(*, fiscal_year: int, proposals: QuerySet[Proposal]) -> bytes:
    return render_workbook(recap_sheets(fiscal_year=fiscal_year, proposals=proposals))


# The decisions of one meeting (annex of the Berita Acara) -------------------------------------------------------------


def meeting_annex_sheets(*, meeting: Meeting, decisions: QuerySet[Decision] | None = None) -> list[SheetSpec]:
    """The meeting's decisions grouped by kabupaten/kota, each group followed by its subtotal, then the total.

    `decisions` narrows them (e.g. `Decision.objects.for_user(user)`); agreed amounts count only for decisions
    agreed with or without changes.
    """
    queryset = (decisions if decisions is not None else Decision.objects.all()).filter(meeting=meeting)
    rows_data = list(
        queryset.select_related(
            "proposal__region", "proposal__sub_activity", "proposal__agency", "executing_agency", "merged_into"
        )
        .prefetch_related(
            Prefetch("funding_lines", queryset=DecisionFunding.objects.select_related("scheme")),
            Prefetch("proposal__funding_lines", queryset=ProposalFunding.objects.only("proposal_id", "amount")),
        )
        .order_by("proposal__region__code", "proposal__number")
    )
    schemes = cols.ordered_schemes({line.scheme for decision in rows_data for line in decision.funding_lines.all()})
    columns = [
        Column("No", Kind.COUNT, 5, align="center"),
        Column("ID Usulan", width=20),
        Column("Kode Sub Kegiatan", width=18),
        Column("Nama Usulan", width=34, wrap=True),
        Column("Lokasi", width=22, wrap=True),
        Column("Pengusul", width=18, wrap=True),
        Column("Pagu Usulan", Kind.MONEY, 18),
        Column("Keputusan", width=16, wrap=True),
        Column("Volume", Kind.VOLUME, 9),
        Column("Satuan", width=8),
        *(Column(f"Disepakati {scheme.short_name}", Kind.MONEY, 17) for scheme in schemes),
        Column("Jumlah Disepakati", Kind.MONEY, 18),
        Column("Pelaksana", width=18, wrap=True),
        Column("Catatan", width=26, wrap=True),
    ]
    width = len(columns)

    def sum_row(label: str, group: list[Decision], style: Style) -> Row:
        proposed = sum((line.amount for d in group for line in d.proposal.funding_lines.all()), ZERO)
        agreed = defaultdict(lambda: ZERO)
        for decision in group:
            if decision.is_counted:
                for line in decision.funding_lines.all():
                    agreed[line.scheme_id] += line.amount
        amounts = [agreed[scheme.pk] for scheme in schemes]
        counted = sum(1 for decision in group if decision.is_counted)
        note = f"{counted} dari {len(group)} usulan disepakati"
        shown = amounts if style is Style.TOTAL else [_blank_zero(amount) for amount in amounts]
        return Row(["", "", "", label, "", "", proposed, "", None, "", *shown, sum(amounts, ZERO), "", note], style)

    def rows() -> Iterator[Row | list[Any]]:
        number = 0
        for _, group in groupby(rows_data, key=lambda decision: decision.proposal.region_id):
            group = list(group)
            region = group[0].proposal.region
            # In the ID column, left-aligned, running on over the empty cells to its right.
            yield Row(["", f"{region.code} {region.name}"] + [""] * (width - 2), Style.GROUP2)
            for decision in group:
                number += 1
                proposal = decision.proposal
                counted = decision.is_counted
                amounts = {line.scheme_id: line.amount for line in decision.funding_lines.all()} if counted else {}
                cells = [amounts.get(scheme.pk) for scheme in schemes]
                note = decision.reason
                if decision.merged_into is not None:
                    note = f"Digabung ke {decision.merged_into.number}. {note}".strip()
                yield [
                    number,
                    proposal.number,
                    proposal.sub_activity.code if proposal.sub_activity else "Di luar nomenklatur",
                    proposal.name,
                    _text(proposal.location),
                    proposal.agency.short_name,
                    sum((line.amount for line in proposal.funding_lines.all()), ZERO),
                    decision.get_outcome_display(),
                    (decision.agreed_volume or proposal.volume) if counted else None,
                    proposal.unit if counted else "",
                    *cells,
                    sum((a for a in cells if a is not None), ZERO) if counted else None,
                    decision.executing_agency.short_name if decision.executing_agency else "",
                    _text(note),
                ]
            yield sum_row(f"Jumlah {region.name}", group, Style.SUBTOTAL)
        yield sum_row("JUMLAH", rows_data, Style.TOTAL)

    starts = timezone.localtime(meeting.starts_at)
    place = ", ".join(part for part in (meeting.venue, meeting.city) if part)
    return [
        SheetSpec(
            name="Lampiran Kesepakatan",
            columns=columns,
            rows=rows(),
            title_lines=[
                f"Lampiran Berita Acara {meeting.title}",
                f"Kesepakatan Usulan Tahun Anggaran {meeting.fiscal_year}",
                f"{place}, {date_format(starts, 'DATE_FORMAT')}",
            ],
        )
    ]


def meeting_annex_workbook(*, meeting: Meeting, decisions: QuerySet[Decision] | None = None) -> bytes:
    return render_workbook(meeting_annex_sheets(meeting=meeting, decisions=decisions))
