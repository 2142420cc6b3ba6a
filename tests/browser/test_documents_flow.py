"""Supporting documents and the readiness checklist in a real browser (issue 10).

The operator of Banjar uploads a DED and a photo of the site to a draft and submits it; the provincial verifier opens
the verification page, sees both documents, ticks the criteria that are met and returns the proposal with a note;
the operator sees that note on the home page, on the proposal and above the edit form. Screenshots of the proposal
page and the verification page, at 1366 px and at 390 px, land in artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import FilePayload, Page, expect

from programs.models import Proposal, ProposalCheck, ProposalDocument, ReadinessCriterion
from tests.browser.conftest import screenshot
from tests.factories import funded_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
NOTE = "Lengkapi dokumen lingkungan (SPPL) dan status lahan ruas Martapura - Astambul."
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def criteria():
    """The defaults of the data migration (a transactional test empties the tables it finds after each test)."""
    names = [
        "DED tersedia",
        "Status lahan clear and clean",
        "Dokumen lingkungan tersedia",
        "Sesuai kewenangan provinsi",
    ]
    return [
        ReadinessCriterion.objects.get_or_create(name=name, defaults={"order": n})[0] for n, name in enumerate(names)
    ]


def alert(page: Page, text: str):
    return page.get_by_role("alert").filter(has_text=text)


def upload(page: Page, kind: str, name: str, mime: str, content: bytes) -> None:
    form = page.locator("#document-upload")
    form.get_by_label("Jenis dokumen").select_option(label=kind)
    form.get_by_label("Berkas").set_input_files(files=[FilePayload(name=name, mimeType=mime, buffer=content)])
    form.get_by_role("button", name="Unggah dokumen").click()
    expect(alert(page, f"{name} diunggah")).to_be_visible()


def on_a_phone(browser, live_server, username: str, path: str, name: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    page = context.new_page()
    page.goto(f"{live_server.url}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", "rakornis-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{path}")
    # Nothing wider than the phone: wide tables scroll inside their card.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, name)
    context.close()


def test_documents_checklist_and_return_note(
    browser, new_page, live_server, criteria, operator_banjar, verifier, banjar, pupr_banjar
):
    proposal = funded_proposal(
        region=banjar, agency=pupr_banjar, name="Rehabilitasi Jalan Martapura - Astambul", status=Proposal.Status.DRAFT
    )
    detail = f"{live_server.url}{proposal.get_absolute_url()}"

    # 1. The operator attaches a DED and a photo of the site at 0 %, then submits. ---------------------------------
    page = new_page("operator.banjar")
    page.goto(detail)
    expect(page.locator("#documents")).to_contain_text("Belum ada dokumen pendukung.")
    upload(page, "DED (gambar rencana)", "DED Martapura-Astambul.pdf", "application/pdf", PDF)
    upload(page, "Foto lokasi 0 %", "foto-0-sta-0+000.png", "image/png", PNG)
    table = page.locator("#document-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("DED Martapura-Astambul.pdf")
    expect(table).to_contain_text("operator.banjar")
    # A renamed program is refused, whatever its name says.
    page.locator("#document-upload").get_by_label("Jenis dokumen").select_option(label="RAB")
    page.locator("#document-upload").get_by_label("Berkas").set_input_files(
        files=[FilePayload(name="RAB.pdf", mimeType="application/pdf", buffer=b"MZ\x90\x00" + b"\x00" * 200)]
    )
    page.get_by_role("button", name="Unggah dokumen").click()
    expect(alert(page, "adalah program, bukan dokumen")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(2)
    screenshot(page, "documents-01-operator-proposal-1366")
    page.get_by_role("button", name="Ajukan ke provinsi").click()
    expect(alert(page, "diajukan ke provinsi")).to_be_visible()
    # Submitted: no more uploads or deletions.
    expect(page.locator("#document-upload")).to_have_count(0)
    expect(page.locator("#document-table").get_by_role("button", name="Hapus")).to_have_count(0)
    on_a_phone(browser, live_server, "operator.banjar", proposal.get_absolute_url(), "documents-02-proposal-390")

    # 2. The verifier reads the documents, ticks what is met, and returns it with a note. --------------------------
    page = new_page("verifikator.pupr")
    page.goto(detail)
    page.get_by_role("link", name="Periksa kesiapan dan verifikasi").click()
    expect(page.get_by_role("heading", name=f"Verifikasi {proposal.number}")).to_be_visible()
    expect(page.locator("#documents")).to_contain_text("DED Martapura-Astambul.pdf")
    expect(page.locator("#documents")).to_contain_text("foto-0-sta-0+000.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="DED Martapura-Astambul.pdf").click()
    assert download.value.suggested_filename == "DED Martapura-Astambul.pdf"
    page.get_by_label("DED tersedia").check()
    page.get_by_label("Sesuai kewenangan provinsi").check()
    # Verifying with criteria unmet and no note is refused, with the criteria named.
    page.get_by_role("button", name="Verifikasi", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="Kriteria kesiapan belum terpenuhi")).to_contain_text(
        "Status lahan clear and clean, Dokumen lingkungan tersedia"
    )
    expect(page.get_by_label("DED tersedia")).to_be_checked()  # the ticks are kept
    screenshot(page, "documents-03-verification-1366")
    on_a_phone(
        browser, live_server, "verifikator.pupr", page.url.replace(live_server.url, ""), "documents-04-verification-390"
    )
    page.get_by_label("Catatan", exact=True).fill(NOTE)
    page.get_by_role("button", name="Kembalikan untuk perbaikan").click()
    expect(alert(page, "dikembalikan ke operator")).to_be_visible()
    expect(page.locator("#readiness-check")).to_contain_text("✗ Belum: Dokumen lingkungan tersedia")
    check = ProposalCheck.objects.get(proposal=proposal)
    assert check.outcome == ProposalCheck.Outcome.RETURNED and check.note == NOTE
    assert {item.criterion.name for item in check.items.filter(met=True)} == {
        "DED tersedia",
        "Sesuai kewenangan provinsi",
    }

    # 3. The operator sees the note on the home page, on the proposal and above the edit form. -----------------------
    page = new_page("operator.banjar")
    expect(page.locator(".return-note")).to_contain_text(NOTE)
    page.get_by_role("link", name=proposal.number).first.click()
    expect(page.locator("#return-note")).to_contain_text(NOTE)
    # Returned: documents can be attached and deleted again.
    expect(page.locator("#document-upload")).to_be_visible()
    page.get_by_role("link", name="Ubah usulan").click()
    expect(page.locator("#return-note")).to_contain_text(NOTE)
    expect(page.locator("#return-note")).to_contain_text("verifikator.pupr")
    screenshot(page, "documents-05-operator-edit-with-note-1366")
    assert ProposalDocument.objects.filter(proposal=proposal).count() == 2
