"""Writes on meetings: the meeting itself, attendance, agenda, decisions and closing.

Every function locks the rows it changes, refuses anything on a closed meeting, and writes its audit entries in
the same transaction. A refusal raises `MeetingError` with a message for the user; nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from agencies.models import Agency
from meetings.models import AgendaItem, Attendance, Decision, DecisionFunding, Meeting
from programs import workflow
from programs.models import FundingScheme, Proposal
from programs.services import proposal_decide
from programs.workflow import Event
from rakornis.audit import audit_log, audit_value, diff, snapshot
from rakornis.models import AuditEntry
from rakornis.types import Actor, person

MEETING_FIELDS = ["kind", "title", "organiser", "starts_at", "ends_at", "venue", "city", "fiscal_year", "purpose"]
ATTENDANCE_FIELDS = ["name", "position", "agency", "capacity", "represents"]
DECISION_FIELDS = ["outcome", "agreed_volume", "executing_agency", "merged_into", "reason"]
# The scheme whose money the province spends itself: its works are executed by the organising provincial agency.
PROVINCIAL_SCHEME_CODE = "APBD_PROV"


class MeetingError(Exception):
    """A change the meeting's state or the rules do not allow; the message is shown to the user as is."""


class DecisionConflict(MeetingError):
    """The proposal changed after the form was opened; the user should look again before saving."""


def _locked_open_meeting(meeting: Meeting) -> Meeting:
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
    meeting = _locked_open_meeting(meeting)
    # Compare the values themselves: the same instant typed in WITA and read back in UTC is no change.
    changes = {
        field: [audit_value(getattr(meeting, field)), audit_value(values[field])]
        for field in MEETING_FIELDS
        if field in values and getattr(meeting, field) != values[field]
    }
    for field in changes:
        setattr(meeting, field, values[field])
    if changes:
        meeting.full_clean()
        meeting.save(update_fields=list(changes))
        audit_log(user=user, obj=meeting, action=AuditEntry.Action.CHANGED, changes=changes)
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, user: Actor) -> Meeting:
    """Close the meeting: its attendance, agenda and decisions are frozen from now on."""
    meeting = _locked_open_meeting(meeting)
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
    meeting = _locked_open_meeting(meeting)
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
    meeting = _locked_open_meeting(meeting)
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
    meeting = _locked_open_meeting(meeting)
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
    meeting = _locked_open_meeting(meeting)
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


def default_executing_agency(*, meeting: Meeting, proposal: Proposal, funding: dict[FundingScheme, Decimal]) -> Agency:
    """The organiser when APBD Provinsi carries the largest agreed amount, else the proposing agency."""
    if funding:
        main_scheme = max(funding.items(), key=lambda item: (item[1], -item[0].order))[0]
        if main_scheme.code == PROVINCIAL_SCHEME_CODE:
            return meeting.organiser
    return proposal.agency


def decision_refusal(*, meeting: Meeting, proposal: Proposal, decision: Decision | None) -> str | None:
    """Why no decision can be recorded on `proposal` at `meeting` now, or None when one can."""
    if meeting.is_closed:
        return "Rapat ini sudah ditutup; kesepakatannya tidak dapat diubah lagi."
    if decision is None and not workflow.allows(Event.DECIDE, proposal.status):
        return (
            f"Usulan {proposal.number} berstatus {proposal.get_status_display().lower()}; hanya usulan "
            "terverifikasi yang dapat diputuskan."
        )
    if decision is not None and proposal.status != decision.proposal_status:
        return f"Usulan {proposal.number} sudah berubah status sejak diputuskan dalam rapat ini."
    return None


def _decision_snapshot(decision: Decision) -> dict[str, Any]:
    return snapshot(decision, DECISION_FIELDS)


def _funding_text(funding: dict[FundingScheme, Decimal]) -> dict[str, str]:
    ordered = sorted(funding.items(), key=lambda item: (item[0].order, item[0].code))
    return {scheme.code: audit_value(amount) for scheme, amount in ordered}


@transaction.atomic
def decision_record(
    *,
    meeting: Meeting,
    proposal: Proposal,
    outcome: str,
    funding: dict[FundingScheme, Decimal] | None = None,
    agreed_volume: Decimal | None = None,
    executing_agency: Agency | None = None,
    merged_into: Proposal | None = None,
    reason: str = "",
    user: Actor,
    expected_version: int | None = None,
) -> Decision:
    """Record (or correct) what an open meeting decided on a verified proposal, and move the proposal on.

    `funding` is only read for AGREED_WITH_CHANGES (AGREED copies the proposal's own lines); schemes with a zero
    amount are dropped. `expected_version` is the proposal version the form was opened with.
    """
    meeting = _locked_open_meeting(meeting)
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("region", "agency")
        .prefetch_related("funding_lines__scheme")
        .get(pk=proposal.pk)
    )
    decision = (
        Decision.objects.select_for_update()
        .filter(meeting=meeting, proposal=proposal)
        .prefetch_related("funding_lines__scheme")
        .first()
    )
    reason = reason.strip()

    if expected_version is not None and proposal.version != expected_version:
        raise DecisionConflict(
            f"Usulan {proposal.number} baru saja diubah oleh pengguna lain. Periksa keputusan yang tercatat, lalu "
            "simpan lagi bila masih perlu."
        )
    if refusal := decision_refusal(meeting=meeting, proposal=proposal, decision=decision):
        raise MeetingError(refusal)
    if proposal.fiscal_year != meeting.fiscal_year:
        raise MeetingError(
            f"Usulan {proposal.number} untuk TA {proposal.fiscal_year}, "
            f"rapat ini merencanakan TA {meeting.fiscal_year}."
        )
    province = meeting.province_code
    if province is not None and not proposal.region.code.startswith(f"{province}."):
        raise MeetingError(f"Usulan {proposal.number} bukan dari provinsi penyelenggara rapat.")
    if outcome not in Decision.Outcome.values:
        raise MeetingError("Pilih salah satu keputusan.")

    proposal_funding = {line.scheme: line.amount for line in proposal.funding_lines.all()}
    agreed_funding: dict[FundingScheme, Decimal] = {}
    volume: Decimal | None = None
    if outcome == Decision.Outcome.AGREED:
        agreed_funding = proposal_funding
        volume = proposal.volume
    elif outcome == Decision.Outcome.AGREED_WITH_CHANGES:
        agreed_funding = (
            {scheme: amount for scheme, amount in funding.items() if amount}
            if funding is not None
            else proposal_funding
        )
        volume = agreed_volume if agreed_volume is not None else proposal.volume
        if {s: a for s, a in agreed_funding.items() if a} == {s: a for s, a in proposal_funding.items() if a} and (
            volume == proposal.volume
        ):
            raise MeetingError(
                "Pagu dan volume sama dengan usulan: pilih \u201cDisepakati\u201d, "
                "atau ubah pagu per skema atau volumenya."
            )
        if not agreed_funding:
            raise MeetingError("Isi pagu yang disepakati pada sedikitnya satu skema pendanaan.")
    if outcome == Decision.Outcome.MERGED:
        if merged_into is None:
            raise MeetingError("Pilih usulan tujuan penggabungan.")
        if merged_into.pk == proposal.pk:
            raise MeetingError("Usulan tidak dapat digabung ke dirinya sendiri.")
        if not Proposal.objects.for_user(user).filter(pk=merged_into.pk).exists() or (
            province is not None and not merged_into.region.code.startswith(f"{province}.")
        ):
            raise MeetingError("Usulan tujuan penggabungan tidak ditemukan di wilayah Anda.")
        if merged_into.fiscal_year != proposal.fiscal_year:
            raise MeetingError(f"Usulan tujuan {merged_into.number} bukan untuk TA {proposal.fiscal_year}.")
        if merged_into.status in (Proposal.Status.MERGED, Proposal.Status.REJECTED):
            raise MeetingError(
                f"Usulan tujuan {merged_into.number} sudah {merged_into.get_status_display().lower()}; "
                "pilih usulan lain."
            )
    else:
        merged_into = None
    if outcome in Decision.REASON_REQUIRED_OUTCOMES and not reason:
        raise MeetingError("Alasan wajib diisi untuk usulan yang ditangguhkan atau ditolak.")
    if outcome in Decision.COUNTED_OUTCOMES:
        if executing_agency is None:
            executing_agency = default_executing_agency(meeting=meeting, proposal=proposal, funding=agreed_funding)
    else:
        executing_agency = None

    old_funding = _funding_text({line.scheme: line.amount for line in decision.funding_lines.all()}) if decision else {}
    before = _decision_snapshot(decision) if decision else {}
    if decision is None:
        decision = Decision(meeting=meeting, proposal=proposal)
    decision.outcome = outcome
    decision.agreed_volume = volume
    decision.executing_agency = executing_agency
    decision.merged_into = merged_into
    decision.reason = reason
    decision.decided_by = person(user)
    created = decision.pk is None
    decision.save()
    decision.funding_lines.all().delete()
    DecisionFunding.objects.bulk_create(
        [DecisionFunding(decision=decision, scheme=scheme, amount=amount) for scheme, amount in agreed_funding.items()]
    )
    new_funding = _funding_text(agreed_funding)

    decision_changes = diff(before, _decision_snapshot(decision))
    if old_funding != new_funding:
        decision_changes["funding"] = [old_funding or None, new_funding or None]
    audit_log(
        user=user,
        obj=decision,
        action=AuditEntry.Action.CREATED if created else AuditEntry.Action.CHANGED,
        changes=decision_changes,
        note=f"Rapat: {meeting}",
    )

    proposal_changes: dict[str, list[Any]] = {}
    if old_funding != new_funding or created:
        proposal_changes["agreed_funding"] = [old_funding or None, new_funding or None]
    proposal_decide(
        proposal=proposal,
        user=user,
        status=decision.proposal_status,
        correction=not created,
        changes=proposal_changes,
        note=f"{decision.get_outcome_display()} dalam {meeting}" + (f": {reason}" if reason else ""),
    )
    return decision
