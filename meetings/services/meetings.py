"""The meeting itself, its attendance, its agenda, and closing it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from agencies.models import Agency
from meetings.models import AgendaItem, Attendance, Decision, Meeting, MeetingBasis
from programs.models import Proposal
from programs.summary import ids_of_meeting, summary_apply, summary_snapshot
from rakornis.audit import audit_log, audit_value, diff, snapshot
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

MEETING_FIELDS = ["kind", "title", "organiser", "starts_at", "ends_at", "venue", "city", "fiscal_year", "purpose"]
ATTENDANCE_FIELDS = ["name", "position", "nip", "agency", "capacity", "represents"]
# A Berita Acara lists a handful of bases (RPJMD, RKPD theme, Rakortekrenbang, RTRW ...); the bound keeps the printed
# "Dasar" and the meeting page's form list short whatever is posted.
MAX_BASES = 30


class MeetingError(Exception):
    """A change the meeting's state or the rules do not allow; the message is shown to the user as is."""


def locked_open_meeting(meeting: Meeting) -> Meeting:
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("organiser__region").get(pk=meeting.pk)
    if locked.is_closed:
        raise MeetingError(
            gettext("Rapat ini sudah ditutup; daftar hadir, agenda dan kesepakatannya tidak dapat diubah lagi.")
        )
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
    nip: str = "",
    agency: Agency | None = None,
    capacity: str = Attendance.Capacity.PARTICIPANT,
    represents: str = "",
) -> Attendance:
    meeting = locked_open_meeting(meeting)
    last = meeting.attendances.order_by("-order").values_list("order", flat=True).first() or 0
    attendance = Attendance(
        meeting=meeting,
        name=name,
        position=position,
        nip=nip,
        agency=agency,
        capacity=capacity,
        represents=represents,
        order=last + 1,
    )
    attendance.full_clean(exclude=["meeting", "agency", "desk"])  # the NIP's digits: no CHECK can say them
    attendance.save()
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
            gettext("Usulan %(number)s sudah diputuskan dalam rapat ini; tidak dapat dihapus dari agenda.")
            % {"number": item.proposal.number}
        )
    audit_log(
        user=user,
        obj=meeting,
        action=AuditEntry.Action.CHANGED,
        changes={"agenda": [item.proposal.number, None]},
        note=f"Dihapus dari agenda: {item.proposal.number}",
    )
    item.delete()


# The bases considered ("Dasar" of the Berita Acara) ----------------------------------------------------------------


def _basis_note(meeting: Meeting) -> str:
    return f"Dasar {meeting}"


def _locked_basis(meeting: Meeting, basis: MeetingBasis) -> MeetingBasis:
    return MeetingBasis.objects.select_for_update().get(pk=basis.pk, meeting=meeting)


@transaction.atomic
def basis_add(*, meeting: Meeting, text: str, user: Actor) -> MeetingBasis:
    """Add a basis at the end of the meeting's list."""
    meeting = locked_open_meeting(meeting)
    orders = list(meeting.bases.order_by("-order").values_list("order", flat=True)[:MAX_BASES])
    if len(orders) >= MAX_BASES:
        raise MeetingError(
            gettext("Sebuah rapat memuat paling banyak %(limit)s dasar; hapus atau gabungkan yang ada.")
            % {"limit": MAX_BASES}
        )
    basis = MeetingBasis(meeting=meeting, text=text.strip(), order=(orders[0] if orders else 0) + 1)
    basis.full_clean(exclude=["meeting"])
    basis.save()
    audit_log(
        user=user,
        obj=basis,
        action=AuditEntry.Action.CREATED,
        changes={"text": [None, basis.text]},
        note=_basis_note(meeting),
    )
    return basis


@transaction.atomic
def basis_update(*, meeting: Meeting, basis: MeetingBasis, text: str, user: Actor) -> MeetingBasis:
    meeting = locked_open_meeting(meeting)
    basis = _locked_basis(meeting, basis)
    text = text.strip()
    if text != basis.text:
        old, basis.text = basis.text, text
        basis.full_clean(exclude=["meeting"])
        basis.save(update_fields=["text"])
        audit_log(
            user=user,
            obj=basis,
            action=AuditEntry.Action.CHANGED,
            changes={"text": [old, text]},
            note=_basis_note(meeting),
        )
    return basis


@transaction.atomic
def basis_delete(*, meeting: Meeting, basis: MeetingBasis, user: Actor) -> None:
    meeting = locked_open_meeting(meeting)
    basis = _locked_basis(meeting, basis)
    audit_log(
        user=user,
        obj=basis,
        action=AuditEntry.Action.DELETED,
        changes={"text": [basis.text, None]},
        note=_basis_note(meeting),
    )
    basis.delete()


@transaction.atomic
def basis_move(*, meeting: Meeting, basis: MeetingBasis, up: bool, user: Actor) -> MeetingBasis:
    """Swap the basis with the one before it (`up`) or after it; at the top or the bottom nothing changes."""
    meeting = locked_open_meeting(meeting)
    bases = list(meeting.bases.select_for_update().order_by("order", "pk"))
    index = next((i for i, b in enumerate(bases) if b.pk == basis.pk), None)
    if index is None:
        raise MeetingBasis.DoesNotExist
    other = index - 1 if up else index + 1
    if not 0 <= other < len(bases):
        return bases[index]
    bases[index], bases[other] = bases[other], bases[index]
    for position, item in enumerate(bases, start=1):  # renumbered 1..n: equal orders from old rows sort too
        item.order = position
    MeetingBasis.objects.bulk_update(bases, ["order"])
    moved = bases[other]
    audit_log(
        user=user,
        obj=moved,
        action=AuditEntry.Action.CHANGED,
        changes={"order": [index + 1, other + 1]},
        note=_basis_note(meeting),
    )
    return moved
