import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.jobs import run_meeting_minutes
from meetings.models import Attendance, Decision
from programs.jobs import JobFailed
from programs.models import ExcelJob
from rakornis.formatting import format_rupiah
from tests.factories import AttendanceFactory, DecisionFactory, DecisionFundingFactory, verified_proposal
from tests.meetings.bulk import AGREED, decide_many
from tests.workbooks import sheet_table

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
    assert "No Nama / NIP Jabatan Instansi Mewakili Tanda Tangan" in text
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


# A big meeting: totals on screen, the full document from the worker (issue 11) -------------------------------------


def _queries(client, url):
    client.get(url)  # the first request after signing in also saves the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.fixture
def regencies(banjar, tapin, pupr_banjar, pupr_tapin):
    return [(banjar, pupr_banjar), (tapin, pupr_tapin)]


def test_a_small_meeting_keeps_its_full_table_and_a_big_one_shows_totals(
    client, secretary, meeting, schemes, regencies
):
    AttendanceFactory(meeting=meeting, capacity=Attendance.Capacity.CHAIR, name="Ir. Ketua Rapat")
    decide_many(meeting, regencies, schemes["APBD_PROV"], 5, prefix="S")
    client.force_login(secretary)
    small, response = _queries(client, _url(meeting))
    assert _text(response).count("Usulan massal S") == 5
    assert "minutes-bounded" not in response.text
    decide_many(meeting, regencies, schemes["APBD_PROV"], 3000)
    large, response = _queries(client, _url(meeting))
    text = _text(response)
    assert large <= small <= 15  # the big one skips the decision rows; 3 for the bases and the desk/origin recaps
    assert len(response.content) < 100_000
    assert "Usulan massal" not in text
    assert "Rapat membahas 3.005 usulan" in text
    assert "Kabupaten Banjar" in text and "Kabupaten Tapin" in text  # the totals by kabupaten/kota
    assert format_rupiah(AGREED * 1202) in text  # 2 of every 5 agreed, of 3,005
    assert "Ir. Ketua Rapat" in text  # attendance and signatures stay
    assert reverse("meetings:meeting-minutes-job", args=[meeting.pk]) in response.text


def test_the_full_berita_acara_is_made_by_the_worker_and_lists_every_decision(
    client, secretary, meeting, schemes, regencies
):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 1200)
    client.force_login(secretary)
    response = client.post(reverse("meetings:meeting-minutes-job", args=[meeting.pk]))
    job = ExcelJob.objects.get(kind=ExcelJob.Kind.MEETING_MINUTES)
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()  # the test settings run the task at once
    assert job.status == ExcelJob.Status.DONE, job.error
    assert (job.rows_done, job.rows_total) == (1200, 1200)
    download = client.get(reverse("programs:job-download", args=[job.pk]))
    assert download["Content-Type"].startswith("text/html")
    document = b"".join(download.streaming_content).decode()
    assert document.startswith("<!doctype html>") and "<style>" in document  # stands alone when printed
    assert len(re.findall(r"Usulan massal B\d{5}", document)) == 1200
    assert "Jumlah Kabupaten Banjar" in document and "Jumlah Kabupaten Tapin" in document
    assert f"Jumlah seluruhnya {format_rupiah(AGREED * 480)} {format_rupiah(AGREED * 480)}" in _text_of(document)
    assert "BERITA ACARA" in document and "DAFTAR HADIR" in document


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_runner_streams_the_subtotals_in_order(meeting, secretary, schemes, regencies):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 10)
    job = ExcelJob.objects.create(kind=ExcelJob.Kind.MEETING_MINUTES, user=secretary, params={"meeting": meeting.pk})
    run_meeting_minutes(job)
    text = _text_of(job.file.read().decode())
    banjar_total = text.index("Jumlah Kabupaten Banjar Rp")  # the subtotal row, not the header's "Jumlah"
    assert text.index("Usulan massal B00008") < banjar_total < text.index("Usulan massal B00001")  # Banjar's first
    assert job.summary.endswith("10 keputusan.")


def test_outside_the_meeting_no_berita_acara_job(client, operator_tapin, meeting, kalteng_meeting, secretary):
    client.force_login(operator_tapin)  # sees the provincial meeting, may not read its Berita Acara
    assert client.post(reverse("meetings:meeting-minutes-job", args=[meeting.pk])).status_code == 403
    client.force_login(secretary)  # another province's meeting does not exist for them
    assert client.post(reverse("meetings:meeting-minutes-job", args=[kalteng_meeting.pk])).status_code == 404
    assert client.get(reverse("meetings:meeting-minutes-job", args=[meeting.pk])).status_code == 405
    assert not ExcelJob.objects.exists()


def test_the_job_and_its_file_are_the_readers_own(client, secretary, viewer, meeting, schemes, regencies):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 10)
    client.force_login(secretary)
    client.post(reverse("meetings:meeting-minutes-job", args=[meeting.pk]))
    job = ExcelJob.objects.get()
    client.force_login(viewer)
    for name in ("programs:job-detail", "programs:job-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_a_reader_who_lost_the_right_gets_a_failed_job_not_the_document(meeting, operator_tapin, schemes, regencies):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 10)
    job = ExcelJob.objects.create(
        kind=ExcelJob.Kind.MEETING_MINUTES, user=operator_tapin, params={"meeting": meeting.pk}
    )
    with pytest.raises(JobFailed):
        run_meeting_minutes(job)
    assert not job.file


def test_a_big_annex_goes_to_the_worker(client, secretary, meeting, schemes, regencies, settings):
    settings.EXCEL_BACKGROUND_THRESHOLD = 50
    decide_many(meeting, regencies, schemes["APBD_PROV"], 60)
    client.force_login(secretary)
    response = client.get(reverse("meetings:meeting-annex-export", args=[meeting.pk]))
    job = ExcelJob.objects.get(kind=ExcelJob.Kind.MEETING_ANNEX)
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == ExcelJob.Status.DONE, job.error
    _, _, header, rows = sheet_table(job.file.read())
    assert sum(1 for row in rows if row[0] is not None) == 60  # numbered decision rows
