"""The workflow transitions of proposals, one or many, and the carry-over into the next fiscal year.

Each event is applied the same way whether to one proposal (a button) or to thousands (`seed_demo`, a meeting's
batch of decisions): rows locked, the transition checked against the state machine (`programs.workflow`), status
and version saved, one audit entry each. The one-proposal functions are the bulk ones applied to a batch of one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from programs import workflow
from programs.models import Notification, Proposal, ProposalCheck, ProposalFunding
from programs.notifications import notify
from programs.services.proposals import (
    BATCH_SIZE,
    PROPOSAL_FIELDS,
    BulkRefusal,
    ProposalInput,
    _stored_amounts,
    proposal_create_bulk,
)
from programs.services.readiness import Checklist, proposal_checks_record, readiness_checklist, unmet_without_note
from programs.summary import summary_apply, summary_snapshot
from programs.workflow import Event, TransitionError
from rakornis.audit import audit_entry, audit_log_bulk
from rakornis.models import AuditEntry
from rakornis.types import Actor

# Copied into the next year's draft; the forward estimate is left out: it was the plan for the year being carried
# into, not for the year after it.
CARRY_OVER_FIELDS = [
    name for name in PROPOSAL_FIELDS if name not in {"fiscal_year", "forward_volume", "forward_amount"}
]

# The audit action of each event, as the one-proposal services write it.
EVENT_AUDIT_ACTIONS: dict[Event, str] = {
    Event.SUBMIT: AuditEntry.Action.SUBMITTED,
    Event.WITHDRAW: AuditEntry.Action.WITHDRAWN,
    Event.RETURN: AuditEntry.Action.RETURNED,
    Event.VERIFY: AuditEntry.Action.VERIFIED,
    Event.DECIDE: AuditEntry.Action.DECIDED,
    Event.CORRECT_DECISION: AuditEntry.Action.DECIDED,
    Event.CARRY_OVER: AuditEntry.Action.CARRIED_OVER,
}
# The events after which the verifier's readiness checklist is recorded, and how the record names each.
CHECK_OUTCOMES: dict[Event, str] = {
    Event.VERIFY: ProposalCheck.Outcome.VERIFIED,
    Event.RETURN: ProposalCheck.Outcome.RETURNED,
}
# The events whose people are told here (`programs.notifications`); a decision is told by the meeting services,
# which know the meeting, and a carry-over by `proposal_carry_over_many`, which knows the new drafts.
NOTIFIED_EVENTS: dict[Event, str] = {
    Event.SUBMIT: Notification.Kind.SUBMITTED,
    Event.RETURN: Notification.Kind.RETURNED,
    Event.VERIFY: Notification.Kind.VERIFIED,
}


@dataclass(frozen=True)
class ProposalMove:
    """One proposal's part in `proposal_move_bulk`: the status it goes to when the event has several (a decision),
    the note of its audit entry, and changes recorded beside the status (a decision's agreed funding); for a
    verification or a return, the readiness checklist the verifier completed (recorded as a `ProposalCheck`)."""

    proposal: Proposal
    target: str | None = None
    note: str = ""
    changes: dict[str, list[Any]] | None = None
    checklist: Checklist | None = None


def _batches(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _move_problem(event: Event, move: ProposalMove, status: str, funded: bool) -> str | None:
    """Why `move` cannot happen now (the checks of `proposal_submit`, `proposal_return` and `_move`), or None."""
    try:
        workflow.check(event, status, move.target)
    except TransitionError as exc:
        return str(exc)
    if event == Event.SUBMIT and not funded:
        return gettext("Usulan belum dapat diajukan: isi minimal satu sumber dana dengan pagu lebih dari Rp 0.")
    if event == Event.RETURN and not move.note.strip():
        return gettext("Catatan pengembalian wajib diisi: tuliskan apa yang harus diperbaiki.")
    if event == Event.VERIFY:
        return unmet_without_note(move.checklist, move.note)
    return None


@transaction.atomic
def proposal_move_bulk(*, user: Actor, event: Event, moves: Sequence[ProposalMove]) -> list[Proposal]:
    """One workflow event for many proposals, as `proposal_submit`, `proposal_return`, `proposal_verify`,
    `proposal_withdraw` or `proposal_decide` would apply it to each: rows locked, the transition checked against the
    state machine, status and version saved, one audit entry each (`{"status": [old, new], **changes}`).

    The given instances are brought up to date (status, version) and returned.
    """
    ids = [move.proposal.pk for move in moves]
    locked: dict[int, tuple[str, int, str, str]] = {}
    funded: set[int] = set()
    for batch in _batches(ids):
        rows = Proposal.objects.select_for_update().filter(pk__in=batch)
        for pk, status, version, number, name in rows.values_list("pk", "status", "version", "number", "name"):
            locked[pk] = (status, version, number, name)
        if event == Event.SUBMIT:
            lines = ProposalFunding.objects.filter(proposal_id__in=batch, amount__gt=0)
            funded.update(lines.values_list("proposal_id", flat=True))
    refusal = BulkRefusal()
    seen: set[int] = set()
    for move in moves:
        pk = move.proposal.pk
        if pk not in locked or pk in seen:
            refusal.problems.append((move.proposal.number, gettext("usulan tidak ditemukan atau disebut dua kali")))
        elif problem := _move_problem(event, move, locked[pk][0], pk in funded):
            refusal.problems.append((locked[pk][2], problem))
        seen.add(pk)
    if refusal.problems:
        raise refusal

    before = summary_snapshot(locked)
    now = timezone.now()
    by_target: dict[str, list[int]] = defaultdict(list)
    entries = []
    for move in moves:
        proposal = move.proposal
        old, version, proposal.number, proposal.name = locked[proposal.pk]
        new = workflow.check(event, old, move.target)
        changes = dict(move.changes or {})
        if new is not None:
            by_target[new].append(proposal.pk)
            proposal.status, proposal.version, proposal.updated_at = new, version + 1, now
            if new != old:
                changes = {"status": [old, new], **changes}
        entries.append(
            audit_entry(user=user, obj=proposal, action=EVENT_AUDIT_ACTIONS[event], changes=changes, note=move.note)
        )
    for new, pks in by_target.items():
        for batch in _batches(pks):
            Proposal.objects.filter(pk__in=batch).update(status=new, version=F("version") + 1, updated_at=now)
    audit_log_bulk(entries)
    checks = [(move.proposal, move.checklist, move.note) for move in moves if move.checklist is not None]
    if checks and event in CHECK_OUTCOMES:
        proposal_checks_record(user=user, outcome=CHECK_OUTCOMES[event], checks=checks, at=now)
    summary_apply(before, summary_snapshot(locked))
    if event in NOTIFIED_EVENTS:
        notes = {move.proposal.pk: move.note for move in moves}
        notify(NOTIFIED_EVENTS[event], [move.proposal for move in moves], user, note=notes)
    return [move.proposal for move in moves]


@transaction.atomic
def proposal_carry_over_many(*, proposals: Sequence[Proposal], user: Actor) -> list[Proposal]:
    """`proposal_carry_over` for many deferred proposals at once: each becomes a draft of the next fiscal year,
    linked to it, with the same funding lines; numbers follow the order given. Returns the copies, in that order."""
    ids = [proposal.pk for proposal in proposals]
    locked: dict[int, Proposal] = {}
    earlier: dict[int, str] = {}
    for batch in _batches(ids):
        rows = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("region", "agency", "district", "village", "sub_activity")
            .prefetch_related("funding_lines")
            .filter(pk__in=batch)
        )
        locked.update((proposal.pk, proposal) for proposal in rows)
        carried = Proposal.objects.filter(carried_over_from_id__in=batch).order_by("-pk")
        earlier.update(carried.values_list("carried_over_from_id", "number"))
    refusal = BulkRefusal()
    seen: set[int] = set()
    for proposal in proposals:
        original = locked.get(proposal.pk)
        if original is None or proposal.pk in seen:
            refusal.problems.append((proposal.number, gettext("usulan tidak ditemukan atau disebut dua kali")))
        elif not workflow.allows(Event.CARRY_OVER, original.status):
            refusal.problems.append(
                (
                    original.number,
                    gettext(
                        "Usulan %(number)s berstatus %(status)s; hanya usulan Ditangguhkan yang dapat dilanjutkan "
                        "ke tahun berikutnya."
                    )
                    % {"number": original.number, "status": original.get_status_display()},
                )
            )
        elif original.pk in earlier:
            message = gettext("Usulan %(number)s sudah dilanjutkan menjadi %(copy)s.") % {
                "number": original.number,
                "copy": earlier[original.pk],
            }
            refusal.problems.append((original.number, message))
        seen.add(proposal.pk)
    if refusal.problems:
        raise refusal

    originals = [locked[pk] for pk in ids]
    inputs = [
        ProposalInput(
            data={
                **{name: getattr(original, name) for name in CARRY_OVER_FIELDS},
                "fiscal_year": original.fiscal_year + 1,
            },
            funding=_stored_amounts(original),
            note=f"Lanjutan dari {original.number} (TA {original.fiscal_year}).",
            extra={"carried_over_from": original},
        )
        for original in originals
    ]
    copies = proposal_create_bulk(user=user, inputs=inputs, action=AuditEntry.Action.CARRIED_OVER)
    proposal_move_bulk(
        user=user,
        event=Event.CARRY_OVER,
        moves=[
            ProposalMove(original, note=f"Dilanjutkan ke TA {copy.fiscal_year} sebagai {copy.number}.")
            for original, copy in zip(originals, copies, strict=True)
        ],
    )
    notes = {
        copy.pk: f"Lanjutan dari {original.number} (TA {original.fiscal_year})."
        for original, copy in zip(originals, copies, strict=True)
    }
    notify(Notification.Kind.CARRIED_OVER, copies, user, note=notes)
    return copies


def _one(refusal: BulkRefusal) -> TransitionError:
    """A batch of one refused: its message alone."""
    return TransitionError(refusal.problems[0][1])


def _move_one(
    proposal: Proposal,
    user: Actor,
    event: Event,
    *,
    target: str | None = None,
    note: str = "",
    changes: dict[str, list[Any]] | None = None,
    checklist: Checklist | None = None,
) -> Proposal:
    move = ProposalMove(proposal, target=target, note=note, changes=changes, checklist=checklist)
    try:
        (moved,) = proposal_move_bulk(user=user, event=event, moves=[move])
    except BulkRefusal as refusal:
        raise _one(refusal) from None
    return moved


def proposal_submit(*, proposal: Proposal, user: Actor) -> Proposal:
    """Draft or returned -> submitted, once at least one funding line has an amount."""
    return _move_one(proposal, user, Event.SUBMIT)


def proposal_withdraw(*, proposal: Proposal, user: Actor) -> Proposal:
    """Submitted -> draft, while the province has not verified it yet."""
    return _move_one(proposal, user, Event.WITHDRAW)


def _checklist(met: Collection[int] | None) -> Checklist | None:
    return None if met is None else readiness_checklist(met)


def proposal_return(*, proposal: Proposal, user: Actor, note: str, met: Collection[int] | None = None) -> Proposal:
    """Submitted -> returned for revision; the note tells the operator what to fix. With `met` (the ids of the
    readiness criteria the verifier ticked), the checklist is recorded with the note."""
    return _move_one(proposal, user, Event.RETURN, note=note.strip(), checklist=_checklist(met))


def proposal_verify(*, proposal: Proposal, user: Actor, met: Collection[int] | None = None, note: str = "") -> Proposal:
    """Submitted -> verified by the province. With `met` (the ids of the active readiness criteria the verifier
    ticked) the checklist is recorded, and a criterion left unmet needs `note`. Without it (`seed_demo`, a caller
    that holds no checklist) nothing is recorded beside the audit entry: the verification page always sends one."""
    return _move_one(proposal, user, Event.VERIFY, note=note.strip(), checklist=_checklist(met))


def proposal_decide(
    *,
    proposal: Proposal,
    user: Actor,
    status: str,
    correction: bool,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> Proposal:
    """A meeting's decision moves the proposal to the status of the decision's outcome (`meetings.services`);
    `correction` when the same open meeting corrects its own decision."""
    event = Event.CORRECT_DECISION if correction else Event.DECIDE
    return _move_one(proposal, user, event, target=status, note=note, changes=changes)


def proposal_carry_over(*, proposal: Proposal, user: Actor) -> Proposal:
    """A deferred proposal becomes a new draft of the next fiscal year, linked to it, with the same funding lines."""
    try:
        (copy,) = proposal_carry_over_many(proposals=[proposal], user=user)
    except BulkRefusal as refusal:
        raise _one(refusal) from None
    return copy
