"""Reads of meetings' decisions that several pages share: which decision decides a proposal, and the decisions of
one meeting grouped and totalled.

- `deciding_decisions` / `agreed_decisions`: the one rule of "which decision counts", read by the Renja sync
  (`workplans.services`), the recap (`workplans.exports`) and anything else that totals what the meetings agreed;
- `meeting_decision_summary`: a small meeting's decisions by kabupaten/kota with subtotals per funding scheme, all in
  memory (the meeting page and the Berita Acara when they show every decision);
- `meeting_decision_totals`: the same counts and amounts by outcome, by kabupaten/kota and by scheme from the
  meeting's decision summary (`meetings.summary`), one query whatever the number of decisions (the totals on the
  pages of a big meeting, the decision list's counts);
- `stream_decision_rows`: every decision of a meeting in table order, read in chunks with running subtotals, for the
  documents the worker writes (the full Berita Acara, its Excel annex: `meetings.jobs`, `meetings.exports`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, StringAgg, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat

from agencies.models import Region
from meetings.models import Decision, DecisionFunding, Meeting, MeetingDecisionSummary
from programs.models import FundingScheme, Proposal, ProposalFunding

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ZERO = Decimal(0)


# Which decision counts -----------------------------------------------------------------------------------------------


def deciding_decisions(*, fiscal_year: int, proposals: QuerySet[Proposal] | None = None) -> QuerySet[Decision]:
    """The deciding decision of each proposal of `fiscal_year` (of `proposals`, the caller's scope, when given).

    The rule: a proposal is decided by its decision at the latest meeting that plans the proposal's own fiscal
    year. "Latest" is the meeting that starts last (`Meeting.starts_at`); between meetings that start at the same
    moment, the one created last (the higher `Meeting.pk`) wins, so the answer never depends on the database's
    row order. A meeting planning another fiscal year never decides a proposal, whatever its date. A proposal has
    at most one deciding decision (one decision per meeting and proposal is a database constraint); a proposal no
    meeting of its year decided has none.

    Any outcome is returned; `agreed_decisions` keeps those whose amounts count.
    """
    later = Decision.objects.filter(proposal=OuterRef("proposal"), meeting__fiscal_year=fiscal_year).filter(
        Q(meeting__starts_at__gt=OuterRef("meeting__starts_at"))
        | Q(meeting__starts_at=OuterRef("meeting__starts_at"), meeting_id__gt=OuterRef("meeting_id"))
    )
    decisions = Decision.objects.filter(meeting__fiscal_year=fiscal_year, proposal__fiscal_year=fiscal_year)
    if proposals is not None:
        decisions = decisions.filter(proposal__in=proposals.values("pk"))
    return decisions.filter(~Exists(later))


def agreed_decisions(*, fiscal_year: int, proposals: QuerySet[Proposal] | None = None) -> QuerySet[Decision]:
    """The deciding decisions whose agreed amounts count: agreed, with or without changes, on a proposal whose
    status is still agreed (a status changed since, e.g. by a correction at a meeting of another year, wins).

    These amounts, never the proposals' own, are what the Renja, the recap and every "pagu disepakati" total add.
    """
    return deciding_decisions(fiscal_year=fiscal_year, proposals=proposals).filter(
        outcome__in=Decision.COUNTED_OUTCOMES, proposal__status__in=Proposal.AGREED_STATUSES
    )


def agreed_funding(*, fiscal_year: int, proposals: QuerySet[Proposal] | None = None) -> QuerySet[DecisionFunding]:
    """The agreed amounts per scheme of `agreed_decisions`, to be grouped by the caller (region, scheme, ...)."""
    agreed = agreed_decisions(fiscal_year=fiscal_year, proposals=proposals)
    return DecisionFunding.objects.filter(decision__in=agreed.values("pk")).order_by()


# The decisions of one meeting ---------------------------------------------------------------------------------------


@dataclass
class DecisionRow:
    """One decision as the tables show it: its agreed amounts per scheme of the summary (None when it does not
    count, or has nothing for that scheme), their total (None when it does not count) and its proposal's own total."""

    decision: Decision
    scheme_amounts: list[Decimal | None]
    total_amount: Decimal | None
    proposed_amount: Decimal
    number: int = 0  # its "No" in the table: from 1 in each kabupaten/kota, or from the first row of a page


@dataclass
class RegencyDecisions:
    """The decisions on one kabupaten/kota's proposals, with their subtotals."""

    region: Region
    rows: list[DecisionRow] = field(default_factory=list)
    totals: list[Decimal] = field(default_factory=list)  # agreed, one per scheme of the summary
    total: Decimal = ZERO  # agreed
    proposed: Decimal = ZERO  # the proposals' own amounts
    counted: int = 0  # decisions whose amounts count (agreed, with or without changes)
    row_count: int = 0  # rows passed so far, when streamed (`stream_decision_rows`) rather than kept in `rows`


@dataclass
class DecisionSummary:
    schemes: list[FundingScheme]
    groups: list[RegencyDecisions]
    totals: list[Decimal]
    total: Decimal
    count: int
    outcomes: list[tuple[StrOrPromise, int]]
    proposed: Decimal = ZERO
    counted: int = 0

    @property
    def scheme_totals(self) -> list[tuple[FundingScheme, Decimal]]:
        return list(zip(self.schemes, self.totals, strict=True))


def _proposed_total() -> Coalesce:
    """The decided proposal's own total (its funding lines), as a subquery: no prefetch of every proposal's lines."""
    total = (
        ProposalFunding.objects.filter(proposal=OuterRef("proposal"))
        .order_by()
        .values("proposal")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(ZERO), output_field=models.DecimalField(max_digits=20, decimal_places=0))


def _scheme_amount(scheme: FundingScheme) -> Subquery:
    """A decision's agreed amount on `scheme` (None without a line for it): one line per scheme and decision is a
    database constraint, so the subquery returns at most one row."""
    return Subquery(
        DecisionFunding.objects.filter(decision=OuterRef("pk"), scheme_id=scheme.pk).order_by().values("amount")[:1],
        output_field=models.DecimalField(max_digits=20, decimal_places=0),
    )


def meeting_decisions(
    meeting: Meeting, *, decisions: QuerySet[Decision] | None = None, schemes: list[FundingScheme] | None = None
) -> QuerySet[Decision]:
    """The meeting's decisions (of `decisions`, e.g. `Decision.objects.for_user(user)`, when given) with everything
    the summary, the page, the Berita Acara and the annex show, in kabupaten/kota then proposal number order.

    With `schemes` (the columns of the table, `MeetingTotals.schemes`), each decision's amount on each of them is a
    subquery annotation: one query however many decisions (the meeting page). Without, the funding lines are
    prefetched: two queries (one with `.iterator(chunk_size=...)` per chunk)."""
    queryset = decisions if decisions is not None else Decision.objects.all()
    queryset = queryset.filter(meeting=meeting).select_related(
        "proposal__region", "proposal__agency", "proposal__sub_activity", "executing_agency", "merged_into"
    )
    if schemes is None:
        queryset = queryset.prefetch_related(
            Prefetch("funding_lines", queryset=DecisionFunding.objects.select_related("scheme"))
        )
    else:
        amounts = {f"scheme_amount_{scheme.pk}": _scheme_amount(scheme) for scheme in schemes}
        queryset = queryset.annotate(amounts_annotated=Value(True), **amounts)
    return queryset.annotate(proposed_total=_proposed_total()).order_by(
        "proposal__region__code", "proposal__number", "pk"
    )


def decision_row(decision: Decision, schemes: list[FundingScheme], number: int = 0) -> DecisionRow:
    """One decision as a table row with one amount per scheme of `schemes` (its funding lines prefetched, or its
    amounts annotated by `meeting_decisions(..., schemes=schemes)`)."""
    counted = decision.is_counted
    by_scheme: dict[int, Decimal] = {}
    if counted:
        if getattr(decision, "amounts_annotated", False):
            for s in schemes:
                amount = getattr(decision, f"scheme_amount_{s.pk}", None)
                if amount is not None:
                    by_scheme[s.pk] = amount
        else:
            by_scheme = {line.scheme_id: line.amount for line in decision.funding_lines.all()}
    return DecisionRow(
        decision=decision,
        scheme_amounts=[by_scheme.get(s.pk) for s in schemes],
        total_amount=sum(by_scheme.values(), ZERO) if counted else None,
        proposed_amount=getattr(decision, "proposed_total", None) or ZERO,
        number=number,
    )


def _add_row(group: RegencyDecisions, row: DecisionRow) -> None:
    group.totals = [t + (a or 0) for t, a in zip(group.totals, row.scheme_amounts, strict=True)]
    group.total += row.total_amount or 0
    group.proposed += row.proposed_amount
    group.counted += row.decision.is_counted


def summarise_decisions(decisions: list[Decision], *, schemes: list[FundingScheme] | None = None) -> DecisionSummary:
    """Decisions grouped by kabupaten/kota, with one amount column per scheme used (or per scheme of `schemes`) and
    totals; no query when the decisions come from `meeting_decisions`.

    Only agreed decisions (with or without changes) carry amounts into the totals and decide the scheme columns;
    the others are listed bare (a `DecisionRow` per decision).
    """
    if schemes is None:
        schemes = sorted(
            {line.scheme for d in decisions if d.is_counted for line in d.funding_lines.all()},
            key=lambda s: (s.order, s.code),
        )
    groups: dict[int, RegencyDecisions] = {}
    for decision in decisions:
        region = decision.proposal.region
        group = groups.setdefault(region.pk, RegencyDecisions(region=region, totals=[ZERO] * len(schemes)))
        row = decision_row(decision, schemes, number=len(group.rows) + 1)
        group.rows.append(row)
        _add_row(group, row)
    ordered = list(groups.values())
    totals = [sum((g.totals[i] for g in ordered), ZERO) for i in range(len(schemes))]
    return DecisionSummary(
        schemes=schemes,
        groups=ordered,
        totals=totals,
        total=sum(totals, ZERO),
        count=len(decisions),
        outcomes=[
            (label, count)
            for value, label in Decision.Outcome.choices
            if (count := sum(1 for d in decisions if d.outcome == value))
        ],
        proposed=sum((g.proposed for g in ordered), ZERO),
        counted=sum(g.counted for g in ordered),
    )


def meeting_decision_summary(meeting: Meeting, *, decisions: QuerySet[Decision] | None = None) -> DecisionSummary:
    """The summary of the meeting's decisions (narrowed to `decisions` when given): three queries."""
    return summarise_decisions(list(meeting_decisions(meeting, decisions=decisions)))


# The decisions of a big meeting: aggregates for the pages, a stream for the documents ------------------------------


@dataclass
class OutcomeTotal:
    outcome: str  # Decision.Outcome value
    label: StrOrPromise
    count: int
    amount: Decimal  # agreed; zero for the outcomes that do not count


@dataclass
class RegencyTotal:
    region_id: int
    code: str
    name: str
    count: int = 0
    counted: int = 0
    amounts: list[Decimal] = field(default_factory=list)  # agreed, one per scheme of the totals
    total: Decimal = ZERO
    outcomes: dict[str, int] = field(default_factory=dict)  # Decision.Outcome value -> count


@dataclass
class MeetingTotals:
    """A meeting's decisions counted and totalled by outcome, by kabupaten/kota and by scheme, without loading them."""

    schemes: list[FundingScheme]
    outcomes: list[OutcomeTotal]
    regencies: list[RegencyTotal]
    totals: list[Decimal]
    total: Decimal
    count: int
    counted: int

    @property
    def scheme_totals(self) -> list[tuple[FundingScheme, Decimal]]:
        return list(zip(self.schemes, self.totals, strict=True))

    def count_of(self, *, outcome: str = "", region_id: int | None = None) -> int:
        """How many decisions an outcome, a kabupaten/kota or both have (the whole count without either): the
        decision list's paginator count, without a COUNT of the decisions."""
        if outcome and region_id is not None:
            return next((r.outcomes.get(outcome, 0) for r in self.regencies if r.region_id == region_id), 0)
        if outcome:
            return next((o.count for o in self.outcomes if o.outcome == outcome), 0)
        if region_id is not None:
            return next((r.count for r in self.regencies if r.region_id == region_id), 0)
        return self.count


# The columns of a funding scheme that the totals show, read with the rows that group by it.
SCHEME_VALUES = ("scheme_id", "scheme__code", "scheme__name", "scheme__short_name", "scheme__order")


def _scheme_of(row: dict[str, Any], prefix: str = "scheme") -> FundingScheme:
    return FundingScheme(
        pk=row[f"{prefix}_id"],
        code=row[f"{prefix}__code"],
        name=row[f"{prefix}__name"],
        short_name=row[f"{prefix}__short_name"],
        order=row[f"{prefix}__order"],
    )


def meeting_decision_totals(
    meeting: Meeting, *, user: Any = None, decisions: QuerySet[Decision] | None = None
) -> MeetingTotals:
    """Counts by kabupaten/kota x outcome and agreed amounts by kabupaten/kota x outcome x scheme of the meeting's
    decisions: the same figures as `summarise_decisions` over every decision, in rows bounded by the regions,
    outcomes and schemes, never by the decisions.

    Read from the meeting's decision summary (`MeetingDecisionSummary`, kept by `meetings.summary`) in one query,
    narrowed to what `user` sees when given: `Decision.objects.for_user(user)` keeps the decisions on proposals of
    the user's kabupaten/kota, and the summary is keyed by the proposal's kabupaten/kota, so
    `MeetingDecisionSummary.objects.for_user(user)` is the same scope by the same policy rule. Only with
    `decisions` (a narrowing the summary's keys cannot express, e.g. a search) are the decisions themselves grouped:
    two GROUP BY queries over them and their funding lines (seconds for a meeting of 300,000 decisions).
    """
    if decisions is not None:
        return _totals_of_decisions(meeting, decisions)
    rows = MeetingDecisionSummary.objects.filter(meeting=meeting)
    if user is not None:
        rows = rows.for_user(user)
    grouped = (
        rows.order_by()
        .values("region_id", "region__code", "region__name", "outcome", *SCHEME_VALUES)
        .annotate(n=Sum("decision_count"), amount=Sum("amount"))
    )
    counts: list[tuple[int, str, str, str, int]] = []
    amounts: list[tuple[int, str, FundingScheme, Decimal]] = []
    for row in grouped:
        if row["scheme_id"] is None:
            counts.append((row["region_id"], row["region__code"], row["region__name"], row["outcome"], row["n"]))
        elif row["outcome"] in Decision.COUNTED_OUTCOMES and row["n"]:
            amounts.append((row["region_id"], row["outcome"], _scheme_of(row), row["amount"]))
    return _meeting_totals(counts, amounts)


def _totals_of_decisions(meeting: Meeting, decisions: QuerySet[Decision]) -> MeetingTotals:
    """`meeting_decision_totals` of any narrowing of the decisions: two GROUP BY queries over them."""
    scoped = decisions.filter(meeting=meeting)
    counts = (
        scoped.order_by()
        .values_list("proposal__region_id", "proposal__region__code", "proposal__region__name", "outcome")
        .annotate(n=Count("pk"))
    )
    amounts = (
        DecisionFunding.objects.filter(decision__in=scoped.filter(outcome__in=Decision.COUNTED_OUTCOMES).values("pk"))
        .order_by()
        .values("decision__proposal__region_id", "decision__outcome", *SCHEME_VALUES)
        .annotate(amount=Sum("amount"))
    )
    return _meeting_totals(
        list(counts),
        [
            (row["decision__proposal__region_id"], row["decision__outcome"], _scheme_of(row), row["amount"])
            for row in amounts
        ],
    )


def _meeting_totals(
    counts: Iterable[tuple[int, str, str, str, int]], amounts: list[tuple[int, str, FundingScheme, Decimal]]
) -> MeetingTotals:
    """The totals from (region id, code, name, outcome, count) and (region id, outcome, scheme, agreed amount)."""
    regencies: dict[int, RegencyTotal] = {}
    by_outcome: dict[str, int] = {}
    for region_id, code, name, outcome, count in counts:
        regency = regencies.setdefault(region_id, RegencyTotal(region_id, code, name))
        regency.count += count
        regency.outcomes[outcome] = regency.outcomes.get(outcome, 0) + count
        if outcome in Decision.COUNTED_OUTCOMES:
            regency.counted += count
        by_outcome[outcome] = by_outcome.get(outcome, 0) + count
    schemes = sorted({scheme.pk: scheme for _, _, scheme, _ in amounts}.values(), key=lambda s: (s.order, s.code))
    column = {scheme.pk: index for index, scheme in enumerate(schemes)}
    agreed_by_outcome: dict[str, Decimal] = {}
    for regency in regencies.values():
        regency.amounts = [ZERO] * len(schemes)
    for region_id, outcome, scheme, amount in amounts:
        regency = regencies[region_id]
        regency.amounts[column[scheme.pk]] += amount
        regency.total += amount
        agreed_by_outcome[outcome] = agreed_by_outcome.get(outcome, ZERO) + amount
    ordered = sorted(regencies.values(), key=lambda r: r.code)
    totals = [sum((r.amounts[i] for r in ordered), ZERO) for i in range(len(schemes))]
    return MeetingTotals(
        schemes=schemes,
        outcomes=[
            OutcomeTotal(value, label, by_outcome[value], agreed_by_outcome.get(value, ZERO))
            for value, label in Decision.Outcome.choices
            if by_outcome.get(value)
        ],
        regencies=ordered,
        totals=totals,
        total=sum(totals, ZERO),
        count=sum(by_outcome.values()),
        counted=sum(r.counted for r in ordered),
    )


def stream_decision_rows(
    decisions: Iterable[Decision], schemes: list[FundingScheme]
) -> Iterator[tuple[RegencyDecisions, DecisionRow]]:
    """Each decision as a row with its kabupaten/kota group, in the order given (`meeting_decisions`, read with
    `.iterator(chunk_size=...)`): the group's `rows` stay empty and its totals grow as its rows pass, so they are
    complete when the next group's first row (or the end) comes. Memory holds one chunk, whatever the meeting."""
    group: RegencyDecisions | None = None
    for decision in decisions:
        region = decision.proposal.region
        if group is None or group.region.pk != region.pk:
            group = RegencyDecisions(region=region, totals=[ZERO] * len(schemes))
        row = decision_row(decision, schemes, number=group.row_count + 1)
        group.row_count += 1
        _add_row(group, row)
        yield group, row


# A proposal's funding lines in one column of the row that lists it -------------------------------------------------

# Control characters no scheme's code or short name holds: between the parts of a line, and between lines.
_PAIR, _LINE = "\x1e", "\x1f"


def proposal_funding_text(proposal_path: str = "proposal") -> Subquery:
    """A proposal's funding lines (at `proposal_path` of the outer row) as one text, in the schemes' order, for
    `funding_pairs`: a subquery of the list's one query instead of a prefetch of every listed proposal's lines (the
    meeting page's agenda)."""
    lines = (
        ProposalFunding.objects.filter(proposal=OuterRef(proposal_path))
        .order_by()
        .values("proposal")
        .annotate(
            # Each line leads with its scheme's order: SQLite before 3.44 cannot order an aggregate, so
            # `funding_pairs` sorts.
            text=StringAgg(
                Concat(
                    Cast("scheme__order", models.CharField()),
                    Value(_PAIR),
                    "scheme__code",
                    Value(_PAIR),
                    "scheme__short_name",
                    Value(_PAIR),
                    Cast("amount", models.CharField()),
                ),
                delimiter=Value(_LINE),
            )
        )
        .values("text")
    )
    return Subquery(lines, output_field=models.TextField())


def funding_pairs(text: str | None) -> list[tuple[str, Decimal]]:
    """(scheme short name, amount) of each line of a `proposal_funding_text`, in the schemes' order."""
    lines = [line.split(_PAIR) for line in (text or "").split(_LINE) if line]
    lines.sort(key=lambda parts: (int(parts[0]), parts[1]))
    return [(short_name, Decimal(amount).quantize(Decimal(1))) for _, _, short_name, amount in lines]
