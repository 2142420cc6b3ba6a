"""What a Renja holds and what a sync changes: its lines as the sync sees them, the changes to them, the plan.

`workplans.services.work_plan_sync_preview` fills a `SyncPlan`; the sync preview page, the `sync_renja` command
and the admin action show it; `work_plan_sync` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from agencies.models import Region
from programs.models import FundingScheme, Nomenclature, WorkPlan, WorkPlanItem
from rakornis.numbers import format_number

TARGET_MAX_LENGTH = WorkPlanItem._meta.get_field("target").max_length


# Formatting --------------------------------------------------------------------------------------------------------


def format_volume(value: Decimal) -> str:
    """Indonesian notation without trailing zeros: 12.50 -> `12,5`, 3.00 -> `3`, 1250.75 -> `1.250,75`."""
    return format_number(value, trim=True)


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
