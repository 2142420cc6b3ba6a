"""Decisions of a meeting: record or correct one, record many, and move each proposal to its outcome's status.

`decision_record` (the decision form) and `decision_record_bulk` (`seed_demo`, a batch of first decisions) run the
same check (`_check`) with the same messages, write the same Decision, DecisionFunding and audit rows, and move the
proposals on through `programs.services` (`proposal_decide` / `proposal_move_bulk`), the one writer of a status.
Both add their difference to the proposal summary (`programs.summary`) and to the meeting's decision summary
(`meetings.summary`) in the same transaction: one snapshot before and one after per call (per 500 proposals), not
per decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from agencies.models import Agency
from meetings.models import Decision, DecisionFunding, Desk, Meeting
from meetings.services.meetings import MeetingError, locked_open_meeting
from meetings.summary import meeting_summary_apply, meeting_summary_snapshot
from programs import workflow
from programs.models import FundingScheme, Notification, Proposal
from programs.notifications import notify
from programs.services import ProposalMove, proposal_decide, proposal_move_bulk
from programs.summary import summary_apply, summary_snapshot
from programs.workflow import Event
from rakornis.audit import audit_entry, audit_log, audit_log_bulk, audit_value, diff, snapshot
from rakornis.i18n import official_text
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

DECISION_FIELDS = ["outcome", "agreed_volume", "executing_agency", "merged_into", "reason", "desk"]
# The scheme whose money the province spends itself: its works are executed by the organising provincial agency.
PROVINCIAL_SCHEME_CODE = "APBD_PROV"
BATCH_SIZE = 1000


class DecisionConflict(MeetingError):
    """The proposal changed after the form was opened; the user should look again before saving."""


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
    desk: Desk | None = None  # the desk that decided (its page); None: the desk of the proposal's bidang urusan


def _batches(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def _merge_targets(user: Actor, items: Sequence[DecisionInput]) -> dict[int, Proposal]:
    """The merge targets named by `items` that the user may see, as they are now."""
    target_ids = sorted({item.merged_into.pk for item in items if item.merged_into is not None})
    targets: dict[int, Proposal] = {}
    for batch in _batches(target_ids):
        visible = Proposal.objects.for_user(user).select_related("region").filter(pk__in=batch)
        targets.update((proposal.pk, proposal) for proposal in visible)
    return targets


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
    decision: Decision | None,
    targets: dict[int, Proposal],
    status_after: dict[int, str],
) -> _Checked | str:
    """The decision as it will be saved, or why it is refused (the message shown to the secretary).

    `decision` is the meeting's earlier decision on the proposal (a correction), `targets` the merge targets the
    user may see, `status_after` the statuses that other decisions of the same batch give their proposals.
    """
    if refusal := decision_refusal(meeting=meeting, proposal=proposal, decision=decision):
        return refusal
    if proposal.fiscal_year != meeting.fiscal_year:
        year = meeting.fiscal_year
        return gettext("Usulan %(number)s untuk TA %(fiscal_year)s, rapat ini merencanakan TA %(year)s.") % {
            "number": proposal.number,
            "fiscal_year": proposal.fiscal_year,
            "year": year,
        }
    province = meeting.province_code
    if province is not None and not proposal.region.code.startswith(f"{province}."):
        return gettext("Usulan %(number)s bukan dari provinsi penyelenggara rapat.") % {"number": proposal.number}
    if item.desk is not None and item.desk.meeting_id != meeting.pk:
        return gettext("Desk itu bukan bagian dari rapat ini.")
    if item.outcome not in Decision.Outcome.values:
        return gettext("Pilih salah satu keputusan.")
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
            return gettext(
                "Pagu dan volume sama dengan usulan: pilih “Disepakati”, atau ubah pagu per skema atau volumenya."
            )
        if not funding:
            return gettext("Isi pagu yang disepakati pada sedikitnya satu skema pendanaan.")
    merged_into = None
    if item.outcome == Decision.Outcome.MERGED:
        if item.merged_into is None:
            return gettext("Pilih usulan tujuan penggabungan.")
        if item.merged_into.pk == proposal.pk:
            return gettext("Usulan tidak dapat digabung ke dirinya sendiri.")
        merged_into = targets.get(item.merged_into.pk)
        if merged_into is None or (province is not None and not merged_into.region.code.startswith(f"{province}.")):
            return gettext("Usulan tujuan penggabungan tidak ditemukan di wilayah Anda.")
        if merged_into.fiscal_year != proposal.fiscal_year:
            return gettext("Usulan tujuan %(number)s bukan untuk TA %(fiscal_year)s.") % {
                "number": merged_into.number,
                "fiscal_year": proposal.fiscal_year,
            }
        # A target decided in the same batch counts with the status that decision gives it.
        status = status_after.get(merged_into.pk, merged_into.status)
        if status in (Proposal.Status.MERGED, Proposal.Status.REJECTED):
            label = Proposal.Status(status).label.lower()
            return gettext("Usulan tujuan %(number)s sudah %(label)s; pilih usulan lain.") % {
                "number": merged_into.number,
                "label": label,
            }
    if item.outcome in Decision.REASON_REQUIRED_OUTCOMES and not reason:
        return gettext("Alasan wajib diisi untuk usulan yang ditangguhkan atau ditolak.")
    executing = None
    if item.outcome in Decision.COUNTED_OUTCOMES:
        executing = item.executing_agency or default_executing_agency(
            meeting=meeting, proposal=proposal, funding=funding
        )
    return _Checked(proposal, funding, volume, executing, merged_into, reason)


def default_executing_agency(*, meeting: Meeting, proposal: Proposal, funding: dict[FundingScheme, Decimal]) -> Agency:
    """The organiser when APBD Provinsi carries the largest agreed amount, else the proposing agency."""
    if funding:
        main_scheme = max(funding.items(), key=lambda item: (item[1], -item[0].order))[0]
        if main_scheme.code == PROVINCIAL_SCHEME_CODE:
            return meeting.organiser
    return proposal.agency


def sector_desks(meeting: Meeting) -> dict[str, Desk]:
    """The meeting's desks by the code of their bidang urusan (`1.03`: Desk PUPR): one query, none without desks."""
    desks = Desk.objects.filter(meeting=meeting, sector__isnull=False).select_related("sector")
    return {desk.sector.code: desk for desk in desks if desk.sector is not None}


def _desk_of(item: DecisionInput, proposal: Proposal, desks: dict[str, Desk], current: Desk | None) -> Desk | None:
    """The desk a decision records: the one it was taken at, else the one it had, else its bidang urusan's desk."""
    if item.desk is not None:
        return item.desk
    if current is not None:
        return current
    sub_activity = proposal.sub_activity
    return desks.get(".".join(sub_activity.code.split(".")[:2])) if sub_activity is not None else None


def decision_refusal(*, meeting: Meeting, proposal: Proposal, decision: Decision | None) -> str | None:
    """Why no decision can be recorded on `proposal` at `meeting` now, or None when one can."""
    if meeting.is_closed:
        return gettext("Rapat ini sudah ditutup; kesepakatannya tidak dapat diubah lagi.")
    if decision is None and not workflow.allows(Event.DECIDE, proposal.status):
        return gettext("Usulan %(number)s berstatus %(status)s; hanya usulan terverifikasi yang dapat diputuskan.") % {
            "number": proposal.number,
            "status": proposal.get_status_display().lower(),
        }
    if decision is not None and proposal.status != decision.proposal_status:
        return gettext("Usulan %(number)s sudah berubah status sejak diputuskan dalam rapat ini.") % {
            "number": proposal.number
        }
    return None


def _decision_snapshot(decision: Decision) -> dict[str, Any]:
    return snapshot(decision, DECISION_FIELDS)


def _funding_text(funding: dict[FundingScheme, Decimal]) -> dict[str, str]:
    ordered = sorted(funding.items(), key=lambda item: (item[0].order, item[0].code))
    return {scheme.code: audit_value(amount) for scheme, amount in ordered}


def _decided_note(decision: Decision, meeting: Meeting, reason: str) -> str:
    """The proposal's audit note for a decision, stored in Indonesian whatever the secretary reads."""
    outcome = official_text(Decision.Outcome(decision.outcome).label)
    return f"{outcome} dalam {meeting}" + (f": {reason}" if reason else "")


def decision_record(
    *,
    meeting: Meeting,
    proposal: Proposal,
    outcome: str,
    funding: dict[FundingScheme, Decimal] | None = None,
    agreed_volume: Decimal | None = None,
    executing_agency: Agency | None = None,
    merged_into: Proposal | None = None,
    reason: str = "",
    desk: Desk | None = None,
    user: Actor,
    expected_version: int | None = None,
) -> Decision:
    """Record (or correct) what an open meeting decided on a verified proposal, and move the proposal on.

    `funding` is only read for AGREED_WITH_CHANGES (AGREED copies the proposal's own lines); schemes with a zero
    amount are dropped. `expected_version` is the proposal version the form was opened with.
    """
    item = DecisionInput(proposal, outcome, funding, agreed_volume, executing_agency, merged_into, reason, desk)
    return decision_record_item(meeting=meeting, item=item, user=user, expected_version=expected_version)


@transaction.atomic
def decision_record_item(
    *, meeting: Meeting, item: DecisionInput, user: Actor, expected_version: int | None = None
) -> Decision:
    """`decision_record` for a decision already gathered in a `DecisionInput` (as `decision_record_bulk` takes)."""
    meeting = locked_open_meeting(meeting)
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("region", "agency", "sub_activity")
        .prefetch_related("funding_lines__scheme")
        .get(pk=item.proposal.pk)
    )
    decision = (
        Decision.objects.select_for_update()
        .filter(meeting=meeting, proposal=proposal)
        .prefetch_related("funding_lines__scheme")
        .first()
    )
    if expected_version is not None and proposal.version != expected_version:
        raise DecisionConflict(
            gettext(
                "Usulan %(number)s baru saja diubah oleh pengguna lain. Periksa keputusan yang "
                "tercatat, lalu simpan lagi bila masih perlu."
            )
            % {"number": proposal.number}
        )
    checked = _check(
        meeting=meeting,
        item=item,
        proposal=proposal,
        decision=decision,
        targets=_merge_targets(user, [item]),
        status_after={},
    )
    if isinstance(checked, str):
        raise MeetingError(checked)
    agreed_funding, volume, reason = checked.funding, checked.volume, checked.reason
    summary_before = summary_snapshot([proposal.pk])
    meeting_before = meeting_summary_snapshot(meeting, [proposal.pk])

    old_funding = _funding_text({line.scheme: line.amount for line in decision.funding_lines.all()}) if decision else {}
    before = _decision_snapshot(decision) if decision else {}
    if decision is None:
        decision = Decision(meeting=meeting, proposal=proposal)
    decision.outcome = item.outcome
    decision.agreed_volume = volume
    decision.executing_agency = checked.executing_agency
    decision.merged_into = checked.merged_into
    decision.reason = reason
    decision.desk = _desk_of(item, proposal, sector_desks(meeting), decision.desk)
    decision.decided_by = person(user)
    created = decision.pk is None
    decision.save()
    decision.funding_lines.all().delete()
    DecisionFunding.objects.bulk_create(
        [DecisionFunding(decision=decision, scheme=scheme, amount=amount) for scheme, amount in agreed_funding.items()]
    )
    new_funding = _funding_text(agreed_funding)
    meeting_summary_apply(meeting_before, meeting_summary_snapshot(meeting, [proposal.pk]))

    decision_changes = diff(before, _decision_snapshot(decision))
    if old_funding != new_funding:
        decision_changes["funding"] = [old_funding or None, new_funding or None]
    audit_log(
        user=user,
        obj=decision,
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.CHANGED,
        changes=decision_changes,
        note=f"Rapat: {meeting}",
    )

    # The agreed amounts changed here; the status change that follows adds its own part (proposal_move_bulk).
    summary_apply(summary_before, summary_snapshot([proposal.pk]))
    proposal_changes: dict[str, list[Any]] = {}
    if old_funding != new_funding or created:
        proposal_changes["agreed_funding"] = [old_funding or None, new_funding or None]
    note = _decided_note(decision, meeting, reason)
    proposal_decide(
        proposal=proposal,
        user=user,
        status=decision.proposal_status,
        correction=not created,
        changes=proposal_changes,
        note=note,
    )
    notify(Notification.Kind.DECIDED, [proposal], user, note=note, meeting=meeting)
    return decision


@transaction.atomic
def decision_record_bulk(*, meeting: Meeting, items: Sequence[DecisionInput], user: Actor) -> list[Decision]:
    """What an open meeting decided on many verified proposals that it has not decided yet, and the proposals moved
    on to the status of each outcome; as `decision_record` for each, in order."""
    meeting = locked_open_meeting(meeting)
    ids = [item.proposal.pk for item in items]
    proposals: dict[int, Proposal] = {}
    decided: set[int] = set()
    for batch in _batches(ids):
        rows = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("region", "agency", "sub_activity")
            .prefetch_related("funding_lines__scheme")
            .filter(pk__in=batch)
        )
        proposals.update((proposal.pk, proposal) for proposal in rows)
        decided.update(
            Decision.objects.filter(meeting=meeting, proposal_id__in=batch).values_list("proposal_id", flat=True)
        )
    targets = _merge_targets(user, items)
    status_after = {item.proposal.pk: Decision.PROPOSAL_STATUS.get(item.outcome, "") for item in items}
    repeated = {pk for pk, times in Counter(ids).items() if times > 1}

    problems: list[str] = []
    checked: list[tuple[DecisionInput, _Checked]] = []
    for item in items:
        proposal = proposals.get(item.proposal.pk)
        if proposal is None or proposal.pk in decided or proposal.pk in repeated:
            problems.append(
                gettext("Usulan %(number)s tidak dapat diputuskan sekali lagi dalam rapat ini.")
                % {"number": item.proposal.number}
            )
            continue
        result = _check(
            meeting=meeting, item=item, proposal=proposal, decision=None, targets=targets, status_after=status_after
        )
        if isinstance(result, str):
            problems.append(result)
        else:
            checked.append((item, result))
    if problems:
        raise MeetingError(" ".join(problems))

    summary_before = summary_snapshot(result.proposal.pk for _, result in checked)
    decided_by = person(user)
    desks = sector_desks(meeting)
    decisions = [
        Decision(
            meeting=meeting,
            proposal=result.proposal,
            outcome=item.outcome,
            agreed_volume=result.volume,
            executing_agency=result.executing_agency,
            merged_into=result.merged_into,
            reason=result.reason,
            desk=_desk_of(item, result.proposal, desks, None),
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
    summary_apply(summary_before, summary_snapshot(result.proposal.pk for _, result in checked))
    # First decisions only (`decided` refused above): nothing of theirs was in the meeting's summary before.
    meeting_summary_apply({}, meeting_summary_snapshot(meeting, (result.proposal.pk for _, result in checked)))
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
        note = _decided_note(decision, meeting, result.reason)
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
    notes = {move.proposal.pk: move.note for move in moves}
    notify(Notification.Kind.DECIDED, [move.proposal for move in moves], user, note=notes, meeting=meeting)
    return decisions
