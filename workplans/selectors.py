"""Reads of a Renja that the page and the Excel share: its lines, and the table builders.

`renja_table` turns the loaded lines of a work plan into the tree of the Renja form, program > kegiatan >
sub kegiatan > lines, each group with its totals per funding scheme and its forward estimate; the workbook
(`workplans.exports.work_plan_sheets`) renders it. The page (`workplans.views.WorkPlanDetailView`) must stay small
whatever the Renja (715 lines and 8.9 MB of HTML at 500,000 proposals when it showed every line): it shows the same
tree from aggregates (`renja_outline`, no line loaded) and the lines of one kegiatan at a time (`renja_lines`).
Both roll up by the codes of the sub kegiatan, so the page's subtotals are the Excel's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from programs.models import FundingScheme, Nomenclature, Proposal, WorkPlan, WorkPlanItem, WorkPlanItemFunding
from rakornis.subqueries import count_subquery
from workplans.lines import format_targets, format_volume

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


def _program_and_activity(
    sub: Nomenclature, programs: dict[str, TableGroup], activities: dict[str, TableGroup]
) -> tuple[TableGroup, TableGroup]:
    """The program and kegiatan groups of sub kegiatan `sub`, made (and the kegiatan put under its program) the first
    time a code is met. Groups go by the codes, so a program or kegiatan missing from the nomenclature still gets
    its group (code, no name)."""
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
    return program, activity


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
        program, activity = _program_and_activity(sub, programs, activities)
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
        program, activity = _program_and_activity(sub, programs, activities)
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


# The official form (Permendagri 86/2017) --------------------------------------------------------------------------
#
# "Rumusan Rencana Program dan Kegiatan Perangkat Daerah Tahun n dan Prakiraan Maju Tahun n+1": rows from urusan down
# to sub kegiatan, each with its code, indicator and target, and under each sub kegiatan one row per kabupaten/kota
# line; ten numbered columns. Money is never added across budgets: a row's indicative amount is given once per
# funding class (regional APBD money; transfers and APBN money from the centre; other sources), each on its own row
# with its sources named, and the table ends with the subtotal of each class, never one grand total.


class FundingClass:
    """Which budget a scheme's money belongs to, from `FundingScheme.budget`: the province's or kabupaten/kota's own
    APBD (APBD Prov, APBD Kab/Kota, Bantuan Keuangan Provinsi), money from the centre (DAK and DAU PU, transferred
    into the APBD; Dekonsentrasi, Tugas Pembantuan and APBN, which stay in the APBN) and other lawful sources."""

    REGIONAL = "apbd"
    CENTRAL = "pusat"
    OTHER = "lainnya"
    ORDER = (REGIONAL, CENTRAL, OTHER)
    LABELS = {
        REGIONAL: "APBD",
        CENTRAL: "Transfer dan APBN dari pusat",
        OTHER: "Sumber lain yang sah",
    }

    @classmethod
    def of(cls, scheme: FundingScheme) -> str:
        if scheme.budget == FundingScheme.Budget.APBD:
            return cls.REGIONAL
        if scheme.budget in (FundingScheme.Budget.TRANSFER, FundingScheme.Budget.APBN):
            return cls.CENTRAL
        return cls.OTHER


# Source proposals a line's note names (the rest are counted), and distinct output indicators a row names.
FORM_SOURCES_NAMED = 5
FORM_INDICATORS_NAMED = 3
NO_INDICATOR = "\u2014"
LEVEL_LINE = "baris"


@dataclass
class FormMoney:
    """One funding entry of a row: what the Sumber Dana column says and the amount, within one funding class."""

    funding_class: str
    source: str
    amount: Decimal


@dataclass
class FormRow:
    """One row of the official form (its continuation rows hold its further funding entries)."""

    level: str  # a Nomenclature.Level value, or LEVEL_LINE for a sub kegiatan in one kabupaten/kota
    code: str
    name: str
    indicator: str = ""
    location: str = ""
    target: str = ""
    money: list[FormMoney] = field(default_factory=list)
    notes: str = ""
    forward_target: str = ""
    forward_amount: Decimal = ZERO
    item_id: int | None = None

    @property
    def is_line(self) -> bool:
        return self.level == LEVEL_LINE


@dataclass
class ClassTotal:
    """The subtotal of one funding class, with the amount of each scheme in it."""

    funding_class: str
    amount: Decimal
    schemes: list[tuple[FundingScheme, Decimal]]

    @property
    def label(self) -> str:
        return FundingClass.LABELS[self.funding_class]


@dataclass
class RenjaForm:
    work_plan: WorkPlan
    rows: list[FormRow]
    class_totals: list[ClassTotal]
    forward_amount: Decimal
    line_count: int
    too_big: bool = False  # more lines than the caller's limit: no row built

    @property
    def year(self) -> int:
        return self.work_plan.fiscal_year


_TARGET_RE = re.compile(r"^\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\s+([^;]+?)\s*$")


def split_target(value: str) -> tuple[Decimal | str | None, str]:
    """`12,5 km` -> (12.5, "km"), so the target is a number; `12,5 km; 3 unit` (two units) stays text."""
    value = (value or "").strip()
    if not value:
        return None, ""
    match = _TARGET_RE.match(value)
    if match is None:
        return value, ""
    whole, fraction, unit = match.groups()
    return Decimal(f"{whole.replace('.', '')}.{fraction or '0'}"), unit


def class_totals(schemes: Iterable[FundingScheme], funding: dict[int, Decimal]) -> list[ClassTotal]:
    """The amounts `funding` (by scheme id) of `schemes` as one subtotal per funding class, in class order."""
    totals = []
    for funding_class in FundingClass.ORDER:
        in_class = [
            (scheme, funding.get(scheme.pk, ZERO)) for scheme in schemes if FundingClass.of(scheme) == funding_class
        ]
        in_class = [(scheme, amount) for scheme, amount in in_class if amount]
        if in_class:
            totals.append(ClassTotal(funding_class, sum((amount for _, amount in in_class), ZERO), in_class))
    return totals


def _volumes(target: str) -> dict[str, Decimal] | None:
    """`12,5 km; 3 unit` -> {"km": 12.5, "unit": 3}; None for a target that is not volumes with units."""
    volumes: dict[str, Decimal] = {}
    for part in target.split(";"):
        if not part.strip():
            continue
        value, unit = split_target(part)
        if not isinstance(value, Decimal) or not unit:
            return None
        volumes[unit] = volumes.get(unit, ZERO) + value
    return volumes


class _Targets:
    """Volumes per unit added up from rows below, or the texts that are not volumes (kept, not lost)."""

    def __init__(self) -> None:
        self.volumes: dict[str, Decimal] = {}
        self.texts: list[str] = []

    def add(self, target: str) -> None:
        volumes = _volumes(target)
        if volumes is None:
            if target.strip() and target not in self.texts:
                self.texts.append(target)
            return
        for unit, value in volumes.items():
            self.volumes[unit] = self.volumes.get(unit, ZERO) + value

    def text(self) -> str:
        return "; ".join(part for part in (format_targets(self.volumes), *self.texts) if part)


def _named(values: Iterable[str], limit: int = FORM_INDICATORS_NAMED) -> str:
    distinct = list(dict.fromkeys(value.strip() for value in values if value and value.strip()))
    text = "; ".join(distinct[:limit])
    if len(distinct) > limit:
        text += f"; dan {len(distinct) - limit} lainnya"
    return text


def _money_by_class(amounts: dict[int, Decimal], schemes: dict[int, FundingScheme]) -> list[FormMoney]:
    """A group's amounts per scheme as one entry per funding class, naming the schemes in it."""
    per_class: dict[str, list[tuple[FundingScheme, Decimal]]] = {}
    for scheme_id, amount in amounts.items():
        scheme = schemes[scheme_id]
        per_class.setdefault(FundingClass.of(scheme), []).append((scheme, amount))
    money = []
    for funding_class in FundingClass.ORDER:
        entries = sorted(per_class.get(funding_class, []), key=lambda entry: (entry[0].order, entry[0].code))
        if entries:
            source = ", ".join(scheme.name for scheme, _ in entries)
            money.append(FormMoney(funding_class, source, sum((amount for _, amount in entries), ZERO)))
    return money


def _outcome_indicators(
    work_plan: WorkPlan, program_codes: Iterable[str]
) -> dict[str, list[tuple[str, str, str, str]]]:
    """Per program code: (indicator name, target n, target n+1, note) of the outcome indicators linked to its sub
    kegiatan (`IndicatorSubActivity`), with the targets of the agency's region. Two queries."""
    from programs.models import IndicatorSubActivity, IndicatorTarget

    codes = set(program_codes)
    links = (
        IndicatorSubActivity.objects.select_related("indicator")
        .only("indicator__code", "indicator__name", "indicator__unit", "sub_activity__code")
        .select_related("sub_activity")
        .order_by("indicator__code")
    )
    per_program: dict[str, dict[int, Any]] = {}
    for link in links:
        parts = link.sub_activity.code.split(".")
        program = ".".join(parts[:3])
        if program in codes:
            per_program.setdefault(program, {})[link.indicator_id] = link.indicator
    year = work_plan.fiscal_year
    indicator_ids = {pk for indicators in per_program.values() for pk in indicators}
    region_id = work_plan.agency.region_id
    targets: dict[tuple[int, int], Decimal] = {}
    if indicator_ids and region_id is not None:
        for indicator_id, target_year, value in IndicatorTarget.objects.filter(
            indicator_id__in=indicator_ids, region_id=region_id, year__in=[year, year + 1], target__isnull=False
        ).values_list("indicator_id", "year", "target"):
            if value is not None:
                targets[(indicator_id, target_year)] = value

    result: dict[str, list[tuple[str, str, str, str]]] = {}
    for program, indicators in per_program.items():
        rows = []
        for indicator in sorted(indicators.values(), key=lambda i: i.code):
            now, later = targets.get((indicator.pk, year)), targets.get((indicator.pk, year + 1))
            note = "" if now is not None else f"Target {indicator.code} TA {year} belum ditetapkan."
            rows.append(
                (
                    indicator.name,
                    f"{format_volume(now)} {indicator.unit}" if now is not None else NO_INDICATOR,
                    f"{format_volume(later)} {indicator.unit}" if later is not None else NO_INDICATOR,
                    note,
                )
            )
        result[program] = rows
    return result


def renja_form(work_plan: WorkPlan, *, limit: int | None = None) -> RenjaForm:
    """The Renja of `work_plan` in the official form: urusan > bidang urusan > program > kegiatan > sub kegiatan >
    lines (a sub kegiatan in one kabupaten/kota), in code order.

    Indicators: a program's are the outcome indicators linked to its sub kegiatan, with the targets of the agency's
    region for n and n+1 (else the nomenclature's, else a dash and a note saying it is missing); a line's are the
    output indicators of its source proposals (else the sub kegiatan's in the nomenclature); a sub kegiatan's and a
    kegiatan's are those of the rows below (or the nomenclature's) with their targets added up per unit. Eight
    queries whatever the number of lines and proposals; the lines are held at once, as in `renja_table`. With
    `limit`, a Renja of more lines than that is not built (`too_big`): `limit` + 1 lines are read, no more.
    """
    from agencies.models import Agency

    through = WorkPlanItem.source_proposals.through
    loaded = (
        WorkPlanItem.objects.filter(work_plan=work_plan)
        .select_related("sub_activity", "region")
        .annotate(source_count=count_subquery(through.objects.all(), "workplanitem"))
        .order_by("sub_activity__code", "region__code", "pk")
    )
    loaded = loaded.prefetch_related(
        Prefetch("funding_lines", queryset=WorkPlanItemFunding.objects.select_related("scheme").order_by())
    )
    items = list(loaded if limit is None else loaded[: limit + 1])
    if limit is not None and len(items) > limit:
        return RenjaForm(work_plan, rows=[], class_totals=[], forward_amount=ZERO, line_count=len(items), too_big=True)
    item_ids = [item.pk for item in items]
    links = through.objects.filter(workplanitem__work_plan=work_plan)
    first_sources: dict[int, list[str]] = {}
    for item_id, number in (
        links.annotate(rank=Window(RowNumber(), partition_by=[F("workplanitem_id")], order_by=[F("proposal__number")]))
        .filter(Q(rank__lte=FORM_SOURCES_NAMED))
        .order_by("workplanitem_id", "proposal__number")
        .values_list("workplanitem_id", "proposal__number")
    ):
        first_sources.setdefault(item_id, []).append(number)
    outputs: dict[int, list[str]] = {}
    for item_id, indicator in (
        links.exclude(proposal__output_indicator="")
        .values_list("workplanitem_id", "proposal__output_indicator")
        .distinct()
        .order_by("workplanitem_id", "proposal__output_indicator")
    ):
        outputs.setdefault(item_id, []).append(indicator)

    codes: set[str] = set()
    for item in items:
        code: str | None = item.sub_activity.code
        while code:
            codes.add(code)
            code = Nomenclature.parent_code(code)
    nodes = {node.code: node for node in Nomenclature.objects.filter(code__in=codes)} if codes else {}
    government_level = (
        Nomenclature.GovernmentLevel.REGENCY
        if work_plan.agency.level == Agency.Level.REGENCY
        else Nomenclature.GovernmentLevel.PROVINCE
    )
    outcomes = _outcome_indicators(work_plan, {code for code in codes if len(code.split(".")) == 3})

    # Collect per code: lines, amounts per scheme, targets, forward estimates, regions.
    schemes: dict[int, FundingScheme] = {}
    amounts: dict[str, dict[int, Decimal]] = {}
    targets: dict[str, _Targets] = {}
    forward_targets: dict[str, _Targets] = {}
    forward: dict[str, Decimal] = {}
    indicators: dict[str, list[str]] = {}
    regions: dict[str, list[str]] = {}
    line_rows: dict[str, list[FormRow]] = {}
    for item in items:
        sub = item.sub_activity
        line_amounts: dict[int, Decimal] = {}
        for funding in item.funding_lines.all():
            schemes[funding.scheme_id] = funding.scheme
            line_amounts[funding.scheme_id] = line_amounts.get(funding.scheme_id, ZERO) + funding.amount
        money = [
            FormMoney(FundingClass.of(schemes[scheme_id]), schemes[scheme_id].name, amount)
            for scheme_id, amount in sorted(
                line_amounts.items(), key=lambda entry: (schemes[entry[0]].order, schemes[entry[0]].code)
            )
        ]
        named = first_sources.get(item.pk, [])
        notes = [item.notes.strip()] if item.notes.strip() else []
        if named:
            more = item.source_count - len(named)
            notes.append("Usulan: " + ", ".join(named) + (f" dan {more} lainnya" if more > 0 else ""))
        line_indicator = _named(outputs.get(item.pk, [])) or sub.indicator or sub.performance
        if not line_indicator:
            notes.append("Indikator keluaran belum diisi pada usulan maupun nomenklatur.")
        line_rows.setdefault(sub.code, []).append(
            FormRow(
                level=LEVEL_LINE,
                code="",
                name=item.region.name,
                indicator=line_indicator or NO_INDICATOR,
                location=item.location or item.region.name,
                target=item.target or NO_INDICATOR,
                money=money,
                notes="\n".join(notes),
                forward_target=item.forward_target,
                forward_amount=item.forward_amount,
                item_id=item.pk,
            )
        )
        code = sub.code
        while code:
            per_code = amounts.setdefault(code, {})
            for scheme_id, amount in line_amounts.items():
                per_code[scheme_id] = per_code.get(scheme_id, ZERO) + amount
            targets.setdefault(code, _Targets()).add(item.target)
            forward_targets.setdefault(code, _Targets()).add(item.forward_target)
            forward[code] = forward.get(code, ZERO) + item.forward_amount
            indicators.setdefault(code, []).append(line_indicator)
            if item.region.name not in regions.setdefault(code, []):
                regions[code].append(item.region.name)
            code = Nomenclature.parent_code(code) or ""

    def group_row(code: str) -> FormRow:
        level = Nomenclature.level_for_code(code) or ""
        node = nodes.get(code)
        name = node.name_for(government_level) if node is not None else "(tidak ada dalam nomenklatur)"
        row = FormRow(
            level=level,
            code=code,
            name=name,
            money=_money_by_class(amounts[code], schemes),
            forward_amount=forward[code],
        )
        if level in (Nomenclature.Level.AFFAIR, Nomenclature.Level.SECTOR):
            return row  # the form gives urusan and bidang urusan no indicator
        node_indicator = (node.indicator or node.performance) if node is not None else ""
        if level == Nomenclature.Level.PROGRAM:
            outcome = outcomes.get(code, [])
            if outcome:
                row.indicator = "\n".join(name for name, _, _, _ in outcome)
                row.target = "\n".join(target for _, target, _, _ in outcome)
                row.forward_target = "\n".join(later for _, _, later, _ in outcome)
                row.notes = " ".join(note for _, _, _, note in outcome if note)
            elif node_indicator:
                row.indicator, row.target = node_indicator, NO_INDICATOR
                row.notes = "Target outcome program belum ditetapkan."
            else:
                row.indicator = row.target = NO_INDICATOR
                row.notes = (
                    "Indikator outcome program belum ditetapkan: hubungkan indikator kinerja ke sub kegiatannya."
                )
            return row
        row.indicator = node_indicator or _named(i for i in indicators[code] if i != NO_INDICATOR) or NO_INDICATOR
        row.target = targets[code].text() or NO_INDICATOR
        row.forward_target = forward_targets[code].text()
        if level == Nomenclature.Level.SUB_ACTIVITY:
            row.location = ", ".join(regions[code])
        if row.indicator == NO_INDICATOR:
            row.notes = "Indikator keluaran belum diisi pada usulan maupun nomenklatur."
        return row

    rows: list[FormRow] = []
    for code in sorted(amounts, key=lambda c: [part.zfill(4) for part in c.split(".")]):
        rows.append(group_row(code))
        rows.extend(line_rows.get(code, []))

    grand: dict[int, Decimal] = {}
    for item_amounts in (amounts[code] for code in amounts if Nomenclature.parent_code(code) is None):
        for scheme_id, amount in item_amounts.items():
            grand[scheme_id] = grand.get(scheme_id, ZERO) + amount
    ordered = sorted((schemes[pk] for pk in grand), key=lambda scheme: (scheme.order, scheme.code))
    return RenjaForm(
        work_plan=work_plan,
        rows=rows,
        class_totals=class_totals(ordered, grand),
        forward_amount=sum((forward[code] for code in forward if Nomenclature.parent_code(code) is None), ZERO),
        line_count=len(item_ids),
    )


# The stakeholders' proposals (Tabel 2.4 of the Renja) --------------------------------------------------------------

# Rows the table holds: an agency-year of a big province receives thousands of proposals; past this the table says
# how to narrow it rather than growing without bound.
STAKEHOLDER_LIMIT = 20_000


def stakeholder_proposals(work_plan: WorkPlan, proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """The proposals of `proposals` (the reader's scope) for the Renja's fiscal year that reached its agency: those
    it proposed itself, and those decided in a meeting it organised or with it as the executing agency. Drafts
    (not proposed yet) are left out. Each carries `in_renja`: whether a line of this Renja comes from it."""
    from meetings.models import Decision

    agency = work_plan.agency
    addressed = Decision.objects.filter(proposal=OuterRef("pk")).filter(
        Q(executing_agency=agency) | Q(meeting__organiser=agency)
    )
    through = WorkPlanItem.source_proposals.through
    in_renja = through.objects.filter(proposal=OuterRef("pk"), workplanitem__work_plan=work_plan)
    return (
        proposals.filter(fiscal_year=work_plan.fiscal_year)
        .exclude(status=Proposal.Status.DRAFT)
        .filter(Q(agency=agency) | Exists(addressed))
        .select_related("region", "district", "village", "sub_activity")
        .annotate(in_renja=Exists(in_renja))
        .order_by("sub_activity__code", "region__code", "number")
    )
