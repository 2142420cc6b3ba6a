"""A big meeting built in a few bulk INSERTs: thousands of decided proposals across kabupaten/kota, for the tests
that check a page costs the same queries, and stays the same size, at 5 decisions and at thousands."""

from __future__ import annotations

from decimal import Decimal

from meetings.models import Decision, DecisionFunding, Meeting
from meetings.summary import meeting_summary_rebuild
from programs.models import FundingScheme, Proposal, ProposalFunding
from tests.factories import ProposalFactory

# Outcomes in turn: two in five agreed (one with changes), then merged, deferred, rejected.
OUTCOMES = [
    Decision.Outcome.AGREED,
    Decision.Outcome.AGREED_WITH_CHANGES,
    Decision.Outcome.MERGED,
    Decision.Outcome.DEFERRED,
    Decision.Outcome.REJECTED,
]
PROPOSED = Decimal(1_000_000_000)
AGREED = Decimal(800_000_000)


def decide_many(meeting: Meeting, regions_agencies: list, scheme: FundingScheme, count: int, prefix: str = "B"):
    """`count` proposals spread over the (region, agency) pairs, each proposed at PROPOSED and decided at `meeting`
    by OUTCOMES in turn; the agreed ones at AGREED on `scheme`; the meeting's decision summary rebuilt. Returns the
    decisions."""
    template = ProposalFactory.build()  # a sub kegiatan and the factory's defaults, built once
    proposals = []
    for index in range(count):
        region, agency = regions_agencies[index % len(regions_agencies)]
        proposals.append(
            Proposal(
                number=f"USL-2027-{region.code}-{prefix}{index:05d}",
                fiscal_year=2027,
                region=region,
                agency=agency,
                sub_activity=template.sub_activity,
                name=f"Usulan massal {prefix}{index:05d}",
                volume=Decimal("1.00"),
                unit="km",
                status=Proposal.Status.AGREED,
                total_amount=PROPOSED,
            )
        )
    proposals = Proposal.objects.bulk_create(proposals, batch_size=500)
    ProposalFunding.objects.bulk_create(
        [ProposalFunding(proposal=p, scheme=scheme, amount=PROPOSED) for p in proposals], batch_size=500
    )
    outcomes = [OUTCOMES[index % len(OUTCOMES)] for index in range(count)]
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                meeting=meeting,
                proposal=p,
                outcome=outcome,
                reason="Alasan" if outcome in Decision.REASON_REQUIRED_OUTCOMES else "",
                # A merged one goes into the proposal before it (the first into the last).
                merged_into=proposals[index - 1] if outcome == Decision.Outcome.MERGED else None,
            )
            for index, (p, outcome) in enumerate(zip(proposals, outcomes, strict=True))
        ],
        batch_size=500,
    )
    DecisionFunding.objects.bulk_create(
        [DecisionFunding(decision=d, scheme=scheme, amount=AGREED) for d in decisions if d.is_counted],
        batch_size=500,
    )
    meeting_summary_rebuild(meeting)  # written around the services, which keep it
    return decisions
