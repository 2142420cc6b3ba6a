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

from meetings.models import Attendance, Meeting
from meetings.services import (
    attendance_add,
    attendance_delete,
    basis_add,
    basis_delete,
    meeting_close,
    meeting_create,
    meeting_update,
)
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
            }
        )
        for record in records
    )


# The Rakornis PUPR Kalsel 2026 (whose decisions the generated proposals receive), the Rakortek PKP, the Forum PD.
DEMO_MEETINGS = _read_meetings()
RAKORNIS = DEMO_MEETINGS[0]


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
        meetings[spec.key] = meeting
    return meetings


def demo_meetings_close(*, meetings: dict[str, Meeting], users: dict[str, User]) -> None:
    """Close the demo meetings that the demo shows closed (the Rakornis, after its decisions)."""
    for spec in DEMO_MEETINGS:
        meeting = meetings[spec.key]
        if spec.closed and not meeting.is_closed:
            meetings[spec.key] = meeting_close(meeting=meeting, user=users["sekretariat"])
