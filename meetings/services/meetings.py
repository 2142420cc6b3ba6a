"""The meeting itself, its attendance, its agenda, and closing it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Agency
from meetings.models import AgendaItem, Attendance, Decision, Meeting
from programs.models import Proposal
from programs.summary import ids_of_meeting, summary_apply, summary_snapshot
from rakornis.audit import audit_log, audit_value, diff, snapshot
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

MEETING_FIELDS = ["kind", "title", "organiser", "starts_at", "ends_at", "venue", "city", "fiscal_year", "purpose"]
ATTENDANCE_FIELDS = ["name", "position", "agency", "capacity", "represents"]


class MeetingError(Exception):
    """A change the meeting's state or the rules do not allow; the message is shown to the user as is."""


def locked_open_meeting(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("organiser__region").get(pk=meeting.pk)
    if locked.is_closed:
        raise MeetingError("Rapat ini sudah ditutup; daftar hadir, agenda dan kesepakatannya tidak dapat diubah lagi.")
    return locked


@transaction.atomic
def meeting_create(*, user: Actor, values: dict[str, Any]) -> Meeting:
    meeting = Meeting(**{field: values[field] for field in MEETING_FIELDS if field in values})
    meeting.full_clean()
    meeting.save()
    audit_log(
        user=user, obj=meeting, action=AuditEntry.Action.CREATED, changes=diff({}, snapshot(meeting, MEETING_FIELDS))
    )
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, values: dict[str, Any], user: Actor) -> Meeting:
    meeting = locked_open_meeting(meeting)
    # Compare the values themselves: the same instant typed in WITA and read back in UTC is no change.
    changes = {
        field: [audit_value(getattr(meeting, field)), audit_value(values[field])]
        for field in MEETING_FIELDS
        if field in values and getattr(meeting, field) != values[field]
    }
    for field in changes:
        setattr(meeting, field, values[field])
    # Which meeting is the latest of a year decides which decision counts (meetings.selectors).
    decided = ids_of_meeting(meeting) if "starts_at" in changes or "fiscal_year" in changes else []
    summary_before = summary_snapshot(decided)
    if changes:
        meeting.full_clean()
        meeting.save(update_fields=list(changes))
        audit_log(user=user, obj=meeting, action=AuditEntry.Action.CHANGED, changes=changes)
        summary_apply(summary_before, summary_snapshot(decided))
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, user: Actor) -> Meeting:
    """Close the meeting: its attendance, agenda and decisions are frozen from now on."""
    meeting = locked_open_meeting(meeting)
    meeting.closed_at = timezone.now()
    meeting.closed_by = person(user)
    meeting.save(update_fields=["closed_at", "closed_by"])
    audit_log(
        user=user,
        obj=meeting,
        action=AuditEntry.Action.CLOSED,
        changes={"closed_at": [None, audit_value(meeting.closed_at)]},
        note=f"{meeting.decisions.count()} kesepakatan, {meeting.attendances.count()} peserta hadir.",
    )
    return meeting


@transaction.atomic
def attendance_add(
    *,
    meeting: Meeting,
    user: Actor,
    name: str,
    position: str = "",
    agency: Agency | None = None,
    capacity: str = Attendance.Capacity.PARTICIPANT,
    represents: str = "",
) -> Attendance:
    meeting = locked_open_meeting(meeting)
    last = meeting.attendances.order_by("-order").values_list("order", flat=True).first() or 0
    attendance = Attendance.objects.create(
        meeting=meeting,
        name=name,
        position=position,
        agency=agency,
        capacity=capacity,
        represents=represents,
        order=last + 1,
    )
    audit_log(
        user=user,
        obj=attendance,
        action=AuditEntry.Action.CREATED,
        changes=diff({}, snapshot(attendance, ATTENDANCE_FIELDS)),
        note=f"Daftar hadir {meeting}",
    )
    return attendance


@transaction.atomic
def attendance_delete(*, meeting: Meeting, attendance: Attendance, user: Actor) -> None:
    meeting = locked_open_meeting(meeting)
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk, meeting=meeting)
    audit_log(
        user=user,
        obj=attendance,
        action=AuditEntry.Action.DELETED,
        changes={field: [value, None] for field, value in snapshot(attendance, ATTENDANCE_FIELDS).items() if value},
        note=f"Daftar hadir {meeting}",
    )
    attendance.delete()


def agenda_candidates(meeting: Meeting) -> QuerySet[Proposal]:
    """Proposals that may go on this meeting's agenda: verified, of its province and planned fiscal year."""
    proposals = Proposal.objects.filter(status=Proposal.Status.VERIFIED, fiscal_year=meeting.fiscal_year)
    province = meeting.province_code
    if province is not None:
        proposals = proposals.filter(region__code__startswith=f"{province}.")
    return proposals


@transaction.atomic
def agenda_add(*, meeting: Meeting, proposals: Iterable[Proposal], user: Actor) -> list[Proposal]:
    """Put the given proposals on the agenda; those not eligible or already there are skipped. Returns the added."""
    meeting = locked_open_meeting(meeting)
    ids = [proposal.pk for proposal in proposals]
    eligible = (
        agenda_candidates(meeting)
        .filter(pk__in=ids)
        .exclude(agenda_items__meeting=meeting)
        .exclude(decisions__meeting=meeting)
        .order_by("region__code", "number")
    )
    added = list(eligible)
    AgendaItem.objects.bulk_create([AgendaItem(meeting=meeting, proposal=p, added_by=person(user)) for p in added])
    if added:
        numbers = [p.number for p in added]
        shown = ", ".join(numbers[:50]) + (f" dan {len(numbers) - 50} lainnya" if len(numbers) > 50 else "")
        audit_log(
            user=user,
            obj=meeting,
            action=AuditEntry.Action.CHANGED,
            changes={"agenda": [None, f"+{len(added)} usulan"]},
            note=f"Ditambahkan ke agenda: {shown}",
        )
    return added


@transaction.atomic
def agenda_remove(*, meeting: Meeting, item: AgendaItem, user: Actor) -> None:
    meeting = locked_open_meeting(meeting)
    item = (
        AgendaItem.objects.select_for_update(of=("self",)).select_related("proposal").get(pk=item.pk, meeting=meeting)
    )
    if Decision.objects.filter(meeting=meeting, proposal=item.proposal).exists():
        raise MeetingError(
            f"Usulan {item.proposal.number} sudah diputuskan dalam rapat ini; tidak dapat dihapus dari agenda."
        )
    audit_log(
        user=user,
        obj=meeting,
        action=AuditEntry.Action.CHANGED,
        changes={"agenda": [item.proposal.number, None]},
        note=f"Dihapus dari agenda: {item.proposal.number}",
    )
    item.delete()
