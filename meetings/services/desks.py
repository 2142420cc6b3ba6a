"""Desks (desk urusan) of a meeting, as at Kalteng's Rakortekrenbang: one desk per bidang urusan (Desk PUPR = 1.03,
Desk Perkim = 1.04) whose participants go through the proposals of that urusan on the agenda, look at the outcome
indicators they serve and the gap to each target, record decisions (`meetings.services.decisions`, the desk
recorded with each) and agree per indicator which sub kegiatan support it (`desk_agreement_set`).

Reads for the desk page are bounded by the meeting's agenda and the desk's indicators, never by the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext

from meetings.models import AgendaItem, Attendance, Decision, Desk, DeskIndicatorAgreement
from meetings.services.meetings import MeetingError, locked_open_meeting
from programs.models import Indicator, IndicatorSubActivity, Nomenclature
from rakornis.audit import audit_log
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

# The most indicators one desk page lists (a bidang urusan has a handful of outcome indicators) and the most sub
# kegiatan offered per indicator: a desk page never grows with the nomenclature.
DESK_INDICATOR_LIMIT = 30
DESK_SUB_ACTIVITY_LIMIT = 60


def _sector_prefix(desk: Desk) -> str | None:
    return f"{desk.sector.code}." if desk.sector is not None else None


def desk_participants(desk: Desk) -> QuerySet[Attendance]:
    return desk.attendances.select_related("agency").order_by("order", "pk")


def desk_agenda(desk: Desk, user: Any) -> QuerySet[AgendaItem]:
    """The agenda items of the desk's meeting whose proposal is of the desk's bidang urusan (its sub kegiatan code
    under the bidang's), in the user's scope, with the proposal and the decision taken on it at this meeting."""
    items = desk.meeting.agenda_items.for_user(user)
    prefix = _sector_prefix(desk)
    items = items.filter(proposal__sub_activity__code__startswith=prefix) if prefix else items.none()
    decisions = Decision.objects.filter(meeting=desk.meeting_id, proposal=OuterRef("proposal"))
    return (
        items.select_related("proposal__region", "proposal__sub_activity")
        .annotate(
            decided=Exists(decisions),
        )
        .order_by("proposal__region__code", "proposal__number", "pk")
    )


def desk_agenda_count(user: Any) -> Coalesce:
    """For a Desk queryset: how many agenda items of its meeting in the user's scope are of its bidang urusan (the
    desk page's paginator count, read with the desk)."""
    rows = (
        AgendaItem.objects.for_user(user)
        .filter(meeting=OuterRef("meeting"))
        .filter(proposal__sub_activity__code__startswith=Concat(OuterRef("sector__code"), Value(".")))
        .order_by()
        .values("meeting")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), Value(0), output_field=IntegerField())


@dataclass
class DeskIndicator:
    """An indicator a desk looks at: the sub kegiatan offered for agreement and those the desk agreed."""

    indicator: Indicator
    offered: list[Nomenclature] = field(default_factory=list)
    agreed: set[int] = field(default_factory=set)
    on_agenda: set[int] = field(default_factory=set)


def desk_indicators(desk: Desk) -> list[DeskIndicator]:
    """The outcome indicators of the desk's bidang urusan and those the sub kegiatan of its agenda serve (through
    `IndicatorSubActivity`), each with the sub kegiatan offered (linked to it, on the agenda under the bidang, or
    already agreed) and those agreed. Four queries, bounded by DESK_INDICATOR_LIMIT and DESK_SUB_ACTIVITY_LIMIT."""
    prefix = _sector_prefix(desk)
    if prefix is None:
        return []
    agenda_subs = Nomenclature.objects.filter(
        Exists(
            AgendaItem.objects.filter(meeting=desk.meeting_id, proposal__sub_activity=OuterRef("pk")).filter(
                proposal__sub_activity__code__startswith=prefix
            )
        )
    )
    indicators = list(
        Indicator.objects.filter(
            Q(sector=desk.sector)
            | Exists(IndicatorSubActivity.objects.filter(indicator=OuterRef("pk"), sub_activity__in=agenda_subs))
            | Exists(DeskIndicatorAgreement.objects.filter(desk=desk, indicator=OuterRef("pk")))
        ).order_by("code")[:DESK_INDICATOR_LIMIT]
    )
    by_id = {indicator.pk: DeskIndicator(indicator) for indicator in indicators}
    offered: dict[int, dict[int, Nomenclature]] = defaultdict(dict)
    for link in IndicatorSubActivity.objects.filter(indicator__in=by_id).select_related("sub_activity"):
        offered[link.indicator_id][link.sub_activity_id] = link.sub_activity
    for agreement in DeskIndicatorAgreement.objects.filter(desk=desk, indicator__in=by_id).select_related(
        "sub_activity"
    ):
        offered[agreement.indicator_id][agreement.sub_activity_id] = agreement.sub_activity
        by_id[agreement.indicator_id].agreed.add(agreement.sub_activity_id)
    on_agenda = {sub.pk: sub for sub in agenda_subs.order_by("code")[:DESK_SUB_ACTIVITY_LIMIT]}
    for item in by_id.values():
        # A sub kegiatan of the agenda may be agreed for any indicator of the desk: that is what a desk decides.
        subs = {**on_agenda, **offered[item.indicator.pk]}
        item.offered = sorted(subs.values(), key=lambda sub: sub.code)[:DESK_SUB_ACTIVITY_LIMIT]
        item.on_agenda = set(on_agenda)
    return list(by_id.values())


def _codes(subs: Iterable[Nomenclature]) -> list[str]:
    return sorted(sub.code for sub in subs)


@transaction.atomic
def desk_agreement_set(
    *, desk: Desk, indicator: Indicator, sub_activities: Iterable[Nomenclature], user: Actor
) -> list[DeskIndicatorAgreement]:
    """Record which sub kegiatan the desk agreed support `indicator` (replacing what it had agreed for it); refused
    on a closed meeting and for a sub kegiatan outside the desk's bidang urusan. Audited on the desk."""
    locked_open_meeting(desk.meeting)
    chosen = {sub.pk: sub for sub in sub_activities}
    prefix = _sector_prefix(desk)
    if prefix is None:
        raise MeetingError(gettext("Desk ini belum memiliki bidang urusan; lengkapi dahulu di admin."))
    for sub in chosen.values():
        if sub.level != Nomenclature.Level.SUB_ACTIVITY or not sub.code.startswith(prefix):
            raise MeetingError(
                gettext("Sub kegiatan %(code)s bukan bagian dari bidang urusan %(sector)s.")
                % {"code": sub.code, "sector": desk.sector}
            )
    current = {
        agreement.sub_activity_id: agreement
        for agreement in DeskIndicatorAgreement.objects.select_for_update()
        .filter(desk=desk, indicator=indicator)
        .select_related("sub_activity")
    }
    before = _codes(agreement.sub_activity for agreement in current.values())
    DeskIndicatorAgreement.objects.filter(desk=desk, indicator=indicator).exclude(sub_activity__in=chosen).delete()
    DeskIndicatorAgreement.objects.bulk_create(
        [
            DeskIndicatorAgreement(desk=desk, indicator=indicator, sub_activity=sub, agreed_by=person(user))
            for pk, sub in chosen.items()
            if pk not in current
        ]
    )
    after = _codes(chosen.values())
    if before != after:
        audit_log(
            user=user,
            obj=desk,
            action=AuditEntry.Action.CHANGED,
            changes={f"indikator {indicator.code}": [before or None, after or None]},
            note=f"Rapat: {desk.meeting}",
        )
    return list(DeskIndicatorAgreement.objects.filter(desk=desk, indicator=indicator).order_by("sub_activity__code"))
