"""A proposal's supporting documents (list, upload, download, delete) and its verification page (the readiness
checklist, then verify or return). Access through `rakornis.policy`: 404 outside the user's scope, 403 without the
right; the file itself only through `document_download`, never a public media URL."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from programs import services
from programs.document_forms import ChecklistForm, DocumentForm
from programs.models import Proposal, ProposalFunding
from programs.services.documents import (
    DocumentRefused,
    document_attach,
    document_delete,
    document_max_bytes,
    size_label,
)
from programs.verification import declared_document_rows, document_rows, latest_check, with_last_check
from rakornis.policy import Action, get_document_for_user, get_proposal_for_user, may_attach_document

# A multipart body carries some form fields and boundaries beside the file.
BODY_ALLOWANCE = 64 * 1024


def documents_context(proposal: Proposal, user: Any) -> dict[str, Any]:
    """What the documents card needs (`programs/includes/documents.html`), for every page that shows it."""
    attachable = may_attach_document(user, proposal)
    rows = document_rows(proposal, user)
    return {
        "document_rows": rows,
        "declared_documents": declared_document_rows(proposal, rows),
        "document_form": DocumentForm() if attachable else None,
    }


@require_safe
@login_required
def document_list(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, pk)
    return render(
        request, "programs/proposal_documents.html", {"proposal": proposal, **documents_context(proposal, request.user)}
    )


def _back(proposal: Proposal) -> HttpResponse:
    return redirect(f"{proposal.get_absolute_url()}#documents")


@require_POST
@login_required
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, pk, Action.ATTACH_DOCUMENT)
    limit = document_max_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + BODY_ALLOWANCE:
        # Refused before Django reads the body (and spills it to a temporary file).
        messages.error(
            request,
            gettext("Dokumen tidak diunggah. Berkas terlalu besar: paling besar %(size_label)s.")
            % {"size_label": size_label(limit)},
        )
        return _back(proposal)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, "Dokumen tidak diunggah. " + " ".join(problems))
        return _back(proposal)
    try:
        document = document_attach(
            proposal=proposal,
            user=request.user,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
    except (DocumentRefused, services.TransitionError) as exc:
        messages.error(request, gettext("Dokumen tidak diunggah. %(exc)s") % {"exc": exc})
        return _back(proposal)
    messages.success(
        request,
        gettext("Dokumen %(document)s diunggah ke usulan %(number)s.")
        % {"document": document, "number": proposal.number},
    )
    return _back(proposal)


@require_safe
@login_required
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    document = get_document_for_user(request.user, pk, document_pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("Berkas dokumen tidak ditemukan di penyimpanan.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@login_required
def document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk, document_pk, Action.ATTACH_DOCUMENT)
    shown = str(document)
    try:
        document_delete(document=document, user=request.user)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("Dokumen %(shown)s dihapus.") % {"shown": shown})
    return _back(document.proposal)


# Verification ---------------------------------------------------------------------------------------------------------

VERIFY, RETURN = "verify", "return"


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def proposal_verification(request: HttpRequest, pk: int) -> HttpResponse:
    """The verifier's page: the proposal's facts, funding and documents, the readiness checklist and a note; the
    same form verifies (an unmet criterion needs the note) or returns the proposal (the note is required)."""
    decision = request.POST.get("decision", VERIFY) if request.method == "POST" else VERIFY
    if decision not in (VERIFY, RETURN):
        decision = VERIFY
    action = Action.RETURN if decision == RETURN else Action.VERIFY
    queryset = (
        with_last_check(Proposal.objects.all())
        .select_related("district", "village")
        .prefetch_related(Prefetch("funding_lines", queryset=ProposalFunding.objects.select_related("scheme")))
    )
    proposal = get_proposal_for_user(request.user, pk, action, queryset=queryset)
    if proposal.status != Proposal.Status.SUBMITTED:
        messages.warning(
            request,
            gettext("Usulan berstatus %(status)s: tidak sedang menunggu verifikasi.")
            % {"status": proposal.get_status_display()},
        )
        return redirect(proposal)
    if request.method == "POST":
        form = ChecklistForm(request.POST, verify=decision == VERIFY)
        if form.is_valid():
            service = services.proposal_verify if decision == VERIFY else services.proposal_return
            try:
                service(proposal=proposal, user=request.user, met=form.met_ids(), note=form.cleaned_data["note"])
            except services.TransitionError as exc:
                messages.error(request, str(exc))
                return redirect(proposal)
            if decision == VERIFY:
                messages.success(request, gettext("Usulan %(number)s terverifikasi.") % {"number": proposal.number})
            else:
                messages.success(
                    request,
                    gettext("Usulan %(number)s dikembalikan ke operator untuk diperbaiki.")
                    % {"number": proposal.number},
                )
            return redirect(proposal)
    else:
        form = ChecklistForm()
    lines = list(proposal.funding_lines.all())
    context = {
        "proposal": proposal,
        "form": form,
        "lines": lines,
        "total": proposal.total_amount,
        "previous_check": latest_check(proposal),
        **documents_context(proposal, request.user),
    }
    return render(request, "programs/proposal_verify.html", context)
