"""Supporting documents of a proposal: upload (content checked by its bytes, size bounded), list, download through
the policy, delete by the uploader while the proposal is editable, and who may not."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import Proposal, ProposalDocument
from rakornis.models import AuditEntry
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture
def draft(banjar, pupr_banjar):
    return funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT)


def upload(client, proposal, name: str, content: bytes, kind: str = "ded", **extra):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content), **extra}
    return client.post(reverse("programs:document-upload", args=[proposal.pk]), data, follow=True)


def attach(proposal, user, name="DED Jalan.pdf", content=PDF, kind="ded") -> ProposalDocument:
    from programs.services.documents import document_attach

    return document_attach(proposal=proposal, user=user, kind=kind, upload=SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type"),
    [
        ("DED Jalan Martapura.pdf", PDF, "ded", "application/pdf"),
        ("foto-0.png", PNG, "foto_0", "image/png"),
        ("RAB.xlsx", xlsx(), "rab", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_operator_uploads_and_sees_who_and_when(client, operator_banjar, draft, name, content, kind, content_type):
    client.force_login(operator_banjar)
    response = upload(client, draft, name, content, kind=kind, description="Lembar 1-12")
    assert "diunggah ke usulan" in response.text
    document = ProposalDocument.objects.get(proposal=draft)
    assert (document.kind, document.original_name, document.content_type, document.size) == (
        kind,
        name,
        content_type,
        len(content),
    )
    assert document.uploaded_by == operator_banjar
    # Stored through the storage API under a random name, never the uploaded one.
    assert default_storage.exists(document.file.name)
    assert name not in document.file.name
    page = client.get(draft.get_absolute_url()).text
    assert name in page and "operator.banjar" in page and "Lembar 1-12" in page
    entry = AuditEntry.objects.for_object(draft).get()
    assert entry.action == AuditEntry.Action.CHANGED
    assert entry.changes == {"document": [None, str(document)]}


def test_a_renamed_executable_is_refused(client, operator_banjar, draft):
    client.force_login(operator_banjar)
    response = upload(client, draft, "DED.pdf", EXE)
    assert "adalah program, bukan dokumen" in response.text
    assert not ProposalDocument.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("catatan.pdf", b"just text, named .pdf"),
        ("arsip.xlsx", b"PK\x03\x04" + b"\x00" * 60),  # a zip signature but no workbook inside
        ("bukan-excel.xlsx", None),  # a real zip without xl/workbook.xml
    ],
)
def test_files_that_are_not_documents_are_refused(client, operator_banjar, draft, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
        content = buffer.getvalue()
    client.force_login(operator_banjar)
    response = upload(client, draft, name, content)
    assert "bukan PDF, JPEG, PNG atau XLSX" in response.text
    assert not ProposalDocument.objects.exists()


def test_a_too_big_file_is_refused(client, settings, operator_banjar, draft):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1024
    client.force_login(operator_banjar)
    response = upload(client, draft, "DED.pdf", PDF + b"0" * 2048)
    assert "Berkas 3 KB terlalu besar: paling besar 1 KB." in response.text
    assert not ProposalDocument.objects.exists()


def test_a_body_far_above_the_limit_is_refused_before_reading(client, settings, operator_banjar, draft):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1024
    client.force_login(operator_banjar)
    response = upload(client, draft, "DED.pdf", PDF + b"0" * 200_000)
    # The body's length alone refuses it (the form's check would name the file's size too).
    assert "Dokumen tidak diunggah. Berkas terlalu besar: paling besar 1 KB." in response.text
    assert not ProposalDocument.objects.exists()


def test_missing_type_or_file_is_a_message_not_an_error(client, operator_banjar, draft):
    client.force_login(operator_banjar)
    response = client.post(reverse("programs:document-upload", args=[draft.pk]), {"kind": ""}, follow=True)
    assert response.status_code == 200
    assert "Pilih jenis dokumen." in response.text and "Pilih berkas" in response.text
    assert not ProposalDocument.objects.exists()


def test_no_upload_once_submitted(client, operator_banjar, draft):
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.SUBMITTED)
    client.force_login(operator_banjar)
    response = upload(client, draft, "DED.pdf", PDF)
    assert "hanya dapat ditambah atau dihapus selama usulan Draf atau Dikembalikan" in response.text
    assert not ProposalDocument.objects.exists()
    assert 'id="document-upload"' not in client.get(draft.get_absolute_url()).text


def test_download_is_an_attachment_with_its_type_and_no_cache(client, viewer, operator_banjar, draft):
    document = attach(draft, operator_banjar)
    client.force_login(viewer)
    response = client.get(reverse("programs:document-download", args=[draft.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "DED%20Jalan.pdf" in response["Content-Disposition"] or "DED Jalan.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_viewer_reads_the_list_but_cannot_upload_or_delete(client, viewer, operator_banjar, draft):
    document = attach(draft, operator_banjar)
    client.force_login(viewer)
    page = client.get(reverse("programs:document-list", args=[draft.pk]))
    assert page.status_code == 200 and "DED Jalan.pdf" in page.text
    assert 'id="document-upload"' not in page.text and "Hapus</button>" not in page.text
    assert client.post(reverse("programs:document-delete", args=[draft.pk, document.pk])).status_code == 403
    assert upload(client, draft, "x.pdf", PDF).status_code == 403
    assert ProposalDocument.objects.count() == 1


@pytest.mark.parametrize("name", ["document-list", "document-download", "document-delete", "document-upload"])
def test_another_kabupatens_operator_gets_404(client, operator_tapin, operator_banjar, draft, name):
    document = attach(draft, operator_banjar)
    client.force_login(operator_tapin)
    args = [draft.pk] if name in {"document-list", "document-upload"} else [draft.pk, document.pk]
    url = reverse(f"programs:{name}", args=args)
    response = client.get(url) if name in {"document-list", "document-download"} else client.post(url)
    assert response.status_code == 404
    assert ProposalDocument.objects.count() == 1


def test_a_document_of_another_proposal_is_404(client, operator_banjar, banjar, pupr_banjar, draft):
    other = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT)
    document = attach(other, operator_banjar)
    client.force_login(operator_banjar)
    assert client.get(reverse("programs:document-download", args=[draft.pk, document.pk])).status_code == 404


def test_uploader_deletes_while_editable(client, operator_banjar, draft, django_capture_on_commit_callbacks):
    document = attach(draft, operator_banjar)
    name = document.file.name
    client.force_login(operator_banjar)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programs:document-delete", args=[draft.pk, document.pk]), follow=True)
    assert "Dokumen DED (gambar rencana): DED Jalan.pdf dihapus." in response.text
    assert not ProposalDocument.objects.filter(pk=document.pk).exists()
    # The file goes from the storage once the deletion has committed.
    assert not default_storage.exists(name)
    deleted = AuditEntry.objects.for_object(draft).order_by("-pk").first()
    assert deleted.changes == {"document": ["DED (gambar rencana): DED Jalan.pdf", None]}


def test_no_delete_once_submitted(client, operator_banjar, draft):
    document = attach(draft, operator_banjar)
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.SUBMITTED)
    client.force_login(operator_banjar)
    assert client.post(reverse("programs:document-delete", args=[draft.pk, document.pk])).status_code == 403
    assert ProposalDocument.objects.filter(pk=document.pk).exists()


def test_another_operator_of_the_same_kabupaten_cannot_delete(client, operator_banjar, pupr_banjar, draft):
    from agencies.models import StaffRole
    from tests.factories import StaffRoleFactory, UserFactory

    document = attach(draft, operator_banjar)
    colleague = UserFactory(username="operator.banjar.2")
    StaffRoleFactory(user=colleague, agency=pupr_banjar, role=StaffRole.Role.OPERATOR)
    client.force_login(colleague)
    assert client.post(reverse("programs:document-delete", args=[draft.pk, document.pk])).status_code == 403
    assert ProposalDocument.objects.filter(pk=document.pk).exists()


def test_get_on_upload_and_delete_is_405(client, operator_banjar, draft):
    document = attach(draft, operator_banjar)
    client.force_login(operator_banjar)
    assert client.get(reverse("programs:document-upload", args=[draft.pk])).status_code == 405
    assert client.get(reverse("programs:document-delete", args=[draft.pk, document.pk])).status_code == 405
