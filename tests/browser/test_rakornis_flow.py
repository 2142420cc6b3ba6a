"""The whole Rakornis round in a real browser, one person at a time, as issue 3 describes it.

Operator of Banjar fills in and submits a proposal with two funding schemes; the provincial verifier verifies it;
the secretariat puts it on a Rakornis agenda, agrees it with a changed amount and closes the meeting; the Berita
Acara shows the agreed amounts; the operator of Tapin can open neither the proposal nor the Berita Acara.
Screenshots of every step land in artifacts/screenshots/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Error, Page, expect

from meetings.models import Decision, Meeting
from programs.models import Nomenclature, Proposal, ReadinessCriterion
from tests.browser.conftest import screenshot
from tests.factories import FundingSchemeFactory, MeetingFactory, sub_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WITA = ZoneInfo("Asia/Makassar")
MEETING_STARTS = datetime(2026, 12, 10, 9, 0, tzinfo=WITA)
MEETING_DAY_IN_WORDS = "Kamis, tanggal sepuluh bulan Desember tahun dua ribu dua puluh enam"
PROPOSAL_NAME = "Rehabilitasi Jalan Martapura - Astambul"
CHAIR = "Ir. Rahmat Hidayat, M.T."
READINESS_CRITERIA = [
    "DED tersedia",
    "Status lahan clear and clean",
    "Dokumen lingkungan tersedia",
    "Sesuai kewenangan provinsi",
]


@dataclass
class BrowserErrors:
    """Uncaught exceptions and console errors of one page; `allowed` are console texts expected on it."""

    allowed: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or any(text in message.text for text in self.allowed):
            return
        # Chromium asks every site for /favicon.ico, which this project does not serve; not a page's error.
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"pageerror: {error.message}")


def watch(page: Page, *allowed: str) -> BrowserErrors:
    errors = BrowserErrors(allowed=allowed)
    page.on("console", errors.on_console)
    page.on("pageerror", errors.on_page_error)
    return errors


def assert_no_browser_errors(watched: list[tuple[str, BrowserErrors]]) -> None:
    problems = [f"{who}: {error}" for who, errors in watched for error in errors.errors]
    assert not problems, "JavaScript errors in the browser:\n" + "\n".join(problems)


def alert(page: Page, text: str):
    return page.get_by_role("alert").filter(has_text=text)


@pytest.fixture
def reference_data(operator_banjar, operator_tapin, verifier, secretary, pupr_kalsel):
    schemes = {
        code: FundingSchemeFactory(code=code, name=name, short_name=short, order=order)
        for order, (code, name, short) in enumerate(
            [
                ("APBD_PROV", "APBD Provinsi", "APBD Prov"),
                ("APBD_KAB", "APBD Kabupaten/Kota", "APBD Kab/Kota"),
                ("BKP", "Bantuan Keuangan Provinsi", "BKP"),
                ("DAK_FISIK", "DAK Fisik", "DAK Fisik"),
            ],
            start=1,
        )
    }
    sub_activities = {
        "build": sub_activity("1.03.10.2.01.0053", "Pembangunan Jalan"),
        "rehab": sub_activity("1.03.10.2.01.0055", "Rehabilitasi Jalan"),
        "province": sub_activity("1.03.10.1.01.0020", "Pembangunan Jalan Provinsi"),
    }
    meeting = MeetingFactory(
        title="Rakornis Bidang PUPR Kalimantan Selatan",
        organiser=pupr_kalsel,
        starts_at=MEETING_STARTS,
        ends_at=MEETING_STARTS.replace(hour=16),
        venue="Aula Gawi Sabarataan",
        city="Banjarbaru",
        fiscal_year=2027,
    )
    # The readiness checklist the verifier ticks: the data migration's defaults (a transactional test empties the
    # tables it finds after each test, so they are created again when gone).
    criteria = [
        ReadinessCriterion.objects.get_or_create(name=name, defaults={"order": order})[0]
        for order, name in enumerate(READINESS_CRITERIA)
    ]
    return {"schemes": schemes, "sub_activities": sub_activities, "meeting": meeting, "criteria": criteria}


def test_proposal_goes_from_banjar_operator_to_berita_acara(
    new_page, live_server, reference_data, banjar, pupr_banjar, pupr_kalsel
):
    meeting: Meeting = reference_data["meeting"]
    rehab: Nomenclature = reference_data["sub_activities"]["rehab"]
    watched: list[tuple[str, BrowserErrors]] = []

    # 1. The operator of Banjar fills in the form like a person, saves and submits. -------------------------------
    page = new_page("operator.banjar")
    watched.append(("operator.banjar", watch(page)))
    page.goto(f"{live_server.url}/usulan/")
    page.get_by_role("link", name="+ Usulan baru").click()
    expect(page.get_by_role("heading", name="Usulan baru")).to_be_visible()

    page.locator("#id_fiscal_year").fill("2027")
    expect(page.locator("#id_region")).to_be_disabled()  # an operator's own kabupaten/kota, fixed
    page.locator("#id_agency").select_option(label=pupr_banjar.short_name)
    page.locator("#id_location").fill("Ruas Martapura - Astambul STA 0+000 s.d. 2+500")

    # The sub kegiatan box suggests codes as one types (static/js/subactivity_autocomplete.js); a click fills it in.
    sub_activity_box = page.get_by_role("combobox", name="Sub kegiatan")
    sub_activity_box.press_sequentially("jalan rehab")
    suggestions = page.locator("#id_sub_activity-suggestions")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    suggestions.get_by_role("option", name=re.compile(re.escape(rehab.code))).click()
    expect(sub_activity_box).to_have_value(f"{rehab.code} {rehab.name}")
    expect(suggestions).to_be_hidden()

    page.locator("#id_name").fill(PROPOSAL_NAME)
    page.locator("#id_volume").fill("2.5")
    page.locator("#id_unit").fill("km")
    page.locator("#id_output_indicator").fill("Panjang jalan yang direhabilitasi")

    rows = page.locator("#funding-rows .funding-row")
    expect(rows).to_have_count(1)
    rows.nth(0).get_by_label("Skema pendanaan").select_option(label="APBD Kabupaten/Kota")
    rows.nth(0).get_by_label("Pagu indikatif (Rp)").press_sequentially("1.500.000.000")
    expect(page.locator("#funding-total")).to_have_text("Rp 1.500.000.000")
    page.get_by_role("button", name="+ Tambah sumber dana").click()
    expect(rows).to_have_count(2)
    rows.nth(1).get_by_label("Skema pendanaan").select_option(label="Bantuan Keuangan Provinsi")
    rows.nth(1).get_by_label("Pagu indikatif (Rp)").press_sequentially("500000000")
    expect(page.locator("#funding-total")).to_have_text("Rp 2.000.000.000")
    # A .2. code funded by APBD Kab/Kota and BKP fits: no level warning.
    expect(page.locator("#level-warning")).to_be_hidden()
    screenshot(page, "01-operator-form")

    page.get_by_role("button", name="Simpan sebagai draf").click()
    expect(alert(page, "tersimpan sebagai draf")).to_be_visible()
    proposal = Proposal.objects.get()
    assert re.fullmatch(r"USL-2027-63\.03-\d{4}", proposal.number)
    assert page.url == f"{live_server.url}/usulan/{proposal.pk}/"
    detail_url = page.url
    breakdown = page.locator("#funding-breakdown")
    expect(breakdown).to_contain_text("APBD Kabupaten/Kota")
    expect(breakdown).to_contain_text("Rp 1.500.000.000")
    expect(breakdown).to_contain_text("Bantuan Keuangan Provinsi")
    expect(breakdown).to_contain_text("Rp 500.000.000")
    expect(breakdown.locator("tfoot")).to_contain_text("Rp 2.000.000.000")
    expect(page.locator(".badge", has_text="Draf")).to_be_visible()
    screenshot(page, "02-operator-draft")

    page.get_by_role("button", name="Ajukan ke provinsi").click()
    expect(alert(page, "diajukan ke provinsi untuk diverifikasi")).to_be_visible()
    expect(page.locator(".badge", has_text="Diajukan")).to_be_visible()
    # Editing is closed once submitted.
    expect(page.get_by_role("link", name="Ubah usulan")).to_have_count(0)
    screenshot(page, "03-operator-submitted")
    assert_no_browser_errors(watched)

    # 2. The provincial verifier verifies it. ---------------------------------------------------------------------
    page = new_page("verifikator.pupr")
    watched.append(("verifikator.pupr", watch(page)))
    page.goto(detail_url)
    expect(page.get_by_role("heading", name=proposal.number)).to_be_visible()
    # Verifying goes through the readiness checklist (tests/browser/test_documents_flow.py covers it in full).
    page.get_by_role("link", name="Periksa kesiapan dan verifikasi").click()
    expect(page.get_by_role("heading", name=f"Verifikasi {proposal.number}")).to_be_visible()
    checklist = page.locator("#verification-form")
    expect(checklist.get_by_role("checkbox")).to_have_count(len(READINESS_CRITERIA))
    for criterion in READINESS_CRITERIA:
        checklist.get_by_label(criterion).check()
    screenshot(page, "04-verifier-checklist")
    checklist.get_by_role("button", name="Verifikasi", exact=True).click()
    expect(alert(page, f"Usulan {proposal.number} terverifikasi")).to_be_visible()
    expect(page.locator(".badge", has_text="Terverifikasi")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Terverifikasi")
    screenshot(page, "04-verifier-verified")
    assert_no_browser_errors(watched)

    # 3. The secretariat puts it on the agenda, agrees it with changes and closes the meeting. -------------------
    page = new_page("sekretariat")
    watched.append(("sekretariat", watch(page)))
    page.goto(f"{live_server.url}/rapat/")
    page.get_by_role("link", name=meeting.title).click()
    expect(page.get_by_role("heading", name=meeting.title)).to_be_visible()
    # The attendance and agenda forms have their own pages (the meeting page stays within 12 queries).
    page.get_by_role("link", name="+ Tambah peserta").click()
    attendance = page.locator("form.attendance-quick-add")
    attendance.get_by_placeholder("Nama", exact=True).fill(CHAIR)
    attendance.get_by_placeholder("Jabatan", exact=True).fill("Kepala Dinas")
    attendance.locator("select[name=agency]").select_option(label=pupr_kalsel.short_name)
    attendance.locator("select[name=capacity]").select_option(label="Pimpinan rapat")
    attendance.get_by_placeholder("Mewakili (nama/jabatan)").press("Enter")
    expect(alert(page, f"{CHAIR} ditambahkan ke daftar hadir")).to_be_visible()
    expect(page.get_by_placeholder("Nama", exact=True)).to_be_focused()  # ready for the next person
    page.get_by_role("link", name="Kembali ke rapat").click()
    page.get_by_role("link", name="+ Tambah usulan ke agenda").click()
    page.get_by_label("Kabupaten/kota").select_option(label=f"{banjar.code} {banjar.name}")
    page.get_by_role("button", name="Tambahkan ke agenda").click()
    expect(alert(page, "1 usulan terverifikasi ditambahkan ke agenda")).to_be_visible()
    agenda_row = page.locator("#agenda tbody tr", has_text=proposal.number)
    expect(agenda_row).to_contain_text("Rp 2.000.000.000")
    screenshot(page, "05-secretary-agenda")

    agenda_row.get_by_role("link", name="Catat keputusan").click()
    expect(page.get_by_role("heading", name="Catat keputusan")).to_be_visible()
    apbd_kab = page.locator("#id_amount_APBD_KAB")
    expect(apbd_kab).to_be_hidden()  # amounts only matter for "agreed with changes"
    page.get_by_label("Disepakati dengan perubahan").check()
    expect(apbd_kab).to_be_visible()
    expect(apbd_kab).to_have_value("1.500.000.000")
    expect(page.locator("#id_amount_BKP")).to_have_value("500.000.000")
    apbd_kab.fill("1.200.000.000")
    page.get_by_label("Alasan / catatan").fill("Pagu APBD Kab/Kota disesuaikan dengan kapasitas fiskal.")
    screenshot(page, "06-secretary-decision")
    page.get_by_role("button", name="Simpan keputusan").click()
    expect(alert(page, f"Keputusan atas {proposal.number}: Disepakati dengan perubahan")).to_be_visible()
    decisions = page.locator("#kesepakatan")
    expect(decisions).to_contain_text("Rp 1.200.000.000")
    expect(decisions).to_contain_text("Rp 1.700.000.000")

    dialogs: list[str] = []

    def confirm(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.get_by_role("button", name="Tutup rapat").click()
    expect(alert(page, "Rapat ditutup")).to_be_visible()
    assert len(dialogs) == 1 and dialogs[0].startswith("Tutup rapat ini?")
    expect(page.get_by_role("button", name="Tutup rapat")).to_have_count(0)
    expect(page.locator(".badge", has_text="Ditutup")).to_be_visible()
    screenshot(page, "07-secretary-closed")
    assert_no_browser_errors(watched)

    # 4. The Berita Acara shows the agreed amounts and the day and date in words. ---------------------------------
    page.get_by_role("link", name="Berita Acara").click()
    expect(page.get_by_role("heading", name="BERITA ACARA")).to_be_visible()
    # The document itself, then Lampiran I (the decisions) and Lampiran II (the attendance), each its own article.
    articles = page.locator("article.minutes")
    expect(articles).to_have_count(3)
    minutes = articles.filter(has=page.get_by_role("heading", name="BERITA ACARA"))
    expect(minutes).to_contain_text(f"Pada hari ini {MEETING_DAY_IN_WORDS}")
    expect(minutes).to_contain_text("Aula Gawi Sabarataan, Banjarbaru")
    expect(minutes).to_contain_text("dihadiri oleh 1 orang peserta")
    expect(minutes.locator(".minutes-signatures")).to_contain_text(CHAIR)
    expect(minutes.locator(".source-recap tfoot")).to_contain_text("Rp 1.700.000.000")
    decisions_annex = articles.filter(has_text="Lampiran I Berita Acara")
    expect(decisions_annex).to_contain_text("KESEPAKATAN USULAN TAHUN ANGGARAN 2027")
    row = decisions_annex.locator(".decision-table tbody tr", has_text=proposal.number)
    expect(row).to_contain_text("Disepakati dengan perubahan")
    expect(row).to_contain_text("Rp 1.200.000.000")
    expect(row).to_contain_text("Rp 500.000.000")
    expect(row).to_contain_text("Rp 1.700.000.000")
    expect(decisions_annex.locator(".regency-source-recap tfoot")).to_contain_text("Rp 1.700.000.000")
    attendance_annex = articles.filter(has_text="Lampiran II Berita Acara")
    expect(attendance_annex.get_by_role("heading", name="DAFTAR HADIR")).to_be_visible()
    expect(attendance_annex.locator(".attendance-annex tbody tr")).to_have_count(1)
    expect(attendance_annex.locator(".attendance-annex tbody")).to_contain_text(CHAIR)
    expect(page.locator("main")).not_to_contain_text("Rp 1.500.000.000")  # the proposed amount was not agreed
    screenshot(page, "08-berita-acara")
    minutes_url = page.url
    assert_no_browser_errors(watched)

    # 5. The operator of Tapin can open neither. ------------------------------------------------------------------
    page = new_page("operator.tapin")
    # The refusals below are expected; Chromium logs each as a failed resource.
    watched.append(("operator.tapin", watch(page, "status of 404", "status of 403")))
    page.goto(f"{live_server.url}/usulan/")
    expect(page.locator("#proposal-count")).to_have_text("0")
    expect(page.locator("main")).not_to_contain_text(proposal.number)
    response = page.goto(detail_url)
    assert response is not None and response.status == 404
    expect(page.locator("main")).not_to_contain_text(PROPOSAL_NAME)
    expect(page.locator("main")).not_to_contain_text(proposal.number)
    screenshot(page, "09-tapin-proposal-404")
    response = page.goto(minutes_url)
    assert response is not None and response.status == 403
    expect(page.locator("main")).not_to_contain_text("BERITA ACARA")
    expect(page.locator("main")).not_to_contain_text("Rp 1.200.000.000")
    screenshot(page, "10-tapin-minutes-403")
    # The province's meeting is visible to a kabupaten/kota operator, but not Banjar's decision on it.
    page.goto(f"{live_server.url}/rapat/{meeting.pk}/")
    expect(page.locator("#kesepakatan")).to_contain_text("Kesepakatan (0)")
    expect(page.locator("main")).not_to_contain_text(proposal.number)
    expect(page.get_by_role("link", name="Berita Acara")).to_have_count(0)

    # What the database holds at the end. ------------------------------------------------------------------------
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.AGREED_WITH_CHANGES
    assert proposal.sub_activity == rehab
    assert {line.scheme.code: line.amount for line in proposal.funding_lines.all()} == {
        "APBD_KAB": Decimal("1500000000"),
        "BKP": Decimal("500000000"),
    }
    decision = Decision.objects.select_related("meeting").get(proposal=proposal)
    assert decision.meeting == meeting
    assert decision.outcome == Decision.Outcome.AGREED_WITH_CHANGES
    assert decision.executing_agency == pupr_banjar
    assert {line.scheme.code: line.amount for line in decision.funding_lines.all()} == {
        "APBD_KAB": Decimal("1200000000"),
        "BKP": Decimal("500000000"),
    }
    meeting.refresh_from_db()
    assert meeting.is_closed
    assert meeting.closed_by.username == "sekretariat"

    assert_no_browser_errors(watched)
