"""Reads of meetings' decisions that several pages share: which decision decides a proposal, and the decisions of
one meeting grouped and totalled.

- `deciding_decisions` / `agreed_decisions`: the one rule of "which decision counts", read by the Renja sync
  (`workplans.services`), the recap (`workplans.exports`) and anything else that totals what the meetings agreed;
- `meeting_decision_summary`: a meeting's decisions by kabupaten/kota with subtotals per funding scheme, read by
  the meeting page, its Berita Acara and the Berita Acara's Excel annex (`meetings.exports`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from agencies.models import Region
from meetings.models import Decision, DecisionFunding, Meeting
from programs.models import FundingScheme, Proposal, ProposalFunding

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


@dataclass
class RegencyDecisions:
    """The decisions on one kabupaten/kota's proposals, with their subtotals."""

    region: Region
    rows: list[DecisionRow] = field(default_factory=list)
    totals: list[Decimal] = field(default_factory=list)  # agreed, one per scheme of the summary
    total: Decimal = ZERO  # agreed
    proposed: Decimal = ZERO  # the proposals' own amounts
    counted: int = 0  # decisions whose amounts count (agreed, with or without changes)


@dataclass
class DecisionSummary:
    schemes: list[FundingScheme]
    groups: list[RegencyDecisions]
    totals: list[Decimal]
    total: Decimal
    count: int
    outcomes: list[tuple[str, int]]
    proposed: Decimal = ZERO
    counted: int = 0

    @property
    def scheme_totals(self) -> list[tuple[FundingScheme, Decimal]]:
        return list(zip(self.schemes, self.totals, strict=True))


def meeting_decisions(meeting: Meeting, *, decisions: QuerySet[Decision] | None = None) -> QuerySet[Decision]:
    """The meeting's decisions (of `decisions`, e.g. `Decision.objects.for_user(user)`, when given) with everything
    the summary, the page, the Berita Acara and the annex show, in kabupaten/kota then proposal number order."""
    queryset = decisions if decisions is not None else Decision.objects.all()
    return (
        queryset.filter(meeting=meeting)
        .select_related(
            "proposal__region", "proposal__agency", "proposal__sub_activity", "executing_agency", "merged_into"
        )
        .prefetch_related(
            Prefetch("funding_lines", queryset=DecisionFunding.objects.select_related("scheme")),
            Prefetch("proposal__funding_lines", queryset=ProposalFunding.objects.only("proposal_id", "amount")),
        )
        .order_by("proposal__region__code", "proposal__number")
    )


def summarise_decisions(decisions: list[Decision]) -> DecisionSummary:
    """Decisions grouped by kabupaten/kota, with one amount column per scheme used and totals; no query when the
    decisions come from `meeting_decisions`.

    Only agreed decisions (with or without changes) carry amounts into the totals and decide the scheme columns;
    the others are listed bare (a `DecisionRow` per decision).
    """
    schemes = sorted(
        {line.scheme for d in decisions if d.is_counted for line in d.funding_lines.all()},
        key=lambda s: (s.order, s.code),
    )
    groups: dict[int, RegencyDecisions] = {}
    for decision in decisions:
        counted = decision.is_counted
        by_scheme = {line.scheme_id: line.amount for line in decision.funding_lines.all()} if counted else {}
        row = DecisionRow(
            decision=decision,
            scheme_amounts=[by_scheme.get(s.pk) for s in schemes],
            total_amount=sum(by_scheme.values(), ZERO) if counted else None,
            proposed_amount=sum((line.amount for line in decision.proposal.funding_lines.all()), ZERO),
        )
        region = decision.proposal.region
        group = groups.setdefault(region.pk, RegencyDecisions(region=region, totals=[ZERO] * len(schemes)))
        group.rows.append(row)
        group.totals = [t + (a or 0) for t, a in zip(group.totals, row.scheme_amounts, strict=True)]
        group.total += row.total_amount or 0
        group.proposed += row.proposed_amount
        group.counted += counted
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
