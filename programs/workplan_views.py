"""Renja pages: the list of an agency's work plans, one plan grouped program > kegiatan > sub kegiatan, the sync
preview and its application, and finalising.

Access follows `WorkPlan.objects.for_user` (the agency's region in the user's scope; 404 outside it). Everyone in
scope reads; creating, syncing and finalising need the planner role in the plan's region, or a superuser (403).
The writes are the services of `programs.renja`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import DetailView, ListView

from agencies.models import Agency, StaffRole, region_code_q, scope_codes
from meetings.models import Decision
from programs.access import agencies_for
from programs.models import (
    MAX_FISCAL_YEAR,
    MIN_FISCAL_YEAR,
    FundingScheme,
    Nomenclature,
    Proposal,
    WorkPlan,
    WorkPlanItem,
    WorkPlanItemFunding,
)
from programs.renja import (
    LineChange,
    RenjaLine,
    SyncPlan,
    WorkPlanLocked,
    work_plan_finalise,
    work_plan_get_or_create,
    work_plan_sync,
    work_plan_sync_preview,
)
from rakornis.formatting import format_rupiah

# Rows shown per section of the sync preview: a first sync of a large Renja adds thousands of lines, and the page
# only has to let the planner judge them; the counts and totals always cover everything.
PREVIEW_LIMIT = 300
# A line's source proposals: the number to show, the region to decide whether the user may open it.
SOURCE_PROPOSALS = Proposal.objects.select_related("region").only("number", "region__code").order_by("number")


# Access -------------------------------------------------------------------------------------------------------------


def _within(codes: list[str] | None, region_code: str) -> bool:
    """Whether `region_code` is one of `codes` or lies below one (None: everywhere)."""
    return codes is None or any(region_code == code or region_code.startswith(f"{code}.") for code in codes)


def planner_codes(user) -> list[str] | None:
    """Region codes where the user holds the planner role, or None for everywhere (superusers); one query, cached."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    cached = getattr(user, "_rakornis_planner_codes", None)
    if cached is None:
        cached = sorted(
            set(
                StaffRole.objects.of(user)
                .filter(role=StaffRole.Role.PLANNER, agency__region__isnull=False)
                .values_list("agency__region__code", flat=True)
            )
        )
        user._rakornis_planner_codes = cached
    return cached


def may_plan(user, work_plan: WorkPlan | None = None) -> bool:
    """Whether the user may create, sync and finalise Renja (of `work_plan`'s agency region, when given)."""
    codes = planner_codes(user)
    if codes is None:
        return True
    if work_plan is None:
        return bool(codes)
    region = work_plan.agency.region
    return region is not None and _within(codes, region.code)


def get_work_plan_for_user(request: HttpRequest, pk: int, *, plan: bool = False) -> WorkPlan:
    """The work plan, or 404 outside the user's scope; with `plan`, 403 unless the user may sync and finalise it."""
    work_plan = get_object_or_404(WorkPlan.objects.for_user(request.user).select_related("agency__region"), pk=pk)
    if plan and not may_plan(request.user, work_plan):
        raise PermissionDenied("Hanya perencana yang dapat menyinkronkan dan memfinalkan Renja.")
    return work_plan


def plannable_agencies(user) -> QuerySet[Agency]:
    """Agencies a planner may open a Renja for: in the regions of their planner role, executing some agreed
    decision, or any provincial or kabupaten/kota agency there (no central Balai without a decision)."""
    codes = planner_codes(user)
    agencies = agencies_for(user) if codes is None else Agency.objects.filter(region_code_q(codes, "region__code"))
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
    template_name = "programs/workplan_list.html"
    context_object_name = "work_plans"
    paginate_by = 50
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[WorkPlan]:
        # Correlated subqueries rather than a GROUP BY over items x funding lines: each is computed for the page's
        # rows only, and the count of lines is not multiplied by the schemes of each line.
        lines = (
            WorkPlanItem.objects.filter(work_plan=OuterRef("pk"))
            .order_by()
            .values("work_plan")
            .annotate(n=Count("pk"))
            .values("n")
        )
        pagu = (
            WorkPlanItemFunding.objects.filter(item__work_plan=OuterRef("pk"))
            .order_by()
            .values("item__work_plan")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        work_plans = (
            WorkPlan.objects.for_user(self.request.user)
            .select_related("agency")
            .annotate(
                line_count=Coalesce(Subquery(lines, output_field=IntegerField()), 0),
                total_amount=Coalesce(Subquery(pagu), Decimal(0), output_field=DecimalField(max_digits=18)),
            )
            .order_by("-fiscal_year", "agency__short_name")
        )
        year = self.request.GET.get("tahun", "")
        if year.isdigit():
            work_plans = work_plans.filter(fiscal_year=int(year))
        agency = self.request.GET.get("instansi", "")
        if agency.isdigit():
            work_plans = work_plans.filter(agency_id=int(agency))
        return work_plans

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        visible = WorkPlan.objects.for_user(user).order_by()
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            years=visible.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct(),
            agencies=Agency.objects.filter(pk__in=visible.values("agency")).order_by("short_name"),
            selected_year=self.request.GET.get("tahun", ""),
            selected_agency=self.request.GET.get("instansi", ""),
            querystring=query.urlencode(),
            can_plan=may_plan(user),
        )
        if context["can_plan"]:
            context["create_form"] = WorkPlanCreateForm(
                user=user, initial={"fiscal_year": timezone.localdate().year + 1}
            )
        return context


@require_POST
@login_required
def workplan_create(request: HttpRequest) -> HttpResponse:
    """Open (or reopen) an agency's Renja of a fiscal year; an existing one is not created twice."""
    if not may_plan(request.user):
        raise PermissionDenied("Hanya perencana yang dapat membuat Renja.")
    form = WorkPlanCreateForm(request.POST, user=request.user)
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, f"Renja tidak dibuat: {errors}")
        return redirect("programs:workplan-list")
    work_plan, created = work_plan_get_or_create(
        agency=form.cleaned_data["agency"], fiscal_year=form.cleaned_data["fiscal_year"], user=request.user
    )
    if created:
        messages.success(
            request,
            f"{work_plan} dibuat sebagai draf; isi barisnya dari kesepakatan rapat lewat pratinjau sinkronisasi.",
        )
    else:
        messages.info(request, f"{work_plan} sudah ada.")
    return redirect("programs:workplan-detail", pk=work_plan.pk)


# Detail -------------------------------------------------------------------------------------------------------------


@dataclass
class Totals:
    """Amounts per scheme (by scheme id), their total and the forward estimate of a group of lines."""

    funding: dict[int, Decimal] = field(default_factory=dict)
    forward_amount: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return sum(self.funding.values(), Decimal(0))

    def add(self, funding: dict[int, Decimal], forward_amount: Decimal) -> None:
        for scheme_id, amount in funding.items():
            self.funding[scheme_id] = self.funding.get(scheme_id, Decimal(0)) + amount
        self.forward_amount += forward_amount

    def columns(self, schemes: list[FundingScheme]) -> list[Decimal | None]:
        return [self.funding.get(scheme.pk) for scheme in schemes]


@dataclass
class Line:
    item: WorkPlanItem
    funding: dict[int, Decimal]
    sources: list[tuple[Proposal, bool]]  # (proposal, whether the user may open it)
    amounts: list[Decimal | None] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.funding.values(), Decimal(0))


@dataclass
class Group:
    """A program, kegiatan or sub kegiatan with its lines or subgroups and their subtotals."""

    node: Nomenclature | None
    code: str
    children: dict[str, Group] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    amounts: list[Decimal | None] = field(default_factory=list)

    @property
    def groups(self) -> list[Group]:
        return list(self.children.values())

    @property
    def name(self) -> str:
        return self.node.name if self.node is not None else "(tanpa induk dalam nomenklatur)"


def group_lines(items: list[WorkPlanItem], user) -> tuple[list[Group], Totals, list[FundingScheme]]:
    """Programs > kegiatan > sub kegiatan > lines, with subtotals, the grand total and the schemes in use.

    `items` come with their sub kegiatan's parents, funding lines with schemes and source proposals with regions
    already loaded, in code order: no query here.
    """
    codes = scope_codes(user)
    programs: dict[str, Group] = {}
    grand = Totals()
    schemes: dict[int, FundingScheme] = {}
    for item in items:
        funding: dict[int, Decimal] = {}
        for line in item.funding_lines.all():
            funding[line.scheme_id] = funding.get(line.scheme_id, Decimal(0)) + line.amount
            schemes[line.scheme_id] = line.scheme
        sources = [(proposal, _within(codes, proposal.region.code)) for proposal in item.source_proposals.all()]
        row = Line(item=item, funding=funding, sources=sources)

        sub = item.sub_activity
        activity = sub.parent
        program = activity.parent if activity is not None else None
        program_code = program.code if program is not None else ""
        activity_code = activity.code if activity is not None else ""
        program_group = programs.get(program_code)
        if program_group is None:
            program_group = programs[program_code] = Group(node=program, code=program_code)
        activity_group = program_group.children.get(activity_code)
        if activity_group is None:
            activity_group = program_group.children[activity_code] = Group(node=activity, code=activity_code)
        sub_group = activity_group.children.get(sub.code)
        if sub_group is None:
            sub_group = activity_group.children[sub.code] = Group(node=sub, code=sub.code)
        sub_group.lines.append(row)
        for totals in (program_group.totals, activity_group.totals, sub_group.totals, grand):
            totals.add(funding, item.forward_amount)

    ordered = sorted(schemes.values(), key=lambda scheme: (scheme.order, scheme.code))
    for program_group in programs.values():
        program_group.amounts = program_group.totals.columns(ordered)
        for activity_group in program_group.groups:
            activity_group.amounts = activity_group.totals.columns(ordered)
            for sub_group in activity_group.groups:
                sub_group.amounts = sub_group.totals.columns(ordered)
                for row in sub_group.lines:
                    row.amounts = [row.funding.get(scheme.pk) for scheme in ordered]
    return sorted(programs.values(), key=lambda group: group.code), grand, ordered


class WorkPlanDetailView(LoginRequiredMixin, DetailView):
    template_name = "programs/workplan_detail.html"
    context_object_name = "wp"
    http_method_names = ["get", "head", "options"]

    def get_object(self, queryset=None) -> WorkPlan:
        return get_work_plan_for_user(self.request, self.kwargs["pk"])

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        work_plan: WorkPlan = self.object
        items = list(
            WorkPlanItem.objects.filter(work_plan=work_plan)
            .select_related("sub_activity__parent__parent", "region")
            .prefetch_related(
                Prefetch("funding_lines", queryset=WorkPlanItemFunding.objects.select_related("scheme").order_by()),
                Prefetch("source_proposals", queryset=SOURCE_PROPOSALS),
            )
            .order_by("sub_activity__code", "region__code")
        )
        programs, grand, schemes = group_lines(items, self.request.user)
        can_plan = may_plan(self.request.user, work_plan)
        context.update(
            programs=programs,
            grand=grand,
            schemes=schemes,
            grand_amounts=grand.columns(schemes),
            scheme_totals=list(zip(schemes, grand.columns(schemes), strict=True)),
            line_count=len(items),
            can_sync=can_plan and not work_plan.is_locked,
            can_finalise=can_plan and not work_plan.is_locked,
        )
        return context


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
    work_plan = get_work_plan_for_user(request, pk, plan=True)
    if request.method == "POST":
        try:
            plan = work_plan_sync(work_plan=work_plan, user=request.user)
        except WorkPlanLocked as exc:
            messages.error(request, str(exc))
            return redirect("programs:workplan-detail", pk=work_plan.pk)
        if plan.has_changes:
            messages.success(
                request,
                f"{work_plan} disinkronkan: {plan.summary()}; total pagu {format_rupiah(plan.total_after)}.",
            )
        else:
            messages.info(request, f"{work_plan} sudah sesuai kesepakatan rapat; tidak ada perubahan.")
        if plan.skipped:
            messages.warning(
                request,
                f"{len(plan.skipped)} usulan di luar nomenklatur tidak menjadi baris Renja: "
                + ", ".join(skipped.number for skipped in plan.skipped[:20])
                + (" …" if len(plan.skipped) > 20 else ""),
            )
        return redirect("programs:workplan-detail", pk=work_plan.pk)

    context: dict[str, Any] = {"wp": work_plan}
    if not work_plan.is_locked:
        plan = work_plan_sync_preview(work_plan=work_plan)
        context.update(
            plan=plan,
            # A first sync with nothing to add still records that the Renja was checked against the meetings.
            can_apply=plan.has_changes or work_plan.synced_at is None,
            **_preview_rows(plan),
        )
    return render(request, "programs/workplan_sync.html", context)


@require_POST
@login_required
def workplan_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    work_plan = get_work_plan_for_user(request, pk, plan=True)
    try:
        work_plan = work_plan_finalise(work_plan=work_plan, user=request.user)
    except WorkPlanLocked as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{work_plan} difinalkan dan kini terkunci: sinkronisasi dan perubahan ditolak.")
    return redirect(reverse("programs:workplan-detail", args=[work_plan.pk]))
