"""Reads of a Renja that the page and the Excel share: its lines, and the one table builder.

`renja_table` turns the loaded lines of a work plan into the tree of the Renja form, program > kegiatan >
sub kegiatan > lines, each group with its totals per funding scheme and its forward estimate. The page
(`workplans.views.WorkPlanDetailView`) and the workbook (`workplans.exports.work_plan_sheets`) only render it, so
their subtotals cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from programs.models import FundingScheme, Nomenclature, Proposal, WorkPlan, WorkPlanItem, WorkPlanItemFunding

ZERO = Decimal(0)
# A line's source proposals: the number to show, the region to decide whether a reader may open it.
SOURCE_PROPOSALS = Proposal.objects.select_related("region").only("number", "region__code").order_by("number")


def work_plan_items(work_plan: WorkPlan) -> QuerySet[WorkPlanItem]:
    """The lines of `work_plan` with everything `renja_table` reads, in code then kabupaten/kota order: four
    queries however many lines."""
    return (
        WorkPlanItem.objects.filter(work_plan=work_plan)
        .select_related("sub_activity__parent__parent", "region")
        .prefetch_related(
            Prefetch("funding_lines", queryset=WorkPlanItemFunding.objects.select_related("scheme").order_by()),
            Prefetch("source_proposals", queryset=SOURCE_PROPOSALS),
        )
        .order_by("sub_activity__code", "region__code")
    )


@dataclass
class Totals:
    """Amounts per scheme (by scheme id), their total and the forward estimate (n+1) of some lines."""

    funding: dict[int, Decimal] = field(default_factory=dict)
    forward_amount: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.funding.values(), ZERO)

    def add(self, other: Totals) -> None:
        for scheme_id, amount in other.funding.items():
            self.funding[scheme_id] = self.funding.get(scheme_id, ZERO) + amount
        self.forward_amount += other.forward_amount

    def columns(self, schemes: Iterable[FundingScheme]) -> list[Decimal | None]:
        """One amount per scheme, in the table's scheme order; None where these lines have no such funding."""
        return [self.funding.get(scheme.pk) for scheme in schemes]


@dataclass
class TableLine:
    """One Renja line (a sub kegiatan in a kabupaten/kota)."""

    item: WorkPlanItem
    totals: Totals
    sources: list[tuple[Proposal, bool]]  # (proposal, whether the reader may open it), in number order
    amounts: list[Decimal | None] = field(default_factory=list)  # per scheme of the table

    @property
    def funding(self) -> dict[int, Decimal]:
        return self.totals.funding

    @property
    def total(self) -> Decimal:
        return self.totals.total

    @property
    def source_numbers(self) -> list[str]:
        return [proposal.number for proposal, _ in self.sources]


@dataclass
class TableGroup:
    """A program, kegiatan or sub kegiatan: its code, its node in the nomenclature (None when the tree lacks it),
    its subgroups or, for a sub kegiatan, its lines, and their totals."""

    level: str  # Nomenclature.Level value
    code: str
    node: Nomenclature | None
    groups: list[TableGroup] = field(default_factory=list)
    lines: list[TableLine] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    amounts: list[Decimal | None] = field(default_factory=list)  # per scheme of the table

    @property
    def name(self) -> str:
        return self.node.name if self.node is not None else ""

    @property
    def indicator(self) -> str:
        """The sub kegiatan's performance indicator (the Renja form's column 3); empty above it."""
        if self.node is None or self.level != Nomenclature.Level.SUB_ACTIVITY:
            return ""
        return self.node.indicator or self.node.performance


@dataclass
class RenjaTable:
    programs: list[TableGroup]
    schemes: list[FundingScheme]  # those some line draws on, in the schemes' order
    totals: Totals
    line_count: int

    @property
    def amounts(self) -> list[Decimal | None]:
        return self.totals.columns(self.schemes)

    @property
    def scheme_totals(self) -> list[tuple[FundingScheme, Decimal | None]]:
        return list(zip(self.schemes, self.amounts, strict=True))


def _node(node: Nomenclature | None, code: str) -> Nomenclature | None:
    return node if node is not None and node.code == code else None


def _always(proposal: Proposal) -> bool:
    return True


def renja_table(items: Iterable[WorkPlanItem], *, may_open: Callable[[Proposal], bool] = _always) -> RenjaTable:
    """Programs > kegiatan > sub kegiatan > lines, with totals per scheme at every level and the grand total.

    Groups go by the codes of the sub kegiatan (`Nomenclature.parent_code`), so a line whose program or kegiatan is
    missing from the nomenclature still gets its group rows (code, no name). Groups and lines are in code order,
    lines of one sub kegiatan in kabupaten/kota order. `items` come as `work_plan_items` loads them: no query here.
    `may_open(proposal)` tells whether the reader may open a source proposal (the page links only those).
    """
    programs: dict[str, TableGroup] = {}
    activities: dict[str, TableGroup] = {}
    subs: dict[str, TableGroup] = {}
    grand = Totals()
    schemes: dict[int, FundingScheme] = {}
    count = 0
    for item in items:
        count += 1
        totals = Totals(forward_amount=item.forward_amount)
        for funding in item.funding_lines.all():
            totals.funding[funding.scheme_id] = totals.funding.get(funding.scheme_id, ZERO) + funding.amount
            schemes[funding.scheme_id] = funding.scheme
        line = TableLine(
            item=item,
            totals=totals,
            sources=[(proposal, may_open(proposal)) for proposal in item.source_proposals.all()],
        )

        sub = item.sub_activity
        activity_code = Nomenclature.parent_code(sub.code) or ""
        program_code = Nomenclature.parent_code(activity_code) or ""
        activity_node = _node(sub.parent, activity_code)
        program = programs.get(program_code)
        if program is None:
            node = _node(activity_node.parent if activity_node else None, program_code)
            program = programs[program_code] = TableGroup(Nomenclature.Level.PROGRAM, program_code, node)
        activity = activities.get(activity_code)
        if activity is None:
            activity = activities[activity_code] = TableGroup(Nomenclature.Level.ACTIVITY, activity_code, activity_node)
            program.groups.append(activity)
        group = subs.get(sub.code)
        if group is None:
            group = subs[sub.code] = TableGroup(Nomenclature.Level.SUB_ACTIVITY, sub.code, sub)
            activity.groups.append(group)
        group.lines.append(line)
        for level in (program, activity, group):
            level.totals.add(totals)
        grand.add(totals)

    ordered = sorted(schemes.values(), key=lambda scheme: (scheme.order, scheme.code))

    def finish(groups: list[TableGroup]) -> list[TableGroup]:
        groups.sort(key=lambda g: g.code)
        for g in groups:
            g.amounts = g.totals.columns(ordered)
            finish(g.groups)
            g.lines.sort(key=lambda line: (line.item.region.code, line.item.pk))
            for line in g.lines:
                line.amounts = line.totals.columns(ordered)
        return groups

    return RenjaTable(programs=finish(list(programs.values())), schemes=ordered, totals=grand, line_count=count)
