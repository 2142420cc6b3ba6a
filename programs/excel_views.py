"""Excel pages: the template, the import (upload, preview, confirm), the exports, and background jobs' progress.

The workbooks themselves come from `programs.xlsx`; these views check who may do what, pick the proposals (the
list's own filters for the export), and wrap the bytes. More than EXCEL_BACKGROUND_THRESHOLD rows go to the
background worker (`programs.jobs`) and the user watches a progress page instead of a hanging request; so does the
check of every uploaded workbook, which a web process never reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from programs import jobs
from programs.filters import filter_proposals
from programs.models import ExcelJob
from programs.xlsx.exporters import proposal_export_workbook
from programs.xlsx.importer import ImportIssue, ImportResult, ProposalImportError, proposal_import_apply
from programs.xlsx.importer.reading import FileRejected, check_file
from programs.xlsx.template import proposal_template_workbook
from rakornis import fiscal_year, policy
from rakornis.i18n import official_view
from rakornis.policy import Action, may_anywhere

# Multipart overhead on top of the file itself, before a request counts as too big to read.
MULTIPART_SLACK = 64 * 1024


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=jobs.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


# Template -----------------------------------------------------------------------------------------------------------


@require_safe
@login_required
@official_view
def proposal_template(request: HttpRequest) -> HttpResponse:
    if not may_anywhere(request.user, Action.DOWNLOAD_TEMPLATE):
        raise PermissionDenied("Templat usulan untuk operator kabupaten/kota, verifikator dan perencana.")
    content = proposal_template_workbook(user=request.user)
    return xlsx_response(content, f"Template_Usulan_TA{fiscal_year.planning_year(request)}.xlsx")


# Import -------------------------------------------------------------------------------------------------------------
#
# Upload -> preview -> confirm. The upload request only checks the file's name, size and archive (cheap: the zip's
# directory, no XML) and stores it; a preview job in the worker reads and checks it under the importer's bounds, and
# its page (the job's page) shows progress, then the preview with its "Simpan" button. A confirmed import parses
# the file again (the data may have changed since), inline when small, in the worker when big.


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Berkas usulan (.xlsx)",
        help_text="Gunakan templat usulan. Hanya .xlsx; semua baris diperiksa dulu, lalu disimpan setelah Anda "
        "menekan Simpan.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


def _require_importer(user) -> None:
    if not may_anywhere(user, Action.CREATE, Action.EDIT):
        raise PermissionDenied("Hanya operator kabupaten/kota yang dapat mengimpor usulan.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"


def _refusal(message: str, filename: str = "") -> dict[str, Any]:
    """The preview of a file refused as a whole (too big, not an .xlsx): its one reason."""
    return ImportResult(filename=filename, errors=[ImportIssue(None, "", message)]).as_preview(
        rows=jobs.PREVIEW_ROWS, errors=jobs.ERRORS_SHOWN
    )


def _import_page(
    request: HttpRequest,
    *,
    form: ImportUploadForm | None = None,
    preview: dict[str, Any] | None = None,
    job: ExcelJob | None = None,
    confirmable: bool = False,
) -> HttpResponse:
    preview = preview or {}
    errors_shown = preview.get("errors", [])
    context: dict[str, Any] = {
        "form": form or ImportUploadForm(),
        "preview": preview,
        "job": job,
        "confirmable": confirmable,
        "errors_shown": errors_shown,
        "more_errors": max(preview.get("error_count", 0) - len(errors_shown), 0),
        # (column, errors in it), most first: where a file's many errors come from. One row per column at most.
        "error_columns": preview.get("error_columns", []),
        "more_warnings": max(preview.get("warning_count", 0) - len(preview.get("warnings", [])), 0),
        "to_save": preview.get("create", 0) + preview.get("update", 0),
        "preview_limit": jobs.PREVIEW_ROWS,
        "max_upload": _megabytes(settings.IMPORT_MAX_UPLOAD_BYTES),
        "threshold": jobs.background_threshold(),
    }
    return render(request, "programs/proposal_import.html", context)


@csrf_exempt  # see below: the size check must come before CSRF reads (and so receives) the whole body
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def proposal_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: store the file and queue its check; the preview follows on the job's page."""
    _require_importer(request.user)
    if request.method == "POST":
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if length > limit + MULTIPART_SLACK:
            message = (
                f"Berkas terlalu besar ({_megabytes(length)}); batasnya {_megabytes(limit)}. "
                "Bagi usulan ke beberapa berkas."
            )
            return _import_page(request, preview=_refusal(message))
    return _proposal_import(request)


@csrf_protect
def _proposal_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form)
    upload = form.cleaned_data["file"]
    filename = Path(upload.name or "").name
    try:
        check_file(upload, filename, upload.size)
    except FileRejected as exc:
        return _import_page(request, preview=_refusal(exc.message, filename))
    token = jobs.upload_keep(upload)
    job = jobs.excel_job_start(
        kind=ExcelJob.Kind.PROPOSAL_PREVIEW, user=request.user, params={"token": token, "filename": filename}
    )
    return redirect(job)


def _import_preview(request: HttpRequest, job: ExcelJob) -> HttpResponse:
    """A finished preview job's page: the preview, and "Simpan" while its upload waits for confirmation."""
    confirmable = bool(job.params.get("confirmable")) and not job.params.get("confirmed")
    return _import_page(request, preview=job.outcome, job=job, confirmable=confirmable)


@require_POST
@login_required
def proposal_import_confirm(request: HttpRequest) -> HttpResponse:
    """Save a previewed file: parsed again (the data may have changed since), then all or nothing. A preview is
    confirmed once: the job is marked under a row lock, so a double click cannot import the file twice."""
    _require_importer(request.user)
    try:
        preview_pk = int(request.POST.get("job", ""))
    except ValueError:
        preview_pk = 0
    with transaction.atomic():
        preview = policy.get_job_for_user(request.user, preview_pk) if preview_pk else None
        if preview is not None:
            preview = ExcelJob.objects.select_for_update().get(pk=preview.pk)
        token = preview.params.get("token", "") if preview is not None else ""
        if (
            preview is None
            or preview.kind != ExcelJob.Kind.PROPOSAL_PREVIEW
            or preview.status != ExcelJob.Status.DONE
            or not preview.params.get("confirmable")
            or preview.params.get("confirmed")
            or not jobs.upload_exists(token)
        ):
            messages.error(request, gettext("Pratinjau impor sudah tidak berlaku. Unggah berkasnya lagi."))
            return redirect("programs:proposal-import")
        preview.params = {**preview.params, "confirmed": True}
        preview.save(update_fields=["params"])
    filename, rows = preview.params.get("filename", ""), preview.params.get("rows", 0)
    if rows > jobs.background_threshold():
        job = jobs.excel_job_start(
            kind=ExcelJob.Kind.PROPOSAL_IMPORT,
            user=request.user,
            params={"token": token, "filename": filename},
            rows_total=rows,
        )
        messages.info(request, f"Impor {rows:,} baris diproses di latar belakang.".replace(",", "."))
        return redirect(job)
    # Small: this file already passed the worker's bounded check, and the parse keeps the same bounds.
    try:
        result = jobs.upload_parse(token, filename=filename, user=request.user)
        summary = proposal_import_apply(result=result, user=request.user)
    except FileNotFoundError:
        messages.error(request, gettext("Pratinjau impor sudah tidak berlaku. Unggah berkasnya lagi."))
        return redirect("programs:proposal-import")
    except ProposalImportError as exc:
        messages.error(request, gettext("Tidak ada usulan yang disimpan: berkas tidak lolos pemeriksaan ulang."))
        result.errors = list(exc.issues)
        return _import_page(request, preview=result.as_preview(rows=jobs.PREVIEW_ROWS, errors=jobs.ERRORS_SHOWN))
    finally:
        jobs.upload_discard(token)
    messages.success(
        request,
        gettext("Impor %(file)s selesai: %(summary)s.") % {"file": filename or gettext("berkas"), "summary": summary},
    )
    return redirect("programs:proposal-list")


# Exports ------------------------------------------------------------------------------------------------------------


@require_safe
@login_required
@official_view
def proposal_export(request: HttpRequest) -> HttpResponse:
    """The proposals the list shows with the same query string (the planning year when it names none), in the
    interchange format."""
    query = fiscal_year.query_with_year(request, "fiscal_year")
    _, proposals = filter_proposals(query, user=request.user)
    count = proposals.count()
    if count > jobs.background_threshold():
        job = jobs.excel_job_start(
            kind=ExcelJob.Kind.PROPOSAL_EXPORT,
            user=request.user,
            params={"query": query.urlencode()},
            rows_total=count,
            filename=f"Usulan_{_stamp()}.xlsx",
        )
        return redirect(job)
    return xlsx_response(proposal_export_workbook(proposals), f"Usulan_{_stamp()}.xlsx")


# Jobs ---------------------------------------------------------------------------------------------------------------


def _job_state(job: ExcelJob) -> dict[str, Any]:
    done = job.status == ExcelJob.Status.DONE
    return {
        "status": job.status,
        "status_display": job.get_status_display(),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "summary": job.summary,
        "error": job.error,
        "download_url": reverse("programs:job-download", args=[job.pk]) if done and job.file else None,
    }


@require_safe
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = policy.get_job_for_user(request.user, pk)
    if job.kind == ExcelJob.Kind.PROPOSAL_PREVIEW and job.status == ExcelJob.Status.DONE:
        return _import_preview(request, job)
    return render(request, "programs/job_detail.html", {"job": job, "state": _job_state(job)})


@require_safe
@login_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = policy.get_job_for_user(request.user, pk)
    response = JsonResponse(_job_state(job))
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = policy.get_job_for_user(request.user, pk)
    if job.status != ExcelJob.Status.DONE or not job.file:
        raise Http404("Berkas belum tersedia.")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Berkas sudah dihapus.") from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename or "Rakornis.xlsx",
        # A workbook, or the HTML of a full Berita Acara (meetings.jobs): the type follows the file's name.
        content_type=None if job.filename.endswith(".html") else jobs.XLSX_CONTENT_TYPE,
    )
