"""Every write on proposals: create (one or many), change (one or many), the workflow transitions, carry-over.

The form, the Excel import, the admin, the meeting services and `seed_demo` all write proposals here, so every
proposal gets its number, funding lines and audit entry the same way, and every status change goes through the
state machine (`programs.workflow`) under a row lock. Access (who may) is decided before, by `rakornis.policy`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models.functions import Length
from django.utils.formats import date_format
from django.utils.timezone import localtime

from agencies.models import Region
from programs import workflow
from programs.models import FundingScheme, Proposal, ProposalFunding
from programs.workflow import Event, TransitionError
from rakornis.audit import audit_entry, audit_log, audit_log_bulk, audit_value, diff
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

__all__ = [
    "PROPOSAL_FIELDS",
    "ProposalConflict",
    "ProposalInput",
    "ProposalUpdate",
    "TransitionError",
    "proposal_carry_over",
    "proposal_conflict",
    "proposal_carry_over_bulk",
    "proposal_create",
    "proposal_create_bulk",
    "proposal_decide",
    "proposal_next_number",
    "proposal_return",
    "proposal_submit",
    "proposal_update",
    "proposal_update_bulk",
    "proposal_update_refusal",
    "proposal_verify",
    "proposal_withdraw",
]

PROPOSAL_FIELDS = Proposal.EDITABLE_FIELDS
# A proposal's number holds its fiscal year and kabupaten/kota: changing either renumbers a draft.
NUMBERED_FIELDS = ("fiscal_year", "region")
BATCH_SIZE = 1000

# Funding as the services take it: scheme (or scheme id) -> amount. A line of Rp 0 carries no money and is not
# stored, so a proposal reads back from its export exactly as it was.
Funding = Mapping[FundingScheme, Decimal] | Mapping[int, Decimal] | Iterable[tuple[FundingScheme, Decimal]]


class ProposalConflict(Exception):
    """Someone saved the proposal after the form was loaded; nothing was written."""

    def __init__(self, *, proposal: Proposal, changed_by: str, changed_at: datetime | None) -> None:
        self.proposal = proposal
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = f" pada {date_format(localtime(changed_at), 'DATETIME_FORMAT')}" if changed_at else ""
        super().__init__(
            f"Usulan ini telah diubah oleh {changed_by}{when} setelah Anda membuka formulir ini. "
            "Perubahan Anda belum disimpan dan tidak menimpa apa pun. Muat ulang halaman untuk melihat isian "
            "terbaru, lalu masukkan kembali perubahan Anda."
        )


@dataclass
class ProposalInput:
    """A new proposal: its editable fields, its funding and the note of its audit entry."""

    data: dict[str, Any]
    funding: Funding
    note: str = ""
    creation_token: str | None = None


@dataclass
class ProposalUpdate:
    """A change of a saved proposal loaded at `version`."""

    proposal_id: int
    version: int
    data: dict[str, Any]
    funding: Funding
    note: str = ""
    label: str = ""  # how a refusal names it: "baris 12"


@dataclass
class BulkRefusal(Exception):
    """Some updates of a batch are refused (changed by someone else, no longer editable); nothing was written."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (label, message)

    def __str__(self) -> str:
        return "; ".join(f"{label}: {message}" for label, message in self.problems)


# Funding and audit snapshots ------------------------------------------------------------------------------------------


def _amounts(funding: Funding) -> dict[int, Decimal]:
    """`{scheme id: amount}` for the lines that carry money."""
    items = funding.items() if isinstance(funding, Mapping) else funding
    amounts: dict[int, Decimal] = {}
    for scheme, amount in items:
        if amount:
            scheme_id = scheme if isinstance(scheme, int) else scheme.pk
            amounts[scheme_id] = amounts.get(scheme_id, Decimal(0)) + amount
    return amounts


def _scheme_codes() -> dict[int, tuple[int, str]]:
    return {pk: (order, code) for pk, order, code in FundingScheme.objects.values_list("pk", "order", "code")}


def _funding_snapshot(amounts: Mapping[int, Decimal], schemes: Mapping[int, tuple[int, str]]) -> dict[str, str]:
    """Funding as the audit records it: `{scheme code: amount}` in scheme order."""
    ordered = sorted(amounts.items(), key=lambda item: schemes[item[0]])
    return {schemes[pk][1]: audit_value(amount) for pk, amount in ordered}


def _snapshot(
    proposal: Proposal, amounts: Mapping[int, Decimal], schemes: Mapping[int, tuple[int, str]]
) -> dict[str, Any]:
    values = {name: audit_value(getattr(proposal, name)) for name in PROPOSAL_FIELDS}
    values["funding"] = _funding_snapshot(amounts, schemes)
    return values


def _stored_amounts(proposal: Proposal) -> dict[int, Decimal]:
    return {line.scheme_id: line.amount for line in proposal.funding_lines.all()}


def _created_changes(after: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {
        name: [None, value] for name, value in after.items() if value not in (None, "", {})
    }
    changes["status"] = [None, Proposal.Status.DRAFT.value]
    return changes


def _write_funding(proposal: Proposal, before: Mapping[int, Decimal], after: Mapping[int, Decimal]) -> None:
    """Make the stored lines equal `after`, writing only those that differ."""
    gone = [scheme_id for scheme_id in before if scheme_id not in after]
    if gone:
        ProposalFunding.objects.filter(proposal=proposal, scheme_id__in=gone).delete()
    for scheme_id, amount in after.items():
        if scheme_id not in before:
            ProposalFunding.objects.create(proposal=proposal, scheme_id=scheme_id, amount=amount)
        elif before[scheme_id] != amount:
            ProposalFunding.objects.filter(proposal=proposal, scheme_id=scheme_id).update(amount=amount)


# Numbers --------------------------------------------------------------------------------------------------------------


def _next_numbers(*, fiscal_year: int, region: Region, count: int) -> list[str]:
    """`count` consecutive free numbers of the kabupaten/kota's year; call inside the transaction that inserts them.

    The region row is locked first, so two operators of one kabupaten/kota saving at once get consecutive numbers
    instead of one of them failing on `programs_proposal_unique_number`.
    """
    Region.objects.select_for_update().filter(pk=region.pk).exists()
    prefix = Proposal.number_prefix(fiscal_year, region.code)
    last = (
        Proposal.objects.filter(fiscal_year=fiscal_year, number__startswith=prefix)
        .annotate(number_length=Length("number"))
        .order_by("-number_length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    tail = last.removeprefix(prefix) if last else ""
    first = int(tail) + 1 if tail.isdigit() else 1
    return [Proposal.format_number(fiscal_year, region.code, first + offset) for offset in range(count)]


def proposal_next_number(*, fiscal_year: int, region: Region) -> str:
    return _next_numbers(fiscal_year=fiscal_year, region=region, count=1)[0]


# Create ---------------------------------------------------------------------------------------------------------------


@transaction.atomic
def proposal_create_bulk(
    *,
    user: Actor,
    inputs: list[ProposalInput],
    action: str = AuditEntry.Action.IMPORTED,
    extra: Mapping[str, Any] | None = None,
) -> list[Proposal]:
    """New drafts with their numbers (consecutive per kabupaten/kota and year, in input order), funding lines and
    audit entries, in a few INSERTs whatever their number. `extra` sets fields outside the editable ones."""
    workflow.check(Event.CREATE, None)
    created_by = person(user)
    proposals = [
        Proposal(
            **{name: item.data[name] for name in PROPOSAL_FIELDS if name in item.data},
            **(extra or {}),
            status=Proposal.Status.DRAFT,
            created_by=created_by,
            creation_token=item.creation_token,
        )
        for item in inputs
    ]
    series: dict[tuple[int, int], list[Proposal]] = defaultdict(list)
    for proposal in proposals:
        series[(proposal.fiscal_year, proposal.region_id)].append(proposal)
    for (year, _), members in sorted(series.items(), key=lambda item: (item[0][0], item[1][0].region.code)):
        numbers = _next_numbers(fiscal_year=year, region=members[0].region, count=len(members))
        for proposal, number in zip(members, numbers, strict=True):
            proposal.number = number
    Proposal.objects.bulk_create(proposals, batch_size=BATCH_SIZE)
    amounts = [_amounts(item.funding) for item in inputs]
    ProposalFunding.objects.bulk_create(
        [
            ProposalFunding(proposal=proposal, scheme_id=scheme_id, amount=amount)
            for proposal, lines in zip(proposals, amounts, strict=True)
            for scheme_id, amount in lines.items()
        ],
        batch_size=BATCH_SIZE,
    )
    schemes = _scheme_codes()
    audit_log_bulk(
        [
            audit_entry(
                user=user,
                obj=proposal,
                action=action,
                changes=_created_changes(_snapshot(proposal, lines, schemes)),
                note=item.note,
            )
            for proposal, lines, item in zip(proposals, amounts, inputs, strict=True)
        ]
    )
    return proposals


def proposal_create(
    *, user: Actor, data: dict[str, Any], funding: Funding, creation_token: str | None = None, note: str = ""
) -> Proposal:
    """A new draft with its funding lines and number, audited as CREATED (with `note`, e.g. "Lewat admin").

    `creation_token` is the form's one-time token: a second POST of the same form finds the proposal the first made
    (see `proposal_for_token`).
    """
    item = ProposalInput(data=data, funding=funding, creation_token=creation_token, note=note)
    return proposal_create_bulk(user=user, inputs=[item], action=AuditEntry.Action.CREATED)[0]


def proposal_for_token(token: str) -> Proposal | None:
    """The proposal a form with this one-time token already created, if any."""
    return Proposal.objects.filter(creation_token=token).first() if token else None


# Change ---------------------------------------------------------------------------------------------------------------


def proposal_conflict(proposal: Proposal) -> ProposalConflict:
    """The refusal of a save over a newer version, naming who saved last and when."""
    last = AuditEntry.objects.for_object(proposal).select_related("user").first()
    changed_by = "pengguna lain"
    if last is not None and last.user is not None:
        changed_by = last.user.get_full_name() or last.user.username
    return ProposalConflict(proposal=proposal, changed_by=changed_by, changed_at=last.at if last else None)


def _renumbers(proposal: Proposal, data: Mapping[str, Any]) -> bool:
    """Whether `data` moves the proposal to another fiscal year or kabupaten/kota (another number series)."""
    if "fiscal_year" in data and data["fiscal_year"] != proposal.fiscal_year:
        return True
    return "region" in data and getattr(data["region"], "pk", data["region"]) != proposal.region_id


def _numbering_refusal(proposal: Proposal, data: Mapping[str, Any]) -> str | None:
    """Why the fiscal year or kabupaten/kota of `proposal` cannot change to what `data` says, or None."""
    if _renumbers(proposal, data) and proposal.status != Proposal.Status.DRAFT:
        return (
            f"Usulan {proposal.number} sudah pernah diajukan: tahun anggaran dan kabupaten/kota tidak dapat diubah "
            "lagi. Buat usulan baru untuk tahun atau kabupaten/kota lain."
        )
    return None


def _apply(
    *, proposal: Proposal, data: Mapping[str, Any], funding: Funding, schemes: Mapping[int, tuple[int, str]]
) -> dict[str, list[Any]]:
    """Set the fields and funding on a locked, editable proposal; return the audit changes (empty: nothing to do)."""
    stored = _stored_amounts(proposal)
    before = _snapshot(proposal, stored, schemes)
    renumber = _renumbers(proposal, data)
    for name in PROPOSAL_FIELDS:
        if name in data:
            setattr(proposal, name, data[name])
    wanted = _amounts(funding)
    changes = diff(before, _snapshot(proposal, wanted, schemes))
    if not changes:
        return {}
    if renumber:
        old = proposal.number
        proposal.number = proposal_next_number(fiscal_year=proposal.fiscal_year, region=proposal.region)
        changes["number"] = [old, proposal.number]
    proposal.version += 1
    proposal.save()
    _write_funding(proposal, stored, wanted)
    return changes


def proposal_update_refusal(*, proposal: Proposal, data: Mapping[str, Any]) -> str | None:
    """Why `proposal_update` would refuse `data` on `proposal` as it is now (its status, a renumbering after
    submission), or None; for forms that want to say so next to the fields. The service checks again under lock."""
    try:
        workflow.check(Event.EDIT, proposal.status)
    except TransitionError as exc:
        return str(exc)
    return _numbering_refusal(proposal, data)


@transaction.atomic
def proposal_update(
    *, proposal: Proposal, user: Actor, data: dict[str, Any], funding: Funding, version: int, note: str = ""
) -> Proposal:
    """Save the edited fields and funding lines, if nobody saved since `version` was loaded; audited as CHANGED.

    Changing the fiscal year or kabupaten/kota of a draft gives it the next number of its new series; once the
    proposal has been submitted, that is refused.
    """
    locked = _lock(proposal)
    if locked.version != version:
        raise proposal_conflict(locked)
    if refusal := proposal_update_refusal(proposal=locked, data=data):
        raise TransitionError(refusal)
    changes = _apply(proposal=locked, data=data, funding=funding, schemes=_scheme_codes())
    if changes:
        audit_log(user=user, obj=locked, action=AuditEntry.Action.CHANGED, changes=changes, note=note)
    return locked


@transaction.atomic
def proposal_update_bulk(
    *, user: Actor, updates: list[ProposalUpdate], action: str = AuditEntry.Action.IMPORTED
) -> list[Proposal]:
    """Apply several changes, all or nothing: any proposal changed by someone else since it was loaded, or no longer
    editable, refuses the whole batch with every problem named (`BulkRefusal`)."""
    locked = {
        p.pk: p
        for p in Proposal.objects.select_for_update(of=("self",))
        .select_related("region")
        .prefetch_related("funding_lines")
        .filter(pk__in=[u.proposal_id for u in updates])
    }
    refusal = BulkRefusal()
    for update in updates:
        proposal = locked.get(update.proposal_id)
        label = update.label or (proposal.number if proposal else str(update.proposal_id))
        if proposal is None or proposal.version != update.version:
            number = proposal.number if proposal else ""
            refusal.problems.append(
                (label, f"usulan {number} diubah pengguna lain setelah berkas diperiksa; unggah ulang berkasnya")
            )
        elif not workflow.allows(Event.EDIT, proposal.status):
            refusal.problems.append((label, f"usulan {proposal.number} kini berstatus {proposal.get_status_display()}"))
        elif message := _numbering_refusal(proposal, update.data):
            refusal.problems.append((label, message))
    if refusal.problems:
        raise refusal
    schemes = _scheme_codes()
    entries = []
    for update in updates:
        proposal = locked[update.proposal_id]
        changes = _apply(proposal=proposal, data=update.data, funding=update.funding, schemes=schemes)
        if changes:
            entries.append(audit_entry(user=user, obj=proposal, action=action, changes=changes, note=update.note))
    audit_log_bulk(entries)
    return [locked[u.proposal_id] for u in updates]


# Transitions ----------------------------------------------------------------------------------------------------------


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("region")
        .prefetch_related("funding_lines")
        .get(pk=proposal.pk)
    )


def _move(
    *,
    proposal: Proposal,
    user: Actor,
    event: Event,
    audit_action: str,
    target: str | None = None,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> Proposal:
    """The one writer of a proposal's status: check the transition on the locked row, save, audit."""
    new_status = workflow.check(event, proposal.status, target)
    old_status = proposal.status
    all_changes = dict(changes or {})
    if new_status is not None:
        proposal.status = new_status
        proposal.version += 1
        proposal.save(update_fields=["status", "version", "updated_at"])
        if new_status != old_status:
            all_changes = {"status": [old_status, new_status], **all_changes}
    audit_log(user=user, obj=proposal, action=audit_action, changes=all_changes, note=note)
    return proposal


@transaction.atomic
def proposal_submit(*, proposal: Proposal, user: Actor) -> Proposal:
    """Draft or returned -> submitted, once at least one funding line has an amount."""
    locked = _lock(proposal)
    workflow.check(Event.SUBMIT, locked.status)
    if not any(line.amount > 0 for line in locked.funding_lines.all()):
        raise TransitionError("Usulan belum dapat diajukan: isi minimal satu sumber dana dengan pagu lebih dari Rp 0.")
    return _move(proposal=locked, user=user, event=Event.SUBMIT, audit_action=AuditEntry.Action.SUBMITTED)


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, user: Actor) -> Proposal:
    """Submitted -> draft, while the province has not verified it yet."""
    return _move(proposal=_lock(proposal), user=user, event=Event.WITHDRAW, audit_action=AuditEntry.Action.WITHDRAWN)


@transaction.atomic
def proposal_return(*, proposal: Proposal, user: Actor, note: str) -> Proposal:
    """Submitted -> returned for revision; the note tells the operator what to fix."""
    note = note.strip()
    if not note:
        raise TransitionError("Catatan pengembalian wajib diisi: tuliskan apa yang harus diperbaiki.")
    return _move(
        proposal=_lock(proposal), user=user, event=Event.RETURN, audit_action=AuditEntry.Action.RETURNED, note=note
    )


@transaction.atomic
def proposal_verify(*, proposal: Proposal, user: Actor) -> Proposal:
    """Submitted -> verified by the province."""
    return _move(proposal=_lock(proposal), user=user, event=Event.VERIFY, audit_action=AuditEntry.Action.VERIFIED)


def proposal_decide(
    *,
    proposal: Proposal,
    user: Actor,
    status: str,
    correction: bool,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
) -> Proposal:
    """A meeting's decision moves the proposal (locked by the caller, `meetings.services.decision_record`) to the
    status of the decision's outcome; `correction` when the same open meeting corrects its own decision."""
    event = Event.CORRECT_DECISION if correction else Event.DECIDE
    return _move(
        proposal=proposal,
        user=user,
        event=event,
        audit_action=AuditEntry.Action.DECIDED,
        target=status,
        changes=changes,
        note=note,
    )


# Carry-over -----------------------------------------------------------------------------------------------------------

# Copied into the next year's draft; the forward estimate is left out: it was the plan for the year being carried
# into, not for the year after it.
CARRY_OVER_FIELDS = [
    name for name in PROPOSAL_FIELDS if name not in ("fiscal_year", "forward_volume", "forward_amount")
]


@transaction.atomic
def proposal_carry_over(*, proposal: Proposal, user: Actor) -> Proposal:
    """A deferred proposal becomes a new draft of the next fiscal year, linked to it, with the same funding lines."""
    locked = _lock(proposal)
    try:
        workflow.check(Event.CARRY_OVER, locked.status)
    except TransitionError:
        raise TransitionError(
            f"Usulan {locked.number} berstatus {locked.get_status_display()}; "
            "hanya usulan Ditangguhkan yang dapat dilanjutkan ke tahun berikutnya."
        ) from None
    earlier = locked.carried_over_to.order_by("pk").first()
    if earlier is not None:
        raise TransitionError(f"Usulan {locked.number} sudah dilanjutkan menjadi {earlier.number}.")
    data = {name: getattr(locked, name) for name in CARRY_OVER_FIELDS}
    data["fiscal_year"] = locked.fiscal_year + 1
    item = ProposalInput(
        data=data,
        funding=_stored_amounts(locked),
        note=f"Lanjutan dari {locked.number} (TA {locked.fiscal_year}).",
    )
    (copy,) = proposal_create_bulk(
        user=user, inputs=[item], action=AuditEntry.Action.CARRIED_OVER, extra={"carried_over_from": locked}
    )
    _move(
        proposal=locked,
        user=user,
        event=Event.CARRY_OVER,
        audit_action=AuditEntry.Action.CARRIED_OVER,
        note=f"Dilanjutkan ke TA {copy.fiscal_year} sebagai {copy.number}.",
    )
    return copy


@transaction.atomic
def proposal_carry_over_bulk(*, proposals: Iterable[Proposal], user: Actor) -> list[Proposal]:
    """Carry several deferred proposals over, all or nothing: one refusal rolls every copy back."""
    return [proposal_carry_over(proposal=proposal, user=user) for proposal in proposals]


# Bulk forms for seed and import ===============================================================================
# Appended for `seed_demo` at benchmark sizes (issue 7); they suit imports as well. Each is a one-proposal service
# above applied to many proposals at once: the same checks against `programs.workflow`, the same rows and audit
# entries, in a few statements per thousand proposals instead of a few per proposal. All or nothing: one refused
# proposal refuses the whole batch with every problem named (`BulkRefusal`), and nothing is written.

from collections.abc import Sequence  # noqa: E402 (this section is appended to the module)

from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

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


@dataclass(frozen=True)
class ProposalMove:
    """One proposal's part in `proposal_move_bulk`: the status it goes to when the event has several (a decision),
    the note of its audit entry, and changes recorded beside the status (a decision's agreed funding)."""

    proposal: Proposal
    target: str | None = None
    note: str = ""
    changes: dict[str, list[Any]] | None = None


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
        return "Usulan belum dapat diajukan: isi minimal satu sumber dana dengan pagu lebih dari Rp 0."
    if event == Event.RETURN and not move.note.strip():
        return "Catatan pengembalian wajib diisi: tuliskan apa yang harus diperbaiki."
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
            refusal.problems.append((move.proposal.number, "usulan tidak ditemukan atau disebut dua kali"))
        elif problem := _move_problem(event, move, locked[pk][0], pk in funded):
            refusal.problems.append((locked[pk][2], problem))
        seen.add(pk)
    if refusal.problems:
        raise refusal

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
    for proposal in proposals:
        original = locked.get(proposal.pk)
        if original is None:
            refusal.problems.append((proposal.number, "usulan tidak ditemukan"))
        elif not workflow.allows(Event.CARRY_OVER, original.status):
            refusal.problems.append(
                (
                    original.number,
                    f"Usulan {original.number} berstatus {original.get_status_display()}; "
                    "hanya usulan Ditangguhkan yang dapat dilanjutkan ke tahun berikutnya.",
                )
            )
        elif original.pk in earlier:
            message = f"Usulan {original.number} sudah dilanjutkan menjadi {earlier[original.pk]}."
            refusal.problems.append((original.number, message))
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
        )
        for original in originals
    ]
    copies = proposal_create_bulk(user=user, inputs=inputs, action=AuditEntry.Action.CARRIED_OVER)
    for copy, original in zip(copies, originals, strict=True):
        copy.carried_over_from = original
    Proposal.objects.bulk_update(copies, ["carried_over_from"], batch_size=BATCH_SIZE)
    proposal_move_bulk(
        user=user,
        event=Event.CARRY_OVER,
        moves=[
            ProposalMove(original, note=f"Dilanjutkan ke TA {copy.fiscal_year} sebagai {copy.number}.")
            for original, copy in zip(originals, copies, strict=True)
        ],
    )
    return copies
