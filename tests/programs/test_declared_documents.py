"""Issue 10: the workbook's `Data Dukung Tersedia` says which supporting documents exist (the proposer's declaration,
`Proposal.declared_documents`); the proposal's pages show it beside the uploaded documents, and a declared kind with
no file says "belum diunggah". A declaration is not a verification: the verifier still ticks the criteria."""

import io
import re

import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import Proposal, ProposalDocument
from programs.xlsx.exporters import proposal_export_workbook
from programs.xlsx.importer import RowAction, proposal_import_apply, proposal_import_parse
from programs.xlsx.importer.cells import CellError, parse_document_kinds
from programs.xlsx.template import proposal_template_workbook
from rakornis.models import AuditEntry
from tests.factories import (
    FundingSchemeFactory,
    funded_proposal,
    proposal_form_data,
    sub_activity,
    usulan_xlsx,
)
from tests.workbooks import column, sheet_table

pytestmark = pytest.mark.django_db

SUB = "1.03.10.2.01.0053"
KINDS = "DED, RAB, Foto lokasi 0 %, Status lahan, Dokumen lingkungan, Surat usulan, Lainnya"


@pytest.fixture(autouse=True)
def world(banjar, tapin, pupr_banjar, pupr_tapin):
    for order, code in enumerate(["APBD_PROV", "APBD_KAB", "BKP"], start=1):
        FundingSchemeFactory(code=code, order=order)
    sub_activity(SUB, "Peningkatan Jalan")


def record(**overrides) -> dict:
    values = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": SUB,
        "Nama Usulan": "Peningkatan Jalan Martapura - Astambul",
        "Volume": 2.5,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": 1_500_000_000,
    }
    values.update(overrides)
    return values


def parse(content: bytes, user):
    upload = io.BytesIO(content)
    upload.name = "usulan.xlsx"
    return proposal_import_parse(file=upload, user=user)


def attach(proposal: Proposal, kind: str) -> ProposalDocument:
    return ProposalDocument.objects.create(
        proposal=proposal,
        kind=kind,
        file=SimpleUploadedFile("ded.pdf", b"%PDF-1.4 test"),
        original_name="ded.pdf",
        content_type="application/pdf",
        size=13,
    )


@pytest.fixture
def declared(banjar, pupr_banjar):
    """A Banjar draft that declares DED and RAB, with only the DED uploaded."""
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, declared_documents=["ded", "rab"])
    attach(proposal, "ded")
    return proposal


# The column ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("DED; RAB; Foto Lokasi 0%", ["ded", "rab", "foto_0"]),
        ("rab,ded", ["ded", "rab"]),
        ("DED (gambar rencana)\nstatus_lahan", ["ded", "status_lahan"]),
        ("  surat usulan ;; Dokumen Lingkungan ", ["lingkungan", "surat_usulan"]),
        ("foto_0; FOTO LOKASI 0 %", ["foto_0"]),
        ("", []),
        (None, []),
        ("-", []),
        ("Tidak ada", []),
    ],
)
def test_the_column_takes_names_labels_and_codes_in_any_case(cell, codes):
    assert parse_document_kinds(cell) == codes


def test_an_unknown_kind_names_itself_and_the_choices():
    with pytest.raises(CellError) as raised:
        parse_document_kinds("DED; XYZ; Gambar")
    assert str(raised.value) == f'jenis "XYZ", "Gambar" tidak dikenal; pilih dari: {KINDS}'


def test_import_stores_and_audits_the_declaration_and_the_preview_shows_it(operator_banjar):
    content = usulan_xlsx(
        [
            record(**{"Data Dukung Tersedia": "DED; RAB; Foto Lokasi 0%"}),
            record(**{"Nama Usulan": "Rehabilitasi Jembatan Sungai Tabuk"}),
        ]
    )
    result = parse(content, operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    preview = result.as_preview(rows=10, errors=10)
    assert [row["documents"] for row in preview["rows"]] == ["DED; RAB; Foto lokasi 0 %", ""]

    proposal_import_apply(result=result, user=operator_banjar)

    first, second = Proposal.objects.order_by("number")
    assert first.declared_documents == ["ded", "rab", "foto_0"]
    assert second.declared_documents == []
    entry = AuditEntry.objects.for_object(first).get()
    assert entry.changes["declared_documents"] == [None, ["ded", "rab", "foto_0"]]
    assert "declared_documents" not in AuditEntry.objects.for_object(second).get().changes


def test_an_unknown_kind_is_a_row_error_and_nothing_is_saved(operator_banjar):
    content = usulan_xlsx(
        [record(), record(**{"Nama Usulan": "Jembatan Sungai Tabuk", "Data Dukung Tersedia": "DED; XYZ"})]
    )
    result = parse(content, operator_banjar)
    assert [str(issue) for issue in result.errors] == [
        f'Baris 3, Data Dukung Tersedia: jenis "XYZ" tidak dikenal; pilih dari: {KINDS}'
    ]
    assert result.rows == [record for record in result.rows if record.row == 2]
    assert not Proposal.objects.exists()


def test_import_changes_a_declaration_and_a_file_without_the_column_keeps_it(operator_banjar, declared):
    keep = record(**{"ID Usulan": declared.number, "Nama Usulan": declared.name, "Volume": declared.volume})
    keep.update({"Satuan": declared.unit, "Lokasi": declared.location})
    result = parse(usulan_xlsx([keep]), operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    changed = result.rows[0].changes
    assert "declared_documents" not in changed

    result = parse(usulan_xlsx([keep | {"Data Dukung Tersedia": "RAB; Status lahan"}]), operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    (row,) = result.rows
    assert row.action is RowAction.UPDATE
    assert row.changes["declared_documents"] == [["ded", "rab"], ["rab", "status_lahan"]]
    assert row.changed_labels[-1] == "Data Dukung Tersedia"
    proposal_import_apply(result=result, user=operator_banjar)
    declared.refresh_from_db()
    assert declared.declared_documents == ["rab", "status_lahan"]


def test_export_writes_the_declaration_and_the_uploads_and_imports_back_unchanged(operator_banjar, declared):
    content = proposal_export_workbook(Proposal.objects.all())
    _, _, header, rows = sheet_table(content)
    assert column(header, rows, "Data Dukung Tersedia") == ["DED; RAB"]
    assert column(header, rows, "Data Dukung Diunggah") == ["DED"]
    before = AuditEntry.objects.count()

    result = parse(content, operator_banjar)

    assert [str(issue) for issue in result.errors] == []
    assert [row.action for row in result.rows] == [RowAction.UNCHANGED]
    # The informational column is not an unknown one, and what is uploaded is never read as declared.
    assert not [issue for issue in result.warnings if "Diunggah" in issue.column]
    proposal_import_apply(result=result, user=operator_banjar)
    declared.refresh_from_db()
    assert declared.declared_documents == ["ded", "rab"]
    assert declared.version == 1
    assert AuditEntry.objects.count() == before


def test_the_template_has_the_column_with_its_suggestions_and_a_note(operator_banjar):
    workbook = load_workbook(io.BytesIO(proposal_template_workbook(user=operator_banjar)))
    sheet = workbook["Usulan"]
    cells = [cell.value for row in sheet.iter_rows(max_row=5) for cell in row if cell.value]
    assert "Data Dukung Tersedia" in cells
    assert any("Data Dukung Tersedia: jenis dokumen yang sudah ada" in str(value) for value in cells)
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert any("Foto lokasi 0 %" in (formula or "") for formula in lists)
    assert "Data Dukung Diunggah" not in cells  # the export's reading aid, nothing to fill in


# The pages -----------------------------------------------------------------------------------------------------------


def test_the_proposal_page_shows_declared_kinds_as_uploaded_or_not(client, operator_banjar, declared):
    client.force_login(operator_banjar)
    page = client.get(declared.get_absolute_url()).text
    assert "Dinyatakan ada oleh pengusul" in page
    section = page[page.index('id="declared-documents"') :]
    section = section[: section.index("</ul>")]
    assert 'DED (gambar rencana) — <span class="badge text-bg-success">sudah diunggah' in section
    assert 'RAB — <span class="badge text-bg-warning">belum diunggah' in section
    assert "Foto lokasi" not in section


def test_without_a_declaration_the_page_says_nothing_of_it(client, operator_banjar, banjar, pupr_banjar):
    proposal = funded_proposal(region=banjar, agency=pupr_banjar)
    client.force_login(operator_banjar)
    assert "Dinyatakan ada oleh pengusul" not in client.get(proposal.get_absolute_url()).text


def test_the_verifier_sees_the_declaration_and_still_ticks_every_criterion(client, verifier, declared):
    declared.status = Proposal.Status.SUBMITTED
    declared.save(update_fields=["status"])
    client.force_login(verifier)
    page = client.get(reverse("programs:proposal-verify", args=[declared.pk])).text
    assert "Dinyatakan ada oleh pengusul" in page
    assert "belum diunggah" in page
    # No criterion is ticked for the verifier because of what the proposer declared.
    boxes = re.findall(r'<input[^>]*name="criteria"[^>]*>', page)
    assert boxes
    assert not [box for box in boxes if "checked" in box]


def test_an_operator_of_another_kabupaten_gets_404(client, operator_tapin, declared):
    client.force_login(operator_tapin)
    assert client.get(declared.get_absolute_url()).status_code == 404
    assert client.get(reverse("programs:document-list", args=[declared.pk])).status_code == 404


# The form and the admin -------------------------------------------------------------------------------------------


def test_the_form_edits_the_declaration_through_the_services(client, operator_banjar, declared):
    client.force_login(operator_banjar)
    url = reverse("programs:proposal-update", args=[declared.pk])
    assert 'name="declared_documents" value="ded"' in client.get(url).text
    data = proposal_form_data(
        region=declared.region,
        agency=declared.agency,
        funding=[("APBD_KAB", "1500000000")],
        name=declared.name,
        version=str(declared.version),
        declared_documents=["lainnya", "rab", "nonsense"],
    )
    response = client.post(url, data)
    assert response.status_code == 200  # "nonsense" is no kind: the form says so and nothing is saved
    assert "declared_documents" in response.context["form"].errors
    declared.refresh_from_db()
    assert declared.declared_documents == ["ded", "rab"]

    data["declared_documents"] = ["lainnya", "rab"]
    assert client.post(url, data).status_code == 302
    declared.refresh_from_db()
    assert declared.declared_documents == ["rab", "lainnya"]
    entry = AuditEntry.objects.for_object(declared).latest("at")
    assert entry.changes["declared_documents"] == [["ded", "rab"], ["rab", "lainnya"]]


def test_the_admin_form_normalises_the_declaration(rf, superuser, declared):
    model_admin = site._registry[Proposal]
    request = rf.get("/")
    request.user = superuser
    form_class = model_admin.get_form(request, declared, change=True)
    form = form_class(instance=declared)
    assert "declared_documents" in form.fields
    bound = form_class(data={"declared_documents": ["surat_usulan", "ded", "ded"]}, instance=declared)
    bound.is_valid()
    assert bound.cleaned_data["declared_documents"] == ["ded", "surat_usulan"]
