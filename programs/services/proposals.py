"""Creating and changing proposals, one or many: numbers, funding lines, audit entries, renumbering."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Length
from django.utils.formats import date_format
from django.utils.timezone import localtime

from agencies.models import Region
from programs import workflow
from programs.models import FundingScheme, Proposal, ProposalFunding, ProposalNumberCounter
from programs.summary import summary_apply, summary_of_new, summary_snapshot
from programs.workflow import Event, TransitionError
from rakornis.audit import (
    audit_created,
    audit_entry,
    audit_log,
    audit_log_bulk,
    audit_log_rows,
    audit_value,
    audit_values,
    diff,
)
from rakornis.bulk import bulk_insert_rows, bulk_insert_values, instances, saved
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

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
    """A new proposal: its editable fields, its funding and the note of its audit entry; `extra` sets fields
    outside the editable ones (`carried_over_from`)."""

    data: dict[str, Any]
    funding: Funding
    note: str = ""
    creation_token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


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
class BulkRefusal(TransitionError):
    """Some proposals of a batch are refused (changed by someone else, not in a status that allows it); nothing
    was written. A TransitionError, so a page that catches those shows it as well."""

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


def _scheme_codes(fundings: Iterable[Funding] = (), needed: Iterable[int] = ()) -> dict[int, tuple[int, str]]:
    """`{scheme id: (order, code)}` for the audit: from the scheme objects `fundings` hold (a form's lines) when they
    cover every scheme id `needed`, else read from the database."""
    known: dict[int, tuple[int, str]] = {}
    for funding in fundings:
        items = funding.items() if isinstance(funding, Mapping) else funding
        known.update(
            (scheme.pk, (scheme.order, scheme.code)) for scheme, _ in items if isinstance(scheme, FundingScheme)
        )
    if known and set(needed) <= known.keys():
        return known
    return {pk: (order, code) for pk, order, code in FundingScheme.objects.values_list("pk", "order", "code")}


def _funding_snapshot(amounts: Mapping[int, Decimal], schemes: Mapping[int, tuple[int, str]]) -> dict[str, str]:
    """Funding as the audit records it: `{scheme code: amount}` in scheme order."""
    if len(amounts) == 1:  # most proposals: nothing to order
        ((pk, amount),) = amounts.items()
        return {schemes[pk][1]: audit_value(amount)}
    ordered = sorted(amounts.items(), key=lambda item: schemes[item[0]])
    return {schemes[pk][1]: audit_value(amount) for pk, amount in ordered}


def _snapshot(
    values: Mapping[str, Any], amounts: Mapping[int, Decimal], schemes: Mapping[int, tuple[int, str]]
) -> dict[str, Any]:
    """What the audit records of a proposal: its editable fields' `values` (a row being created, or
    `_field_values` of a saved one) and its funding."""
    snapshot = audit_values(values, PROPOSAL_FIELDS)
    snapshot["funding"] = _funding_snapshot(amounts, schemes)
    return snapshot


def _field_values(proposal: Proposal) -> dict[str, Any]:
    return {name: getattr(proposal, name) for name in PROPOSAL_FIELDS}


def _stored_amounts(proposal: Proposal) -> dict[int, Decimal]:
    return {line.scheme_id: line.amount for line in proposal.funding_lines.all()}


def _created_changes(
    values: Mapping[str, Any],
    amounts: Mapping[int, Decimal],
    schemes: Mapping[int, tuple[int, str]],
    related: dict[int, tuple[Any, str]] | None = None,
) -> dict[str, list[Any]]:
    """A new draft's entry: its `_snapshot`'s values that are not empty (0 and False are recorded), each as
    `[None, value]`, made without the snapshot itself (`related`: see `audit_created`)."""
    changes = audit_created(values, PROPOSAL_FIELDS, related)
    if amounts:  # else an empty funding snapshot, not recorded
        changes["funding"] = [None, _funding_snapshot(amounts, schemes)]
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


def _allocate(series: Mapping[tuple[int, Region], int]) -> dict[tuple[int, int], int]:
    """Take `count` numbers of each (fiscal year, kabupaten/kota) series; return the first of each, by (year, region
    id). Call inside the transaction that inserts them.

    One UPDATE increments every series' counter (`ProposalNumberCounter`) and returns the new values; its row lock
    holds until the transaction ends, so two operators of one kabupaten/kota saving at once get consecutive numbers
    instead of one of them failing on `programs_proposal_unique_number` (SQLite: the IMMEDIATE transactions of the
    settings take the write lock at BEGIN). A series without a counter yet (proposals older than the counter) starts
    after its highest number, read once.
    """
    if not series:
        return {}
    keys = {(year, region.pk): (region, count) for (year, region), count in series.items()}
    counter = ProposalNumberCounter._meta.db_table
    values = ", ".join(["(%s, %s, %s)"] * len(keys))
    params: list[Any] = [value for (year, region_id), (_, n) in keys.items() for value in (year, region_id, n)]
    with connection.cursor() as cursor:
        # Every series that has a counter, in one statement (VALUES columns are column1.. on both databases).
        cursor.execute(
            f"UPDATE {counter} SET last_number = {counter}.last_number + v.column3 FROM (VALUES {values}) AS v "
            f"WHERE {counter}.fiscal_year = v.column1 AND {counter}.region_id = v.column2 "
            f"RETURNING {counter}.fiscal_year, {counter}.region_id, {counter}.last_number",
            params,
        )
        last = {(year, region_id): number for year, region_id, number in cursor.fetchall()}
        for year, region_id in keys.keys() - last.keys():
            # A series without a counter yet starts after its highest number, read once. Another transaction may
            # start it at the same moment: the second INSERT then adds its count to the first one's row.
            region, n = keys[(year, region_id)]
            cursor.execute(
                f"INSERT INTO {counter} (fiscal_year, region_id, last_number) VALUES (%s, %s, %s) "
                f"ON CONFLICT (fiscal_year, region_id) DO UPDATE SET last_number = {counter}.last_number + %s "
                "RETURNING last_number",
                [year, region_id, _highest(year, region) + n, n],
            )
            last[(year, region_id)] = cursor.fetchone()[0]
    return {key: last[key] - n + 1 for key, (_, n) in keys.items()}


def _highest(fiscal_year: int, region: Region) -> int:
    """The highest sequence among the series' numbers (by length, then text: 10000 comes after 9999)."""
    prefix = Proposal.number_prefix(fiscal_year, region.code)
    last = (
        Proposal.objects.filter(fiscal_year=fiscal_year, region=region, number__startswith=prefix)
        .annotate(number_length=Length("number"))
        .order_by("-number_length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    tail = last.removeprefix(prefix) if last else ""
    return int(tail) if tail.isdigit() else 0


def _next_numbers(*, fiscal_year: int, region: Region, count: int) -> list[str]:
    """`count` consecutive free numbers of the kabupaten/kota's year; call inside the transaction that inserts them."""
    first = _allocate({(fiscal_year, region): count})[(fiscal_year, region.pk)]
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
) -> list[Proposal]:
    """New drafts with their numbers (consecutive per kabupaten/kota and year, in input order), funding lines and
    audit entries, in a few INSERTs whatever their number."""
    return saved(instances(Proposal, _create(user=user, inputs=inputs, action=action)))


@transaction.atomic
def proposal_create_bulk_numbers(
    *,
    user: Actor,
    inputs: list[ProposalInput],
    action: str = AuditEntry.Action.IMPORTED,
) -> list[str]:
    """`proposal_create_bulk` for a caller that needs only the new numbers (the import): the same rows, without
    making a model instance of any (a third of a 10,000-row import's writes)."""
    return [row["number"] for row in _create(user=user, inputs=inputs, action=action)]


def _create(*, user: Actor, inputs: list[ProposalInput], action: str) -> list[dict[str, Any]]:
    """Write the new drafts; return each one's values as written, `{field name: value}` (related objects as given,
    the id and timestamps set by the insert). The rows, their audit snapshots and the summary's share are made from
    the same values, without model instances."""
    workflow.check(Event.CREATE, None)
    created_by = person(user)
    # Each field's default as the field gives it (get_default), for the ones a row leaves out.
    defaults = [
        (field.name, field.get_default) for field in Proposal._meta.concrete_fields if field.name in PROPOSAL_FIELDS
    ]
    amounts = [_amounts(item.funding) for item in inputs]
    rows = [
        {
            **{name: item.data[name] if name in item.data else default() for name, default in defaults},
            **item.extra,
            "status": Proposal.Status.DRAFT,
            "created_by": created_by,
            "creation_token": item.creation_token,
            "total_amount": sum(lines.values(), Decimal(0)),
        }
        for item, lines in zip(inputs, amounts, strict=True)
    ]
    series: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        series[(row["fiscal_year"], row["region"].pk)].append(row)
    # Every series' numbers in one statement, in input order within each series.
    first = _allocate({(year, members[0]["region"]): len(members) for (year, _), members in series.items()})
    for (year, region_id), members in series.items():
        code = members[0]["region"].code
        for offset, row in enumerate(members):
            row["number"] = Proposal.format_number(year, code, first[(year, region_id)] + offset)
    bulk_insert_values(Proposal, rows)
    bulk_insert_rows(
        ProposalFunding,
        ("proposal_id", "scheme_id", "amount"),
        (
            (row["id"], scheme_id, amount)
            for row, lines in zip(rows, amounts, strict=True)
            for scheme_id, amount in lines.items()
        ),
    )
    schemes = _scheme_codes((item.funding for item in inputs), needed={pk for lines in amounts for pk in lines})
    related: dict[int, tuple[Any, str]] = {}
    audit_log_rows(
        user=user,
        model=Proposal,
        action=action,
        rows=(
            (
                row["id"],
                Proposal.title(row["number"], row["name"]),
                _created_changes(row, lines, schemes, related),
                item.note,
            )
            for row, lines, item in zip(rows, amounts, inputs, strict=True)
        ),
    )
    # New drafts have no decision: what they add is known without reading them back (`summary_of_new`).
    summary_apply(
        {},
        summary_of_new(
            ((row["fiscal_year"], row["region"].pk, row["agency"].pk, row["status"]), lines)
            for row, lines in zip(rows, amounts, strict=True)
        ),
    )
    return rows


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
    before = _snapshot(_field_values(proposal), stored, schemes)
    renumber = _renumbers(proposal, data)
    for name in PROPOSAL_FIELDS:
        if name in data:
            setattr(proposal, name, data[name])
    wanted = _amounts(funding)
    changes = diff(before, _snapshot(_field_values(proposal), wanted, schemes))
    if not changes:
        return {}
    if renumber:
        old = proposal.number
        proposal.number = proposal_next_number(fiscal_year=proposal.fiscal_year, region=proposal.region)
        changes["number"] = [old, proposal.number]
    proposal.version += 1
    proposal.total_amount = sum(wanted.values(), Decimal(0))
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
    before = summary_snapshot([locked.pk])
    changes = _apply(proposal=locked, data=data, funding=funding, schemes=_scheme_codes())
    if changes:
        audit_log(user=user, obj=locked, action=AuditEntry.Action.CHANGED, changes=changes, note=note)
        summary_apply(before, summary_snapshot([locked.pk]))
    return locked


@transaction.atomic
def proposal_update_bulk(
    *, user: Actor, updates: list[ProposalUpdate], action: str = AuditEntry.Action.IMPORTED
) -> list[Proposal]:
    """Apply several changes, all or nothing: any proposal changed by someone else since it was loaded, or no longer
    editable, refuses the whole batch with every problem named (`BulkRefusal`)."""
    if not updates:  # an import of new proposals only: not even the read of the schemes
        return []
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
    before = summary_snapshot(locked)
    for update in updates:
        proposal = locked[update.proposal_id]
        changes = _apply(proposal=proposal, data=update.data, funding=update.funding, schemes=schemes)
        if changes:
            entries.append(audit_entry(user=user, obj=proposal, action=action, changes=changes, note=update.note))
    audit_log_bulk(entries)
    summary_apply(before, summary_snapshot(locked))
    return [locked[u.proposal_id] for u in updates]


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("region")
        .prefetch_related("funding_lines")
        .get(pk=proposal.pk)
    )


# Delete ---------------------------------------------------------------------------------------------------------------


@transaction.atomic
def proposal_delete_bulk(*, proposals: Iterable[Proposal], user: Actor, note: str = "") -> int:
    """Delete proposals with their funding lines, one audit entry each (DELETED, with `note`); returns how many.

    A proposal a meeting has on its agenda or decided, or one carried over, is protected by the database
    (`ProtectedError`): then nothing is deleted.
    """
    doomed = list(proposals)
    if not doomed:
        return 0
    before = summary_snapshot(proposal.pk for proposal in doomed)
    audit_log_bulk(
        [audit_entry(user=user, obj=proposal, action=AuditEntry.Action.DELETED, note=note) for proposal in doomed]
    )
    Proposal.objects.filter(pk__in=[proposal.pk for proposal in doomed]).delete()
    summary_apply(before, {})
    return len(doomed)
