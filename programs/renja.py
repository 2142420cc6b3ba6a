"""The Renja sync: an agency's work plan for a fiscal year, made from what the meetings agreed.

`work_plan_sync_preview` computes the lines a Renja must hold and compares them with the lines it holds, writing
nothing; `work_plan_sync` applies that comparison in one transaction. The sync owns each line's amounts per funding
scheme, target, location, forward estimate and source proposals; the planner's notes on a line are never touched.

A line is one sub kegiatan in one kabupaten/kota. Its sources are the proposals of the fiscal year that are agreed
(with or without changes) and whose deciding decision (the one of the latest meeting of that fiscal year) is agreed
with this agency as the executing agency. Its amounts are the decisions' agreed amounts, never the proposals' own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from agencies.models import Agency, Region
from meetings.models import Decision
from programs.models import FundingScheme, Nomenclature, Proposal, WorkPlan, WorkPlanItem, WorkPlanItemFunding
from rakornis.audit import audit_log, audit_value
from rakornis.formatting import format_rupiah, format_thousands
from rakornis.models import AuditEntry

# Rows per INSERT/UPDATE and ids per `pk__in`: well under SQLite's bound-parameter limit and PostgreSQL's 65,535.
BATCH_SIZE = 1000
SourceLink = WorkPlanItem.source_proposals.through
TARGET_MAX_LENGTH = WorkPlanItem._meta.get_field("target").max_length


class WorkPlanError(Exception):
    """A Renja write the rules do not allow; the message is shown to the user as is and nothing was changed."""


class WorkPlanLocked(WorkPlanError):
    """The Renja is final: sync and edits are refused."""

    def __init__(self, work_plan: WorkPlan, refusal: str = "sinkronisasi ditolak") -> None:
        self.work_plan = work_plan
        super().__init__(f"{work_plan} sudah final dan terkunci; {refusal}.")


# Formatting --------------------------------------------------------------------------------------------------------


def format_volume(value: Decimal) -> str:
    """Indonesian notation without trailing zeros: 12.50 -> `12,5`, 3.00 -> `3`, 1250.75 -> `1.250,75`."""
    whole, _, fraction = f"{value:f}".partition(".")
    fraction = fraction.rstrip("0")
    whole = format_thousands(Decimal(whole))
    return f"{whole},{fraction}" if fraction else whole


def format_targets(totals: dict[str, Decimal]) -> str:
    """Volumes summed per unit, units in alphabetical order: `12,5 km; 3 unit`."""
    parts = [f"{format_volume(volume)} {unit}" for unit, volume in sorted(totals.items(), key=_unit_order) if volume]
    return "; ".join(parts)[:TARGET_MAX_LENGTH]


def _unit_order(item: tuple[str, Decimal]) -> tuple[str, str]:
    return (item[0].casefold(), item[0])


# What a plan holds ---------------------------------------------------------------------------------------------------


@dataclass
class RenjaLine:
    """The fields the sync owns on one line, computed from decisions (a new line) or read from the database."""

    sub_activity: Nomenclature
    region: Region
    location: str = ""
    target: str = ""
    forward_target: str = ""
    forward_amount: Decimal = Decimal(0)
    funding: dict[FundingScheme, Decimal] = field(default_factory=dict)
    sources: dict[int, str] = field(default_factory=dict)  # proposal id -> number
    item_id: int | None = None
    # Row ids of an existing line's funding lines (by scheme id) and source links (by proposal id).
    funding_ids: dict[int, int] = field(default_factory=dict, repr=False)
    link_ids: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> tuple[int, int]:
        return (self.sub_activity.pk, self.region.pk)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.sub_activity.code, self.region.code)

    @property
    def total(self) -> Decimal:
        return sum(self.funding.values(), Decimal(0))

    @property
    def funding_lines(self) -> list[tuple[FundingScheme, Decimal]]:
        return sorted(self.funding.items(), key=lambda line: (line[0].order, line[0].code))

    @property
    def source_numbers(self) -> list[str]:
        return sorted(self.sources.values())

    def scalars(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "target": self.target,
            "forward_target": self.forward_target,
            "forward_amount": self.forward_amount,
        }

    def amounts(self) -> dict[int, Decimal]:
        return {scheme.pk: amount for scheme, amount in self.funding.items()}

    def same_as(self, other: RenjaLine) -> bool:
        return (
            self.scalars() == other.scalars()
            and self.amounts() == other.amounts()
            and self.sources.keys() == other.sources.keys()
        )


@dataclass
class LineChange:
    """An existing line (`old`, with its item id) and what it must become (`new`)."""

    old: RenjaLine
    new: RenjaLine

    @property
    def item_id(self) -> int:
        assert self.old.item_id is not None
        return self.old.item_id

    @property
    def sort_key(self) -> tuple[str, str]:
        return self.new.sort_key

    @property
    def changed_scalars(self) -> list[str]:
        old, new = self.old.scalars(), self.new.scalars()
        return [name for name in new if old[name] != new[name]]

    @property
    def funding_changes(self) -> list[tuple[FundingScheme, Decimal | None, Decimal | None]]:
        """(scheme, old amount or None, new amount or None) for every scheme whose amount differs."""
        old = self.old.funding
        new = self.new.funding
        schemes = sorted(old.keys() | new.keys(), key=lambda scheme: (scheme.order, scheme.code))
        return [(scheme, old.get(scheme), new.get(scheme)) for scheme in schemes if old.get(scheme) != new.get(scheme)]

    @property
    def sources_added(self) -> list[str]:
        return sorted(number for pk, number in self.new.sources.items() if pk not in self.old.sources)

    @property
    def sources_removed(self) -> list[str]:
        return sorted(number for pk, number in self.old.sources.items() if pk not in self.new.sources)


@dataclass(frozen=True)
class SkippedProposal:
    proposal_id: int
    number: str
    reason: str


@dataclass
class SyncPlan:
    """What a sync adds, changes and removes, and which agreed proposals cannot become a line."""

    work_plan: WorkPlan
    added: list[RenjaLine] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)
    removed: list[RenjaLine] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedProposal] = field(default_factory=list)
    total_before: Decimal = Decimal(0)
    total_after: Decimal = Decimal(0)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    @property
    def lines_before(self) -> int:
        return self.unchanged + len(self.changed) + len(self.removed)

    @property
    def lines_after(self) -> int:
        return self.unchanged + len(self.changed) + len(self.added)

    def summary(self) -> str:
        text = (
            f"{len(self.added)} baris ditambah, {len(self.changed)} diubah, {len(self.removed)} dihapus, "
            f"{self.unchanged} tetap"
        )
        if self.skipped:
            text += f"; {len(self.skipped)} usulan dilewati"
        return text


# Reading -----------------------------------------------------------------------------------------------------------


def deciding_decisions(*, fiscal_year: int, agency: Agency):
    """Decisions that put a proposal into `agency`'s Renja of `fiscal_year`.

    A proposal's deciding decision is its decision at the latest meeting (by start, then id) planning that fiscal
    year; it counts when agreed, with this agency executing, while the proposal itself is still agreed.
    """
    later = Decision.objects.filter(proposal=OuterRef("proposal"), meeting__fiscal_year=fiscal_year).filter(
        Q(meeting__starts_at__gt=OuterRef("meeting__starts_at"))
        | Q(meeting__starts_at=OuterRef("meeting__starts_at"), meeting_id__gt=OuterRef("meeting_id"))
    )
    return Decision.objects.filter(
        meeting__fiscal_year=fiscal_year,
        proposal__fiscal_year=fiscal_year,
        proposal__status__in=Proposal.AGREED_STATUSES,
        outcome__in=Decision.COUNTED_OUTCOMES,
        executing_agency=agency,
    ).filter(~Exists(later))


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
        deciding_decisions(fiscal_year=work_plan.fiscal_year, agency=work_plan.agency)
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
            location="; ".join(group.location),
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
    columns = [opts.get_field(name) for name in fields]
    assignments = ", ".join(f"{qn(column.column)} = %s" for column in columns)
    sql = f"UPDATE {qn(opts.db_table)} SET {assignments} WHERE {qn(opts.pk.column)} = %s"
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
    for line, item in zip(lines, items, strict=True):
        line.item_id = item.pk
    WorkPlanItemFunding.objects.bulk_create(
        [
            WorkPlanItemFunding(item_id=line.item_id, scheme=scheme, amount=amount)
            for line in lines
            for scheme, amount in line.funding.items()
        ],
        batch_size=BATCH_SIZE,
    )
    _insert_links([(line.item_id, pk) for line in lines for pk in line.sources])


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


# Admin action ------------------------------------------------------------------------------------------------------


@admin.action(description="Sinkronkan dari kesepakatan rapat", permissions=["change"])
def sync_work_plans_action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset) -> None:
    """Sync each selected Renja in its own transaction: a final one is reported and does not stop the others."""
    for work_plan in queryset.select_related("agency").order_by("-fiscal_year", "agency__short_name"):
        try:
            plan = work_plan_sync(work_plan=work_plan, user=request.user)
        except WorkPlanLocked as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
            continue
        if plan.has_changes:
            modeladmin.message_user(
                request,
                f"{work_plan}: {plan.summary()}; total pagu {format_rupiah(plan.total_after)}.",
                messages.SUCCESS,
            )
        else:
            modeladmin.message_user(request, f"{work_plan} sudah sesuai kesepakatan rapat; tidak ada perubahan.")
        if plan.skipped:
            numbers = ", ".join(skipped.number for skipped in plan.skipped[:20])
            more = f" dan {len(plan.skipped) - 20} lainnya" if len(plan.skipped) > 20 else ""
            modeladmin.message_user(
                request,
                f"{work_plan}: {len(plan.skipped)} usulan di luar nomenklatur dilewati "
                f"(tanpa sub kegiatan): {numbers}{more}.",
                messages.WARNING,
            )
