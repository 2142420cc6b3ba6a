"""The demo meetings: the Rakornis PUPR Kalsel 2026 (whose decisions the generated proposals receive), a Rakortek
PKP and a Forum PD, with their attendance. Written through `meetings.services`, so each has its audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User

from meetings.models import Attendance, Meeting
from meetings.services import attendance_add, attendance_delete, meeting_close, meeting_create, meeting_update
from rakornis.demo.names import BAPPEDA, BPJN, BPPW, BWS, FISCAL_YEAR, ITS, PERKIM_PROV, PUPR_PROV, WITA
from rakornis.demo.reference import DemoReference


@dataclass(frozen=True)
class DemoAttendee:
    name: str
    position: str
    agency: str | None
    capacity: str = Attendance.Capacity.PARTICIPANT
    represents: str = ""


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
    attendees: tuple[DemoAttendee, ...]


C = Attendance.Capacity

RAKORNIS = DemoMeeting(
    key="rakornis",
    kind=Meeting.Kind.RAKORNIS,
    title="Rakornis Dinas PUPR Provinsi Kalimantan Selatan 2026",
    organiser=PUPR_PROV,
    starts_at=datetime(2026, 1, 29, 9, 0, tzinfo=WITA),
    ends_at=datetime(2026, 1, 29, 16, 0, tzinfo=WITA),
    venue="Anjungan Kalimantan Selatan, Taman Mini Indonesia Indah",
    city="Jakarta",
    purpose=(
        "Menyelaraskan program antartingkat pemerintahan dan menyepakati program yang menjadi dasar penyusunan "
        "Renja Dinas PUPR Provinsi Kalimantan Selatan Tahun Anggaran 2027, termasuk pendanaan dekonsentrasi dan "
        "tugas pembantuan."
    ),
    closed=True,
    attendees=(
        DemoAttendee(
            "Ir. Hasanuddin Noor, M.T.",
            "Kepala Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
            PUPR_PROV,
            C.CHAIR,
        ),
        DemoAttendee(
            "Hj. Rusmiati, S.T., M.Si.",
            "Perencana Ahli Madya",
            BAPPEDA,
            represents="Kepala Bappeda Provinsi Kalimantan Selatan",
        ),
        DemoAttendee("Syahrial Anwar, S.T.", "Kepala Bidang Perumahan", PERKIM_PROV),
        DemoAttendee("Dedi Kurniawan, S.T., M.T.", "Kepala Bidang Perencanaan dan Pemrograman", BPJN),
        DemoAttendee(
            "Rizal Fahmi, S.T., M.Eng.",
            "Kepala Seksi Perencanaan Umum dan Program",
            BWS,
            represents="Kepala Balai Wilayah Sungai Kalimantan III",
        ),
        DemoAttendee("Nur Aisyah, S.T., M.T.", "Kepala Seksi Perencanaan dan Pemrograman", BPPW),
        DemoAttendee("Dr. Ir. Bambang Setiawan, M.T.", "Dosen Departemen Teknik Sipil", ITS, C.SPEAKER),
        DemoAttendee("Siti Rahmawati, S.T.", "Perencana Ahli Muda", PUPR_PROV),
        DemoAttendee("H. Gusti Rahmadi, S.T., M.T.", "Kepala Dinas", "Dinas PUPR Kab. Banjar"),
        DemoAttendee("Akhmad Rifani, S.T.", "Sekretaris Dinas", "Dinas PUPR Kab. Tapin"),
        DemoAttendee("Yusuf Effendi, S.T., M.T.", "Kepala Dinas", "Dinas PUPR Kab. Hulu Sungai Selatan"),
        DemoAttendee("Fitriani, S.T.", "Kepala Bidang Bina Marga", "Dinas PUPR Kab. Tanah Laut"),
        DemoAttendee("Ir. Budi Santoso", "Kepala Dinas", "Dinas PUPR Kab. Tabalong"),
        DemoAttendee("Irwan Saputra, S.T., M.T.", "Kepala Bidang Sumber Daya Air", "Dinas PUPR Kota Banjarmasin"),
        DemoAttendee("Lailatul Fitri, S.T.", "Perencana Ahli Muda", "Dinas PUPR Kota Banjarbaru"),
        DemoAttendee("Nurul Hidayah, S.E.", "Analis Perencanaan", PUPR_PROV, C.SECRETARIAT),
    ),
)

RAKORTEK_PKP = DemoMeeting(
    key="rakortek-pkp",
    kind=Meeting.Kind.RAKORTEK,
    title="Rakortek Perumahan dan Kawasan Permukiman Provinsi Kalimantan Selatan 2026",
    organiser=PERKIM_PROV,
    starts_at=datetime(2026, 2, 12, 8, 30, tzinfo=WITA),
    ends_at=datetime(2026, 2, 12, 15, 0, tzinfo=WITA),
    venue="Aula Rapat Disperkim Provinsi Kalimantan Selatan",
    city="Banjarmasin",
    purpose=(
        "Sinkronisasi data perumahan dan kawasan permukiman dengan kabupaten/kota untuk perencanaan TA 2027, "
        "menuju Musrenbang April-Mei 2026. Capaian: RTLH tertangani 2.804 unit dari 237.973 unit tercatat; "
        "kawasan kumuh tertangani 345,029 ha (43,62% luas kumuh kewenangan provinsi)."
    ),
    closed=False,
    attendees=(
        DemoAttendee("Ir. Muhammad Arsyad, M.T.", "Kepala Dinas", PERKIM_PROV, C.CHAIR),
        DemoAttendee("Hj. Rusmiati, S.T., M.Si.", "Perencana Ahli Madya", BAPPEDA),
        DemoAttendee("Nur Aisyah, S.T., M.T.", "Kepala Seksi Perencanaan dan Pemrograman", BPPW),
        DemoAttendee("Rahmadani, S.T.", "Kepala Bidang Perumahan", "Disperkim Kab. Banjar"),
        DemoAttendee("Ahmad Zaini, S.T.", "Kepala Bidang Kawasan Permukiman", "Disperkim Kota Banjarmasin"),
        DemoAttendee("Sri Wahyuni, S.T.", "Perencana Ahli Pertama", "Disperkim Kab. Barito Kuala"),
        DemoAttendee("Noor Hasanah, S.T.", "Kepala Bidang Perumahan", "Disperkim Kab. Hulu Sungai Utara"),
        DemoAttendee("Wahyu Hidayat, S.E.", "Analis Perencanaan", PERKIM_PROV, C.SECRETARIAT),
    ),
)

FORUM_PD = DemoMeeting(
    key="forum-pd",
    kind=Meeting.Kind.FORUM_PD,
    title="Forum Perangkat Daerah Dinas PUPR Provinsi Kalimantan Selatan 2026",
    organiser=PUPR_PROV,
    starts_at=datetime(2026, 3, 10, 9, 0, tzinfo=WITA),
    ends_at=datetime(2026, 3, 10, 15, 30, tzinfo=WITA),
    venue="Aula Dinas PUPR Provinsi Kalimantan Selatan",
    city="Banjarbaru",
    purpose=(
        "Membahas usulan kabupaten/kota yang telah diverifikasi dan belum disepakati, untuk rancangan Renja TA 2027."
    ),
    closed=False,
    attendees=(
        DemoAttendee(
            "Ir. Hasanuddin Noor, M.T.",
            "Kepala Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
            PUPR_PROV,
            C.CHAIR,
        ),
        DemoAttendee("Hj. Rusmiati, S.T., M.Si.", "Perencana Ahli Madya", BAPPEDA),
        DemoAttendee("Nurul Hidayah, S.E.", "Analis Perencanaan", PUPR_PROV, C.SECRETARIAT),
    ),
)

DEMO_MEETINGS = (RAKORNIS, RAKORTEK_PKP, FORUM_PD)


def _attendance_of(meeting: Meeting) -> list[tuple[str, str, int | None, str, str]]:
    return list(
        meeting.attendances.order_by("order").values_list("name", "position", "agency_id", "capacity", "represents")
    )


def _attendance_restore(*, meeting: Meeting, spec: DemoMeeting, reference: DemoReference, secretary: User) -> None:
    """Make the attendance list that of the spec, through the services, when it differs."""
    wanted = [
        (
            person.name,
            person.position,
            reference.agencies[person.agency] if person.agency else None,
            person.capacity,
            person.represents,
        )
        for person in spec.attendees
    ]
    if _attendance_of(meeting) == [(n, p, a.pk if a else None, c, r) for n, p, a, c, r in wanted]:
        return
    for attendance in meeting.attendances.all():
        attendance_delete(meeting=meeting, attendance=attendance, user=secretary)
    for name, position, agency, capacity, represents in wanted:
        attendance_add(
            meeting=meeting,
            user=secretary,
            name=name,
            position=position,
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
            _attendance_restore(meeting=meeting, spec=spec, reference=reference, secretary=secretary)
        meetings[spec.key] = meeting
    return meetings


def demo_meetings_close(*, meetings: dict[str, Meeting], users: dict[str, User]) -> None:
    """Close the demo meetings that the demo shows closed (the Rakornis, after its decisions)."""
    for spec in DEMO_MEETINGS:
        meeting = meetings[spec.key]
        if spec.closed and not meeting.is_closed:
            meetings[spec.key] = meeting_close(meeting=meeting, user=users["sekretariat"])
