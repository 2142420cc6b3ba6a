"""Bulk form of `meetings.services.decision_record`, for `seed_demo` at benchmark sizes (and imports of decisions).

It records many first decisions of one open meeting at once: the same checks and messages as `decision_record`, the
same Decision, DecisionFunding and audit rows, and the proposals moved on through `programs.services`'s bulk form
of `proposal_decide` (`proposal_move_bulk`), in a few statements per thousand decisions. All or nothing: any refused
decision refuses the batch with every problem named, and nothing is written.

It belongs at the end of `meetings/services.py` (kept apart while that module was being rewritten); correcting a
decision stays one at a time, through `decision_record`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from agencies.models import Agency
from meetings.models import Decision, DecisionFunding, Meeting
from meetings.services import (
    MeetingError,
    _decision_snapshot,
    _funding_text,
    _locked_open_meeting,
    decision_refusal,
    default_executing_agency,
)
from programs.models import FundingScheme, Proposal
from programs.services import ProposalMove, proposal_move_bulk
from programs.workflow import Event
from rakornis.audit import audit_entry, audit_log_bulk, diff
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

BATCH_SIZE = 1000


@dataclass(frozen=True)
class DecisionInput:
    """One decision as `decision_record` takes it."""

    proposal: Proposal
    outcome: str
    funding: dict[FundingScheme, Decimal] | None = None  # read for AGREED_WITH_CHANGES only
    agreed_volume: Decimal | None = None
    executing_agency: Agency | None = None
    merged_into: Proposal | None = None
    reason: str = ""


def _batches(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


@dataclass
class _Checked:
    proposal: Proposal
    funding: dict[FundingScheme, Decimal]
    volume: Decimal | None
    executing_agency: Agency | None
    merged_into: Proposal | None
    reason: str


def _check(
    *,
    meeting: Meeting,
    item: DecisionInput,
    proposal: Proposal,
    targets: dict[int, Proposal],
    status_after: dict[int, str],
) -> _Checked | str:
    """The decision as `decision_record` would save it, or why it refuses it (the same messages)."""
    if refusal := decision_refusal(meeting=meeting, proposal=proposal, decision=None):
        return refusal
    if proposal.fiscal_year != meeting.fiscal_year:
        year = meeting.fiscal_year
        return f"Usulan {proposal.number} untuk TA {proposal.fiscal_year}, rapat ini merencanakan TA {year}."
    province = meeting.province_code
    if province is not None and not proposal.region.code.startswith(f"{province}."):
        return f"Usulan {proposal.number} bukan dari provinsi penyelenggara rapat."
    if item.outcome not in Decision.Outcome.values:
        return "Pilih salah satu keputusan."
    reason = item.reason.strip()
    proposed = {line.scheme: line.amount for line in proposal.funding_lines.all()}
    funding: dict[FundingScheme, Decimal] = {}
    volume: Decimal | None = None
    if item.outcome == Decision.Outcome.AGREED:
        funding, volume = proposed, proposal.volume
    elif item.outcome == Decision.Outcome.AGREED_WITH_CHANGES:
        given = item.funding if item.funding is not None else proposed
        funding = {scheme: amount for scheme, amount in given.items() if amount}
        volume = item.agreed_volume if item.agreed_volume is not None else proposal.volume
        if funding == {s: a for s, a in proposed.items() if a} and volume == proposal.volume:
            return (
                "Pagu dan volume sama dengan usulan: pilih \u201cDisepakati\u201d, "
                "atau ubah pagu per skema atau volumenya."
            )
        if not funding:
            return "Isi pagu yang disepakati pada sedikitnya satu skema pendanaan."
    merged_into = None
    if item.outcome == Decision.Outcome.MERGED:
        if item.merged_into is None:
            return "Pilih usulan tujuan penggabungan."
        if item.merged_into.pk == proposal.pk:
            return "Usulan tidak dapat digabung ke dirinya sendiri."
        merged_into = targets.get(item.merged_into.pk)
        if merged_into is None or (province is not None and not merged_into.region.code.startswith(f"{province}.")):
            return "Usulan tujuan penggabungan tidak ditemukan di wilayah Anda."
        if merged_into.fiscal_year != proposal.fiscal_year:
            return f"Usulan tujuan {merged_into.number} bukan untuk TA {proposal.fiscal_year}."
        # A target decided in the same batch counts with the status that decision gives it.
        status = status_after.get(merged_into.pk, merged_into.status)
        if status in (Proposal.Status.MERGED, Proposal.Status.REJECTED):
            label = Proposal.Status(status).label.lower()
            return f"Usulan tujuan {merged_into.number} sudah {label}; pilih usulan lain."
    if item.outcome in Decision.REASON_REQUIRED_OUTCOMES and not reason:
        return "Alasan wajib diisi untuk usulan yang ditangguhkan atau ditolak."
    executing = None
    if item.outcome in Decision.COUNTED_OUTCOMES:
        executing = item.executing_agency or default_executing_agency(
            meeting=meeting, proposal=proposal, funding=funding
        )
    return _Checked(proposal, funding, volume, executing, merged_into, reason)


@transaction.atomic
def decision_record_bulk(*, meeting: Meeting, items: Sequence[DecisionInput], user: Actor) -> list[Decision]:
    """What an open meeting decided on many verified proposals that it has not decided yet, and the proposals moved
    on to the status of each outcome; as `decision_record` for each, in order."""
    meeting = _locked_open_meeting(meeting)
    ids = [item.proposal.pk for item in items]
    proposals: dict[int, Proposal] = {}
    decided: set[int] = set()
    for batch in _batches(ids):
        rows = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("region", "agency")
            .prefetch_related("funding_lines__scheme")
            .filter(pk__in=batch)
        )
        proposals.update((proposal.pk, proposal) for proposal in rows)
        decided.update(
            Decision.objects.filter(meeting=meeting, proposal_id__in=batch).values_list("proposal_id", flat=True)
        )
    target_ids = sorted({item.merged_into.pk for item in items if item.merged_into is not None})
    targets: dict[int, Proposal] = {}
    for batch in _batches(target_ids):
        visible = Proposal.objects.for_user(user).select_related("region").filter(pk__in=batch)
        targets.update((proposal.pk, proposal) for proposal in visible)
    status_after = {item.proposal.pk: Decision.PROPOSAL_STATUS.get(item.outcome, "") for item in items}
    repeated = {pk for pk, times in Counter(ids).items() if times > 1}

    problems: list[str] = []
    checked: list[tuple[DecisionInput, _Checked]] = []
    for item in items:
        proposal = proposals.get(item.proposal.pk)
        if proposal is None or proposal.pk in decided or proposal.pk in repeated:
            problems.append(f"Usulan {item.proposal.number} tidak dapat diputuskan sekali lagi dalam rapat ini.")
            continue
        result = _check(meeting=meeting, item=item, proposal=proposal, targets=targets, status_after=status_after)
        if isinstance(result, str):
            problems.append(result)
        else:
            checked.append((item, result))
    if problems:
        raise MeetingError(" ".join(problems))

    decided_by = person(user)
    decisions = [
        Decision(
            meeting=meeting,
            proposal=result.proposal,
            outcome=item.outcome,
            agreed_volume=result.volume,
            executing_agency=result.executing_agency,
            merged_into=result.merged_into,
            reason=result.reason,
            decided_by=decided_by,
        )
        for item, result in checked
    ]
    Decision.objects.bulk_create(decisions, batch_size=BATCH_SIZE)
    DecisionFunding.objects.bulk_create(
        [
            DecisionFunding(decision=decision, scheme=scheme, amount=amount)
            for decision, (_, result) in zip(decisions, checked, strict=True)
            for scheme, amount in result.funding.items()
        ],
        batch_size=BATCH_SIZE,
    )
    entries = []
    moves = []
    for decision, (_, result) in zip(decisions, checked, strict=True):
        funding = _funding_text(result.funding)
        changes = diff({}, _decision_snapshot(decision))
        if funding:
            changes["funding"] = [None, funding]
        entries.append(
            audit_entry(
                user=user, obj=decision, action=AuditEntry.Action.CREATED, changes=changes, note=f"Rapat: {meeting}"
            )
        )
        note = f"{decision.get_outcome_display()} dalam {meeting}" + (f": {result.reason}" if result.reason else "")
        moves.append(
            ProposalMove(
                result.proposal,
                target=decision.proposal_status,
                note=note,
                changes={"agreed_funding": [None, funding or None]},
            )
        )
    audit_log_bulk(entries)
    proposal_move_bulk(user=user, event=Event.DECIDE, moves=moves)
    return decisions
