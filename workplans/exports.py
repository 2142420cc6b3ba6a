"""Workbooks of the Renja and of what the meetings agreed in a fiscal year; `programs.xlsx.render` writes them.

- `work_plan_*`: the Renja of one work plan: first the official form of Permendagri 86/2017
  (`workplans.selectors.renja_form`: urusan down to sub kegiatan, ten numbered columns, money per funding class),
  then its detail per funding scheme with the source proposals (the tree of `workplans.selectors.renja_table`);
- `stakeholder_*`: the "Usulan Program dan Kegiatan dari Para Pemangku Kepentingan" table of an agency and year;
- `recap_*`: agreed amounts by kabupaten/kota x funding scheme (the deciding decisions, the same the Renja sync
  reads, as the proposal summary keeps them), and proposal counts by status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from django.db.models import Q, QuerySet

from programs.models import FundingScheme, Proposal, ProposalSummaryQuerySet, WorkPlan
from programs.xlsx import columns as cols
from programs.xlsx.cells import blank_zero, stamp, text
from programs.xlsx.render import PAPER_A4, Column, Kind, Row, SheetSpec, Style, render_workbook, write_workbook
from rakornis.i18n import official_text
from workplans.lines import format_volume
from workplans.selectors import (
    LEVEL_LINE,
    NO_INDICATOR,
    STAKEHOLDER_LIMIT,
    FormRow,
    FundingClass,
    RenjaForm,
    RenjaTable,
    TableGroup,
    Totals,
    renja_form,
    renja_table,
    split_target,
    stakeholder_proposals,
    work_plan_items,
)

ZERO = Decimal(0)

# The Renja table -----------------------------------------------------------------------------------------------------

RENJA_TITLE = "Rumusan Rencana Program dan Kegiatan Perangkat Daerah Tahun {year} dan Prakiraan Maju Tahun {next_year}"
GROUP_STYLES = {0: Style.GROUP1, 1: Style.GROUP2, 2: Style.GROUP3}


def _classes(table: RenjaTable) -> list[str]:
    """The funding classes the table's schemes belong to, in order: each gets its own total column."""
    present = {FundingClass.of(scheme) for scheme in table.schemes}
    return [funding_class for funding_class in FundingClass.ORDER if funding_class in present]


def _money(totals: Totals, table: RenjaTable, *, zeros: bool = False) -> list[Decimal | None]:
    """One cell per scheme of the table, then one total per funding class (APBD money and money from the centre are
    never added together); empty cells for zero unless `zeros` (the total row)."""
    amounts = [amount or ZERO for amount in totals.columns(table.schemes)]
    per_class = [
        sum((a for s, a in zip(table.schemes, amounts, strict=True) if FundingClass.of(s) == c), ZERO)
        for c in _classes(table)
    ]
    cells = [*amounts, *per_class]
    return list[Decimal | None](cells) if zeros else [blank_zero(cell) for cell in cells]


def _renja_rows(table: RenjaTable) -> Iterator[Row | list[Any]]:
    def group_rows(group: TableGroup, depth: int) -> Iterator[Row | list[Any]]:
        forward = blank_zero(group.totals.forward_amount)
        cells = [group.code, group.name, group.indicator, "", None, "", *_money(group.totals, table), None, "", forward]
        yield Row(cells, GROUP_STYLES[depth])
        for child in group.groups:
            yield from group_rows(child, depth + 1)
        for line in group.lines:
            item = line.item
            target, unit = split_target(item.target)
            forward_target, forward_unit = split_target(item.forward_target)
            yield [
                "",
                item.region.name,
                "",
                text(item.location),
                target,
                unit,
                *_money(line.totals, table),
                forward_target,
                forward_unit,
                blank_zero(item.forward_amount),
                ", ".join(line.source_numbers),
                text(item.notes),
            ]

    for program in table.programs:
        yield from group_rows(program, 0)
    total = table.totals
    yield Row(
        ["", "JUMLAH", "", "", None, "", *_money(total, table, zeros=True), None, "", total.forward_amount], Style.TOTAL
    )


FORM_STYLES = {
    "urusan": Style.GROUP1,
    "bidang_urusan": Style.GROUP1,
    "program": Style.GROUP1,
    "kegiatan": Style.GROUP2,
    "sub_kegiatan": Style.GROUP3,
}
FORM_NOTE = (
    "Pagu tidak dijumlahkan lintas kelompok sumber dana: APBD dan dana dari pusat (DAK, DAU PU, Dekonsentrasi, "
    "Tugas Pembantuan, APBN) berjumlah sendiri-sendiri."
)


def form_columns(year: int) -> list[Column]:
    """The ten columns of the official form, numbered (1)-(10) under the header."""
    return [
        Column("Kode", width=17),
        Column("Urusan / Bidang Urusan / Program / Kegiatan / Sub Kegiatan", width=34, wrap=True),
        Column("Indikator Kinerja", width=28, wrap=True),
        Column("Lokasi", width=20, wrap=True),
        Column("Target Capaian Kinerja", width=13, wrap=True),
        Column("Pagu Indikatif (Rp)", Kind.MONEY, 18),
        Column("Sumber Dana", width=13, wrap=True),
        Column("Catatan Penting", width=24, wrap=True),
        Column("Target Capaian Kinerja", width=13, wrap=True),
        Column("Kebutuhan Dana / Pagu Indikatif (Rp)", Kind.MONEY, 18),
    ]


def form_header_groups(year: int) -> list[tuple[str, int, int]]:
    return [(f"Rencana Tahun {year}", 3, 6), (f"Prakiraan Maju Rencana Tahun {year + 1}", 8, 9)]


def _form_row(row: FormRow) -> Iterator[Row | list[Any]]:
    """A row of the form and, below it, one row per further funding entry (its amount and sources only)."""
    first = row.money[0] if row.money else None
    cells = [
        row.code,
        row.name,
        text(row.indicator),
        text(row.location),
        text(row.target),
        first.amount if first else None,
        first.source if first else "",
        text(row.notes),
        text(row.forward_target),
        blank_zero(row.forward_amount),
    ]
    style = FORM_STYLES.get(row.level, Style.DATA)
    yield Row(cells, style) if row.level != LEVEL_LINE else cells
    for money in row.money[1:]:
        more = ["", "", "", "", "", money.amount, money.source, "", "", None]
        yield Row(more, style) if row.level != LEVEL_LINE else more


def _form_rows(form: RenjaForm) -> Iterator[Row | list[Any]]:
    for row in form.rows:
        yield from _form_row(row)
    if not form.rows:
        yield ["", "Renja ini belum berisi baris.", "", "", "", None, "", "", "", None]
    for total in form.class_totals:
        sources = ", ".join(scheme.name for scheme, _ in total.schemes)
        yield Row(["", f"JUMLAH {total.label.upper()}", "", "", "", total.amount, sources, "", "", None], Style.TOTAL)
        for scheme, amount in total.schemes:
            yield Row(["", scheme.name, "", "", "", amount, scheme.name, "", "", None], Style.SUBTOTAL)
    if form.forward_amount:
        yield Row(
            ["", f"JUMLAH PRAKIRAAN MAJU TAHUN {form.year + 1}", "", "", "", None, "", "", "", form.forward_amount],
            Style.TOTAL,
        )


def renja_form_sheet(work_plan: WorkPlan, *, paper: int = PAPER_A4) -> SheetSpec:
    """The official form of the Renja, landscape on A4 (or F4), fitted to the page width, header repeated."""
    form = renja_form(work_plan)
    year = work_plan.fiscal_year
    return SheetSpec(
        name=f"Renja {year}",
        columns=form_columns(year),
        rows=_form_rows(form),
        title_lines=[
            RENJA_TITLE.format(year=year, next_year=year + 1),
            f"{work_plan.agency.name}",
            f"Tahun Anggaran {year} \u2014 {work_plan.get_status_display()} \u2014 dicetak {stamp()}. {FORM_NOTE}",
        ],
        header_groups=form_header_groups(year),
        number_row=True,
        autofilter=False,
        paper=paper,
        active=True,
    )


def work_plan_sheets(work_plan: WorkPlan, *, paper: int = PAPER_A4) -> list[SheetSpec]:
    """The Renja of one agency and year: the official form, then the detail per funding scheme. Its lines are read
    at once (a Renja holds hundreds, at most a few thousand lines), so each group row can carry its subtotal above
    its lines, as the Renja form has it."""
    return [renja_form_sheet(work_plan, paper=paper), scheme_detail_sheet(work_plan, paper=paper)]


def scheme_detail_sheet(work_plan: WorkPlan, *, paper: int = PAPER_A4) -> SheetSpec:
    """Program > kegiatan > sub kegiatan > lines with one column per funding scheme, a total per funding class, and
    every source proposal of each line."""
    table = renja_table(work_plan_items(work_plan))
    year = work_plan.fiscal_year
    columns = [
        Column("Kode", width=18),
        Column("Program / Kegiatan / Sub Kegiatan", width=40, wrap=True),
        Column("Indikator Kinerja", width=26, wrap=True),
        Column("Lokasi", width=26, wrap=True),
        Column("Target", Kind.VOLUME, 9),
        Column("Satuan", width=8),
        *(Column(f"Pagu {scheme.short_name}", Kind.MONEY, 17) for scheme in table.schemes),
        *(Column(f"Jumlah {FundingClass.LABELS[c]}", Kind.MONEY, 18) for c in _classes(table)),
        Column(f"Target {year + 1}", Kind.VOLUME, 9),
        Column(f"Satuan {year + 1}", width=8),
        Column(f"Prakiraan Maju Pagu {year + 1}", Kind.MONEY, 18),
        Column("Usulan Sumber", width=22, wrap=True),
        Column("Keterangan", width=20, wrap=True),
    ]
    return SheetSpec(
        name="Rincian per Skema",
        columns=columns,
        rows=_renja_rows(table),
        title_lines=[
            f"Rincian Renja per Skema Pendanaan dan Usulan Sumber Tahun {year} dan Prakiraan Maju Tahun {year + 1}",
            f"{work_plan.agency.name}",
            f"Tahun Anggaran {year} \u2014 {work_plan.get_status_display()} \u2014 dicetak {stamp()}",
        ],
        paper=paper,
    )


def work_plan_workbook(
    work_plan: WorkPlan, output: str | Path | BinaryIO | None = None, *, paper: int = PAPER_A4
) -> bytes:
    sheets = work_plan_sheets(work_plan, paper=paper)
    if output is None:
        return render_workbook(sheets)
    write_workbook(sheets, output)
    return b""


# The stakeholders' proposals ------------------------------------------------------------------------------------------

STAKEHOLDER_TITLE = "Usulan Program dan Kegiatan dari Para Pemangku Kepentingan Tahun {year}"


def _stakeholder_rows(proposals: QuerySet[Proposal]) -> Iterator[Row | list[Any]]:
    count = 0
    for count, proposal in enumerate(proposals[: STAKEHOLDER_LIMIT + 1].iterator(chunk_size=2000), start=1):
        if count > STAKEHOLDER_LIMIT:
            yield Row(
                [
                    "",
                    f"Lebih dari {STAKEHOLDER_LIMIT:,} usulan: tabel ini memuat {STAKEHOLDER_LIMIT:,} yang pertama "
                    "menurut kode sub kegiatan. Unduh daftar usulan yang disaring untuk sisanya.".replace(",", "."),
                ],
                Style.SUBTOTAL,
            )
            return
        sub = proposal.sub_activity
        program = f"{sub.code} {sub.name}\n{proposal.name}" if sub is not None else proposal.name
        # The village, district and kabupaten/kota, unless the typed location already names them.
        typed = proposal.location.casefold()
        place = [
            part.name
            for part in (proposal.village, proposal.district, proposal.region)
            if part is not None and part.name.casefold() not in typed
        ]
        location = ", ".join([*([proposal.location] if proposal.location else []), *place])
        indicator = proposal.output_indicator or (sub.indicator or sub.performance if sub is not None else "")
        notes = [proposal.number, proposal.get_origin_display(), proposal.get_status_display()]
        if getattr(proposal, "in_renja", False):  # stakeholder_proposals' annotation
            notes.append("masuk Renja")
        yield [
            count,
            text(program),
            text(location),
            text(indicator) or NO_INDICATOR,
            f"{format_volume(proposal.volume)} {proposal.unit}".strip(),
            "; ".join(notes),
        ]
    if count == 0:
        yield ["", "Belum ada usulan pemangku kepentingan untuk perangkat daerah dan tahun ini."]


def stakeholder_sheets(work_plan: WorkPlan, proposals: QuerySet[Proposal], *, paper: int = PAPER_A4) -> list[SheetSpec]:
    """Tabel 2.4 of the Renja: No, Program/Kegiatan, Lokasi, Indikator Kinerja, Besaran/Volume, Catatan, over
    `workplans.selectors.stakeholder_proposals` (at most STAKEHOLDER_LIMIT rows, streamed)."""
    year = work_plan.fiscal_year
    return [
        SheetSpec(
            name="Usulan Pemangku Kepentingan",
            columns=[
                Column("No", Kind.COUNT, 5, align="center"),
                Column("Program/Kegiatan", width=44, wrap=True),
                Column("Lokasi", width=32, wrap=True),
                Column("Indikator Kinerja", width=30, wrap=True),
                Column("Besaran/Volume", width=13),
                Column("Catatan", width=30, wrap=True),
            ],
            rows=_stakeholder_rows(stakeholder_proposals(work_plan, proposals)),
            title_lines=[
                STAKEHOLDER_TITLE.format(year=year),
                work_plan.agency.name,
                "Usulan yang diajukan perangkat daerah ini, atau diputuskan dalam rapatnya atau dengannya sebagai "
                "pelaksana",
                f"Tahun {year} \u2014 dicetak {stamp()}",
            ],
            number_row=True,
            autofilter=False,
            paper=paper,
        )
    ]


def stakeholder_workbook(work_plan: WorkPlan, proposals: QuerySet[Proposal]) -> bytes:
    return render_workbook(stakeholder_sheets(work_plan, proposals))


# The recap of a fiscal year ------------------------------------------------------------------------------------------


def recap_sheets(*, fiscal_year: int, summary: ProposalSummaryQuerySet) -> list[SheetSpec]:
    """Agreed amounts by kabupaten/kota x scheme, and proposal counts by status, over `summary` (the caller's
    scope, e.g. `ProposalSummary.objects.for_user(user)`) of `fiscal_year`: one grouped query over the proposal
    summary (`programs.summary`), which keeps the deciding decisions' agreed amounts and counts.

    The query is `by_region` (a row per kabupaten/kota x status and per kabupaten/kota x scheme, with their codes and
    names) without the scheme rows that hold no agreed decision (a scheme row's agreed amount is zero when its count
    is)."""
    schemes = cols.ordered_schemes(FundingScheme.objects.all())
    agreed: dict[int, dict[int, Decimal]] = defaultdict(dict)
    agreed_counts: dict[int, int] = defaultdict(int)
    statuses: dict[int, dict[str, int]] = defaultdict(dict)
    names: dict[int, tuple[str, str]] = {}
    grouped = summary.filter(Q(scheme__isnull=True) | Q(agreed_count__gt=0), fiscal_year=fiscal_year).by_region()
    for region_id, code, name, status, scheme_id, count, _counted, _proposed, agreed_count, total in grouped:
        names[region_id] = (code, name)
        if scheme_id is None:
            statuses[region_id][status] = count
            agreed_counts[region_id] += agreed_count
        else:
            agreed[region_id][scheme_id] = total
    regions = [(code, name, pk) for pk, (code, name) in names.items()]  # by code, as the query read them

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
        for number, (code, name, pk) in enumerate(regions, start=1):
            amounts = [agreed[pk].get(scheme.pk, ZERO) for scheme in schemes]
            for scheme, amount in zip(schemes, amounts, strict=True):
                totals[scheme.pk] += amount
            count = agreed_counts.get(pk, 0)
            count_total += count
            yield [number, code, name, count, *map(blank_zero, amounts), sum(amounts, ZERO)]
        amounts = [totals[scheme.pk] for scheme in schemes]
        yield Row(["", "", "JUMLAH", count_total, *amounts, sum(amounts, ZERO)], Style.TOTAL)

    status_choices = Proposal.Status.choices
    status_columns = [
        Column("No", Kind.COUNT, 5, align="center"),
        Column("Kode", width=8),
        Column("Kabupaten/Kota", width=26),
        *(Column(official_text(label), Kind.COUNT, 12) for _, label in status_choices),
        Column("Jumlah", Kind.COUNT, 10),
    ]

    def status_rows() -> Iterator[Row | list[Any]]:
        totals: dict[str, int] = defaultdict(int)
        for number, (code, name, pk) in enumerate(regions, start=1):
            counts = [statuses[pk].get(value, 0) for value, _ in status_choices]
            for (value, _), count in zip(status_choices, counts, strict=True):
                totals[value] += count
            yield [number, code, name, *counts, sum(counts)]
        counts = [totals[value] for value, _ in status_choices]
        yield Row(["", "", "JUMLAH", *counts, sum(counts)], Style.TOTAL)

    stamp_line = f"Keadaan {stamp()}"
    return [
        SheetSpec(
            name="Rekap Pagu",
            columns=money_columns,
            rows=money_rows(),
            title_lines=[
                f"Rekapitulasi Pagu Disepakati per Kabupaten/Kota dan Skema Pendanaan TA {fiscal_year}",
                "Keputusan rapat terakhir per usulan: disepakati atau disepakati dengan perubahan. " + stamp_line,
            ],
        ),
        SheetSpec(
            name="Rekap Status",
            columns=status_columns,
            rows=status_rows(),
            title_lines=[f"Jumlah Usulan per Status dan Kabupaten/Kota TA {fiscal_year}", stamp_line],
        ),
    ]


def recap_workbook(*, fiscal_year: int, summary: ProposalSummaryQuerySet) -> bytes:
    # A few rows per kabupaten/kota of one province: small enough to build in memory.
    return render_workbook(recap_sheets(fiscal_year=fiscal_year, summary=summary), small=True)
