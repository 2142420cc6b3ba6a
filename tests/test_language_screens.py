"""The screens in English (issue 10): with the language switched, the meeting page, the Renja page, the dashboard,
the notifications and a job's page show English headings, labels and buttons; the user's data and the official
documents (the Berita Acara's text, the Renja's print form) stay as written; Indonesian stays the default."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from programs import services
from programs.models import Proposal
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    WorkPlanFactory,
    funded_proposal,
    work_plan_item,
)

pytestmark = pytest.mark.django_db


def english(client) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


def shows(text: str, *labels: str) -> None:
    """Each label is on the page as a whole element text or attribute value, not as part of a longer phrase."""
    for label in labels:
        assert f">{label}<" in text or f'"{label}"' in text or f"> {label}<" in text or f">{label} (" in text, label


@pytest.fixture
def meeting(pupr_kalsel, banjar, pupr_banjar):
    start = datetime(2026, 1, 29, 9, tzinfo=ZoneInfo("Asia/Makassar"))
    meeting = MeetingFactory(
        organiser=pupr_kalsel, starts_at=start, ends_at=start.replace(hour=16), title="Rakornis PUPR 2026"
    )
    AttendanceFactory(meeting=meeting, name="Ir. Ahmad Fauzi", agency=pupr_banjar)
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.VERIFIED, name="Jalan Gambut")
    AgendaItemFactory(meeting=meeting, proposal=proposal)
    return meeting


def test_the_meeting_page_in_english(client, secretary, meeting):
    client.force_login(secretary)
    english(client)
    text = client.get(meeting.get_absolute_url()).text
    shows(
        text,
        "Open",
        "Organiser",
        "Venue",
        "Fiscal year",
        "Attendance",
        "Agenda: proposals awaiting a decision",
        "Agree as proposed",
        "Record decision",
        "Close meeting",
        "Edit meeting",
        "Berita Acara (minutes)",
        "No decisions recorded yet.",
    )
    assert "Remove Ir. Ahmad Fauzi from the attendance list?" in text
    assert "1 proposal on the agenda is still undecided." in text  # the close button's question, in the singular
    for indonesian in (">Penyelenggara<", ">Tutup rapat<", "Agenda: usulan menunggu keputusan", ">Catat keputusan<"):
        assert indonesian not in text, indonesian
    # What people typed stays as typed, dates stay Indonesian.
    assert "Rakornis PUPR 2026" in text and "Jalan Gambut" in text and "Ir. Ahmad Fauzi" in text


def test_the_meeting_page_stays_indonesian_by_default(client, secretary, meeting):
    client.force_login(secretary)
    text = client.get(meeting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").text
    shows(text, "Penyelenggara", "Tutup rapat", "Catat keputusan", "Belum ada keputusan yang dicatat.")
    assert ">Organiser<" not in text and "Close meeting" not in text


def test_the_berita_acara_stays_indonesian_inside_an_english_screen(client, secretary, meeting):
    client.force_login(secretary)
    english(client)
    text = client.get(reverse("meetings:meeting-minutes", args=[meeting.pk])).text
    # The document: Indonesian whatever the interface language (its labels are shared with the meeting page's tables).
    assert "BERITA ACARA" in text and "Belum ada keputusan yang dicatat." in text
    assert "No decisions recorded yet." not in text


@pytest.fixture
def work_plan(pupr_kalsel, banjar, pupr_banjar):
    work_plan = WorkPlanFactory(agency=pupr_kalsel)
    road = funded_proposal(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0101")
    work_plan_item(
        work_plan, code="1.03.10.2.01.0053", region=banjar, funding={"APBD_PROV": 1_000_000_000}, sources=(road,)
    )
    return work_plan


def test_the_renja_page_in_english(client, planner, work_plan):
    client.force_login(planner)
    english(client)
    text = client.get(reverse("workplans:workplan-detail", args=[work_plan.pk]), {"kegiatan": "1.03.10.2.01"}).text
    assert "Renja Dinas PUPR Prov. Kalsel FY 2027" in text
    shows(
        text, "Agency", "Last synced", "never", "Number of rows", "Total by funding scheme", "Download Excel", "Print"
    )
    shows(text, "Source proposals", "Location", "Target", "Plan for 2027", "Forward estimate for 2028", "Close")
    assert "Planned programs and activities FY 2027 and forward estimate FY 2028" in text
    for indonesian in (
        "Renja Dinas PUPR Prov. Kalsel TA 2027",
        ">Sinkron terakhir<",
        "belum pernah",
        ">Usulan sumber<",
    ):
        assert indonesian not in text, indonesian
    assert "Rp 1.000.000.000" in text  # rupiah stay Indonesian-written


def test_the_renja_print_form_stays_indonesian_in_english(client, planner, work_plan):
    client.force_login(planner)
    english(client)
    text = client.get(reverse("workplans:workplan-print", args=[work_plan.pk])).text
    assert "Rumusan Rencana Program dan Kegiatan Perangkat Daerah Tahun 2027" in text and ">Pagu Indikatif<" in text
    assert "Indicative budget ceiling" not in text and "Plan for 2027" not in text


def test_the_renja_page_stays_indonesian_by_default(client, planner, work_plan):
    client.force_login(planner)
    text = client.get(reverse("workplans:workplan-detail", args=[work_plan.pk])).text
    assert "Renja Dinas PUPR Prov. Kalsel TA 2027" in text
    shows(text, "Sinkron terakhir", "belum pernah", "Unduh Excel")
    assert ">Last synced<" not in text


def test_the_dashboard_in_english(client, verifier, banjar, pupr_banjar):
    funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    english(client)
    text = client.get(reverse("dashboard")).text
    assert "Dashboard FY 2027" in text and "Proposal flow FY 2027" in text
    shows(
        text,
        "Proposed amount",
        "Agreed amount",
        "Stage",
        "Drafts left",
        "Awaiting verification",
        "Download Excel recap",
    )
    # The funnel's stages (rakornis/dashboard.py) and the charts' series names, taken from the column headings.
    shows(text, "All proposals", "Submitted to the province", "Passed verification")
    assert 'data-series="proposed">Proposed amount<' in text
    # The axis abbreviations: Indonesian "M" (miliar) is an English "B"; "jt" (juta) an "M".
    assert 'data-unit-billion="B"' in text and 'data-unit-million="M"' in text
    for indonesian in ("Dasbor TA 2027", ">Pagu usulan<", ">Tahap<", ">Semua usulan<", ">Diajukan ke provinsi<"):
        assert indonesian not in text, indonesian


def test_the_dashboard_stays_indonesian_by_default(client, verifier, banjar, pupr_banjar):
    funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    text = client.get(reverse("dashboard")).text
    assert "Dasbor TA 2027" in text and 'data-unit-billion="M"' in text and 'data-unit-million="jt"' in text
    shows(text, "Pagu usulan", "Tahap", "Diajukan ke provinsi")
    assert "Proposed amount" not in text


def test_the_notifications_and_their_settings_in_english(client, operator_banjar, verifier, banjar, pupr_banjar):
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED, name="Jalan Gambut")
    services.proposal_return(proposal=proposal, user=verifier, note="Lampirkan DED.")
    client.force_login(operator_banjar)
    english(client)
    text = client.get(reverse("notifications:notification-list")).text
    shows(text, "Notifications", "Unread only", "Mark all as read", "Settings", "new", "Read")
    assert ">Tandai semua sudah dibaca<" not in text
    assert "Jalan Gambut" in text  # the notification's own text names the proposal as typed
    text = client.get(reverse("notifications:notification-preferences")).text
    shows(text, "Notification settings", "Kind", "In the application", "Save")
    assert ">Pengaturan notifikasi<" not in text
    # Without the switch: Indonesian.
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    shows(client.get(reverse("notifications:notification-list")).text, "Tandai semua sudah dibaca", "Pengaturan")


def test_the_notifications_of_someone_else_are_not_shown_in_either_language(
    client, operator_tapin, verifier, banjar, pupr_banjar
):
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED, name="Jalan Gambut")
    services.proposal_return(proposal=proposal, user=verifier, note="Lampirkan DED.")
    client.force_login(operator_tapin)
    english(client)
    text = client.get(reverse("notifications:notification-list")).text
    assert "Jalan Gambut" not in text
    assert "No notifications yet." in text


def test_the_meeting_list_and_the_meeting_form_in_english(client, secretary, meeting):
    client.force_login(secretary)
    english(client)
    text = client.get(reverse("meetings:meeting-list"), {"tahun": str(meeting.fiscal_year)}).text
    assert f"Coordination meetings FY {meeting.fiscal_year}" in text
    shows(text, "Date", "Organiser", "Venue", "FY", "Open", "New meeting")
    assert "Rapat koordinasi TA" not in text and ">Rapat baru<" not in text
    shows(client.get(reverse("meetings:meeting-create")).text, "New meeting")


def test_a_viewer_sees_the_english_meeting_page_without_the_secretary_s_buttons(client, viewer, meeting):
    client.force_login(viewer)
    english(client)
    text = client.get(meeting.get_absolute_url()).text
    shows(text, "Organiser", "Attendance")
    assert "Close meeting" not in text and "Tutup rapat" not in text and "Record decision" not in text


def test_the_indicator_list_in_english(client, planner):
    client.force_login(planner)
    english(client)
    text = client.get(reverse("indicators:indicator-list")).text
    assert "context FY 2027" in text
    assert ">Performance indicators <" in text
    shows(text, "Code", "Unit", "Direction", "Latest target / realisation / gap")
    assert ">Indikator kinerja" not in text and ">Satuan<" not in text
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    shows(client.get(reverse("indicators:indicator-list")).text, "Satuan", "Arah")


def test_sign_in_and_the_error_pages_in_english(client, operator_banjar):
    english(client)
    text = client.get(reverse("login")).text
    shows(text, "Sign in to Rakornis", "Username", "Password", "Sign in")
    wrong = client.post(reverse("login"), {"username": operator_banjar.username, "password": "salah"}).text
    assert "Wrong username or password." in wrong and "Nama pengguna atau kata sandi salah" not in wrong
    client.force_login(operator_banjar)
    missing = client.get("/usulan/999999999/")
    assert missing.status_code == 404
    shows(missing.text, "Page not found")
    assert "Halaman tidak ditemukan" not in missing.text
    shows(client.get(reverse("password_change")).text, "Change password", "Save new password", "Cancel")


def test_sign_in_stays_indonesian_by_default(client):
    text = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").text
    shows(text, "Masuk ke Rakornis", "Nama pengguna", "Kata sandi")
    assert "Sign in to Rakornis" not in text


def test_the_proposal_s_actions_thread_and_verification_page_in_english(
    client, operator_banjar, verifier, banjar, pupr_banjar
):
    draft = funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan Gambut")
    client.force_login(operator_banjar)
    english(client)
    page = client.get(draft.get_absolute_url()).text
    shows(page, "Edit proposal", "Submit to the province", "Discussion", "Write a comment", "Send")
    assert ">Ajukan ke provinsi<" not in page and ">Tulis komentar<" not in page
    submitted = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    english(client)
    verify = client.get(reverse("programs:proposal-verify", args=[submitted.pk])).text
    assert f"Verify {submitted.number}" in verify
    shows(verify, "Proposal summary", "Readiness checklist", "Verify", "Return for revision")
    assert ">Daftar periksa kesiapan<" not in verify


def test_the_operator_gets_no_verification_page_in_english_either(client, operator_banjar, banjar, pupr_banjar):
    submitted = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(operator_banjar)
    english(client)
    response = client.get(reverse("programs:proposal-verify", args=[submitted.pk]))
    assert response.status_code == 403
    shows(response.text, "This action is not allowed for your role")


def test_the_import_page_and_its_preview_in_english(client, operator_banjar, banjar, pupr_banjar):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import FundingSchemeFactory, sub_activity, usulan_xlsx

    FundingSchemeFactory(code="APBD_KAB", order=1)
    sub_activity("1.03.10.2.01.0053", "Peningkatan Jalan")
    row = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": "1.03.10.2.01.0053",
        "Nama Usulan": "Peningkatan Jalan Martapura",
        "Lokasi": "Martapura",
        "Volume": 2.5,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": 1_500_000_000,
    }
    client.force_login(operator_banjar)
    english(client)
    url = reverse("programs:proposal-import")
    shows(client.get(url).text, "Import proposals from Excel", "Check file", "Download template (.xlsx)")
    good = client.post(url, {"file": SimpleUploadedFile("usulan.xlsx", usulan_xlsx([row]))}, follow=True).text
    shows(good, "new proposals", "unchanged", "Save 1 proposal", "What changed", "New")
    assert ">usulan baru<" not in good and "Peningkatan Jalan Martapura" in good
    bad = usulan_xlsx([{**row, "Kode Sub Kegiatan": "1.03.10.2.01.9999"}])
    text = client.post(url, {"file": SimpleUploadedFile("usulan.xlsx", bad)}, follow=True).text
    shows(text, "Errors by row and column", "Column", "Error")
    assert "The file cannot be imported" in text and "Berkas tidak dapat diimpor" not in text
    assert "1.03.10.2.01.9999" in text  # the user's value, as typed


def test_the_proposal_page_form_and_home_notes_in_english(client, operator_banjar, banjar, pupr_banjar):
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan Gambut")
    client.force_login(operator_banjar)
    english(client)
    page = client.get(proposal.get_absolute_url()).text
    assert f"FY {proposal.fiscal_year} · version {proposal.version}" in page
    shows(page, "Not discussed in a meeting yet.")
    assert ">Carried over from:\n" in page and ">Proposals merged into this one:\n" in page
    assert "Belum dibahas dalam rapat." not in page and "Lanjutan dari:" not in page
    form = client.get(reverse("programs:proposal-update", args=[proposal.pk])).text
    shows(form, "Funding sources and indicative budget ceiling", "Funding scheme")
    assert ">+ Add funding source<" in form
    assert "Tambah sumber dana" not in form
    home = client.get(reverse("home")).text
    assert "See the proposals" in home and "Lihat usulannya" not in home
    # Indonesian without the switch.
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    page = client.get(proposal.get_absolute_url()).text
    assert f"TA {proposal.fiscal_year} · versi {proposal.version}" in page and "Belum dibahas dalam rapat." in page
