"""The overlap rule: *kemungkinan tumpang tindih*. It warns and never blocks.

Two proposals of the same fiscal year may overlap when they are in the same kabupaten/kota, for the same sub
kegiatan, and either their locations (when given) or their names are the same, ignoring case. Their agency, level
and funding do not matter: a Pokir proposal and a Musrenbang proposal for the same road, or a Balai's APBN line on
a road that the kabupaten also proposes, are exactly what a planner must see side by side. Real planning has such
pairs, so the form, the import, the detail page and the list flag them with a link to the other, and save them.

One rule, three forms of it: `overlapping(proposal)` for one saved proposal (`copies_and_overlapping` for its
page), `with_overlap_flag()` for a list (an EXISTS per row of a page), `overlaps_for(candidates)` for rows not saved
yet (the form and the import preview).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from programs.models import Proposal

# At most this many overlapping proposals are named per proposal (a page stays bounded).
LIMIT = 20


def _text(value: str | None) -> str:
    return (value or "").strip().lower()


def _same_place(name: str, location: str, *, outer: bool = False) -> Q:
    """Same name, or same non-empty location, ignoring case."""
    if outer:
        return Q(name_lower=Lower(OuterRef("name"))) | (~Q(location="") & Q(location_lower=Lower(OuterRef("location"))))
    query = Q(name_lower=_text(name))
    if _text(location):
        query |= Q(location_lower=_text(location))
    return query


def _lowered(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return queryset.annotate(name_lower=Lower("name"), location_lower=Lower("location"))


def overlapping(proposal: Proposal, queryset: QuerySet[Proposal] | None = None) -> QuerySet[Proposal]:
    """The other proposals that may overlap `proposal` (pass the user's scope as `queryset`)."""
    if proposal.sub_activity_id is None:
        return Proposal.objects.none()
    others = (Proposal.objects.all() if queryset is None else queryset).filter(
        fiscal_year=proposal.fiscal_year, region_id=proposal.region_id, sub_activity_id=proposal.sub_activity_id
    )
    if proposal.pk is not None:
        others = others.exclude(pk=proposal.pk)
    return (
        _lowered(others)
        .filter(_same_place(proposal.name, proposal.location))
        .select_related("agency")
        .order_by("number")
    )


def overlap_exists() -> Exists:
    """An EXISTS for a proposal queryset: does another proposal overlap this row?"""
    others = (
        _lowered(Proposal.objects.all())
        .filter(
            fiscal_year=OuterRef("fiscal_year"),
            region_id=OuterRef("region_id"),
            sub_activity_id=OuterRef("sub_activity_id"),
        )
        .exclude(pk=OuterRef("pk"))
        .filter(_same_place("", "", outer=True))
    )
    return Exists(others)


def with_overlap_flag(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return queryset.annotate(has_overlap=overlap_exists())


def copies_and_overlapping(proposal: Proposal) -> tuple[list[Proposal], list[Proposal]]:
    """The proposals carried over from `proposal` (by year and number, with their agency) and those it may overlap
    (the first `LIMIT` by number), looked for only when its overlap flag (`with_overlap_flag`, if it was read with
    it) says there are some: one query for the proposal page's two lists."""
    wanted = Proposal.objects.filter(carried_over_from=proposal).values("pk")
    rows = Proposal.objects.select_related("agency").order_by("fiscal_year", "number")
    if getattr(proposal, "has_overlap", True):
        first = overlapping(proposal).values("pk")[:LIMIT]
        # The two sets' ids as a UNION ALL, each read from its own index: `carried_over_from = X OR pk IN (...)`
        # made PostgreSQL scan every proposal (200 ms at 500,000). The slice stays inside its own IN, which SQLite
        # allows in a compound statement.
        wanted = wanted.union(Proposal.objects.filter(pk__in=first).values("pk"), all=True)
        rows = rows.annotate(overlapping=ExpressionWrapper(Q(pk__in=first), output_field=BooleanField()))
    found = list(rows.filter(pk__in=wanted))
    copies = [row for row in found if row.carried_over_from_id == proposal.pk]
    return copies, sorted((row for row in found if getattr(row, "overlapping", False)), key=lambda row: row.number)


def only_overlapping(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """The list filter "kemungkinan tumpang tindih"."""
    return queryset.filter(overlap_exists())


@dataclass(frozen=True)
class Candidate:
    """A proposal as typed (a form, an import row): `key` identifies it to the caller; `pk` is its saved id, if
    any, so that it does not overlap itself."""

    key: Hashable
    fiscal_year: int
    region_id: int
    sub_activity_id: int | None
    name: str
    location: str
    pk: int | None = None
    number: str = ""


@dataclass(frozen=True)
class Overlap:
    pk: int | None  # None: another row of the same file, not saved yet
    number: str
    label: str  # how to name the other: its number, or "baris 12" for another row of the file


def overlaps_for(candidates: Iterable[Candidate], *, row_label: str = "baris") -> dict[Hashable, list[Overlap]]:
    """For each candidate that may overlap saved proposals or other candidates, those it overlaps.

    One query per 100 (fiscal year, kabupaten/kota, sub kegiatan) groups, whatever the number of candidates.
    """
    groups: dict[tuple[int, int, int], list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.sub_activity_id is not None:
            groups[(candidate.fiscal_year, candidate.region_id, candidate.sub_activity_id)].append(candidate)
    found: dict[Hashable, list[Overlap]] = defaultdict(list)
    keys = sorted(groups)
    for start in range(0, len(keys), 100):
        query = Q(pk__in=[])
        for year, region_id, sub_id in keys[start : start + 100]:
            query |= Q(fiscal_year=year, region_id=region_id, sub_activity_id=sub_id)
        rows = Proposal.objects.filter(query).values_list(
            "pk", "number", "fiscal_year", "region_id", "sub_activity_id", "name", "location"
        )
        for pk, number, year, region_id, sub_id, name, location in rows:
            for candidate in groups[(year, region_id, sub_id)]:
                if candidate.pk != pk and _matches(candidate, name, location):
                    found[candidate.key].append(Overlap(pk=pk, number=number, label=number))
    # New rows of the same file overlap each other too (saved ones were found above): index each group's new rows by
    # name and by location, so 5,000 rows of one sub kegiatan cost 5,000 look-ups, not 25 million comparisons.
    for group in groups.values():
        new = [candidate for candidate in group if candidate.pk is None]
        by_name: dict[str, list[Candidate]] = defaultdict(list)
        by_location: dict[str, list[Candidate]] = defaultdict(list)
        for candidate in new:
            by_name[_text(candidate.name)].append(candidate)
            if _text(candidate.location):
                by_location[_text(candidate.location)].append(candidate)
        for candidate in group:
            # LIMIT + 1: the candidate itself may be among them; a page never names more than LIMIT.
            others = {id(o): o for o in by_name.get(_text(candidate.name), [])[: LIMIT + 1]}
            if _text(candidate.location):
                others.update((id(o), o) for o in by_location.get(_text(candidate.location), [])[: LIMIT + 1])
            for other in others.values():
                if other is not candidate and len(found[candidate.key]) < LIMIT:
                    label = f"{row_label} {other.key}"
                    found[candidate.key].append(Overlap(pk=None, number=other.number, label=label))
    return {key: sorted(values, key=_order)[:LIMIT] for key, values in found.items()}


def _order(overlap: Overlap) -> tuple[int, str, int]:
    """Saved proposals by number first, then rows of the file in row order ("baris 9" before "baris 10")."""
    tail = overlap.label.rsplit(" ", 1)[-1]
    return (overlap.pk is None, overlap.number if overlap.pk else "", int(tail) if tail.isdigit() else 0)


def _matches(candidate: Candidate, name: str, location: str) -> bool:
    if _text(candidate.name) == _text(name):
        return True
    return bool(_text(candidate.location)) and _text(candidate.location) == _text(location)
