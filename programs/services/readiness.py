"""The verifier's readiness checklist (*kriteria kesiapan*): which active criteria a proposal met when it was
verified or returned, recorded with the note, who and when, in the transaction of the status change
(`programs.services.transitions.proposal_move_bulk` calls `proposal_checks_record`).

The rule: a proposal is verified with a criterion unmet only with a note that says why.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from programs.models import Proposal, ProposalCheck, ProposalCheckItem, ReadinessCriterion
from rakornis.types import Actor, person


@dataclass(frozen=True)
class Checklist:
    """The active criteria at the time of the check, split into those the verifier ticked and the others."""

    met: tuple[ReadinessCriterion, ...]
    unmet: tuple[ReadinessCriterion, ...]


def readiness_checklist(met: Collection[int]) -> Checklist:
    """The checklist of the active criteria with the ids in `met` ticked (ids of inactive or unknown criteria are
    ignored: the form offers only the active ones)."""
    ticked = {int(pk) for pk in met}
    active = list(ReadinessCriterion.objects.filter(active=True).order_by("order", "pk"))
    return Checklist(
        met=tuple(c for c in active if c.pk in ticked), unmet=tuple(c for c in active if c.pk not in ticked)
    )


def unmet_without_note(checklist: Checklist | None, note: str) -> str | None:
    """The refusal of a verification with an unmet criterion and no note, or None."""
    if checklist is None or not checklist.unmet or note.strip():
        return None
    names = ", ".join(criterion.name for criterion in checklist.unmet)
    return (
        f"Kriteria kesiapan belum terpenuhi: {names}. Usulan hanya dapat diverifikasi tanpa kriteria itu bila "
        "catatan verifikasi diisi."
    )


def proposal_checks_record(
    *, user: Actor, outcome: str, checks: Sequence[tuple[Proposal, Checklist, str]], at: datetime
) -> list[ProposalCheck]:
    """One `ProposalCheck` per (proposal, checklist, note), with an item per criterion, in two INSERTs."""
    who = person(user)
    rows = ProposalCheck.objects.bulk_create(
        ProposalCheck(proposal=proposal, outcome=outcome, note=note, checked_by=who, checked_at=at)
        for proposal, _, note in checks
    )
    ProposalCheckItem.objects.bulk_create(
        [
            ProposalCheckItem(proposal_check=row, criterion=criterion, met=met)
            for row, (_, checklist, _) in zip(rows, checks, strict=True)
            for met, criteria in ((True, checklist.met), (False, checklist.unmet))
            for criterion in criteria
        ],
        batch_size=1000,
    )
    return rows
