from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Q
from django.http import HttpRequest

from meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionFunding,
    Desk,
    DeskIndicatorAgreement,
    Meeting,
    MeetingBasis,
    MeetingDecisionSummary,
)
from programs.summary import ids_of_meeting, summary_apply, summary_snapshot
from rakornis.admin_scope import (
    BoundedInlineMixin,
    CompactInlineMixin,
    FundingTotalMixin,
    LockableAdminMixin,
    ReadOnlyAdminMixin,
    RupiahWhenReadOnlyMixin,
    ScopedAdminMixin,
    ScopedChoicesMixin,
    ScopedModelAdmin,
    TypedNumbersMixin,
    lookup_column,
    rupiah_column,
    scope_queryset,
)
from rakornis.subqueries import count_subquery


class MeetingLockMixin(LockableAdminMixin):
    """A closed meeting (minutes signed) is read-only for everyone, superusers included, with all under it:
    desks, attendance, agenda and decisions (`LockableAdminMixin` says why)."""

    unlocked_choices = {Meeting: Q(closed_at__isnull=True)}

    def is_locked(self, obj) -> bool:
        if isinstance(obj, DecisionFunding):
            obj = obj.decision
        if isinstance(obj, Desk | Attendance | AgendaItem | Decision):
            obj = obj.meeting
        return isinstance(obj, Meeting) and obj.is_closed

    def locked_reason(self, obj) -> str:
        return "Rapat ini sudah ditutup: data rapat, daftar hadir, desk dan kesepakatannya hanya dapat dilihat."


class DeskOfMeetingForm(forms.ModelForm):
    """A desk must belong to the meeting of the row (attendance)."""

    def clean(self):
        cleaned = super().clean()
        desk = cleaned.get("desk")
        meeting = cleaned.get("meeting") or (self.instance.meeting if self.instance.meeting_id else None)
        if desk is not None and meeting is not None and desk.meeting_id != meeting.pk:
            self.add_error("desk", f"Desk ini bukan bagian dari rapat {meeting}.")
        return cleaned


class MeetingInlineMixin(MeetingLockMixin, ScopedChoicesMixin):
    extra = 0

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        desk = formset.form.base_fields.get("desk")
        if desk is not None:
            # Only this meeting's desks; a new meeting has none until it is saved. The choices are read once
            # here, not once per row (a Rakornis has dozens of attendees).
            desk.queryset = Desk.objects.filter(meeting=obj) if obj is not None else Desk.objects.none()
            desk.choices = [("", "—"), *((d.pk, str(d)) for d in desk.queryset)]
            getattr(desk.widget, "widget", desk.widget).choices = desk.choices
        return formset


class DeskInline(CompactInlineMixin, MeetingInlineMixin, admin.TabularInline):
    model = Desk
    fields = ["name", "sector"]
    autocomplete_fields = ["sector"]


class AttendanceInline(CompactInlineMixin, MeetingInlineMixin, admin.TabularInline):
    model = Attendance
    form = DeskOfMeetingForm
    fields = ["order", "name", "position", "agency", "capacity", "represents", "desk"]
    autocomplete_fields = ["agency"]
    # Narrower text boxes, so the whole attendance row fits a laptop screen.
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 22})}}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("agency", "desk")


class ProposalColumnsMixin:
    """Number, name and kabupaten/kota of the row's proposal: the columns of the agenda and of the decisions."""

    proposal_number = lookup_column("proposal__number", "nomor usulan", nowrap=True)
    proposal_name = lookup_column("proposal__name", "nama usulan")
    region = lookup_column("proposal__region__name", "kabupaten/kota", ordering="proposal__region__code")


class DecisionInline(
    BoundedInlineMixin,
    ProposalColumnsMixin,
    FundingTotalMixin,
    ReadOnlyAdminMixin,
    MeetingInlineMixin,
    ScopedAdminMixin,
    admin.TabularInline,
):
    """The meeting's decisions, read-only, each linked to its own (read-only) page with its funding lines.

    Decisions are recorded and corrected on the meeting pages only (`meetings.services.decision_record`, which moves
    the proposal's status). Scoped itself: a kabupaten operator sees a provincial meeting, but only the decisions
    on its own proposals. Bounded (`BoundedInlineMixin`): the newest 50, read from the primary key index as the
    decisions' changelist reads them, then the count and a link to that changelist filtered by the meeting.
    """

    model = Decision
    parent_lookup = "meeting__id__exact"
    ordering = ["-pk"]
    fields = ["proposal", "region", "desk", "outcome", "agreed_volume", "total", "reason"]
    readonly_fields = fields
    show_change_link = True
    funding_lines = (DecisionFunding, "decision")
    total = rupiah_column("total_amount", "pagu disepakati")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("proposal__region", "desk")


class ClosedFilter(admin.SimpleListFilter):
    title = "status rapat"
    parameter_name = "ditutup"

    def lookups(self, request, model_admin):
        return [("tidak", "Masih terbuka"), ("ya", "Sudah ditutup")]

    def queryset(self, request, queryset):
        if self.value() == "tidak":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "ya":
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(Meeting)
class MeetingAdmin(MeetingLockMixin, ScopedModelAdmin):
    inlines = [DeskInline, AttendanceInline, DecisionInline]
    list_display = [
        "title",
        "kind",
        "organiser",
        "starts_at",
        "city",
        "fiscal_year",
        "attendance_count",
        "decision_count",
        "is_closed",
    ]
    list_filter = ["kind", "fiscal_year", ClosedFilter, ("organiser", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "venue", "city", "organiser__short_name", "organiser__name"]
    autocomplete_fields = ["organiser"]
    list_select_related = ["organiser"]
    ordering = ["-starts_at"]
    date_hierarchy = "starts_at"
    readonly_fields = ["closed_at", "closed_by"]
    fieldsets = [
        (None, {"fields": ["kind", "title", "organiser", "fiscal_year"]}),
        ("Waktu dan tempat", {"fields": [("starts_at", "ends_at"), "venue", "city"]}),
        ("Maksud dan tujuan", {"fields": ["purpose"]}),
        ("Penutupan", {"fields": ["closed_at", "closed_by"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        # Counts of what the user may see: decisions on another kabupaten's proposals are not counted for them.
        return (
            super()
            .get_queryset(request)
            .annotate(
                attendance_total=count_subquery(Attendance.objects.all(), "meeting"),
                decision_total=count_subquery(scope_queryset(Decision.objects.all(), request.user), "meeting"),
            )
        )

    def save_model(self, request: HttpRequest, obj: Meeting, form, change: bool) -> None:
        # The latest meeting of a year decides which decision counts: the proposal summary follows.
        moved = change and bool({"starts_at", "fiscal_year"} & set(form.changed_data))
        decided = ids_of_meeting(obj) if moved else []
        before = summary_snapshot(decided)
        super().save_model(request, obj, form, change)
        summary_apply(before, summary_snapshot(decided))

    attendance_count = lookup_column("attendance_total", "hadir")
    decision_count = lookup_column("decision_total", "kesepakatan")

    @admin.display(description="ditutup", boolean=True, ordering="closed_at")
    def is_closed(self, meeting: Meeting) -> bool:
        return meeting.is_closed


class DeskIndicatorAgreementInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What the desk agreed, read only: the secretariat records it on the desk's page (audited, locked on closing)."""

    model = DeskIndicatorAgreement
    fields = ["indicator", "sub_activity", "agreed_by", "agreed_at"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[DeskIndicatorAgreement]:
        return super().get_queryset(request).select_related("indicator", "sub_activity", "agreed_by")


@admin.register(Desk)
class DeskAdmin(MeetingLockMixin, ScopedModelAdmin):
    scope_through = "meeting"
    list_display = ["name", "meeting", "sector"]
    list_filter = [("meeting", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "meeting__title"]
    autocomplete_fields = ["meeting", "sector"]
    list_select_related = ["meeting", "sector"]
    ordering = ["meeting", "name"]
    inlines = [DeskIndicatorAgreementInline]


@admin.register(DeskIndicatorAgreement)
class DeskIndicatorAgreementAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: recorded on the desk's page by the meeting's secretariat (`meetings.services.desks`, audited and
    frozen when the meeting closes)."""

    scope_through = "desk__meeting"
    fields = ["desk", "indicator", "sub_activity", "agreed_by", "agreed_at"]
    readonly_fields = ["agreed_at"]
    list_display = ["indicator", "sub_activity", "desk", "meeting", "agreed_by", "agreed_at"]
    list_filter = [("desk__meeting", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["indicator__code", "indicator__name", "sub_activity__code", "desk__name", "desk__meeting__title"]
    list_select_related = ["indicator", "sub_activity", "desk__meeting", "agreed_by"]
    ordering = ["-desk__meeting__starts_at", "desk__name", "indicator__code", "sub_activity__code"]
    meeting = lookup_column("desk__meeting", "rapat", ordering="desk__meeting__starts_at")


@admin.register(MeetingBasis)
class MeetingBasisAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: the bases ("Dasar") are written with the meeting on its page, in the Berita Acara's order."""

    scope_through = "meeting"
    fields = ["meeting", "order", "text"]
    list_display = ["text", "meeting", "order"]
    list_filter = [("meeting", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "meeting__title"]
    list_select_related = ["meeting"]
    ordering = ["-meeting__starts_at", "order", "pk"]


@admin.register(Attendance)
class AttendanceAdmin(MeetingLockMixin, ScopedModelAdmin):
    scope_through = "meeting"
    form = DeskOfMeetingForm
    list_display = ["name", "position", "agency", "capacity", "represents", "meeting"]
    list_filter = ["capacity", ("meeting", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "position", "represents", "agency__short_name", "meeting__title"]
    autocomplete_fields = ["meeting", "desk", "agency"]
    list_select_related = ["agency", "meeting"]
    ordering = ["meeting", "order", "pk"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ProposalColumnsMixin, ReadOnlyAdminMixin, MeetingLockMixin, ScopedModelAdmin):
    list_display = ["proposal_number", "proposal_name", "region", "meeting", "added_by", "added_at"]
    list_filter = [
        ("meeting", admin.RelatedOnlyFieldListFilter),
        ("proposal__region", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["proposal__number", "proposal__name", "meeting__title"]
    list_select_related = ["proposal__region", "meeting", "added_by"]
    ordering = ["meeting", "proposal__region__code", "proposal__number"]
    readonly_fields = ["added_by", "added_at"]
    # Read-only: proposals go on and off the agenda on the meeting page (meetings.services.agenda_add and
    # agenda_remove), which check that they are verified, of the meeting's year and province, not yet decided,
    # and audit it.


class DecisionFundingInline(
    RupiahWhenReadOnlyMixin, TypedNumbersMixin, ReadOnlyAdminMixin, ScopedChoicesMixin, admin.TabularInline
):
    model = DecisionFunding
    fields = ["scheme", "amount"]
    extra = 0


@admin.register(Decision)
class DecisionAdmin(ProposalColumnsMixin, FundingTotalMixin, ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only for everyone: a decision is recorded and corrected on the meeting's pages through
    `meetings.services.decision_record`, which checks the meeting is open and moves the proposal to the status of
    the outcome in the same transaction. An edit here would change the outcome and leave the status behind."""

    inlines = [DecisionFundingInline]
    # The meeting's long title last, so the outcome and the amount stay in view on a laptop screen.
    list_display = ["proposal_number", "proposal_name", "region", "outcome", "total", "executing_agency", "meeting"]
    list_filter = [
        "outcome",
        "proposal__fiscal_year",
        ("meeting", admin.RelatedOnlyFieldListFilter),
        ("proposal__region", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["proposal__number", "proposal__name", "meeting__title"]
    list_select_related = ["proposal__region", "meeting", "executing_agency"]
    # Newest first, answered by the primary key index even with a million proposals (sorting every decision by
    # meeting and number took half a second at 65,000); the column headers sort by meeting or number.
    ordering = ["-pk"]
    date_hierarchy = "decided_at"
    readonly_fields = ["total"]
    funding_lines = (DecisionFunding, "decision")
    total = rupiah_column("total_amount", "pagu disepakati")


@admin.register(DecisionFunding)
class DecisionFundingAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: the lines belong to a decision, written with it by `meetings.services.decision_record`."""

    scope_through = "decision"
    fields = ["decision", "scheme", "amount"]
    list_display = ["decision", "meeting", "scheme", "amount_rupiah"]
    list_filter = ["scheme", ("decision__meeting", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["decision__proposal__number", "decision__proposal__name", "decision__meeting__title"]
    list_select_related = ["decision__proposal", "decision__meeting", "scheme"]
    ordering = ["-decision_id", "-scheme_id"]  # the (decision, scheme) unique index, newest decisions first
    meeting = lookup_column("decision__meeting", "rapat")
    amount_rupiah = rupiah_column("amount", "pagu disepakati")


@admin.register(MeetingDecisionSummary)
class MeetingDecisionSummaryAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Read-only: derived rows, written by `meetings.summary` with every write of decisions and checked by
    `manage.py summary_check`; an edit here would make the meeting page and the Berita Acara disagree with the
    decisions. Scoped by the kabupaten/kota of the row, as the decisions are."""

    list_display = ["meeting", "region", "outcome", "desk", "origin", "scheme_name", "decision_count", "total"]
    list_filter = ["outcome", "origin", ("meeting", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["meeting__title", "region__name", "desk__name", "scheme__code"]
    list_select_related = ["meeting", "region", "desk", "scheme"]
    ordering = ["-meeting__starts_at", "region__code", "outcome", "desk__name", "origin", "scheme__order"]
    scheme_name = lookup_column("scheme__short_name", "skema", ordering="scheme__order")
    total = rupiah_column("amount", "pagu")
