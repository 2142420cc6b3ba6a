from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from agencies.models import Agency, Region, StaffRole
from rakornis.admin_scope import AuditedAdminMixin, CompactInlineMixin, ScopedModelAdmin, SuperuserOnlyAdminMixin

User = get_user_model()


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent"]
    list_filter = ["level", "kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    ordering = ["code"]
    # Tens of thousands of villages: counting all of them on every page is wasted work.
    show_full_result_count = False


@admin.register(Agency)
class AgencyAdmin(ScopedModelAdmin):
    list_display = ["short_name", "name", "level", "region", "is_active"]
    list_filter = ["level", "is_active", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["short_name", "name", "region__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    ordering = ["short_name"]


@admin.register(StaffRole)
class StaffRoleAdmin(SuperuserOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "agency", "agency_region", "is_active"]
    list_filter = ["role", "is_active", "agency__level", ("agency", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__short_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency__region"]
    ordering = ["user__username", "agency__short_name"]

    @admin.display(description="wilayah kerja", ordering="agency__region__code")
    def agency_region(self, role: StaffRole) -> str:
        return str(role.agency.region) if role.agency.region else "—"


class StaffRoleInline(CompactInlineMixin, admin.TabularInline):
    model = StaffRole
    fields = ["agency", "role", "is_active"]
    autocomplete_fields = ["agency"]
    extra = 0


# Accounts: only superusers manage users, groups and roles, so no staff member can widen their own scope.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class RakornisUserAdmin(SuperuserOnlyAdminMixin, AuditedAdminMixin, UserAdmin):
    inlines = [StaffRoleInline]
    list_display = ["username", "first_name", "last_name", "email", "roles", "is_staff", "is_superuser", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "staff_roles__role", "groups"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("staff_roles__agency")

    @admin.display(description="peran")
    def roles(self, user) -> str:
        roles = [
            f"{role.get_role_display()} {role.agency}" + ("" if role.is_active else " (nonaktif)")
            for role in user.staff_roles.all()
        ]
        return "; ".join(roles) or "—"


@admin.register(Group)
class RakornisGroupAdmin(SuperuserOnlyAdminMixin, GroupAdmin):
    pass
