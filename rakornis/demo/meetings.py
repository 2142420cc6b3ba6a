"""The demo meetings: the Rakornis PUPR Kalsel 2026 (whose decisions the generated proposals receive), a Rakortek
PKP and a Forum PD, with the bases they considered and their attendance. Written through `meetings.services`, so each
has its audit trail.

Demo only: the attendees' names come from the press releases' roles, and their NIPs are invented, shaped as real ones
(birth date, appointment month, sex, sequence) so that the Berita Acara prints as an office's would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import User

from meetings.models import Attendance, Decision, Desk, Meeting
from meetings.services import (
    agenda_add,
    attendance_add,
    attendance_delete,
    basis_add,
    basis_delete,
    decision_record,
    meeting_close,
    meeting_create,
    meeting_update,
)
from meetings.services.desks import desk_agreement_set
from programs.models import Indicator, Nomenclature, Proposal
from rakornis.demo.names import FISCAL_YEAR
from rakornis.demo.reference import DemoReference


@dataclass(frozen=True)
class DemoAttendee:
    name: str
    position: str
    agency: str | None
    capacity: str = Attendance.Capacity.PARTICIPANT
    represents: str = ""
    nip: str = ""  # invented (demo)
    desk: str = ""  # the desk the attendee sits at (a Rakortekrenbang's desk urusan)


@dataclass(frozen=True)
class DemoMeeting:
    key: str
    kind: str
    title: str
    organiser: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    city: str
    purpose: str
    closed: bool
    bases: tuple[str, ...]
    attendees: tuple[DemoAttendee, ...]
    desks: tuple[tuple[str, str], ...] = ()  # (name, bidang urusan code): Desk PUPR 1.03, Desk Perkim 1.04


def _read_meetings() -> tuple[DemoMeeting, ...]:
    """meetings.json: the three meetings as the press releases describe them, with their attendance lists."""
    with open(Path(__file__).with_name("meetings.json"), encoding="utf-8") as handle:
        records = json.load(handle)
    return tuple(
        DemoMeeting(
            **{
                **record,
                "starts_at": datetime.fromisoformat(record["starts_at"]),
                "ends_at": datetime.fromisoformat(record["ends_at"]),
                "bases": tuple(record.get("bases", ())),
                "attendees": tuple(DemoAttendee(**attendee) for attendee in record["attendees"]),
                "desks": tuple(tuple(desk) for desk in record.get("desks", ())),
            }
        )
        for record in records
    )


# The Rakornis PUPR Kalsel 2026 (whose decisions the generated proposals receive), the Rakortek PKP, the Forum PD,
# the Rakortekrenbang with its desks PUPR and Perkim.
DEMO_MEETINGS = _read_meetings()
RAKORNIS = DEMO_MEETINGS[0]
RAKORTEKRENBANG = next(spec for spec in DEMO_MEETINGS if spec.kind == Meeting.Kind.RAKORTEKRENBANG)
# Per desk: the proposals put on its agenda, and how many of them the desk decides in the demo (the others await).
DESK_AGENDA = 6
DESK_DECIDED = 3
# What the desks agreed: indicator code -> sub kegiatan that support it (demo/indicators.py's links).
DESK_AGREEMENTS = {
    "Desk Perkim": {
        "IK-PKP-01": ["1.04.03.1.02.0003"],
        "IK-PKP-02": ["1.04.03.1.01.0014", "1.04.03.1.02.0003"],
    },
    "Desk PUPR": {"IK-PUPR-02": ["1.03.10.1.01.0030", "1.03.10.1.01.0033"]},
}


def _attendance_of(meeting: Meeting) -> list[tuple[str, str, int | None, str, str, str]]:
    return list(
        meeting.attendances.order_by("order").values_list(
            "name", "position", "agency_id", "capacity", "represents", "nip"
        )
    )


def _bases_restore(*, meeting: Meeting, spec: DemoMeeting, secretary: User) -> None:
    """Make the meeting's bases those of the spec, through the services, when they differ."""
    if list(meeting.bases.order_by("order", "pk").values_list("text", flat=True)) == list(spec.bases):
        return
    for basis in meeting.bases.all():
        basis_delete(meeting=meeting, basis=basis, user=secretary)
    for text in spec.bases:
        basis_add(meeting=meeting, text=text, user=secretary)


def _attendance_restore(*, meeting: Meeting, spec: DemoMeeting, reference: DemoReference, secretary: User) -> None:
    """Make the attendance list that of the spec, through the services, when it differs."""
    wanted = [
        (
            person.name,
            person.position,
            reference.agencies[person.agency] if person.agency else None,
            person.capacity,
            person.represents,
            person.nip,
        )
        for person in spec.attendees
    ]
    if _attendance_of(meeting) == [(n, p, a.pk if a else None, c, r, nip) for n, p, a, c, r, nip in wanted]:
        return
    for attendance in meeting.attendances.all():
        attendance_delete(meeting=meeting, attendance=attendance, user=secretary)
    for name, position, agency, capacity, represents, nip in wanted:
        attendance_add(
            meeting=meeting,
            user=secretary,
            name=name,
            position=position,
            nip=nip,
            agency=agency,
            capacity=capacity,
            represents=represents,
        )


def _desks_restore(*, meeting: Meeting, spec: DemoMeeting) -> None:
    """The spec's desks (created as the admin creates them: a desk is the meeting's structure, not a decision) and
    each attendee at their desk, written only where they differ."""
    desks = {}
    for name, sector_code in spec.desks:
        sector = Nomenclature.objects.filter(code=sector_code, level=Nomenclature.Level.SECTOR).first()
        desk, _ = Desk.objects.get_or_create(meeting=meeting, name=name, defaults={"sector": sector})
        if desk.sector_id != (sector.pk if sector else None):
            desk.sector = sector
            desk.save(update_fields=["sector"])
        desks[name] = desk
    for person in spec.attendees:
        seat = desks.get(person.desk)
        meeting.attendances.filter(name=person.name).exclude(desk=seat).update(desk=seat)


def demo_desks_decide(*, meetings: dict[str, Meeting], users: dict[str, User]) -> None:
    """The Rakortekrenbang's desks at work, once (when the meeting has no decision yet): per desk, verified TA
    proposals of its bidang urusan put on the agenda, the first of them decided at the desk (agreed), and the sub
    kegiatan each desk agreed support its indicators (RTLH and slum area at Desk Perkim, steady roads at Desk PUPR).
    At most half of a desk's verified proposals are decided, so the demo keeps verified proposals for the Forum PD."""
    meeting = meetings.get(RAKORTEKRENBANG.key)
    if meeting is None or meeting.is_closed or meeting.decisions.exists():
        return
    secretary = users["sekretariat"]
    for desk in meeting.desks.select_related("sector").filter(sector__isnull=False):
        if desk.sector is None:
            continue
        verified = list(
            Proposal.objects.filter(
                fiscal_year=meeting.fiscal_year,
                status=Proposal.Status.VERIFIED,
                region__code__startswith=f"{meeting.province_code}.",
                sub_activity__code__startswith=f"{desk.sector.code}.",
            ).order_by("number")[:DESK_AGENDA]
        )
        agenda_add(meeting=meeting, proposals=verified, user=secretary)
        for proposal in verified[: min(DESK_DECIDED, len(verified) // 2)]:
            decision_record(
                meeting=meeting,
                proposal=proposal,
                outcome=Decision.Outcome.AGREED,
                desk=desk,
                user=secretary,
                reason="Disepakati di desk; mendukung target indikator kinerja RPJMD.",
            )
        for code, sub_codes in DESK_AGREEMENTS.get(desk.name, {}).items():
            indicator = Indicator.objects.filter(code=code).first()
            subs = list(Nomenclature.objects.sub_activities().filter(code__in=sub_codes))
            if indicator is not None and subs:
                desk_agreement_set(desk=desk, indicator=indicator, sub_activities=subs, user=secretary)


def demo_meetings_ensure(*, reference: DemoReference, users: dict[str, User]) -> dict[str, Meeting]:
    """Create the demo meetings, found by kind and title, or restore the open ones to their demo state.

    A closed meeting is left as it is: its attendance and decisions are frozen with its Berita Acara. Meetings are
    created open; the Rakornis is closed once its decisions are recorded (`demo_meetings_close`).
    """
    secretary = users["sekretariat"]
    meetings = {}
    for spec in DEMO_MEETINGS:
        values = {
            "kind": spec.kind,
            "title": spec.title,
            "organiser": reference.agencies[spec.organiser],
            "starts_at": spec.starts_at,
            "ends_at": spec.ends_at,
            "venue": spec.venue,
            "city": spec.city,
            "fiscal_year": FISCAL_YEAR,
            "purpose": spec.purpose,
        }
        meeting = Meeting.objects.filter(kind=spec.kind, title=spec.title).order_by("pk").first()
        if meeting is None:
            meeting = meeting_create(user=secretary, values=values)
        elif not meeting.is_closed:
            meeting = meeting_update(meeting=meeting, values=values, user=secretary)
        if not meeting.is_closed:
            _bases_restore(meeting=meeting, spec=spec, secretary=secretary)
            _attendance_restore(meeting=meeting, spec=spec, reference=reference, secretary=secretary)
            _desks_restore(meeting=meeting, spec=spec)
        meetings[spec.key] = meeting
    return meetings


def demo_meetings_close(*, meetings: dict[str, Meeting], users: dict[str, User]) -> None:
    """Close the demo meetings that the demo shows closed (the Rakornis, after its decisions)."""
    for spec in DEMO_MEETINGS:
        meeting = meetings[spec.key]
        if spec.closed and not meeting.is_closed:
            meetings[spec.key] = meeting_close(meeting=meeting, user=users["sekretariat"])
