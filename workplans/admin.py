"""Admin of the Renja PD (work plans, their lines and funding lines; the models live in `programs`), with the
action that syncs the selected Renja from the meetings' agreements (`workplans.services.work_plan_sync`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest

from programs.models import WorkPlan, WorkPlanItem, WorkPlanItemFunding
from rakornis.admin_scope import (
    BoundedInlineMixin,
    CompactInlineMixin,
    FundingTotalMixin,
    LockableAdminMixin,
    RupiahWhenReadOnlyMixin,
    ScopedChoicesMixin,
    ScopedModelAdmin,
    lookup_column,
    rupiah_column,
)
from rakornis.formatting import format_rupiah
from rakornis.subqueries import count_subquery
from workplans.services import WorkPlanLocked, work_plan_sync

# --- Sync action ------------------------------------------------------------------------------------------------------


@admin.action(description="Sinkronkan dari kesepakatan rapat", permissions=["change"])
def sync_work_plans_action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset) -> None:
    """Sync each selected Renja in its own transaction: a final one is reported and does not stop the others."""
    for work_plan in queryset.select_related("agency").order_by("-fiscal_year", "agency__short_name"):
        try:
            plan = work_plan_sync(work_plan=work_plan, user=request.user)
        except WorkPlanLocked as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
            continue
        if plan.has_changes:
            modeladmin.message_user(
                request,
                f"{work_plan}: {plan.summary()}; total pagu {format_rupiah(plan.total_after)}.",
                messages.SUCCESS,
            )
        else:
            modeladmin.message_user(request, f"{work_plan} sudah sesuai kesepakatan rapat; tidak ada perubahan.")
        if plan.skipped:
            numbers = ", ".join(skipped.number for skipped in plan.skipped[:20])
            more = f" dan {len(plan.skipped) - 20} lainnya" if len(plan.skipped) > 20 else ""
            modeladmin.message_user(
                request,
                f"{work_plan}: {len(plan.skipped)} usulan di luar nomenklatur dilewati "
                f"(tanpa sub kegiatan): {numbers}{more}.",
                messages.WARNING,
            )


# --- Renja PD -------------------------------------------------------------------------------------------------------


class WorkPlanLockMixin(LockableAdminMixin):
    """A final Renja is locked: read-only for everyone, superusers included (`LockableAdminMixin` says why)."""

    unlocked_choices = {
        WorkPlan: Q(status=WorkPlan.Status.DRAFT),
        WorkPlanItem: Q(work_plan__status=WorkPlan.Status.DRAFT),
    }

    def is_locked(self, obj) -> bool:
        if isinstance(obj, WorkPlanItemFunding):
            obj = obj.item
        if isinstance(obj, WorkPlanItem):
            obj = obj.work_plan
        return isinstance(obj, WorkPlan) and obj.is_locked

    def locked_reason(self, obj) -> str:
        return "Renja ini sudah final dan terkunci: barisnya hanya dapat dilihat."


class WorkPlanItemInline(
    BoundedInlineMixin,
    FundingTotalMixin,
    CompactInlineMixin,
    WorkPlanLockMixin,
    ScopedChoicesMixin,
    admin.TabularInline,
):
    """Rows come from the Renja sync, which overwrites them on its next run; only the planner's notes are edited.
    Bounded (`BoundedInlineMixin`): the first 50 lines in code order, then the count and a link to the Renja lines'
    changelist filtered by this Renja, where every line's notes can be opened."""

    model = WorkPlanItem
    parent_lookup = "work_plan__id__exact"
    fields = ["sub_activity", "region", "target", "total_pagu", "forward_target", "forward_pagu", "notes"]
    readonly_fields = ["sub_activity", "region", "target", "total_pagu", "forward_target", "forward_pagu"]
    extra = 0
    show_change_link = True
    funding_lines = (WorkPlanItemFunding, "item")
    total_pagu = rupiah_column("total_amount", "pagu")
    forward_pagu = rupiah_column("forward_amount", "prakiraan maju pagu")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("sub_activity", "region")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WorkPlan)
class WorkPlanAdmin(FundingTotalMixin, WorkPlanLockMixin, ScopedModelAdmin):
    inlines = [WorkPlanItemInline]
    list_display = ["__str__", "agency", "fiscal_year", "status", "item_count", "total_pagu", "finalised_at"]
    list_filter = ["fiscal_year", "status", "agency__level", ("agency", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["agency__short_name", "agency__name"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]
    ordering = ["-fiscal_year", "agency__short_name"]
    readonly_fields = ["synced_at", "item_count", "total_pagu"]
    actions = [sync_work_plans_action]
    funding_lines = (WorkPlanItemFunding, "item__work_plan")
    item_count = lookup_column("item_total", "jumlah baris")
    total_pagu = rupiah_column("total_amount", "total pagu")

    def get_queryset(self, request: HttpRequest):
        items = count_subquery(WorkPlanItem.objects.all(), "work_plan")
        return super().get_queryset(request).annotate(item_total=items)


class WorkPlanItemFundingInline(
    RupiahWhenReadOnlyMixin, CompactInlineMixin, WorkPlanLockMixin, ScopedChoicesMixin, admin.TabularInline
):
    """Amounts come from the decisions through the Renja sync; editing them here would be undone by the next sync."""

    model = WorkPlanItemFunding
    fields = ["scheme", "amount"]
    readonly_fields = ["scheme", "amount"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WorkPlanItem)
class WorkPlanItemAdmin(FundingTotalMixin, WorkPlanLockMixin, ScopedModelAdmin):
    scope_through = "work_plan"
    inlines = [WorkPlanItemFundingInline]
    list_display = ["sub_activity_code", "sub_activity_name", "region", "work_plan", "target", "total_pagu"]
    list_filter = [
        "work_plan__fiscal_year",
        ("work_plan__agency", admin.RelatedOnlyFieldListFilter),
        ("region", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["sub_activity__code", "sub_activity__name", "region__name", "work_plan__agency__short_name"]
    autocomplete_fields = ["work_plan", "sub_activity", "region", "source_proposals"]
    list_select_related = ["work_plan__agency", "sub_activity", "region"]
    ordering = ["work_plan", "sub_activity__code", "region__code"]
    # Everything but the notes is written by the Renja sync.
    readonly_fields = [
        "work_plan",
        "sub_activity",
        "region",
        "location",
        "target",
        "forward_target",
        "forward_amount",
        "source_proposals",
        "total_pagu",
    ]

    funding_lines = (WorkPlanItemFunding, "item")
    sub_activity_code = lookup_column("sub_activity__code", "kode")
    sub_activity_name = lookup_column("sub_activity__name", "sub kegiatan")
    total_pagu = rupiah_column("total_amount", "pagu")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(WorkPlanItemFunding)
class WorkPlanItemFundingAdmin(WorkPlanLockMixin, ScopedModelAdmin):
    scope_through = "item__work_plan"
    list_display = ["item", "work_plan", "scheme", "amount_rupiah"]
    list_filter = ["scheme", "item__work_plan__fiscal_year"]
    search_fields = ["item__sub_activity__code", "item__sub_activity__name", "item__region__name"]
    autocomplete_fields = ["item", "scheme"]
    list_select_related = ["item__sub_activity", "item__region", "item__work_plan__agency", "scheme"]
    ordering = ["item__work_plan", "item__sub_activity__code", "scheme__order"]
    readonly_fields = ["item", "scheme", "amount"]  # written by the Renja sync
    work_plan = lookup_column("item__work_plan", "Renja")
    amount_rupiah = rupiah_column("amount", "pagu")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
