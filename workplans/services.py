"""The Renja sync: an agency's work plan for a fiscal year, made from what the meetings agreed.

`work_plan_sync_preview` computes the lines a Renja must hold and compares them with the lines it holds, writing
nothing; `work_plan_sync` applies that comparison in one transaction. The sync owns each line's amounts per funding
scheme, target, location, forward estimate and source proposals; the planner's notes on a line are never touched.

A line is one sub kegiatan in one kabupaten/kota. Its sources are the proposals of the fiscal year whose deciding
decision (`meetings.selectors.agreed_decisions`: the decision of the latest meeting of that fiscal year) is agreed,
with this agency as the executing agency. Its amounts are the decisions' agreed amounts, never the proposals' own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.models import Agency, Region
from meetings.selectors import agreed_decisions
from programs.models import (
    FundingScheme,
    Nomenclature,
    WorkPlan,
    WorkPlanItem,
    WorkPlanItemFunding,
    clip_to_cell,
)
from rakornis.audit import audit_log, audit_value
from rakornis.models import AuditEntry
from workplans.lines import LineChange, RenjaLine, SkippedProposal, SyncPlan, format_targets

# Rows per INSERT/UPDATE and ids per `pk__in`: well under SQLite's bound-parameter limit and PostgreSQL's 65,535.
BATCH_SIZE = 1000
SourceLink = WorkPlanItem.source_proposals.through


class WorkPlanError(Exception):
    """A Renja write the rules do not allow; the message is shown to the user as is and nothing was changed."""


class WorkPlanLocked(WorkPlanError):
    """The Renja is final: sync and edits are refused."""

    def __init__(self, work_plan: WorkPlan, refusal: str = "sinkronisasi ditolak") -> None:
        self.work_plan = work_plan
        super().__init__(f"{work_plan} sudah final dan terkunci; {refusal}.")


# Reading -----------------------------------------------------------------------------------------------------------


@dataclass
class _Group:
    """The running sums of one line while the decisions are read."""

    location: list[str] = field(default_factory=list)
    targets: dict[str, Decimal] = field(default_factory=dict)
    forward_targets: dict[str, Decimal] = field(default_factory=dict)
    forward_amount: Decimal = Decimal(0)
    funding: dict[int, Decimal] = field(default_factory=dict)
    sources: dict[int, str] = field(default_factory=dict)


def _add_volume(totals: dict[str, Decimal], spellings: dict[str, str], unit: str, volume: Decimal) -> None:
    # `km`, `Km` and `km ` are one unit; the line shows the spelling of the first proposal (by number) using it.
    clean = " ".join(unit.split())
    spelling = spellings.setdefault(clean.casefold(), clean)
    totals[spelling] = totals.get(spelling, Decimal(0)) + volume


def _wanted_groups(work_plan: WorkPlan) -> tuple[dict[tuple[int, int], _Group], list[SkippedProposal]]:
    """One query: the deciding decisions with their proposal and agreed funding lines (one row per funding line)."""
    rows = (
        agreed_decisions(fiscal_year=work_plan.fiscal_year)
        .filter(executing_agency=work_plan.agency)
        # The agreed volume when the meeting set one, else the proposed volume.
        .annotate(target_volume=Coalesce("agreed_volume", "proposal__volume"))
        .order_by("proposal__number")
        .values_list(
            "pk",
            "proposal_id",
            "proposal__number",
            "proposal__sub_activity_id",
            "proposal__region_id",
            "proposal__location",
            "target_volume",
            "proposal__unit",
            "proposal__forward_volume",
            "proposal__forward_amount",
            "proposal__out_of_catalogue_reason",
            "funding_lines__scheme_id",
            "funding_lines__amount",
        )
    )
    groups: dict[tuple[int, int], _Group] = {}
    skipped: list[SkippedProposal] = []
    spellings: dict[str, str] = {}
    seen: set[int] = set()
    for (
        decision_id,
        proposal_id,
        number,
        sub_activity_id,
        region_id,
        location,
        volume,
        unit,
        forward_volume,
        forward_amount,
        out_of_catalogue_reason,
        scheme_id,
        amount,
    ) in rows.iterator(chunk_size=5000):
        if sub_activity_id is None:
            if decision_id not in seen:
                seen.add(decision_id)
                reason = "di luar nomenklatur (tanpa sub kegiatan), tidak dapat menjadi baris Renja"
                if out_of_catalogue_reason:
                    reason += f"; alasan usulan: {out_of_catalogue_reason}"
                skipped.append(SkippedProposal(proposal_id=proposal_id, number=number, reason=reason))
            continue
        group = groups.get((sub_activity_id, region_id))
        if group is None:
            group = groups[(sub_activity_id, region_id)] = _Group()
        if decision_id not in seen:
            seen.add(decision_id)
            group.sources[proposal_id] = number
            location = location.strip()
            if location and location not in group.location:
                group.location.append(location)
            _add_volume(group.targets, spellings, unit, volume)
            if forward_volume:
                _add_volume(group.forward_targets, spellings, unit, forward_volume)
            group.forward_amount += forward_amount or 0
        if scheme_id is not None:
            group.funding[scheme_id] = group.funding.get(scheme_id, Decimal(0)) + amount
    return groups, skipped


def _existing_lines(
    work_plan: WorkPlan, schemes: dict[int, FundingScheme], wanted: Iterable[tuple[int, int]]
) -> tuple[dict[tuple[int, int], RenjaLine], dict[int, Nomenclature], dict[int, Region]]:
    """The work plan's lines as they are, keyed by (sub kegiatan id, region id), and the sub kegiatan and regions
    of those lines and of the `wanted` keys."""
    # `order_by()` everywhere: the models' default orderings join the work plan, agency, nomenclature and region.
    items = (
        list(
            WorkPlanItem.objects.filter(work_plan=work_plan)
            .order_by()
            .values_list("pk", "sub_activity_id", "region_id", "location", "target", "forward_target", "forward_amount")
        )
        if work_plan.pk is not None
        else []
    )
    wanted = list(wanted)
    sub_activities = Nomenclature.objects.only("code", "name", "unit").in_bulk(
        {row[1] for row in items} | {key[0] for key in wanted}
    )
    regions = Region.objects.only("code", "name").in_bulk({row[2] for row in items} | {key[1] for key in wanted})

    lines: dict[tuple[int, int], RenjaLine] = {}
    by_id: dict[int, RenjaLine] = {}
    for pk, sub_activity_id, region_id, location, target, forward_target, forward_amount in items:
        line = RenjaLine(
            sub_activity=sub_activities[sub_activity_id],
            region=regions[region_id],
            location=location,
            target=target,
            forward_target=forward_target,
            forward_amount=forward_amount,
            item_id=pk,
        )
        lines[line.key] = by_id[pk] = line
    # By item id rather than by a join through the work plan: right after a sync has written 50,000 links PostgreSQL
    # has no statistics for them yet, and planned that join as a nested loop over every item (24 s instead of 0.2 s).
    for chunk in _chunks(list(by_id)):
        fundings = (
            WorkPlanItemFunding.objects.filter(item_id__in=chunk)
            .order_by()
            .values_list("pk", "item_id", "scheme_id", "amount")
        )
        for pk, item_id, scheme_id, amount in fundings:
            by_id[item_id].funding[schemes[scheme_id]] = amount
            by_id[item_id].funding_ids[scheme_id] = pk
        links = (
            SourceLink.objects.filter(workplanitem_id__in=chunk)
            .order_by()
            .values_list("pk", "workplanitem_id", "proposal_id", "proposal__number")
        )
        for pk, item_id, proposal_id, number in links:
            by_id[item_id].sources[proposal_id] = number
            by_id[item_id].link_ids[proposal_id] = pk
    return lines, sub_activities, regions


def work_plan_sync_preview(*, work_plan: WorkPlan) -> SyncPlan:
    """What a sync of `work_plan` would add, change and remove; writes nothing.

    `work_plan` may be unsaved (a Renja not created yet): every line is then added. Queries: one for the
    decisions with their funding lines, one for the existing lines plus two per thousand of them (funding lines,
    source links), three for schemes, codes and names.
    """
    schemes = FundingScheme.objects.in_bulk()
    groups, skipped = _wanted_groups(work_plan)
    existing, sub_activities, regions = _existing_lines(work_plan, schemes, groups)

    plan = SyncPlan(work_plan=work_plan, skipped=skipped)
    plan.total_before = sum((line.total for line in existing.values()), Decimal(0))
    for key, group in groups.items():
        new = RenjaLine(
            sub_activity=sub_activities[key[0]],
            region=regions[key[1]],
            location=clip_to_cell("; ".join(group.location)),
            target=format_targets(group.targets),
            forward_target=format_targets(group.forward_targets),
            forward_amount=group.forward_amount,
            # A scheme summing to Rp 0 gets no funding line: the Renja lists the sources that pay something.
            funding={schemes[scheme_id]: amount for scheme_id, amount in group.funding.items() if amount},
            sources=group.sources,
        )
        plan.total_after += new.total
        old = existing.pop(key, None)
        if old is None:
            plan.added.append(new)
        elif old.same_as(new):
            plan.unchanged += 1
        else:
            new.item_id = old.item_id
            plan.changed.append(LineChange(old=old, new=new))
    plan.removed = sorted(existing.values(), key=lambda line: line.sort_key)
    plan.added.sort(key=lambda line: line.sort_key)
    plan.changed.sort(key=lambda change: change.sort_key)
    return plan


# Writing -----------------------------------------------------------------------------------------------------------


def _chunks(values: list[Any], size: int = BATCH_SIZE) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _insert_links(pairs: list[tuple[int, int]]) -> None:
    """(item id, proposal id) source links as multi-row INSERTs.

    `bulk_create` would build one model instance per link: for 50,000 links that is seconds of Python for rows of
    two integers.
    """
    qn = connection.ops.quote_name
    opts = SourceLink._meta
    table = qn(opts.db_table)
    columns = f"{qn(opts.get_field('workplanitem').column)}, {qn(opts.get_field('proposal').column)}"
    with connection.cursor() as cursor:
        for chunk in _chunks(pairs):
            placeholders = ", ".join(["(%s, %s)"] * len(chunk))
            params = [value for pair in chunk for value in pair]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", params)


def _update_rows(model: type[models.Model], fields: list[str], rows: list[tuple[int, dict[str, Any]]]) -> None:
    """`UPDATE ... SET fields WHERE pk`, one prepared statement run for every (pk, values) row.

    Django's `bulk_update` builds a CASE WHEN per row and field, which takes seconds of Python for a few thousand
    rows; values still go through each field's `get_db_prep_save`, as the ORM would send them.
    """
    if not rows or not fields:
        return
    qn = connection.ops.quote_name
    opts = model._meta
    columns: list[models.Field[Any, Any]] = []
    assignments: list[str] = []
    for name in fields:
        column = opts.get_field(name)
        assert isinstance(column, models.Field) and column.column  # a column of this table, not a reverse relation
        columns.append(column)
        assignments.append(f"{qn(column.column)} = %s")
    pk_column = opts.pk.column if opts.pk is not None else None
    assert pk_column
    sql = f"UPDATE {qn(opts.db_table)} SET {', '.join(assignments)} WHERE {qn(pk_column)} = %s"
    params = [
        [column.get_db_prep_save(values[column.name], connection) for column in columns] + [pk] for pk, values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _create_lines(work_plan: WorkPlan, lines: list[RenjaLine]) -> None:
    items = [
        WorkPlanItem(work_plan=work_plan, sub_activity=line.sub_activity, region=line.region, **line.scalars())
        for line in lines
    ]
    WorkPlanItem.objects.bulk_create(items, batch_size=BATCH_SIZE)
    created = list(zip(lines, items, strict=True))
    for line, item in created:
        line.item_id = item.pk
    WorkPlanItemFunding.objects.bulk_create(
        [
            WorkPlanItemFunding(item=item, scheme=scheme, amount=amount)
            for line, item in created
            for scheme, amount in line.funding.items()
        ],
        batch_size=BATCH_SIZE,
    )
    _insert_links([(item.pk, pk) for line, item in created for pk in line.sources])


def _update_lines(changes: list[LineChange]) -> None:
    # Scalars: only the lines whose scalars changed, and only the fields that changed on some line.
    fields = sorted({name for change in changes for name in change.changed_scalars})
    _update_rows(
        WorkPlanItem, fields, [(change.item_id, change.new.scalars()) for change in changes if change.changed_scalars]
    )

    # Funding lines and source links keep their ids when they stay.
    gone: list[int] = []
    updated: list[tuple[int, dict[str, Any]]] = []
    created: list[WorkPlanItemFunding] = []
    for change in changes:
        for scheme, old, new in change.funding_changes:
            if new is None:
                gone.append(change.old.funding_ids[scheme.pk])
            elif old is None:
                created.append(WorkPlanItemFunding(item_id=change.item_id, scheme=scheme, amount=new))
            else:
                updated.append((change.old.funding_ids[scheme.pk], {"amount": new}))
    for chunk in _chunks(gone):
        WorkPlanItemFunding.objects.filter(pk__in=chunk).delete()
    _update_rows(WorkPlanItemFunding, ["amount"], updated)
    WorkPlanItemFunding.objects.bulk_create(created, batch_size=BATCH_SIZE)

    unlinked = [
        change.old.link_ids[pk] for change in changes for pk in change.old.sources.keys() - change.new.sources.keys()
    ]
    for chunk in _chunks(unlinked):
        SourceLink.objects.filter(pk__in=chunk).delete()
    _insert_links(
        [
            (change.item_id, pk)
            for change in changes
            for pk in sorted(change.new.sources.keys() - change.old.sources.keys())
        ]
    )


def _delete_lines(lines: list[RenjaLine]) -> None:
    ids = [line.item_id for line in lines]
    for chunk in _chunks(ids):
        # Funding lines and source links go with their item (CASCADE, deleted in bulk: no signals on them).
        WorkPlanItem.objects.filter(pk__in=chunk).delete()


def _listed(lines: Iterable[RenjaLine], limit: int = 20) -> str:
    names = [f"{line.sub_activity.code} {line.region.name}" for line in lines]
    shown = ", ".join(names[:limit])
    return shown + (f" dan {len(names) - limit} lainnya" if len(names) > limit else "")


def _money(value: Decimal) -> str:
    return format(value, "f")


@transaction.atomic
def work_plan_sync(*, work_plan: WorkPlan, user) -> SyncPlan:
    """Make the Renja's lines what the meetings agreed, in one transaction; returns what was applied.

    The work plan row is locked first, so two syncs of one Renja run one after the other and the second finds
    nothing to do. A sync that finds nothing to change writes nothing (no `synced_at`, no audit entry), except the
    first sync of a Renja, which records that it was synced. A final Renja raises `WorkPlanLocked`.
    """
    locked = WorkPlan.objects.select_for_update(of=("self",)).select_related("agency").get(pk=work_plan.pk)
    if locked.is_locked:
        raise WorkPlanLocked(locked)
    plan = work_plan_sync_preview(work_plan=locked)
    if not plan.has_changes and locked.synced_at is not None:
        return plan

    _delete_lines(plan.removed)
    _update_lines(plan.changed)
    _create_lines(locked, plan.added)

    old_synced_at = locked.synced_at
    locked.synced_at = timezone.now()
    locked.save(update_fields=["synced_at"])
    work_plan.synced_at = locked.synced_at

    changes: dict[str, list[Any]] = {"synced_at": [audit_value(old_synced_at), audit_value(locked.synced_at)]}
    if plan.lines_before != plan.lines_after:
        changes["baris"] = [plan.lines_before, plan.lines_after]
    if plan.total_before != plan.total_after:
        changes["pagu"] = [_money(plan.total_before), _money(plan.total_after)]
    note = [f"Sinkronisasi dari kesepakatan rapat TA {locked.fiscal_year}: {plan.summary()}."]
    if plan.added:
        note.append(f"Ditambah: {_listed(plan.added)}.")
    if plan.changed:
        note.append(f"Diubah: {_listed(change.new for change in plan.changed)}.")
    if plan.removed:
        note.append(f"Dihapus: {_listed(plan.removed)}.")
    if plan.skipped:
        numbers = [skipped.number for skipped in plan.skipped]
        note.append(f"Dilewati (di luar nomenklatur): {', '.join(numbers[:20])}" + ("..." if len(numbers) > 20 else ""))
    audit_log(user=user, obj=locked, action=AuditEntry.Action.SYNCED, changes=changes, note=" ".join(note))
    return plan


@transaction.atomic
def work_plan_get_or_create(*, agency: Agency, fiscal_year: int, user=None) -> tuple[WorkPlan, bool]:
    """The agency's Renja of the fiscal year, created as a draft (and audited) when it does not exist yet."""
    work_plan, created = WorkPlan.objects.select_related("agency").get_or_create(agency=agency, fiscal_year=fiscal_year)
    if created:
        audit_log(
            user=user,
            obj=work_plan,
            action=AuditEntry.Action.CREATED,
            changes={"status": [None, work_plan.status]},
        )
    return work_plan, created


@transaction.atomic
def work_plan_finalise(*, work_plan: WorkPlan, user) -> WorkPlan:
    """Draft -> final: the Renja is locked from now on (sync and edits refused)."""
    locked = WorkPlan.objects.select_for_update(of=("self",)).select_related("agency").get(pk=work_plan.pk)
    if locked.is_locked:
        raise WorkPlanLocked(locked, "tidak dapat difinalkan lagi")
    locked.status = WorkPlan.Status.FINAL
    locked.finalised_at = timezone.now()
    locked.save(update_fields=["status", "finalised_at"])
    audit_log(
        user=user,
        obj=locked,
        action=AuditEntry.Action.CHANGED,
        changes={
            "status": [WorkPlan.Status.DRAFT.value, WorkPlan.Status.FINAL.value],
            "finalised_at": [None, audit_value(locked.finalised_at)],
        },
        note="Renja difinalkan dan dikunci.",
    )
    return locked
