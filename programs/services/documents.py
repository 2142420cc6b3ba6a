"""Supporting documents of a proposal (*data dukung*): attach and delete, each with an audit entry on the proposal.

A file is accepted for what its bytes are, never for its name: PDF, JPEG and PNG by their signatures, XLSX as a zip
holding `[Content_Types].xml` and `xl/workbook.xml` (its names are read, nothing is decompressed). It is stored
through Django's storage API (`default_storage`: the filesystem or an S3-compatible bucket, `STORAGE_BACKEND`) under
a random name, and served only by `programs.document_views`, which asks the access policy. Who may is decided before,
by `rakornis.policy`; whether the proposal may still change is the state machine's, checked here under a row lock.
"""

from __future__ import annotations

import logging
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from programs import workflow
from programs.models import Proposal, ProposalDocument
from programs.workflow import Event, TransitionError
from rakornis.audit import audit_log
from rakornis.models import AuditEntry
from rakornis.numbers import format_number
from rakornis.types import Actor, person

logger = logging.getLogger(__name__)

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
XLSX_PARTS = {"[Content_Types].xml", "xl/workbook.xml"}
ACCEPTED = "PDF, JPEG, PNG atau XLSX"


class DocumentRefused(ValueError):
    """A file that is not accepted as a document; the message is shown to the user as is."""


def document_max_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def size_label(size: int) -> str:
    """`10,5 MB`, `2 MB`, `340 KB`: Indonesian notation, KB below one MB."""
    if size < 1024 * 1024:
        return f"{format_number(-(-size // 1024))} KB"
    megabytes = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{format_number(megabytes, trim=True)} MB"


def document_content_type(handle: IO[bytes], name: str = "") -> str:
    """The content type of the file's bytes (PDF, JPEG, PNG, XLSX), or DocumentRefused naming what was sent."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        finally:
            handle.seek(0)
        if XLSX_PARTS <= names:
            return XLSX
    shown = f"Berkas {name}" if name else "Berkas ini"
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        raise DocumentRefused(f"{shown} adalah program, bukan dokumen: ditolak. Unggah {ACCEPTED}.")
    raise DocumentRefused(f"{shown} bukan {ACCEPTED} (isinya diperiksa, bukan namanya).")


def document_check(upload: UploadedFile[Any]) -> str:
    """The checks of an upload before it is stored: not empty, within the size limit, of an accepted content."""
    size = upload.size or 0
    if size == 0:
        raise DocumentRefused("Berkas kosong.")
    limit = document_max_bytes()
    if size > limit:
        raise DocumentRefused(f"Berkas {size_label(size)} terlalu besar: paling besar {size_label(limit)}.")
    if upload.file is None:
        raise DocumentRefused("Berkas kosong.")
    return document_content_type(upload.file, upload.name or "")


def _lock_editable(proposal: Proposal) -> None:
    status = Proposal.objects.select_for_update().values_list("status", flat=True).get(pk=proposal.pk)
    if not workflow.allows(Event.EDIT, status):
        label = Proposal.Status(status).label
        raise TransitionError(
            gettext(
                "Usulan berstatus %(label)s: dokumen hanya dapat ditambah atau dihapus selama "
                "usulan Draf atau Dikembalikan."
            )
            % {"label": label}
        )


def _clean_name(name: str) -> str:
    """The uploaded name as shown in the list (its folder parts and control characters dropped)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "dokumen"


def document_attach(
    *, proposal: Proposal, user: Actor, kind: str, upload: UploadedFile[Any], description: str = ""
) -> ProposalDocument:
    """Store `upload` as a document of `proposal` while it is editable; an audit entry on the proposal says so."""
    content_type = document_check(upload)
    if kind not in ProposalDocument.Kind.values:
        raise DocumentRefused("Pilih jenis dokumen.")
    document = ProposalDocument(
        proposal=proposal,
        kind=kind,
        description=description.strip()[:200],
        original_name=_clean_name(upload.name or ""),
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=person(user),
    )
    with transaction.atomic():
        _lock_editable(proposal)
        upload.seek(0)
        document.file.save(document.original_name, upload, save=False)
        try:
            document.save()
            audit_log(
                user=user,
                obj=proposal,
                action=AuditEntry.Action.CHANGED,
                changes={"document": [None, str(document)]},
                note="Dokumen pendukung diunggah.",
            )
        except BaseException:
            document.file.delete(save=False)
            raise
    return document


def document_delete(*, document: ProposalDocument, user: Actor) -> None:
    """Delete a document while its proposal is editable; the file goes once the transaction has committed."""
    proposal = document.proposal
    with transaction.atomic():
        _lock_editable(proposal)
        name, shown = document.file.name or "", str(document)
        document.delete()
        audit_log(
            user=user,
            obj=proposal,
            action=AuditEntry.Action.CHANGED,
            changes={"document": [shown, None]},
            note="Dokumen pendukung dihapus.",
        )
        transaction.on_commit(lambda: _delete_file(name))


def _delete_file(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:  # the row is gone; a file left behind is only space, and is logged
        logger.warning("Could not delete document file %s", name, exc_info=True)
