from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from programs.models import (
    ExcelJob,
    FundingScheme,
    Indicator,
    IndicatorTarget,
    Nomenclature,
    Proposal,
    ProposalFunding,
)
from programs.services import proposal_next_number
from rakornis.admin_scope import (
    CompactInlineMixin,
    ReferenceModelAdmin,
    ScopedChoicesMixin,
    ScopedModelAdmin,
    SuperuserOnlyAdminMixin,
    rupiah_html,
)

# --- Reference data: the same for every staff member with view permission --------------------------------------


class NomenclatureAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        code, level = cleaned.get("code", ""), cleaned.get("level")
        if not code or not level:
            return cleaned
        expected = Nomenclature.level_for_code(code)
        if expected is None:
            self.add_error("code", "Bentuk kode salah: U.BB.PP.A.KK.SSSS (A = 1 provinsi, 2 kabupaten/kota).")
            return cleaned
        if expected != level:
            self.add_error("level", f"Kode ini berbentuk {Nomenclature.Level(expected).label.lower()}.")
        if cleaned.get("government_level", "") != Nomenclature.government_level_for_code(code):
            self.add_error(
                "government_level", "Pelaksana harus sama dengan digit A pada kode (kosong di atas kegiatan)."
            )
        parent, parent_code = cleaned.get("parent"), Nomenclature.parent_code(code)
        if (parent.code if parent else None) != parent_code:
            self.add_error(
                "parent", f"Induk kode ini adalah {parent_code}." if parent_code else "Urusan tidak berinduk."
            )
        return cleaned


@admin.register(Nomenclature)
class NomenclatureAdmin(ReferenceModelAdmin):
    form = NomenclatureAdminForm
    list_display = ["code", "name", "level", "government_level", "unit", "is_active"]
    list_filter = ["level", "government_level", "is_active"]
    search_fields = ["code", "name", "indicator"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]


@admin.register(FundingScheme)
class FundingSchemeAdmin(ReferenceModelAdmin):
    list_display = ["code", "name", "short_name", "budget", "order"]
    list_filter = ["budget"]
    search_fields = ["code", "name", "short_name"]
    ordering = ["order", "code"]


@admin.register(Indicator)
class IndicatorAdmin(ReferenceModelAdmin):
    list_display = ["code", "name", "unit", "sector"]
    list_filter = [("sector", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name"]
    autocomplete_fields = ["sector"]
    list_select_related = ["sector"]
    ordering = ["code"]


# --- Proposals ---------------------------------------------------------------------------------------------------


class ProposalAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        region, district, village = cleaned.get("region"), cleaned.get("district"), cleaned.get("village")
        if region and district and not region.contains(district.code):
            self.add_error("district", f"Kecamatan ini tidak berada di {region.name}.")
        if village and (district or region) and not (district or region).contains(village.code):
            self.add_error("village", f"Desa/kelurahan ini tidak berada di {(district or region).name}.")
        return cleaned


class ProposalFundingInline(CompactInlineMixin, ScopedChoicesMixin, admin.TabularInline):
    model = ProposalFunding
    fields = ["scheme", "amount"]
    autocomplete_fields = ["scheme"]
    extra = 1


@admin.register(Proposal)
class ProposalAdmin(ScopedModelAdmin):
    form = ProposalAdminForm
    inlines = [ProposalFundingInline]
    # The year is in the number (USL-2027-...); short headers and the kab/kota by name only (headers never wrap),
    # so the name column gets the room.
    list_display = ["number_nowrap", "name", "regency", "proposer", "status", "total_pagu"]
    list_display_links = ["number_nowrap", "name"]
    list_filter = [
        "fiscal_year",
        "status",
        "priority",
        "origin",
        "out_of_catalogue",
        ("region", admin.RelatedOnlyFieldListFilter),
        ("agency", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["number", "name", "location", "region__name", "agency__short_name", "sub_activity__code"]
    autocomplete_fields = ["region", "district", "village", "agency", "sub_activity", "carried_over_from"]
    list_select_related = ["region", "agency"]
    ordering = ["-fiscal_year", "number"]
    show_full_result_count = False
    readonly_fields = ["number", "total_pagu", "version", "created_by", "created_at", "updated_at"]
    fieldsets = [
        ("Identitas", {"fields": ["number", "fiscal_year", "status", "priority", "origin"]}),
        ("Lokasi", {"fields": ["region", "district", "village", "location", ("latitude", "longitude")]}),
        (
            "Pengusul dan nomenklatur",
            {"fields": ["agency", "sub_activity", "out_of_catalogue", "out_of_catalogue_reason"]},
        ),
        ("Keluaran", {"fields": ["name", ("volume", "unit"), "output_indicator", "total_pagu"]}),
        ("Prakiraan maju (n+1)", {"fields": [("forward_volume", "forward_amount")]}),
        ("Riwayat", {"fields": ["carried_over_from", "notes", "version", "created_by", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).with_funding_total()

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Status moves through the workflow (submit, verify, decide), each step audited; only a superuser corrects it.
        if not request.user.is_superuser:
            fields.append("status")
        return fields

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        carried = form.base_fields.get("carried_over_from")
        if obj is not None and carried is not None:
            # The database forbids a proposal carried over from itself; say so in the form instead of a 500.
            carried.queryset = carried.queryset.exclude(pk=obj.pk)
        return form

    def save_model(self, request: HttpRequest, obj: Proposal, form, change: bool) -> None:
        if not change:
            # Admin saves run in a transaction (ModelAdmin.changeform_view), so the region lock holds.
            obj.number = proposal_next_number(fiscal_year=obj.fiscal_year, region=obj.region)
            obj.created_by = request.user
        elif form.changed_data:
            obj.version += 1
        super().save_model(request, obj, form, change)

    @admin.display(description="nomor usulan", ordering="number")
    def number_nowrap(self, proposal: Proposal) -> str:
        return format_html('<span class="nowrap">{}</span>', proposal.number)

    @admin.display(description="kabupaten/kota", ordering="region__code")
    def regency(self, proposal: Proposal) -> str:
        return proposal.region.name

    @admin.display(description="pengusul", ordering="agency__short_name")
    def proposer(self, proposal: Proposal) -> str:
        return proposal.agency.short_name

    @admin.display(description="total pagu", ordering="total_amount")
    def total_pagu(self, proposal: Proposal) -> str:
        return rupiah_html(proposal.total_amount_value) if proposal.pk else "—"


@admin.register(ProposalFunding)
class ProposalFundingAdmin(ScopedModelAdmin):
    scope_through = "proposal"
    list_display = ["proposal", "proposal_region", "scheme", "amount_rupiah"]
    list_filter = ["scheme", "proposal__fiscal_year", ("proposal__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["proposal__number", "proposal__name"]
    autocomplete_fields = ["proposal", "scheme"]
    list_select_related = ["proposal__region", "scheme"]
    ordering = ["-proposal_id", "-scheme_id"]  # the (proposal, scheme) unique index, newest proposals first

    @admin.display(description="kabupaten/kota", ordering="proposal__region__code")
    def proposal_region(self, line: ProposalFunding) -> str:
        return line.proposal.region.name

    @admin.display(description="pagu", ordering="amount")
    def amount_rupiah(self, line: ProposalFunding) -> str:
        return rupiah_html(line.amount)


# --- Indicator targets, per region ------------------------------------------------------------------------------


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(ScopedModelAdmin):
    scope_through = "region"
    list_display = ["indicator", "region", "year", "baseline", "target", "realisation"]
    list_filter = ["year", ("indicator", admin.RelatedOnlyFieldListFilter), "region__level"]
    search_fields = ["indicator__code", "indicator__name", "region__code", "region__name"]
    autocomplete_fields = ["indicator", "region"]
    list_select_related = ["indicator", "region"]
    ordering = ["indicator__code", "region__code", "year"]


# --- Background Excel jobs: for the administrator who looks after the worker ----------------------------------------


@admin.register(ExcelJob)
class ExcelJobAdmin(SuperuserOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a job's file belongs to its owner and is downloaded through the owner-checked view."""

    list_display = ["pk", "kind", "user", "status", "rows_done", "rows_total", "created_at", "finished_at"]
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["user__username", "filename"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    fields = list_display[1:] + ["params", "filename", "summary", "error"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
