"""Reads of a Renja that the page and the Excel share: its lines, and the table builders.

`renja_table` turns the loaded lines of a work plan into the tree of the Renja form, program > kegiatan >
sub kegiatan > lines, each group with its totals per funding scheme and its forward estimate; the workbook
(`workplans.exports.work_plan_sheets`) renders it. The page (`workplans.views.WorkPlanDetailView`) must stay small
whatever the Renja (715 lines and 8.9 MB of HTML at 500,000 proposals when it showed every line): it shows the same
tree from aggregates (`renja_outline`, no line loaded) and the lines of one kegiatan at a time (`renja_lines`).
Both roll up by the codes of the sub kegiatan, so the page's subtotals are the Excel's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from programs.models import FundingScheme, Nomenclature, Proposal, WorkPlan, WorkPlanItem, WorkPlanItemFunding
from rakornis.subqueries import count_subquery

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
    more_sources: int = 0  # source proposals not in `sources` (the page names only the first few)

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
    line_count: int = 0  # lines under this group (`renja_outline`, which loads no line)

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


# The page: totals of every group from aggregates, the lines of one kegiatan on demand ------------------------------

# Lines of one kegiatan shown at once: a kegiatan of the complete nomenclature may hold dozens of sub kegiatan in each
# of the province's kabupaten/kota; the rest are a page further (and all of them in the Excel and the print).
LINES_PER_PAGE = 200
# Source proposals named per line on the page; a line of a big Renja comes from hundreds of proposals, which the Excel
# lists in full. The page says how many more.
SOURCES_SHOWN = 3


def renja_outline(work_plan: WorkPlan) -> RenjaTable:
    """Programs > kegiatan > sub kegiatan of `work_plan` with their totals per scheme, forward estimates and line
    counts, without the lines: three queries whatever the number of lines (the sub kegiatan with their counts and
    forward estimates, the amounts per sub kegiatan and scheme, the schemes), rolled up by code as `renja_table`
    does, so that the page's totals are the Excel's."""
    subs = list(
        Nomenclature.objects.filter(work_plan_items__work_plan=work_plan)
        .select_related("parent__parent")
        .annotate(lines=Count("work_plan_items"), forward=Sum("work_plan_items__forward_amount"))
        .order_by()
    )
    amounts = (
        WorkPlanItemFunding.objects.filter(item__work_plan=work_plan)
        .values_list("item__sub_activity_id", "scheme_id")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    funding: dict[int, dict[int, Decimal]] = {}
    for sub_id, scheme_id, amount in amounts:
        funding.setdefault(sub_id, {})[scheme_id] = amount or ZERO
    scheme_ids = {scheme_id for per_sub in funding.values() for scheme_id in per_sub}
    ordered = list(FundingScheme.objects.filter(pk__in=scheme_ids).order_by("order", "code")) if scheme_ids else []

    programs: dict[str, TableGroup] = {}
    activities: dict[str, TableGroup] = {}
    grand = Totals()
    count = 0
    for sub in subs:
        totals = Totals(funding=funding.get(sub.pk, {}), forward_amount=sub.forward or ZERO)
        lines: int = sub.lines
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
        group = TableGroup(Nomenclature.Level.SUB_ACTIVITY, sub.code, sub, totals=Totals(), line_count=lines)
        activity.groups.append(group)
        for level in (program, activity, group):
            level.totals.add(totals)
            if level is not group:
                level.line_count += lines
        grand.add(totals)
        count += lines

    def finish(groups: list[TableGroup]) -> list[TableGroup]:
        groups.sort(key=lambda g: g.code)
        for g in groups:
            g.amounts = g.totals.columns(ordered)
            finish(g.groups)
        return groups

    return RenjaTable(programs=finish(list(programs.values())), schemes=ordered, totals=grand, line_count=count)


def find_activity(table: RenjaTable, code: str) -> TableGroup | None:
    """The kegiatan `code` of the outline, or None when the Renja has no line under it."""
    for program in table.programs:
        for activity in program.groups:
            if activity.code == code:
                return activity
    return None


def renja_lines(
    work_plan: WorkPlan,
    table: RenjaTable,
    *,
    activity: TableGroup | None = None,
    offset: int = 0,
    limit: int = LINES_PER_PAGE,
    may_open: Callable[[str], bool] = lambda region_code: True,
) -> list[TableLine]:
    """Lines `offset` to `offset + limit` of the kegiatan `activity` (of every kegiatan without it), in code then
    kabupaten/kota order, each with its amounts in the columns of `table` and its first SOURCES_SHOWN source
    proposals: three queries however many lines and sources. The lines are also put under their sub kegiatan in
    `table` (`TableGroup.lines`). `may_open(region_code)` tells whether the reader may open a source proposal."""
    through = WorkPlanItem.source_proposals.through
    items = (
        WorkPlanItem.objects.filter(work_plan=work_plan)
        .select_related("sub_activity", "region")
        .annotate(source_count=count_subquery(through.objects.all(), "workplanitem"))
        .prefetch_related(
            Prefetch("funding_lines", queryset=WorkPlanItemFunding.objects.order_by()),
        )
        .order_by("sub_activity__code", "region__code", "pk")
    )
    if activity is not None:
        items = items.filter(sub_activity__code__startswith=f"{activity.code}.")
    page = list(items[offset : offset + limit])
    first_sources = (
        through.objects.filter(workplanitem_id__in=[item.pk for item in page])
        .annotate(rank=Window(RowNumber(), partition_by=[F("workplanitem_id")], order_by=[F("proposal__number").asc()]))
        .filter(Q(rank__lte=SOURCES_SHOWN))  # a Q: the stubs know no annotation named rank
        .order_by("workplanitem_id", "proposal__number")
        .values_list("workplanitem_id", "proposal_id", "proposal__number", "proposal__region__code")
    )
    sources: dict[int, list[tuple[Proposal, bool]]] = {}
    if page:
        for item_id, proposal_id, number, region_code in first_sources:
            proposal = Proposal(pk=proposal_id, number=number)
            sources.setdefault(item_id, []).append((proposal, may_open(region_code)))

    subs = {sub.code: sub for program in table.programs for kegiatan in program.groups for sub in kegiatan.groups}
    lines = []
    for item in page:
        totals = Totals(forward_amount=item.forward_amount)
        for funding in item.funding_lines.all():
            totals.funding[funding.scheme_id] = totals.funding.get(funding.scheme_id, ZERO) + funding.amount
        shown = sources.get(item.pk, [])
        line = TableLine(
            item=item,
            totals=totals,
            sources=shown,
            amounts=totals.columns(table.schemes),
            more_sources=item.source_count - len(shown),
        )
        lines.append(line)
        group = subs.get(item.sub_activity.code)
        if group is not None:
            group.lines.append(line)
    return lines
