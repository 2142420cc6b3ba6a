"""Hands generated rows to the services, step by step, as the people of the demo would: the operator of the
kabupaten/kota creates and submits, the provincial verifier returns or verifies, the meeting secretary records the
Rakornis decision, the planner carries deferred proposals into the next year.

Nothing here writes a model: numbers, funding lines, audit entries and status checks (`programs.workflow`) are the
services'. `OneByOne` calls the one-proposal services, as the pages do, and is what the demo's few hundred rows use;
`Bulk` calls their bulk forms, the same checks and rows in a few statements per chunk, for benchmark sizes.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import User

from agencies.models import StaffRole
from meetings.models import Meeting
from meetings.services import DecisionInput, decision_record_bulk, decision_record_item
from programs.models import FundingScheme, Proposal
from programs.services import (
    ProposalInput,
    ProposalMove,
    proposal_carry_over,
    proposal_carry_over_many,
    proposal_create_bulk,
    proposal_move_bulk,
    proposal_return,
    proposal_submit,
    proposal_verify,
)
from programs.workflow import Event
from rakornis.demo.accounts import DEMO_ACCOUNTS
from rakornis.demo.generator import DemoDecision, DemoRow
from rakornis.demo.names import MILLION
from rakornis.demo.reference import DemoReference
from rakornis.models import AuditEntry

S = Proposal.Status
# The statuses reached through each step (a decided proposal was submitted and verified first).
SUBMITTED = frozenset(set(S.values) - {S.DRAFT})
VERIFIED = frozenset(set(S.values) - {S.DRAFT, S.SUBMITTED, S.RETURNED})


def _decision(row: DemoRow) -> DemoDecision:
    if row.decision is None:
        raise LookupError(f"{row.saved.number} has no decision to record")
    return row.decision


class OneByOne:
    """Each step a service call per proposal."""

    def __init__(self, *, reference: DemoReference, users: dict[str, User], meeting: Meeting) -> None:
        self.schemes = reference.schemes
        self.meeting = meeting
        self.verifier = users["verifikator.pupr"]
        self.secretary = users["sekretariat"]
        self.planner = users["perencana.pupr"]
        # The demo operators enter every proposal of their kabupaten/kota; the others have no demo account, so
        # their proposals are entered by the system (the audit says "sistem").
        self.operators: dict[str, User] = {}
        for account in DEMO_ACCOUNTS:
            agency = reference.agencies.get(account.agency or "")
            if account.role == StaffRole.Role.OPERATOR and agency is not None and agency.region is not None:
                self.operators[agency.region.code] = users[account.username]

    def operator(self, row: DemoRow) -> User | None:
        return self.operators.get(row.region_code)

    def by_operator(self, rows: Iterable[DemoRow]) -> list[tuple[User | None, list[DemoRow]]]:
        """Rows grouped by who enters them, in a fixed order. A kabupaten/kota lies in one group, so its numbers
        follow the order of its rows whatever the grouping and the chunk size."""
        groups: dict[str, tuple[User | None, list[DemoRow]]] = {}
        for row in rows:
            user = self.operator(row)
            groups.setdefault(user.username if user else "", (user, []))[1].append(row)
        return [groups[name] for name in sorted(groups)]

    def funding(self, lines: Iterable[tuple[str, int]]) -> dict[FundingScheme, Decimal]:
        return {self.schemes[code]: Decimal(amount * MILLION) for code, amount in lines}

    # Steps --------------------------------------------------------------------------------------------------------

    def create(self, rows: list[DemoRow]) -> None:
        """Drafts with their numbers, funding lines and CREATED entries: one call per operator and chunk
        (`proposal_create`, behind the form, is `proposal_create_bulk` of one)."""
        for user, members in self.by_operator(rows):
            inputs = [
                ProposalInput(data=row.data, funding={s.pk: a for s, a in self.funding(row.lines).items()})
                for row in members
            ]
            created = proposal_create_bulk(user=user, inputs=inputs, action=AuditEntry.Action.CREATED)
            for row, proposal in zip(members, created, strict=True):
                row.proposal = proposal

    def submit(self, rows: list[DemoRow]) -> None:
        for row in rows:
            row.proposal = proposal_submit(proposal=row.saved, user=self.operator(row))

    def return_for_revision(self, rows: list[DemoRow]) -> None:
        for row in rows:
            row.proposal = proposal_return(proposal=row.saved, user=self.verifier, note=row.return_note)

    def verify(self, rows: list[DemoRow]) -> None:
        for row in rows:
            row.proposal = proposal_verify(proposal=row.saved, user=self.verifier)

    def decide(self, rows: list[DemoRow]) -> None:
        for item in self.decisions(rows):
            decision_record_item(meeting=self.meeting, item=item, user=self.secretary)
        for row in rows:
            row.saved.status = row.status

    def carry_over(self, rows: list[DemoRow]) -> list[Proposal]:
        return [proposal_carry_over(proposal=row.saved, user=self.planner) for row in rows]

    def decisions(self, rows: list[DemoRow]) -> list[DecisionInput]:
        """What the secretary enters in the decision form for each row."""
        items = []
        for row in rows:
            decision = _decision(row)
            items.append(
                DecisionInput(
                    proposal=row.saved,
                    outcome=decision.outcome,
                    funding=self.funding(decision.lines) if decision.lines is not None else None,
                    agreed_volume=decision.agreed_volume,
                    executing_agency=decision.executing_agency,
                    merged_into=decision.merged_into.saved if decision.merged_into else None,
                    reason=decision.reason_text(),
                )
            )
        return items


class Bulk(OneByOne):
    """Each step one call of the services' bulk forms per chunk (per operator where the operator acts)."""

    def submit(self, rows: list[DemoRow]) -> None:
        for user, members in self.by_operator(rows):
            proposal_move_bulk(user=user, event=Event.SUBMIT, moves=[ProposalMove(row.saved) for row in members])

    def return_for_revision(self, rows: list[DemoRow]) -> None:
        moves = [ProposalMove(row.saved, note=row.return_note) for row in rows]
        proposal_move_bulk(user=self.verifier, event=Event.RETURN, moves=moves)

    def verify(self, rows: list[DemoRow]) -> None:
        proposal_move_bulk(user=self.verifier, event=Event.VERIFY, moves=[ProposalMove(row.saved) for row in rows])

    def decide(self, rows: list[DemoRow]) -> None:
        decision_record_bulk(meeting=self.meeting, items=self.decisions(rows), user=self.secretary)
        for row in rows:
            row.saved.status = row.status

    def carry_over(self, rows: list[DemoRow]) -> list[Proposal]:
        return proposal_carry_over_many(proposals=[row.saved for row in rows], user=self.planner)


def write_chunk(writer: OneByOne, rows: list[DemoRow]) -> list[Proposal]:
    """Take each row of the chunk to its status; returns the TA 2028 copies of the deferred ones carried over."""
    writer.create(rows)
    writer.submit([row for row in rows if row.status in SUBMITTED])
    writer.return_for_revision([row for row in rows if row.status == S.RETURNED])
    writer.verify([row for row in rows if row.status in VERIFIED])
    writer.decide([row for row in rows if row.decision is not None])
    return writer.carry_over([row for row in rows if row.carry_over])
