"""What the Berita Acara reads beyond the decision table of `meetings.selectors`, as offices write the document:

- `meeting_decision_breakdown`: decisions counted and agreed amounts totalled by desk and by the proposals' origin
  (Musrenbang, Pokir DPRD, Renja PD, Forum PD), from the meeting's decision summary (`meetings.summary`), rows
  bounded by desks x origins x outcomes x schemes;
- `minutes_decisions` / `desk_sections`: the decisions desk by desk (a meeting with desks, as Kalteng's
  Rakortekrenbang), each desk's by kabupaten/kota with the subtotals of `meetings.selectors.summarise_decisions`;
- `minutes_signatories` / `meeting_signatories`: who signs: the chair once, then one block per party present.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from meetings.models import Attendance, Decision, DecisionFunding, Desk, Meeting, MeetingDecisionSummary
from meetings.selectors import ZERO, DecisionSummary, MeetingTotals, meeting_decisions, summarise_decisions
from programs.models import FundingScheme, Proposal
from rakornis.i18n import official_text

NO_DESK_LABEL = "Di luar desk"

# The clause every Berita Acara Kesepakatan carries: an agreement is not an allocation.
BUDGET_CLAUSE = (
    "Kesepakatan ini dilaksanakan sesuai dengan ketersediaan anggaran dan kemampuan keuangan pada masing-masing "
    "sumber dana (APBD Provinsi, APBD Kabupaten/Kota, APBN dan sumber lain yang sah), serta mengikuti mekanisme "
    "penganggaran dan ketentuan peraturan perundang-undangan yang berlaku; kesepakatan ini bukan merupakan "
    "penetapan alokasi anggaran."
)


# Recaps by desk and by origin ---------------------------------------------------------------------------------------


@dataclass
class BreakdownTotal:
    """The decisions of one desk or one origin: counted, and agreed amounts per scheme of the meeting's totals."""

    key: Any  # the desk's pk (None: outside any desk) or the Proposal.Origin value
    label: str
    count: int = 0
    counted: int = 0
    amounts: list[Decimal] = field(default_factory=list)
    total: Decimal = ZERO


@dataclass
class MeetingBreakdown:
    desks: list[BreakdownTotal]  # empty when no decision of the meeting was taken at a desk
    origins: list[BreakdownTotal]

    def desk(self, desk_id: int | None) -> BreakdownTotal | None:
        return next((d for d in self.desks if d.key == desk_id), None)


def meeting_decision_breakdown(
    meeting: Meeting, *, schemes: list[FundingScheme], user: Any = None, decisions: QuerySet[Decision] | None = None
) -> MeetingBreakdown:
    """Counts and agreed amounts (in the columns of `schemes`, those of `meeting_decision_totals`) by desk and by
    the proposals' origin, in rows bounded by desks x origins x outcomes (x schemes), never by the decisions.

    As `meeting_decision_totals`: one query on the meeting's decision summary, narrowed to what `user` sees (the
    summary's kabupaten/kota is the decisions' scope); two GROUP BY queries over the decisions only for a
    `decisions` narrowing the summary cannot express."""
    counts: list[tuple[int | None, str | None, str, str, int]]
    amounts: list[tuple[int | None, str, int, Decimal]]
    if decisions is not None:
        counts, amounts = _breakdown_of_decisions(meeting, decisions)
    else:
        rows = MeetingDecisionSummary.objects.filter(meeting=meeting)
        if user is not None:
            rows = rows.for_user(user)
        grouped = (
            rows.order_by()
            .values_list("desk_id", "desk__name", "origin", "outcome", "scheme_id")
            .annotate(n=Sum("decision_count"), amount=Sum("amount"))
        )
        counts, amounts = [], []
        for desk_id, desk_name, origin_value, outcome, scheme_id, n, amount in grouped:
            if scheme_id is None:
                counts.append((desk_id, desk_name, origin_value, outcome, n))
            elif outcome in Decision.COUNTED_OUTCOMES and n:
                amounts.append((desk_id, origin_value, scheme_id, amount))
    column = {scheme.pk: index for index, scheme in enumerate(schemes)}
    origin_labels = {value: official_text(label) for value, label in Proposal.Origin.choices}
    desks: dict[int | None, BreakdownTotal] = {}
    origins: dict[str, BreakdownTotal] = {}
    for desk_id, desk_name, origin_value, outcome, n in counts:
        desk = desks.setdefault(
            desk_id, BreakdownTotal(desk_id, desk_name or NO_DESK_LABEL, amounts=[ZERO] * len(schemes))
        )
        origin = origins.setdefault(
            origin_value,
            BreakdownTotal(origin_value, origin_labels.get(origin_value, origin_value), amounts=[ZERO] * len(schemes)),
        )
        for counted in (desk, origin):
            counted.count += n
            if outcome in Decision.COUNTED_OUTCOMES:
                counted.counted += n
    for desk_id, origin_value, scheme_id, amount in amounts:
        index = column.get(scheme_id)
        for summed in (desks.get(desk_id), origins.get(origin_value)):
            if summed is not None and index is not None:
                summed.amounts[index] += amount
                summed.total += amount
    origin_order = {value: index for index, value in enumerate(Proposal.Origin.values)}
    return MeetingBreakdown(
        desks=sorted(desks.values(), key=lambda d: (d.key is None, d.label))
        if any(key is not None for key in desks)
        else [],
        origins=sorted(origins.values(), key=lambda o: origin_order.get(o.key, len(origin_order))),
    )


def _breakdown_of_decisions(
    meeting: Meeting, decisions: QuerySet[Decision]
) -> tuple[list[tuple[int | None, str | None, str, str, int]], list[tuple[int | None, str, int, Decimal]]]:
    """(desk, desk name, origin, outcome, count) and (desk, origin, scheme, agreed amount) of any narrowing of the
    meeting's decisions: two GROUP BY queries over them."""
    scoped = decisions.filter(meeting=meeting)
    counts = (
        scoped.order_by().values_list("desk_id", "desk__name", "proposal__origin", "outcome").annotate(n=Count("pk"))
    )
    amounts = (
        DecisionFunding.objects.filter(decision__in=scoped.filter(outcome__in=Decision.COUNTED_OUTCOMES).values("pk"))
        .order_by()
        .values_list("decision__desk_id", "decision__proposal__origin", "scheme_id")
        .annotate(amount=Sum("amount"))
    )
    return list(counts), list(amounts)


# The decisions desk by desk -----------------------------------------------------------------------------------------


def minutes_decisions(
    meeting: Meeting, *, decisions: QuerySet[Decision] | None = None, by_desk: bool = False
) -> QuerySet[Decision]:
    """`meeting_decisions`, and with `by_desk` desk by desk (by name; those outside any desk last), then in its
    order (kabupaten/kota, proposal number)."""
    queryset = meeting_decisions(meeting, decisions=decisions)
    if not by_desk:
        return queryset
    return queryset.select_related("desk").order_by(
        F("desk__name").asc(nulls_last=True), "desk_id", "proposal__region__code", "proposal__number", "pk"
    )


@dataclass
class DeskSection:
    """One desk's decisions (by kabupaten/kota, with subtotals) and the desk's totals from the aggregates."""

    desk: Desk | None
    label: str
    summary: DecisionSummary
    total: BreakdownTotal | None


def desk_runs(decisions: Iterable[Decision]) -> Iterable[tuple[int | None, Iterable[Decision]]]:
    """The decisions (read `by_desk`) in runs of one desk each, without holding more than the caller does."""
    return groupby(decisions, key=lambda decision: decision.desk_id)


def desk_sections(
    decisions: list[Decision], *, schemes: list[FundingScheme], breakdown: MeetingBreakdown
) -> list[DeskSection]:
    """The decisions (read `by_desk`) as one `DeskSection` per desk, each grouped by kabupaten/kota."""
    sections = []
    for desk_id, run in desk_runs(decisions):
        rows = list(run)
        desk = rows[0].desk
        total = breakdown.desk(desk_id)
        label = desk.name if desk is not None else NO_DESK_LABEL
        sections.append(DeskSection(desk, label, summarise_decisions(rows, schemes=schemes), total))
    return sections


# Who signs ----------------------------------------------------------------------------------------------------------


@dataclass
class Signatories:
    """Who signs the Berita Acara: the chair once ("Pimpinan Rapat"), then one block per party present."""

    chair: Attendance | None
    parties: list[Attendance]


# At most this many attendances are read to find who signs a meeting whose attendance list is too long to read whole
# (parties are agencies: a province has a few hundred at most).
SIGNATORY_LIMIT = 500

# The parties to what a meeting agrees: the agencies taking part (the chair's and the participants'). Speakers, the
# secretariat and guests sign the attendance list, not the agreement.
PARTY_CAPACITIES = (Attendance.Capacity.CHAIR, Attendance.Capacity.PARTICIPANT)


def minutes_signatories(attendances: Iterable[Attendance]) -> Signatories:
    """The first chair, then per agency present (in attendance order) its first chair or participant: one block
    per party. The chair signs for the chair's own agency; a participant without an agency is a party alone."""
    candidates = [a for a in attendances if a.capacity in PARTY_CAPACITIES]
    chair = next((a for a in candidates if a.capacity == Attendance.Capacity.CHAIR), None)
    seen: set[int] = {chair.agency_id} if chair is not None and chair.agency_id is not None else set()
    parties = []
    for attendance in candidates:
        if attendance is chair:
            continue
        if attendance.agency_id is None:
            parties.append(attendance)
        elif attendance.agency_id not in seen:
            seen.add(attendance.agency_id)
            parties.append(attendance)
    return Signatories(chair=chair, parties=parties)


def meeting_signatories(meeting: Meeting, *, limit: int = SIGNATORY_LIMIT) -> Signatories:
    """`minutes_signatories` of a meeting whose attendance is too long to read whole: one query for the attendances
    that can sign (each agency's first chair or participant, and the first chair; at most `limit`)."""
    earlier = Attendance.objects.filter(
        meeting=OuterRef("meeting"), agency=OuterRef("agency"), capacity__in=PARTY_CAPACITIES
    ).filter(Q(order__lt=OuterRef("order")) | Q(order=OuterRef("order"), pk__lt=OuterRef("pk")))
    first_chair = (
        meeting.attendances.filter(capacity=Attendance.Capacity.CHAIR).order_by("order", "pk").values("pk")[:1]
    )
    candidates = (
        meeting.attendances.filter(capacity__in=PARTY_CAPACITIES)
        .filter(Q(agency__isnull=True) | ~Exists(earlier) | Q(pk__in=first_chair))
        .select_related("agency")
        .order_by("order", "pk")[:limit]
    )
    return minutes_signatories(candidates)


# What the Berita Acara's templates read, on screen and in the worker's document -------------------------------------


def minutes_sections(
    meeting: Meeting, *, totals: MeetingTotals, user: Any = None, decisions: QuerySet[Decision] | None = None
) -> dict[str, Any]:
    """The parts around the decision table: the bases, the recaps by origin and desk (of what `user` sees, or of
    `decisions`: `meeting_decision_breakdown`), the budget clause. Two queries, whatever the meeting."""
    from meetings.services.meetings import MAX_BASES  # the services import the models this module reads

    return {
        "bases": list(meeting.bases.all()[:MAX_BASES]),
        "breakdown": meeting_decision_breakdown(meeting, schemes=totals.schemes, user=user, decisions=decisions),
        "budget_clause": BUDGET_CLAUSE,
    }


def minutes_table(
    meeting: Meeting, *, totals: MeetingTotals, breakdown: MeetingBreakdown, decisions: QuerySet[Decision] | None = None
) -> dict[str, Any]:
    """Every decision of a small meeting for the table of Lampiran I: `summary` (by kabupaten/kota, the grand total)
    and, when the meeting has desks, `sections` (desk by desk). Two queries."""
    by_desk = bool(breakdown.desks)
    rows = list(minutes_decisions(meeting, decisions=decisions, by_desk=by_desk))
    return {
        "summary": summarise_decisions(rows, schemes=totals.schemes),
        "sections": desk_sections(rows, schemes=totals.schemes, breakdown=breakdown) if by_desk else [],
    }
