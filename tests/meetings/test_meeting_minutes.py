import re

import pytest
from django.urls import reverse

from meetings.models import Attendance, Decision
from tests.factories import AttendanceFactory, DecisionFactory, DecisionFundingFactory, verified_proposal

pytestmark = pytest.mark.django_db


def _url(meeting):
    return reverse("meetings:meeting-minutes", args=[meeting.pk])


def _text(response) -> str:
    """The page as a reader sees it: tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


@pytest.fixture
def minutes_meeting(meeting, schemes, banjar, pupr_banjar, tapin, pupr_tapin, banjar_proposal, tapin_proposal):
    AttendanceFactory(
        meeting=meeting,
        name="Ir. Ahmad Solhan",
        position="Kepala Dinas PUPR Prov. Kalsel",
        capacity=Attendance.Capacity.CHAIR,
        order=1,
    )
    AttendanceFactory(
        meeting=meeting,
        name="Hj. Rina Marlina",
        position="Kepala Seksi",
        represents="Kepala BWS Kalimantan III",
        order=2,
    )
    one = DecisionFactory(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED)
    DecisionFundingFactory(decision=one, scheme=schemes["APBD_KAB"], amount=1_500_000_000)
    two = DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(banjar, pupr_banjar, {"BKP": 800_000_000}, name="Rehabilitasi Jalan Martapura"),
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        agreed_volume="1.50",
    )
    DecisionFundingFactory(decision=two, scheme=schemes["BKP"], amount=600_000_000)
    DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 900_000_000}, name="Drainase Gambut"),
        outcome=Decision.Outcome.REJECTED,
        reason="Bukan kewenangan provinsi",
    )
    three = DecisionFactory(meeting=meeting, proposal=tapin_proposal, outcome=Decision.Outcome.AGREED)
    DecisionFundingFactory(decision=three, scheme=schemes["APBD_PROV"], amount=2_000_000_000)
    DecisionFundingFactory(decision=three, scheme=schemes["BKP"], amount=500_000_000)
    return meeting


@pytest.mark.parametrize("persona", ["secretary", "planner", "verifier", "viewer", "superuser"])
def test_provincial_roles_read_the_minutes(client, request, minutes_meeting, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(minutes_meeting)).status_code == 200


def test_minutes_tell_day_date_and_place_in_words(client, secretary, minutes_meeting):
    client.force_login(secretary)
    text = _text(client.get(_url(minutes_meeting)))
    assert "BERITA ACARA" in text
    assert "RAKORNIS DINAS PUPR KALSEL 2026" in text
    assert (
        "Pada hari ini Kamis, tanggal dua puluh sembilan bulan Januari tahun dua ribu dua puluh enam, "
        "bertempat di Anjungan Kalimantan Selatan TMII, Jakarta"
    ) in text
    assert "Menyelaraskan program antartingkat pemerintahan" in text


def test_minutes_group_decisions_by_kabupaten_with_totals_per_scheme(client, secretary, minutes_meeting):
    client.force_login(secretary)
    text = _text(client.get(_url(minutes_meeting)))
    # Banjar: APBD Kab/Kota 1.5 bn (agreed) + BKP 0.6 bn (agreed with changes); the rejected 0.9 bn does not count.
    # Columns in scheme order: APBD Prov, APBD Kab/Kota, BKP, then the row total.
    assert "Jumlah Kabupaten Banjar – Rp 1.500.000.000 Rp 600.000.000 Rp 2.100.000.000" in text
    assert "Jumlah Kabupaten Tapin Rp 2.000.000.000 – Rp 500.000.000 Rp 2.500.000.000" in text
    assert "Jumlah seluruhnya Rp 2.000.000.000 Rp 1.500.000.000 Rp 1.100.000.000 Rp 4.600.000.000" in text
    assert "Bukan kewenangan provinsi" in text
    assert "Rp 900.000.000" not in text
    assert text.index("Kabupaten Banjar") < text.index("Kabupaten Tapin")


def test_minutes_have_the_signature_block_and_attendance_annex(client, secretary, minutes_meeting, pupr_banjar):
    AttendanceFactory(meeting=minutes_meeting, name="Budi Santoso", position="Staf", agency=pupr_banjar, order=3)
    client.force_login(secretary)
    text = _text(client.get(_url(minutes_meeting)))
    assert "Jakarta, 29 Januari 2026" in text
    assert "Pimpinan Rapat, Kepala Dinas PUPR Prov. Kalsel Ir. Ahmad Solhan" in text
    assert "DAFTAR HADIR" in text
    assert "No Nama Jabatan Instansi Mewakili Tanda Tangan" in text
    assert "2 Hj. Rina Marlina Kepala Seksi Kepala BWS Kalimantan III 2." in text
    assert "3 Budi Santoso Staf Dinas PUPR Kabupaten Banjar 3." in text  # the signed annex: the agency in full


def test_operator_gets_403(client, operator_banjar, minutes_meeting):
    client.force_login(operator_banjar)
    assert client.get(_url(minutes_meeting)).status_code == 403


def test_meeting_of_another_province_is_404(client, secretary, kalteng_meeting):
    client.force_login(secretary)
    assert client.get(_url(kalteng_meeting)).status_code == 404


def test_wrong_method_is_405(client, secretary, minutes_meeting):
    client.force_login(secretary)
    assert client.post(_url(minutes_meeting)).status_code == 405


def test_queries_do_not_grow_with_rows(client, secretary, minutes_meeting, schemes, tapin, pupr_tapin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(secretary)
    client.get(_url(minutes_meeting))
    with CaptureQueriesContext(connection) as few:
        client.get(_url(minutes_meeting))
    for _ in range(5):
        decision = DecisionFactory(
            meeting=minutes_meeting,
            proposal=verified_proposal(tapin, pupr_tapin, {"BKP": 1}),
            outcome=Decision.Outcome.AGREED,
        )
        DecisionFundingFactory(decision=decision, scheme=schemes["BKP"], amount=1)
        AttendanceFactory(meeting=minutes_meeting)
    with CaptureQueriesContext(connection) as many:
        client.get(_url(minutes_meeting))
    assert len(many) == len(few)
