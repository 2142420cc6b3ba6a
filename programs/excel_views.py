"""Excel pages: the template, the import (upload, preview, confirm), the exports, and background jobs' progress.

The workbooks themselves come from `programs.xlsx`; these views check who may do what, pick the proposals (the
list's own filters for the export), and wrap the bytes. More than EXCEL_BACKGROUND_THRESHOLD rows go to the
background worker (`programs.jobs`) and the user watches a progress page instead of a hanging request.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from programs import jobs
from programs.filters import filter_proposals
from programs.models import ExcelJob
from programs.xlsx.exporters import proposal_export_workbook
from programs.xlsx.importer import (
    ImportIssue,
    ImportResult,
    ProposalImportError,
    proposal_import_apply,
    proposal_import_parse,
)
from programs.xlsx.template import proposal_template_workbook
from rakornis import fiscal_year, policy
from rakornis.policy import Action, may_anywhere

SESSION_KEY = "proposal_import"
# Rows of the preview table.
PREVIEW_ROWS = 500
# Errors listed on the page: a 20,000-row file with a wrong column has 20,000; past these, their count per column.
ERRORS_SHOWN = 200
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
def proposal_template(request: HttpRequest) -> HttpResponse:
    if not may_anywhere(request.user, Action.DOWNLOAD_TEMPLATE):
        raise PermissionDenied("Templat usulan untuk operator kabupaten/kota, verifikator dan perencana.")
    content = proposal_template_workbook(user=request.user)
    return xlsx_response(content, f"Template_Usulan_TA{fiscal_year.planning_year(request)}.xlsx")


# Import -------------------------------------------------------------------------------------------------------------


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


def _import_page(
    request: HttpRequest,
    *,
    form: ImportUploadForm | None = None,
    result: ImportResult | None = None,
    token: str = "",
    errors: list[ImportIssue] | None = None,
) -> HttpResponse:
    if errors is None:
        errors = result.errors if result else []
    more_errors = max(len(errors) - ERRORS_SHOWN, 0)
    context: dict[str, Any] = {
        "form": form or ImportUploadForm(),
        "result": result,
        "token": token,
        "errors": errors,
        "errors_shown": errors[:ERRORS_SHOWN],
        "more_errors": more_errors,
        # (column, errors in it), most first: where a file's many errors come from. One row per column at most.
        "error_columns": Counter(issue.column for issue in errors).most_common() if more_errors else [],
        "preview_rows": result.rows[:PREVIEW_ROWS] if result else [],
        "preview_limit": PREVIEW_ROWS,
        "to_save": len(result.to_create) + len(result.to_update) if result else 0,
        "max_upload": _megabytes(settings.IMPORT_MAX_UPLOAD_BYTES),
        "threshold": jobs.background_threshold(),
    }
    return render(request, "programs/proposal_import.html", context)


def _forget_pending(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        jobs.upload_discard(pending.get("token", ""))


@csrf_exempt  # see below: the size check must come before CSRF reads (and so receives) the whole body
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def proposal_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file and show the preview; nothing is saved until "Simpan"."""
    _require_importer(request.user)
    if request.method == "POST":
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if length > limit + MULTIPART_SLACK:
            issue = ImportIssue(
                None,
                "",
                f"Berkas terlalu besar ({_megabytes(length)}); batasnya {_megabytes(limit)}. "
                "Bagi usulan ke beberapa berkas.",
            )
            return _import_page(request, errors=[issue])
    return _proposal_import(request)


@csrf_protect
def _proposal_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request)
    _forget_pending(request)
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form)
    upload = form.cleaned_data["file"]
    result = proposal_import_parse(file=upload, user=request.user)
    token = ""
    if result.is_valid and (result.to_create or result.to_update):
        token = jobs.upload_keep(upload)
        request.session[SESSION_KEY] = {"token": token, "filename": result.filename, "rows": len(result.rows)}
    return _import_page(request, result=result, token=token)


@require_POST
@login_required
def proposal_import_confirm(request: HttpRequest) -> HttpResponse:
    """Save the previewed file: parsed again (the data may have changed since), then all or nothing."""
    _require_importer(request.user)
    pending = request.session.get(SESSION_KEY) or {}
    token = pending.get("token", "")
    if not token or request.POST.get("token") != token or not jobs.upload_path(token).exists():
        messages.error(request, "Pratinjau impor sudah tidak berlaku. Unggah berkasnya lagi.")
        return redirect("programs:proposal-import")
    filename = pending.get("filename", "")
    if pending.get("rows", 0) > jobs.background_threshold():
        # The session forgets the upload; the job owns (and deletes) it now.
        del request.session[SESSION_KEY]
        job = jobs.excel_job_start(
            kind=ExcelJob.Kind.PROPOSAL_IMPORT,
            user=request.user,
            params={"token": token, "filename": filename},
            rows_total=pending["rows"],
        )
        messages.info(request, f"Impor {pending['rows']:,} baris diproses di latar belakang.".replace(",", "."))
        return redirect(job)
    result = jobs.upload_parse(token, filename=filename, user=request.user)
    try:
        summary = proposal_import_apply(result=result, user=request.user)
    except ProposalImportError as exc:
        _forget_pending(request)
        messages.error(request, "Tidak ada usulan yang disimpan: berkas tidak lolos pemeriksaan ulang.")
        return _import_page(request, result=result, errors=exc.issues)
    _forget_pending(request)
    messages.success(request, f"Impor {filename or 'berkas'} selesai: {summary}.")
    return redirect("programs:proposal-list")


# Exports ------------------------------------------------------------------------------------------------------------


@require_safe
@login_required
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
        handle, as_attachment=True, filename=job.filename or "Rakornis.xlsx", content_type=jobs.XLSX_CONTENT_TYPE
    )
