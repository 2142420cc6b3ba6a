"""The Berita Acara as offices write it (issue 9): the bases considered, decisions by desk and kabupaten/kota, recaps
by kabupaten/kota x source and by origin, the budget clause, one signature block per party with its NIP, and a
decision annex with only the sources the meeting used; the same on screen and in the worker's full document."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from meetings.jobs import run_meeting_minutes
from meetings.minutes import BUDGET_CLAUSE, minutes_signatories
from meetings.models import Attendance, Decision, Desk, MeetingBasis
from meetings.summary import meeting_summary_rebuild
from programs.models import ExcelJob, Proposal
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    verified_proposal,
)

pytestmark = pytest.mark.django_db

NIP_CHAIR = "196805121993031007"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _page(client, meeting) -> str:
    response = client.get(reverse("meetings:meeting-minutes", args=[meeting.pk]))
    assert response.status_code == 200
    return response.text


def _document(meeting, user) -> str:
    job = ExcelJob.objects.create(kind=ExcelJob.Kind.MEETING_MINUTES, user=user, params={"meeting": meeting.pk})
    run_meeting_minutes(job)
    return job.file.read().decode()


@pytest.fixture
def people(meeting, pupr_kalsel, pupr_banjar, pupr_tapin):
    bws = AgencyFactory(name="Balai Wilayah Sungai Kalimantan III", short_name="BWS Kalimantan III")
    its = AgencyFactory(name="Institut Teknologi Sepuluh Nopember", short_name="ITS Surabaya")
    rows = [
        ("Siti Rahmawati, S.T.", "Perencana Ahli Muda", pupr_kalsel, Attendance.Capacity.PARTICIPANT, "", ""),
        ("Ir. Ahmad Solhan", "Kepala Dinas PUPR Prov. Kalsel", pupr_kalsel, Attendance.Capacity.CHAIR, "", NIP_CHAIR),
        ("Hj. Rina Marlina", "Kepala Seksi", bws, Attendance.Capacity.PARTICIPANT, "Kepala BWS Kalimantan III", ""),
        ("H. Gusti Rahmadi", "Kepala Dinas", pupr_banjar, Attendance.Capacity.PARTICIPANT, "", "197003151998031004"),
        ("Budi Santoso", "Staf", pupr_banjar, Attendance.Capacity.PARTICIPANT, "", ""),
        ("Akhmad Rifani", "Sekretaris Dinas", pupr_tapin, Attendance.Capacity.PARTICIPANT, "", ""),
        ("Dr. Bambang Setiawan", "Dosen", its, Attendance.Capacity.SPEAKER, "", ""),
        ("Nurul Hidayah", "Analis Perencanaan", pupr_kalsel, Attendance.Capacity.SECRETARIAT, "", ""),
    ]
    return [
        AttendanceFactory(meeting=meeting, name=n, position=p, agency=a, capacity=c, represents=r, nip=nip, order=order)
        for order, (n, p, a, c, r, nip) in enumerate(rows, start=1)
    ]


@pytest.fixture
def decided(meeting, schemes, banjar, pupr_banjar, tapin, pupr_tapin):
    """Banjar: a Musrenbang road agreed on APBD Kab/Kota, a Pokir one agreed with changes on BKP; Tapin: a Renja PD
    item on APBD Prov + BKP. DAK exists but no decision uses it."""
    FundingSchemeFactory(code="DAK", name="DAK Fisik", short_name="DAK Fisik", order=9)
    one = DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000}, name="Jalan Martapura"),
    )
    DecisionFundingFactory(decision=one, scheme=schemes["APBD_KAB"], amount=1_500_000_000)
    two = DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(
            banjar, pupr_banjar, {"BKP": 800_000_000}, name="Jembatan Pokir", origin=Proposal.Origin.POKIR
        ),
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        agreed_volume="1.50",
    )
    DecisionFundingFactory(decision=two, scheme=schemes["BKP"], amount=600_000_000)
    three = DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(
            tapin, pupr_tapin, {"APBD_PROV": 2_000_000_000}, name="Irigasi Tapin", origin=Proposal.Origin.RENJA
        ),
    )
    DecisionFundingFactory(decision=three, scheme=schemes["APBD_PROV"], amount=2_000_000_000)
    DecisionFundingFactory(decision=three, scheme=schemes["BKP"], amount=500_000_000)
    DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(tapin, pupr_tapin, {"APBD_PROV": 900_000_000}, name="Drainase Ditolak"),
        outcome=Decision.Outcome.REJECTED,
        reason="Bukan kewenangan provinsi",
    )
    return [one, two, three]


@pytest.fixture
def bases(meeting):
    texts = ["RPJMD Provinsi Kalimantan Selatan 2025-2029", "Tema RKPD 2027", "RTRW Provinsi Kalimantan Selatan"]
    return [MeetingBasis.objects.create(meeting=meeting, text=t, order=n) for n, t in enumerate(texts, start=1)]


@pytest.fixture(params=["screen", "document"])
def minutes_html(request, client, secretary, meeting):
    """The Berita Acara on screen and the worker's full document: both must say the same."""

    def read() -> str:
        if request.param == "screen":
            client.force_login(secretary)
            return _page(client, meeting)
        return _document(meeting, secretary)

    return read


def test_the_bases_come_first_under_dasar_in_their_order(minutes_html, bases, decided):
    text = _text(minutes_html())
    assert "Dasar Dengan memperhatikan: RPJMD Provinsi Kalimantan Selatan 2025-2029 Tema RKPD 2027 RTRW" in text
    assert text.index("Dasar") < text.index("Rapat membahas 4 usulan")


def test_no_bases_no_empty_heading(minutes_html, decided):
    assert "Dengan memperhatikan" not in minutes_html()


def test_recaps_by_source_by_origin_and_by_kabupaten_per_source(minutes_html, decided):
    text = _text(minutes_html())
    # By source: APBD Prov 2.0 bn, APBD Kab/Kota 1.5 bn, BKP 0.6 + 0.5 bn; the rejected 0.9 bn counts nowhere.
    assert "1 APBD Provinsi Rp 2.000.000.000 2 APBD Kabupaten/Kota Rp 1.500.000.000 3 Bantuan Keuangan" in text
    # By origin, in the order of Proposal.Origin: decided, agreed, agreed amount.
    assert "1 Musrenbang Kab/Kota 2 1 Rp 1.500.000.000" in text  # Jalan Martapura and the rejected drainage
    assert "2 Pokir DPRD 1 1 Rp 600.000.000" in text
    assert "3 Renja PD 1 1 Rp 2.500.000.000" in text
    assert "Jumlah 4 3 Rp 4.600.000.000" in text
    # Lampiran I: kabupaten/kota x source.
    assert "1 Kabupaten Banjar 2 2 – Rp 1.500.000.000 Rp 600.000.000 Rp 2.100.000.000" in text
    assert "2 Kabupaten Tapin 2 1 Rp 2.000.000.000 – Rp 500.000.000 Rp 2.500.000.000" in text


def test_the_budget_clause_is_there(minutes_html, decided):
    assert BUDGET_CLAUSE in _text(minutes_html())


def test_only_the_sources_used_are_columns(minutes_html, decided):
    html = minutes_html()
    annex = html[html.index("Lampiran I Berita Acara") :]
    assert 'title="APBD Provinsi"' in annex and 'title="Bantuan Keuangan Provinsi"' in annex
    assert "DAK" not in annex  # a scheme of the province that no decision of this meeting used


def test_one_signature_block_per_party_the_chair_once(minutes_html, people, decided):
    html = minutes_html()
    signatures = html[html.index('class="minutes-signatures"') : html.index("Lampiran I Berita Acara")]
    text = _text(signatures)
    assert text.count("Pimpinan Rapat") == 1
    assert "Pimpinan Rapat, Kepala Dinas PUPR Prov. Kalsel Ir. Ahmad Solhan NIP. 19680512 199303 1 007" in text
    blocks = re.findall(r'class="signature signature-party"', signatures)
    # BWS, Banjar (its first participant only), Tapin: the chair signs for Dinas PUPR Prov.; the speaker and the
    # secretariat sign the attendance list only.
    assert len(blocks) == 3
    assert "1. Balai Wilayah Sungai Kalimantan III mewakili Kepala BWS Kalimantan III Kepala Seksi Hj. Rina" in text
    assert "2. Dinas PUPR Kabupaten Banjar Kepala Dinas H. Gusti Rahmadi NIP. 19700315 199803 1 004" in text
    assert "3. Dinas PUPR Kabupaten Tapin Sekretaris Dinas Akhmad Rifani" in text
    for absent in ("Budi Santoso", "Siti Rahmawati", "Bambang Setiawan", "Nurul Hidayah"):
        assert absent not in text
    assert "Budi Santoso" in _text(html)  # everyone is still in the attendance annex


def test_without_a_chair_the_chair_block_is_left_to_fill(minutes_html, decided):
    text = _text(minutes_html())
    assert "Pimpinan Rapat, (.........................................)" in text


@pytest.fixture
def desks(meeting, decided):
    """Two desks of the meeting: Jalan takes the Banjar road and the Tapin irrigation, SDA the Pokir bridge; the
    rejected drainage was decided outside any desk."""
    roads = Desk.objects.create(meeting=meeting, name="Jalan dan Jembatan")
    water = Desk.objects.create(meeting=meeting, name="Sumber Daya Air")
    one, two, three = decided
    Decision.objects.filter(pk__in=[one.pk, three.pk]).update(desk=roads)
    Decision.objects.filter(pk=two.pk).update(desk=water)
    meeting_summary_rebuild(meeting)  # the desks set around the services, which keep the summary
    return roads, water


def test_decisions_are_grouped_by_desk_then_kabupaten(minutes_html, desks):
    text = _text(minutes_html())
    roads = text.index("Desk Jalan dan Jembatan")
    water = text.index("Desk Sumber Daya Air")
    outside = text.index("Desk Di luar desk")
    assert roads < text.index("Jalan Martapura") < text.index("Irigasi Tapin") < water
    assert water < text.index("Jembatan Pokir") < outside < text.index("Drainase Ditolak")
    assert "Jumlah desk Jalan dan Jembatan Rp 2.000.000.000 Rp 1.500.000.000 Rp 500.000.000 Rp 4.000.000.000" in text
    assert "Jumlah desk Sumber Daya Air – – Rp 600.000.000 Rp 600.000.000" in text
    assert "per desk dan per kabupaten/kota" in text
    assert "1 Jalan dan Jembatan 2 2 Rp 4.000.000.000 2 Sumber Daya Air 1 1 Rp 600.000.000 3 Di luar desk 1 0" in text


def test_a_meeting_without_desks_has_no_desk_rows(minutes_html, decided):
    text = _text(minutes_html())
    assert "Desk " not in text and "per desk" not in text


def test_signatories_of_a_long_attendance_are_read_by_one_bounded_query(
    client, secretary, meeting, people, decided, monkeypatch
):
    monkeypatch.setattr("meetings.views.MINUTES_ATTENDANCE_LIMIT", 3)  # the page shows 3 of 8 attendees
    client.force_login(secretary)
    html = _page(client, meeting)
    signatures = html[html.index('class="minutes-signatures"') : html.index("Lampiran I Berita Acara")]
    assert len(re.findall(r'class="signature signature-party"', signatures)) == 3  # still every party
    assert "Akhmad Rifani" in signatures


def test_minutes_signatories_keeps_agencyless_participants_apart():
    chair = Attendance(name="Ketua", capacity=Attendance.Capacity.CHAIR)
    a = Attendance(name="A", capacity=Attendance.Capacity.PARTICIPANT)
    b = Attendance(name="B", capacity=Attendance.Capacity.PARTICIPANT)
    guest = Attendance(name="Tamu", capacity=Attendance.Capacity.GUEST)
    signatories = minutes_signatories([a, chair, b, guest])
    assert signatories.chair is chair
    assert [p.name for p in signatories.parties] == ["A", "B"]


def test_the_annex_prints_landscape_with_repeated_headers_and_the_body_portrait(client, secretary, meeting, decided):
    client.force_login(secretary)
    html = _page(client, meeting)
    assert 'class="minutes minutes-landscape"' in html
    text = Path(finders.find("css/minutes.css")).read_text(encoding="utf-8")
    assert re.search(r"@page\s+landscape\s*{[^}]*size:\s*A4 landscape", text)
    assert re.search(r"\.minutes-landscape\s*{[^}]*page:\s*landscape", text)
    assert re.search(r"thead\s*{[^}]*display:\s*table-header-group", text)
