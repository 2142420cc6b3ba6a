"""Renja pages: the list of an agency's work plans, one plan grouped program > kegiatan > sub kegiatan (its totals
from `workplans.selectors.renja_outline`, the lines of one kegiatan on demand), its print, the sync preview and its
application, finalising, and the Excel downloads of a Renja and of the recap of what the meetings agreed in a fiscal
year.

Access follows `WorkPlan.objects.for_user` (the agency's region in the user's scope; 404 outside it). Everyone in
scope reads; creating, syncing and finalising need the planner role in the plan's region, or a superuser (403).
The writes are the services of `workplans.services`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.generic import DetailView, ListView

from agencies.models import Agency
from meetings import selectors
from meetings.models import Decision
from programs import jobs
from programs.excel_views import xlsx_response
from programs.models import (
    MAX_FISCAL_YEAR,
    MIN_FISCAL_YEAR,
    ExcelJob,
    Proposal,
    ProposalSummary,
    WorkPlan,
    WorkPlanItem,
    WorkPlanItemFunding,
)
from rakornis import fiscal_year, policy
from rakornis.formatting import format_rupiah
from rakornis.i18n import official_view
from rakornis.policy import Action
from rakornis.subqueries import count_subquery, total_subquery
from workplans.exports import recap_workbook, stakeholder_workbook, work_plan_workbook
from workplans.lines import LineChange, RenjaLine, SyncPlan
from workplans.selectors import (
    LINES_PER_PAGE,
    RenjaTable,
    class_totals,
    find_activity,
    renja_form,
    renja_lines,
    renja_outline,
    work_plan_items,
)
from workplans.services import (
    WorkPlanLocked,
    work_plan_finalise,
    work_plan_get_or_create,
    work_plan_sync,
    work_plan_sync_preview,
)

# Rows shown per section of the sync preview: a first sync of a large Renja adds thousands of lines, and the page
# only has to let the planner judge them; the counts and totals always cover everything.
PREVIEW_LIMIT = 300
# Lines the print view lays out in the request (the biggest Renja at 500,000 proposals has 715); a bigger Renja prints
# from its Excel.
PRINT_LINE_LIMIT = 3000


# Access -------------------------------------------------------------------------------------------------------------


def plannable_agencies(user) -> QuerySet[Agency]:
    """Agencies a planner may open a Renja for: in the regions of their planner role, executing some agreed
    decision, or any provincial or kabupaten/kota agency there (no central Balai without a decision)."""
    agencies = policy.agencies_for(user, Action.PLAN)
    executes = Exists(Decision.objects.filter(executing_agency=OuterRef("pk")))
    return (
        agencies.filter(is_active=True)
        .filter(executes | Q(level__in=[Agency.Level.PROVINCIAL, Agency.Level.REGENCY]))
        .order_by("short_name")
    )


class WorkPlanCreateForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="Perangkat daerah",
        queryset=Agency.objects.none(),
        error_messages={"invalid_choice": "Pilih perangkat daerah di wilayah Anda."},
    )
    fiscal_year = forms.IntegerField(label="Tahun anggaran", min_value=MIN_FISCAL_YEAR, max_value=MAX_FISCAL_YEAR)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = plannable_agencies(user)


# List ---------------------------------------------------------------------------------------------------------------


class WorkPlanListView(LoginRequiredMixin, ListView):
    template_name = "workplans/workplan_list.html"
    context_object_name = "work_plans"
    paginate_by = 50
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[WorkPlan]:
        # Subqueries, not a GROUP BY over items x funding lines, which would multiply the count of lines by their
        # schemes (rakornis.subqueries).
        work_plans = (
            WorkPlan.objects.for_user(self.request.user)
            .select_related("agency")
            .annotate(
                line_count=count_subquery(WorkPlanItem.objects.all(), "work_plan"),
                total_amount=total_subquery(WorkPlanItemFunding.objects.all(), "item__work_plan"),
            )
            .order_by("-fiscal_year", "agency__short_name")
        )
        # The planning year's plans unless the address names a year; `?tahun=` (empty) is every year's.
        self.year = fiscal_year.year_from_query(self.request, "tahun")
        if self.year is not None:
            work_plans = work_plans.filter(fiscal_year=self.year)
        agency = self.request.GET.get("instansi", "")
        if agency.isdigit():
            work_plans = work_plans.filter(agency_id=int(agency))
        return work_plans

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible = WorkPlan.objects.for_user(user).order_by()
        query = fiscal_year.query_with_year(self.request, "tahun")
        query.pop("page", None)
        # Every plan the filter selects, not only this page's: Renja pagu and the agreed pagu it should hold.
        listed = self.object_list.order_by().values("pk")
        renja_total = WorkPlanItemFunding.objects.filter(item__work_plan__in=listed).aggregate(total=Sum("amount"))
        agencies = Agency.objects.filter(pk__in=visible.values("agency")).order_by("short_name")
        context.update(
            **fiscal_year.year_filter(self.year, visible.values_list("fiscal_year", flat=True)),
            renja_total=renja_total["total"] or Decimal(0),
            agencies=[(str(agency.pk), agency.short_name) for agency in agencies],
            selected_agency=self.request.GET.get("instansi", ""),
            querystring=query.urlencode(),
            can_plan=policy.may_anywhere(user, Action.PLAN),
        )
        if context["can_plan"]:
            context["create_form"] = WorkPlanCreateForm(
                user=user, initial={"fiscal_year": fiscal_year.planning_year(self.request)}
            )
        if self.year is not None and not context["selected_agency"]:
            # What the plans listed here should hold: agreed amounts executed by an agency whose Renja this user sees
            # (or by nobody yet, a gap to fix), so that an operator's Banjar plans are not compared with what the
            # province executes.
            agreed = selectors.agreed_funding(fiscal_year=self.year, proposals=Proposal.objects.for_user(user)).filter(
                Q(decision__executing_agency__isnull=True)
                | Q(decision__executing_agency__in=policy.agencies_for(user).values("pk"))
            )
            context["agreed_total"] = agreed.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        return context


@require_POST
@login_required
def workplan_create(request: HttpRequest) -> HttpResponse:
    """Open (or reopen) an agency's Renja of a fiscal year; an existing one is not created twice."""
    if not policy.may_anywhere(request.user, Action.PLAN):
        raise PermissionDenied("Hanya perencana yang dapat membuat Renja.")
    form = WorkPlanCreateForm(request.POST, user=request.user)
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, gettext("Renja tidak dibuat: %(errors)s") % {"errors": errors})
        return redirect("workplans:workplan-list")
    work_plan, created = work_plan_get_or_create(
        agency=form.cleaned_data["agency"], fiscal_year=form.cleaned_data["fiscal_year"], user=request.user
    )
    if created:
        messages.success(
            request,
            gettext(
                "%(work_plan)s dibuat sebagai draf; isi barisnya dari kesepakatan rapat lewat pratinjau sinkronisasi."
            )
            % {"work_plan": work_plan},
        )
    else:
        messages.info(request, gettext("%(work_plan)s sudah ada.") % {"work_plan": work_plan})
    return redirect("workplans:workplan-detail", pk=work_plan.pk)


# Detail -------------------------------------------------------------------------------------------------------------


class WorkPlanDetailView(LoginRequiredMixin, DetailView):
    """The Renja's programs and kegiatan with their totals; the sub kegiatan and lines of one kegiatan open on demand
    (`workplan_kegiatan`, fetched by static/js/renja.js) or, without JavaScript, with `?kegiatan=<code>`. A constant
    number of queries and a bounded page whatever the number of lines."""

    template_name = "workplans/workplan_detail.html"
    context_object_name = "wp"
    http_method_names = ["get", "head", "options"]

    def get_object(self, queryset=None) -> WorkPlan:
        return policy.get_work_plan_for_user(self.request.user, self.kwargs["pk"])

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        work_plan: WorkPlan = self.object
        table = renja_outline(work_plan)
        can_plan = policy.may(self.request.user, Action.PLAN, policy.work_plan_region_code(work_plan))
        context.update(
            table=table,
            class_totals=class_totals(table.schemes, table.totals.funding),
            can_sync=can_plan and not work_plan.is_locked,
            can_finalise=can_plan and not work_plan.is_locked,
            open_code=None,
        )
        code = self.request.GET.get("kegiatan")
        if code is not None:
            context.update(_kegiatan_context(self.request, work_plan, table, code))
        return context


def _kegiatan_context(request: HttpRequest, work_plan: WorkPlan, table: RenjaTable, code: str) -> dict[str, Any]:
    """The lines of kegiatan `code` for the page or its partial: one page of LINES_PER_PAGE (`?halaman=`, clamped
    as `Paginator.get_page` does). 404 for a kegiatan this Renja has no line under."""
    activity = find_activity(table, code)
    if activity is None:
        raise Http404("Kegiatan ini tidak ada dalam Renja.")
    pages = max(math.ceil(activity.line_count / LINES_PER_PAGE), 1)
    raw = request.GET.get("halaman", "")
    number = min(max(int(raw), 1), pages) if raw.isdigit() and len(raw) < 7 else 1
    codes = policy.scope_codes(request.user)
    lines = renja_lines(
        work_plan,
        table,
        activity=activity,
        offset=(number - 1) * LINES_PER_PAGE,
        may_open=lambda region_code: policy.within(region_code, codes),
    )
    return {
        "wp": work_plan,
        "table": table,
        "activity": activity,
        "open_code": activity.code,
        "subs": [sub for sub in activity.groups if sub.lines],
        "lines_shown": (number - 1) * LINES_PER_PAGE + len(lines),
        "lines_from": (number - 1) * LINES_PER_PAGE + 1,
        "page_number": number,
        "page_count": pages,
    }


@require_safe
@login_required
def workplan_kegiatan(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The rows of one kegiatan (its sub kegiatan and a page of their lines), the page's `kegiatan_rows` partial:
    404 outside the user's scope and for a kegiatan this Renja does not hold."""
    work_plan = policy.get_work_plan_for_user(request.user, pk)
    table = renja_outline(work_plan)
    context = _kegiatan_context(request, work_plan, table, code)
    return render(request, "workplans/workplan_detail.html#kegiatan_rows", context)


@require_safe
@login_required
@official_view
def workplan_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The Renja in the official form (Permendagri 86/2017), landscape on A4 or, with `?kertas=f4`, F4, every line
    (up to PRINT_LINE_LIMIT; above it the Excel, which the worker writes in the background, holds the table)."""
    work_plan = policy.get_work_plan_for_user(request.user, pk)
    form = renja_form(work_plan, limit=PRINT_LINE_LIMIT)
    return render(
        request,
        "workplans/workplan_print.html",
        {
            "wp": work_plan,
            "form": form,
            "printable": not form.too_big,
            "print_limit": PRINT_LINE_LIMIT,
            "paper": "f4" if request.GET.get("kertas") == "f4" else "a4",
            "column_numbers": range(1, 11),
        },
    )


# Sync and finalise --------------------------------------------------------------------------------------------------


def _sources(line: RenjaLine) -> list[tuple[int, str]]:
    return sorted(line.sources.items(), key=lambda source: source[1])


def _preview_rows(plan: SyncPlan) -> dict[str, Any]:
    """The preview's sections as plain rows for the template, each cut to `PREVIEW_LIMIT`."""

    def whole(line: RenjaLine) -> dict[str, Any]:
        """A line added or removed as a whole."""
        return {"line": line, "funding": line.funding_lines, "sources": _sources(line)}

    def changed(change: LineChange) -> dict[str, Any]:
        labels = {
            "location": "Lokasi",
            "target": "Target",
            "forward_target": "Prakiraan maju target",
            "forward_amount": "Prakiraan maju pagu",
        }
        old, new = change.old.scalars(), change.new.scalars()
        scalars = [
            (
                labels[name],
                format_rupiah(old[name]) if name == "forward_amount" else old[name] or "—",
                format_rupiah(new[name]) if name == "forward_amount" else new[name] or "—",
            )
            for name in change.changed_scalars
        ]
        return {
            "line": change.new,
            "funding": change.funding_changes,
            "old_total": change.old.total,
            "scalars": scalars,
            "sources": _sources(change.new),
            "sources_added": change.sources_added,
            "sources_removed": change.sources_removed,
        }

    return {
        "added": [whole(line) for line in plan.added[:PREVIEW_LIMIT]],
        "changed": [changed(change) for change in plan.changed[:PREVIEW_LIMIT]],
        "removed": [whole(line) for line in plan.removed[:PREVIEW_LIMIT]],
        "skipped": plan.skipped[:PREVIEW_LIMIT],
        "more_added": max(len(plan.added) - PREVIEW_LIMIT, 0),
        "more_changed": max(len(plan.changed) - PREVIEW_LIMIT, 0),
        "more_removed": max(len(plan.removed) - PREVIEW_LIMIT, 0),
        "more_skipped": max(len(plan.skipped) - PREVIEW_LIMIT, 0),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def workplan_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what a sync would add, change and remove. POST: apply it, in one transaction."""
    work_plan = policy.get_work_plan_for_user(request.user, pk, Action.PLAN)
    if request.method == "POST":
        try:
            plan = work_plan_sync(work_plan=work_plan, user=request.user)
        except WorkPlanLocked as exc:
            messages.error(request, str(exc))
            return redirect("workplans:workplan-detail", pk=work_plan.pk)
        if plan.has_changes:
            messages.success(
                request,
                gettext("%(work_plan)s disinkronkan: %(summary)s; total pagu %(amount)s.")
                % {"work_plan": work_plan, "summary": plan.summary(), "amount": format_rupiah(plan.total_after)},
            )
        else:
            messages.info(
                request,
                gettext("%(work_plan)s sudah sesuai kesepakatan rapat; tidak ada perubahan.")
                % {"work_plan": work_plan},
            )
        if plan.skipped:
            messages.warning(
                request,
                f"{len(plan.skipped)} usulan di luar nomenklatur tidak menjadi baris Renja: "
                + ", ".join(skipped.number for skipped in plan.skipped[:20])
                + (" …" if len(plan.skipped) > 20 else ""),
            )
        return redirect("workplans:workplan-detail", pk=work_plan.pk)

    context: dict[str, Any] = {"wp": work_plan}
    if not work_plan.is_locked:
        plan = work_plan_sync_preview(work_plan=work_plan)
        context.update(
            plan=plan,
            # A first sync with nothing to add still records that the Renja was checked against the meetings.
            can_apply=plan.has_changes or work_plan.synced_at is None,
            **_preview_rows(plan),
        )
    return render(request, "workplans/workplan_sync.html", context)


@require_POST
@login_required
def workplan_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    work_plan = policy.get_work_plan_for_user(request.user, pk, Action.PLAN)
    try:
        work_plan = work_plan_finalise(work_plan=work_plan, user=request.user)
    except WorkPlanLocked as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("%(work_plan)s difinalkan dan kini terkunci: sinkronisasi dan perubahan ditolak.")
            % {"work_plan": work_plan},
        )
    return redirect(reverse("workplans:workplan-detail", args=[work_plan.pk]))


# Excel --------------------------------------------------------------------------------------------------------------


@require_safe
@login_required
@official_view
def recap_export(request: HttpRequest) -> HttpResponse:
    """Agreed amounts by kabupaten/kota x scheme and counts by status, over the user's scope (a few rows only)."""
    raw = request.GET.get("year", "").strip()
    year = fiscal_year.parse_year(raw) if raw else fiscal_year.planning_year(request)
    if year is None:
        messages.error(request, f"Tahun anggaran tidak sah: {raw!r}.")
        return redirect("programs:proposal-list")
    content = recap_workbook(fiscal_year=year, summary=ProposalSummary.objects.for_user(request.user))
    return xlsx_response(content, f"Rekap_Usulan_TA{year}.xlsx")


@require_safe
@login_required
@official_view
def workplan_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The Renja table of a work plan the user may see (404 otherwise); a big one goes to the background worker."""
    work_plan = policy.get_work_plan_for_user(request.user, pk)
    filename = f"Renja_{slugify(work_plan.agency.short_name) or work_plan.agency_id}_TA{work_plan.fiscal_year}.xlsx"
    count = work_plan_items(work_plan).count()
    if count > jobs.background_threshold():
        job = jobs.excel_job_start(
            kind=ExcelJob.Kind.WORKPLAN_EXPORT,
            user=request.user,
            params={"work_plan": work_plan.pk},
            rows_total=count,
            filename=filename,
        )
        return redirect(job)
    return xlsx_response(work_plan_workbook(work_plan), filename)


@require_safe
@login_required
def workplan_stakeholders_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Usulan Program dan Kegiatan dari Para Pemangku Kepentingan" table of the Renja's agency and year, over
    the proposals the user may see (404 for a Renja outside the user's scope); bounded by STAKEHOLDER_LIMIT rows."""
    work_plan = policy.get_work_plan_for_user(request.user, pk)
    name = slugify(work_plan.agency.short_name) or work_plan.agency_id
    content = stakeholder_workbook(work_plan, Proposal.objects.for_user(request.user))
    return xlsx_response(content, f"Usulan_Pemangku_Kepentingan_{name}_TA{work_plan.fiscal_year}.xlsx")
