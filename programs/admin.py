from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect

from programs import workflow
from programs.models import (
    ExcelJob,
    FundingScheme,
    Indicator,
    IndicatorDenominator,
    IndicatorSource,
    IndicatorSubActivity,
    IndicatorTarget,
    Nomenclature,
    NomenclatureDecree,
    NomenclatureMapping,
    Notification,
    NotificationPreference,
    Proposal,
    ProposalCheck,
    ProposalCheckItem,
    ProposalComment,
    ProposalDocument,
    ProposalFunding,
    ProposalNumberCounter,
    ProposalSummary,
    ReadinessCriterion,
    document_kinds,
)
from programs.services import (
    ProposalConflict,
    proposal_conflict,
    proposal_create,
    proposal_delete_bulk,
    proposal_update,
    proposal_update_refusal,
)
from programs.workflow import Event, TransitionError
from rakornis import fiscal_year, policy
from rakornis.admin_scope import (
    ADMIN_NOTE,
    CompactInlineMixin,
    LockableAdminMixin,
    ReadOnlyAdminMixin,
    ReferenceModelAdmin,
    RupiahWhenReadOnlyMixin,
    ScopedChoicesMixin,
    ScopedModelAdmin,
    SuperuserOnlyAdminMixin,
    TypedNumbersMixin,
    lookup_column,
    rupiah_column,
    rupiah_html,
)
from rakornis.pagination import BoundedPaginator
from rakornis.policy import Action

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
    list_display = ["code", "name", "level", "government_level", "unit", "is_active", "retired_by"]
    list_filter = ["level", "government_level", "is_active"]
    list_select_related = ["retired_by"]
    search_fields = ["code", "name", "regency_name", "indicator"]
    autocomplete_fields = ["parent"]
    # Set by `load_reference_data --nomenclature FILE --decree ...`, not by hand.
    readonly_fields = ["decree", "retired_by"]
    ordering = ["code"]


@admin.register(NomenclatureDecree)
class NomenclatureDecreeAdmin(ReadOnlyAdminMixin, ReferenceModelAdmin):
    """The decrees complete lists were loaded from (`load_reference_data --nomenclature FILE --decree ...`)."""

    list_display = ["number", "date", "row_count", "retired_count", "source_file", "loaded_at"]
    search_fields = ["number"]
    ordering = ["-date"]


@admin.register(NomenclatureMapping)
class NomenclatureMappingAdmin(ReadOnlyAdminMixin, ReferenceModelAdmin):
    """Old -> new codes as a decree says (the `kode_lama` column or `--mapping FILE` of the load)."""

    list_display = ["old", "new", "decree"]
    list_filter = ["decree"]
    list_select_related = ["old", "new", "decree"]
    search_fields = ["old__code", "new__code", "new__name"]
    ordering = ["old__code"]


@admin.register(FundingScheme)
class FundingSchemeAdmin(ReferenceModelAdmin):
    list_display = ["code", "name", "short_name", "budget", "order"]
    list_filter = ["budget"]
    search_fields = ["code", "name", "short_name"]
    ordering = ["order", "code"]


class IndicatorSubActivityInline(CompactInlineMixin, admin.TabularInline):
    """The sub kegiatan that contribute to the indicator (the indicator's page lists them)."""

    model = IndicatorSubActivity
    extra = 0
    autocomplete_fields = ["sub_activity"]
    verbose_name_plural = "sub kegiatan pendukung"


@admin.register(Indicator)
class IndicatorAdmin(ReferenceModelAdmin):
    list_display = ["code", "name", "unit", "direction", "counting", "sector"]
    list_filter = [("sector", admin.RelatedOnlyFieldListFilter), "direction", "counting"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["sector"]
    list_select_related = ["sector"]
    ordering = ["code"]
    inlines = [IndicatorSubActivityInline]


@admin.register(IndicatorSubActivity)
class IndicatorSubActivityAdmin(ReferenceModelAdmin):
    list_display = ["indicator", "sub_activity"]
    list_filter = [("indicator", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["indicator__code", "sub_activity__code", "sub_activity__name"]
    autocomplete_fields = ["indicator", "sub_activity"]
    list_select_related = ["indicator", "sub_activity"]


@admin.register(IndicatorSource)
class IndicatorSourceAdmin(ReferenceModelAdmin):
    list_display = ["document", "number", "date"]
    search_fields = ["document", "number"]
    date_hierarchy = "date"


# --- Proposals ---------------------------------------------------------------------------------------------------


class ProposalAdminForm(forms.ModelForm):
    """Validates and normalises only; `ProposalAdmin.save_related` hands the result to the services."""

    # The version the form was opened at, sent back with the POST: the services refuse the save when someone
    # saved the proposal since (`ProposalConflict`). Only on the change form (`ProposalAdmin.get_fieldsets`).
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    user: Any = None  # the admin's request user, set by `ProposalAdmin.get_form`
    declared_documents = forms.TypedMultipleChoiceField(
        label="Data dukung dinyatakan ada",
        choices=ProposalDocument.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version if self.instance.pk else None

    def clean_declared_documents(self) -> list[str]:
        return document_kinds(self.cleaned_data.get("declared_documents"))

    def clean(self):
        cleaned = super().clean()
        region, district, village = cleaned.get("region"), cleaned.get("district"), cleaned.get("village")
        if region and district and not region.contains(district.code):
            self.add_error("district", f"Kecamatan ini tidak berada di {region.name}.")
        if village and (district or region) and not (district or region).contains(village.code):
            self.add_error("village", f"Desa/kelurahan ini tidak berada di {(district or region).name}.")
        agency = cleaned.get("agency")
        if (
            region
            and agency
            and agency.region
            and not (agency.region.contains(region.code) or region.contains(agency.region.code))
        ):
            self.add_error("agency", f"{agency} bekerja di {agency.region.name}, bukan di {region.name}.")
        action = Action.EDIT if self.instance.pk else Action.CREATE
        if region and self.user is not None and not policy.may(self.user, action, region.code):
            self.add_error("region", f"Peran Anda tidak mengizinkan mengisi usulan untuk {region.name}.")
        if self.instance.pk:
            # The services' own rules, said next to the fields so that what was typed is kept; they check again.
            if cleaned.get("loaded_version") != self.instance.version:
                raise forms.ValidationError(str(proposal_conflict(self.instance)))
            if refusal := proposal_update_refusal(proposal=self.instance, data=cleaned):
                raise forms.ValidationError(refusal)
        return cleaned


class ProposalFundingInline(
    RupiahWhenReadOnlyMixin, TypedNumbersMixin, CompactInlineMixin, ScopedChoicesMixin, admin.TabularInline
):
    """Read with the proposal and saved with it by the services; read-only whenever the proposal is."""

    model = ProposalFunding
    fields = ["scheme", "amount"]
    autocomplete_fields = ["scheme"]
    extra = 1


def _edit_refusal(proposal: Proposal) -> str:
    """The state machine's own words for why a proposal can no longer be edited."""
    try:
        workflow.check(Event.EDIT, proposal.status)
    except TransitionError as refusal:
        return str(refusal)
    return ""


def _funding_lines(formsets, proposal: Proposal) -> list[tuple[FundingScheme, Decimal]]:
    """The funding the admin's inline leaves: kept and edited rows plus new ones (the stored lines without it).

    `formset.save(commit=False)` writes nothing; it fills `new_objects`, `changed_objects` and `deleted_objects`,
    which the admin's change message (LogEntry) reads.
    """
    funding = next((formset for formset in formsets if formset.model is ProposalFunding), None)
    if funding is None:  # a staff member without the right to see funding lines: they stay as stored
        return [(line.scheme, line.amount) for line in proposal.funding_lines.all()] if proposal.pk else []
    funding.save(commit=False)
    kept = [form.instance for form in funding.initial_forms if form.instance not in funding.deleted_objects]
    return [(line.scheme, line.amount) for line in [*kept, *funding.new_objects]]


class _ChoiceListFilter(admin.SimpleListFilter):
    """A changelist filter whose choices come from a small table (the user's kabupaten/kota, agencies, the years
    around the planning year), not from `SELECT DISTINCT` over every proposal as Django's field filters read them."""

    field = ""

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(**{self.field: int(value)})
        except ValueError:
            return queryset.none()


class FiscalYearListFilter(_ChoiceListFilter):
    title = "tahun anggaran"
    parameter_name = field = "fiscal_year"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[Any, str]]:
        default = fiscal_year.default_year()
        return [(year, str(year)) for year in range(default + 2, default - 5, -1)]


class RegionListFilter(_ChoiceListFilter):
    title = "kabupaten/kota"
    parameter_name = field = "region_id"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[Any, str]]:
        return list(policy.regencies_for(request.user).order_by("code").values_list("pk", "name"))


class AgencyListFilter(_ChoiceListFilter):
    title = "perangkat daerah"
    parameter_name = field = "agency_id"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[Any, str]]:
        return list(policy.agencies_for(request.user).order_by("short_name").values_list("pk", "short_name"))


@admin.register(Proposal)
class ProposalAdmin(LockableAdminMixin, ScopedModelAdmin):
    """Proposals are created and changed here only through `programs.services` (number, funding lines, the audit
    entry, the state machine's and the numbering rules), as in the form and the import.

    `save_model` writes nothing and `save_related` calls the service, so `AuditedAdminMixin` does not audit
    proposals or their funding a second time (it still audits a deletion, which has no service). The status is
    read-only for everyone: it moves through the workflow (submit, verify, decide). A proposal that the state
    machine does not let anyone edit any more is read-only whole, funding included; a POST to it (a form opened
    before it was submitted) is answered with the reason and changes nothing.
    """

    form = ProposalAdminForm
    inlines = [ProposalFundingInline]
    # The year is in the number (USL-2027-...); short headers and the kab/kota by name only (headers never wrap),
    # so the name column gets the room.
    list_display = ["number_nowrap", "name", "regency", "proposer", "status", "total_pagu"]
    list_display_links = ["number_nowrap", "name"]
    list_filter = [
        FiscalYearListFilter,
        "status",
        "priority",
        "origin",
        "out_of_catalogue",
        RegionListFilter,
        AgencyListFilter,
    ]
    search_fields = ["number", "name", "location", "region__name", "agency__short_name", "sub_activity__code"]
    autocomplete_fields = ["region", "district", "village", "agency", "sub_activity"]
    list_select_related = ["region", "agency"]
    ordering = ["-fiscal_year", "number"]
    # At 500,000 proposals neither count may read them all: no second, unfiltered count, and the page's count
    # stops at 10,001 (rakornis.pagination), as on the proposal list.
    show_full_result_count = False
    paginator = BoundedPaginator
    # Status: the workflow's; carried over from: the carry-over service's; the rest: the services' bookkeeping.
    readonly_fields = [
        "number",
        "status",
        "total_pagu",
        "carried_over_from",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        ("Identitas", {"fields": ["number", "fiscal_year", "status", "priority", "origin"]}),
        ("Lokasi", {"fields": ["region", "district", "village", "location", ("latitude", "longitude")]}),
        (
            "Pengusul dan nomenklatur",
            {"fields": ["agency", "sub_activity", "out_of_catalogue", "out_of_catalogue_reason"]},
        ),
        ("Keluaran", {"fields": ["name", ("volume", "unit"), "output_indicator", "total_pagu"]}),
        ("Prakiraan maju (n+1)", {"fields": [("forward_volume", "forward_amount")]}),
        ("Data dukung", {"fields": ["declared_documents"]}),
        ("Riwayat", {"fields": ["carried_over_from", "notes", "version", "created_by", "created_at", "updated_at"]}),
    ]

    def is_locked(self, obj: models.Model | None) -> bool:
        return isinstance(obj, Proposal) and not workflow.allows(Event.EDIT, obj.status)

    def locked_reason(self, obj: models.Model) -> str:
        return _edit_refusal(obj) if isinstance(obj, Proposal) else ""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and policy.may_anywhere(request.user, Action.CREATE)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or policy.may(request.user, Action.EDIT, obj.region.code))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or policy.may(request.user, Action.EDIT, obj.region.code))

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "loaded_version"]}), *rest]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = cast(type[ProposalAdminForm], super().get_form(request, obj, change=change, **kwargs))
        form.user = request.user  # a class of its own, made for this request by modelform_factory
        return form

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            proposal = self.get_object(request, unquote(object_id))
            if proposal is not None and self.has_view_permission(request, proposal) and self.is_locked(proposal):
                return self._refuse(request, _edit_refusal(proposal))
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ProposalConflict, TransitionError) as refusal:
            # Raised by the service inside the admin's transaction, which has rolled back; nothing was written.
            return self._refuse(request, str(refusal))

    def _refuse(self, request: HttpRequest, message: str) -> HttpResponseRedirect:
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.path)

    def save_model(self, request: HttpRequest, obj: models.Model, form, change: bool) -> None:
        """Nothing: `save_related` saves the proposal with its funding lines in one service call."""

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        """Through the service, which audits the deletion and refreshes the proposal summary."""
        proposal_delete_bulk(proposals=[cast(Proposal, obj)], user=request.user, note=ADMIN_NOTE)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        proposal_delete_bulk(proposals=list(queryset), user=request.user, note=ADMIN_NOTE)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        proposal: Proposal = form.instance
        data = {name: form.cleaned_data[name] for name in Proposal.EDITABLE_FIELDS if name in form.cleaned_data}
        funding = _funding_lines(formsets, proposal)
        if change:
            # A POST without the version it was opened at (forged) is refused as a conflict: versions start at 1.
            version = form.cleaned_data.get("loaded_version") or 0
            saved = proposal_update(
                proposal=proposal, user=request.user, data=data, funding=funding, version=version, note=ADMIN_NOTE
            )
        else:
            saved = proposal_create(user=request.user, data=data, funding=funding, note=ADMIN_NOTE)
        # The admin's redirect, its LogEntry and its change message read the object it holds.
        for field in Proposal._meta.concrete_fields:
            setattr(proposal, field.attname, getattr(saved, field.attname))
        proposal._state.adding = False

    number_nowrap = lookup_column("number", "nomor usulan", nowrap=True)
    regency = lookup_column("region__name", "kabupaten/kota", ordering="region__code")
    proposer = lookup_column("agency__short_name", "pengusul")

    @admin.display(description="total pagu", ordering="total_amount")
    def total_pagu(self, proposal: Proposal) -> str:
        return rupiah_html(proposal.total_amount_value) if proposal.pk else "—"


@admin.register(ProposalFunding)
class ProposalFundingAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: the lines are written with their proposal by the services (on the proposal's page here)."""

    scope_through = "proposal"
    fields = ["proposal", "scheme", "amount"]
    list_display = ["proposal", "proposal_region", "scheme", "amount_rupiah"]
    list_filter = ["scheme", "proposal__fiscal_year", ("proposal__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["proposal__number", "proposal__name"]
    list_select_related = ["proposal__region", "scheme"]
    ordering = ["-proposal_id", "-scheme_id"]  # the (proposal, scheme) unique index, newest proposals first
    proposal_region = lookup_column("proposal__region__name", "kabupaten/kota", ordering="proposal__region__code")
    amount_rupiah = rupiah_column("amount", "pagu")


@admin.register(ProposalNumberCounter)
class ProposalNumberCounterAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: the last number given per fiscal year and kabupaten/kota; the services take numbers from it."""

    scope_through = "region"
    list_display = ["fiscal_year", "region", "last_number"]
    list_filter = ["fiscal_year"]
    list_select_related = ["region"]
    ordering = ["-fiscal_year", "region__code"]


# --- Supporting documents and the readiness checklist (issue 10) ---------------------------------------------------


@admin.register(ReadinessCriterion)
class ReadinessCriterionAdmin(ReferenceModelAdmin):
    """The verifier's checklist: untick "aktif" to stop asking a criterion (the checks that recorded it keep it)."""

    list_display = ["name", "active", "order"]
    list_editable = ["active", "order"]
    list_filter = ["active"]
    search_fields = ["name"]
    ordering = ["order", "pk"]


@admin.register(ProposalDocument)
class ProposalDocumentAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only and without the file: documents are attached on the proposal's page and downloaded there, through
    the access policy (the storage has no public address)."""

    scope_through = "proposal"
    fields = ["proposal", "kind", "description", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_display = ["proposal", "kind", "original_name", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["proposal__number", "original_name"]
    list_select_related = ["proposal", "uploaded_by"]
    readonly_fields = ["uploaded_at"]
    ordering = ["-uploaded_at", "-pk"]


class ProposalCheckItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProposalCheckItem
    fields = ["criterion", "met"]
    extra = 0


@admin.register(ProposalCheck)
class ProposalCheckAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: written by the verification page with the status change."""

    scope_through = "proposal"
    fields = ["proposal", "outcome", "note", "checked_by", "checked_at"]
    list_display = ["proposal", "outcome", "checked_by", "checked_at"]
    list_filter = ["outcome"]
    search_fields = ["proposal__number"]
    list_select_related = ["proposal", "checked_by"]
    ordering = ["-checked_at", "-pk"]
    inlines = [ProposalCheckItemInline]


@admin.register(ProposalCheckItem)
class ProposalCheckItemAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    scope_through = "proposal_check__proposal"
    list_display = ["proposal_check", "criterion", "met"]
    list_filter = ["met", "criterion"]
    list_select_related = ["proposal_check", "criterion"]


# --- Derived totals, the discussion thread and notifications: all written by services ---------------------------


@admin.register(ProposalSummary)
class ProposalSummaryAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: derived rows, written by `programs.summary` with every proposal write and checked by
    `manage.py summary_check`; an edit here would make the home page and the recap disagree with the proposals."""

    list_display = [
        "fiscal_year",
        "region",
        "agency",
        "status",
        "scheme_name",
        "proposal_count",
        "proposed",
        "agreed_count",
        "agreed",
    ]
    list_filter = [FiscalYearListFilter, "status", RegionListFilter, AgencyListFilter]
    search_fields = ["region__name", "agency__short_name", "scheme__code"]
    list_select_related = ["region", "agency", "scheme"]
    ordering = ["-fiscal_year", "region__code", "agency__short_name", "status", "scheme__order"]
    scheme_name = lookup_column("scheme__short_name", "skema", ordering="scheme__order")
    proposed = rupiah_column("proposed_amount", "pagu usulan")
    agreed = rupiah_column("agreed_amount", "pagu disepakati")


@admin.register(ProposalComment)
class ProposalCommentAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: comments are written on the proposal's page (`rakornis.policy.may_comment` decides who may)."""

    scope_through = "proposal"
    fields = ["proposal", "author", "text", "created_at"]
    readonly_fields = ["created_at"]
    list_display = ["proposal_number", "author", "text", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["proposal__number", "text"]
    list_select_related = ["proposal", "author"]
    ordering = ["-created_at", "-pk"]
    proposal_number = lookup_column("proposal__number", "nomor usulan", nowrap=True)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: written by `programs.notifications.notify`. Scoped by `Notification.objects.for_user`: staff see
    their own notifications, those who see every region see all."""

    fields = ["recipient", "kind", "proposal", "meeting", "actor", "count", "text", "created_at", "read_at"]
    readonly_fields = ["created_at"]
    list_display = ["recipient", "kind", "proposal_number", "count", "created_at", "read_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["recipient__username", "proposal__number", "text"]
    list_select_related = ["recipient", "proposal"]
    ordering = ["-created_at", "-pk"]
    proposal_number = lookup_column("proposal__number", "nomor usulan", nowrap=True)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdminMixin, SuperuserOnlyAdminMixin, admin.ModelAdmin):
    """A user's own settings, set on their notifications page: like accounts and roles, only administrators see
    them here, and nobody changes them on the user's behalf."""

    list_display = ["user", "kind", "in_app", "email"]
    list_filter = ["kind", "in_app", "email"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    ordering = ["user__username", "kind"]


# --- Indicator targets, per region ------------------------------------------------------------------------------


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(ScopedModelAdmin):
    scope_through = "region"
    list_display = ["indicator", "region", "year", "baseline", "target", "realisation"]
    list_filter = ["year", ("indicator", admin.RelatedOnlyFieldListFilter), "region__level"]
    search_fields = ["indicator__code", "indicator__name", "region__code", "region__name"]
    autocomplete_fields = ["indicator", "region", "baseline_source", "target_source", "realisation_source"]
    list_select_related = ["indicator", "region"]
    ordering = ["indicator__code", "region__code", "year"]


@admin.register(IndicatorDenominator)
class IndicatorDenominatorAdmin(ScopedModelAdmin):
    scope_through = "region"
    list_display = ["indicator", "region", "value", "label", "source"]
    list_filter = [("indicator", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["indicator__code", "region__code", "region__name", "label"]
    autocomplete_fields = ["indicator", "region", "source"]
    list_select_related = ["indicator", "region", "source"]


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
