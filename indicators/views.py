"""Indicator pages: the list, an indicator's trajectory per region (chart and table), the entry of a figure or a
denominator, and the Excel import (upload, the worker's check, preview, confirm) with its template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from indicators import selectors
from indicators.forms import DenominatorForm, FigureForm
from indicators.importer import indicator_template_workbook, stored_upload_parse
from indicators.services import (
    FigureInput,
    IndicatorEntryError,
    SourceInput,
    indicator_denominator_set,
    indicator_figure_set,
    indicator_figures_import,
)
from programs import jobs
from programs.excel_views import xlsx_response
from programs.models import ExcelJob, IndicatorTarget
from programs.xlsx.importer.reading import FileRejected, check_file
from rakornis import fiscal_year, policy
from rakornis.i18n import official_view

Figure = IndicatorTarget.Figure


def _require_indicators(user: Any) -> None:
    if not policy.sees_indicators(user):
        raise Http404("Tidak ada indikator untuk akun ini.")


def _require_entry(user: Any) -> None:
    if not policy.may_enter_indicators(user):
        raise PermissionDenied("Capaian indikator diisi oleh perencana, verifikator dan operator kabupaten/kota.")


@require_safe
@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    _require_indicators(request.user)
    year = fiscal_year.planning_year(request)
    indicators = selectors.visible_indicators(request.user)
    overview = selectors.indicator_overview(request.user, year)
    rows = [(indicator, overview.get(indicator.pk, {"regions": 0, "gaps": []})) for indicator in indicators]
    return render(
        request,
        "indicators/indicator_list.html",
        {"rows": rows, "year": year, "may_enter": policy.may_enter_indicators(request.user)},
    )


@require_safe
@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = policy.get_indicator_for_user(request.user, code)
    trajectories = selectors.indicator_trajectories(request.user, indicator)
    wanted = request.GET.get("wilayah", "").strip()
    selected = None
    if wanted:
        selected = next((t for t in trajectories if t.region.code == wanted), None)
        if selected is None:
            # A region outside the user's scope, or one without figures: nothing to show either way.
            raise Http404("Wilayah ini tidak ada dalam cakupan Anda atau belum memiliki capaian.")
    elif trajectories:
        selected = trajectories[0]
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "trajectories": trajectories,
            "selected": selected,
            "chart": selected.chart_data(indicator) if selected and selected.years else None,
            "sub_activities": selectors.contributing_sub_activities(indicator),
            "may_enter": policy.may_enter_indicators(request.user),
        },
    )


def _source(cleaned: dict[str, Any]) -> SourceInput:
    return SourceInput(
        document=cleaned["source_document"], number=cleaned.get("source_number") or "", date=cleaned["source_date"]
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def indicator_entry(request: HttpRequest, code: str) -> HttpResponse:
    """One figure (baseline, target, realisation) or a denominator, each with its source."""
    indicator = policy.get_indicator_for_user(request.user, code)
    _require_entry(request.user)
    may_denominator = policy.may_anywhere(request.user, policy.Action.SET_INDICATOR_TARGET)
    figure_form = FigureForm(user=request.user, initial={"year": fiscal_year.planning_year(request) - 1})
    denominator_form = DenominatorForm(user=request.user, prefix="penyebut") if may_denominator else None
    if request.method == "POST":
        if request.POST.get("form") == "penyebut":
            if denominator_form is None:
                raise PermissionDenied("Penyebut indikator diisi oleh perencana atau verifikator.")
            denominator_form = DenominatorForm(request.POST, user=request.user, prefix="penyebut")
            if denominator_form.is_valid():
                data = denominator_form.cleaned_data
                try:
                    indicator_denominator_set(
                        user=request.user,
                        indicator=indicator,
                        region=data["region"],
                        value=data["value"],
                        label=data["label"],
                        source=_source(data),
                    )
                except IndicatorEntryError as exc:
                    denominator_form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        gettext("Penyebut %(code)s untuk %(name)s disimpan.")
                        % {"code": indicator.code, "name": data["region"].name},
                    )
                    return redirect(f"{indicator.get_absolute_url()}?wilayah={data['region'].code}")
        else:
            figure_form = FigureForm(request.POST, user=request.user)
            if figure_form.is_valid():
                data = figure_form.cleaned_data
                entry = FigureInput(
                    indicator=indicator,
                    region=data["region"],
                    year=data["year"],
                    figure=data["figure"],
                    value=data["value"],
                    source=_source(data),
                )
                try:
                    indicator_figure_set(user=request.user, entry=entry)
                except IndicatorEntryError as exc:
                    figure_form.add_error(None, str(exc))
                else:
                    label = Figure(entry.figure).label
                    messages.success(
                        request,
                        gettext("%(label)s %(code)s %(name)s tahun %(year)s disimpan.")
                        % {"label": label, "code": indicator.code, "name": entry.region.name, "year": entry.year},
                    )
                    return redirect(f"{indicator.get_absolute_url()}?wilayah={entry.region.code}")
    return render(
        request,
        "indicators/indicator_entry.html",
        {"indicator": indicator, "figure_form": figure_form, "denominator_form": denominator_form},
    )


# Excel ----------------------------------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Berkas capaian indikator (.xlsx)",
        help_text="Gunakan templat capaian. Semua baris diperiksa dulu; disimpan setelah Anda menekan Simpan.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


@require_safe
@login_required
@official_view
def indicator_template(request: HttpRequest) -> HttpResponse:
    _require_indicators(request.user)
    _require_entry(request.user)
    return xlsx_response(indicator_template_workbook(user=request.user), "Template_Capaian_Indikator.xlsx")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def indicator_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the file's name, size and archive, store it and queue its check; the preview
    follows on the preview page once the worker has read it."""
    _require_indicators(request.user)
    _require_entry(request.user)
    form = UploadForm()
    refusal = ""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            filename = Path(upload.name or "").name
            try:
                check_file(upload, filename, upload.size)
            except FileRejected as exc:
                refusal = exc.message
            else:
                token = jobs.upload_keep(upload)
                job = jobs.excel_job_start(
                    kind=ExcelJob.Kind.INDICATOR_PREVIEW,
                    user=request.user,
                    params={"token": token, "filename": filename},
                )
                return redirect("indicators:indicator-import-preview", pk=job.pk)
    return render(request, "indicators/indicator_import.html", {"form": form, "refusal": refusal})


def _preview_job(user: Any, pk: int) -> ExcelJob:
    job = policy.get_job_for_user(user, pk)
    if job.kind != ExcelJob.Kind.INDICATOR_PREVIEW:
        raise Http404("Bukan pemeriksaan berkas indikator.")
    return job


@require_safe
@login_required
def indicator_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    job = _preview_job(request.user, pk)
    confirmable = (
        job.status == ExcelJob.Status.DONE and bool(job.params.get("confirmable")) and not job.params.get("confirmed")
    )
    return render(
        request,
        "indicators/indicator_import_preview.html",
        {"job": job, "preview": job.outcome or {}, "confirmable": confirmable},
    )


@require_POST
@login_required
def indicator_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a previewed file: parsed again (figures may have changed since), then all or nothing, once."""
    _require_entry(request.user)
    with transaction.atomic():
        job = ExcelJob.objects.select_for_update().get(pk=_preview_job(request.user, pk).pk)
        token = job.params.get("token", "")
        if (
            job.status != ExcelJob.Status.DONE
            or not job.params.get("confirmable")
            or job.params.get("confirmed")
            or not jobs.upload_exists(token)
        ):
            messages.error(request, gettext("Pratinjau impor sudah tidak berlaku. Unggah berkasnya lagi."))
            return redirect("indicators:indicator-import")
        job.params = {**job.params, "confirmed": True}
        job.save(update_fields=["params"])
    try:
        result = stored_upload_parse(token, filename=job.params.get("filename", ""), user=request.user)
        if result.errors:
            messages.error(request, gettext("Tidak ada yang disimpan: berkas tidak lolos pemeriksaan ulang."))
            return render(
                request,
                "indicators/indicator_import_preview.html",
                {"job": job, "preview": result.as_preview(), "confirmable": False},
            )
        changed = indicator_figures_import(user=request.user, entries=[row.entry for row in result.to_save])
    except FileNotFoundError:
        messages.error(request, gettext("Pratinjau impor sudah tidak berlaku. Unggah berkasnya lagi."))
        return redirect("indicators:indicator-import")
    except (PermissionDenied, IndicatorEntryError) as exc:
        messages.error(request, gettext("Tidak ada yang disimpan: %(exc)s") % {"exc": exc})
        return redirect("indicators:indicator-import")
    finally:
        jobs.upload_discard(token)
    messages.success(
        request, gettext("Impor capaian indikator selesai: %(changed)s angka disimpan.") % {"changed": changed}
    )
    return redirect("indicators:indicator-list")
