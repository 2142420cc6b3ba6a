"""Meeting pages: list, create, edit, detail with attendance, agenda and decisions, closing, Berita Acara.

Access: a meeting outside the user's scope is a 404 (`Meeting.objects.for_user`); every change needs the
secretariat role (403 otherwise); decisions shown are those of the user's scope (`Decision.objects.for_user`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from agencies.models import Region, StaffRole, has_role
from meetings.forms import AgendaFilterForm, AttendanceForm, DecisionForm, MeetingForm
from meetings.models import AgendaItem, Attendance, Decision, DecisionFunding, Meeting
from meetings.services import (
    MeetingError,
    agenda_add,
    agenda_remove,
    attendance_add,
    attendance_delete,
    decision_record,
    decision_refusal,
    meeting_close,
    meeting_create,
    meeting_update,
)
from programs.excel_views import xlsx_response
from programs.models import FundingScheme, Proposal, ProposalFunding
from programs.xlsx.exporters import meeting_annex_workbook
from rakornis.terbilang import date_in_words

MANAGER_ROLES = (StaffRole.Role.SECRETARY,)
# Provincial roles that may read the Berita Acara; kabupaten/kota operators may not.
MINUTES_ROLES = (StaffRole.Role.SECRETARY, StaffRole.Role.PLANNER, StaffRole.Role.VERIFIER, StaffRole.Role.VIEWER)


def can_manage_meetings(user) -> bool:
    return has_role(user, *MANAGER_ROLES)


def can_read_minutes(user) -> bool:
    return has_role(user, *MINUTES_ROLES)


def _meeting_for_user(request: HttpRequest, pk: int, *, manage: bool = False) -> Meeting:
    """The meeting if the user may see it (404 otherwise); with `manage`, 403 unless the user may change it."""
    meeting = get_object_or_404(Meeting.objects.for_user(request.user).select_related("organiser__region"), pk=pk)
    if manage and not can_manage_meetings(request.user):
        raise PermissionDenied("Hanya sekretariat rapat yang dapat mengubah rapat.")
    return meeting


def _detail_url(meeting: Meeting, anchor: str = "") -> str:
    return reverse("meetings:meeting-detail", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


def _refuse(request: HttpRequest, meeting: Meeting, error: MeetingError, anchor: str = "") -> HttpResponseRedirect:
    messages.error(request, str(error))
    return redirect(_detail_url(meeting, anchor))


# --- Decision tables shared by the detail page and the Berita Acara -------------------------------------------------


@dataclass
class RegencyDecisions:
    region: Region
    decisions: list[Decision] = field(default_factory=list)
    totals: list[Decimal] = field(default_factory=list)
    total: Decimal = Decimal(0)


@dataclass
class DecisionSummary:
    schemes: list[FundingScheme]
    groups: list[RegencyDecisions]
    totals: list[Decimal]
    total: Decimal
    count: int
    outcomes: list[tuple[str, int]]

    @property
    def scheme_totals(self) -> list[tuple[FundingScheme, Decimal]]:
        return list(zip(self.schemes, self.totals, strict=True))


def decisions_for(meeting: Meeting, user) -> QuerySet[Decision]:
    return (
        Decision.objects.for_user(user)
        .filter(meeting=meeting)
        .select_related("proposal__region", "proposal__agency", "executing_agency", "merged_into")
        .prefetch_related(Prefetch("funding_lines", queryset=DecisionFunding.objects.select_related("scheme")))
        .order_by("proposal__region__code", "proposal__number")
    )


def summarise_decisions(decisions: list[Decision]) -> DecisionSummary:
    """Decisions grouped by kabupaten/kota, with one amount column per scheme used and totals.

    Only agreed decisions (with or without changes) carry amounts into the totals; the others are listed bare.
    """
    schemes = sorted(
        {line.scheme for d in decisions if d.is_counted for line in d.funding_lines.all()},
        key=lambda s: (s.order, s.code),
    )
    groups: dict[int, RegencyDecisions] = {}
    for decision in decisions:
        by_scheme = (
            {line.scheme_id: line.amount for line in decision.funding_lines.all()} if decision.is_counted else {}
        )
        decision.scheme_amounts = [by_scheme.get(s.pk) for s in schemes]
        decision.total_amount = sum(by_scheme.values(), Decimal(0)) if decision.is_counted else None
        region = decision.proposal.region
        group = groups.setdefault(region.pk, RegencyDecisions(region=region, totals=[Decimal(0)] * len(schemes)))
        group.decisions.append(decision)
        group.totals = [t + (a or 0) for t, a in zip(group.totals, decision.scheme_amounts, strict=True)]
        group.total += decision.total_amount or 0
    ordered = list(groups.values())
    totals = [sum((g.totals[i] for g in ordered), Decimal(0)) for i in range(len(schemes))]
    return DecisionSummary(
        schemes=schemes,
        groups=ordered,
        totals=totals,
        total=sum(totals, Decimal(0)),
        count=len(decisions),
        outcomes=[
            (label, count)
            for value, label in Decision.Outcome.choices
            if (count := sum(1 for d in decisions if d.outcome == value))
        ],
    )


# --- Meeting CRUD ----------------------------------------------------------------------------------------------------


class MeetingListView(LoginRequiredMixin, ListView):
    model = Meeting
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Meeting]:
        meetings = Meeting.objects.for_user(self.request.user).select_related("organiser")
        year = self.request.GET.get("tahun", "")
        if year.isdigit():
            meetings = meetings.filter(fiscal_year=int(year))
        kind = self.request.GET.get("jenis", "")
        if kind in Meeting.Kind.values:
            meetings = meetings.filter(kind=kind)
        return meetings

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = can_manage_meetings(self.request.user)
        context["kinds"] = Meeting.Kind.choices
        context["years"] = (
            Meeting.objects.for_user(self.request.user)
            .order_by("-fiscal_year")
            .values_list("fiscal_year", flat=True)
            .distinct()
        )
        context["selected_year"] = self.request.GET.get("tahun", "")
        context["selected_kind"] = self.request.GET.get("jenis", "")
        return context


class ManageMeetingMixin(LoginRequiredMixin):
    """Only the secretariat creates and edits meetings; the form only offers agencies in the user's scope."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_manage_meetings(request.user) and "pk" not in kwargs:
            raise PermissionDenied("Hanya sekretariat rapat yang dapat membuat rapat.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}


class MeetingCreateView(ManageMeetingMixin, CreateView):
    model = Meeting
    form_class = MeetingForm

    def form_valid(self, form: MeetingForm) -> HttpResponse:
        self.object = meeting_create(user=self.request.user, values=form.cleaned_data)
        messages.success(self.request, f"Rapat \u201c{self.object}\u201d dibuat.")
        return redirect(self.object)


class MeetingUpdateView(ManageMeetingMixin, UpdateView):
    model = Meeting
    form_class = MeetingForm

    def get_object(self, queryset=None) -> Meeting:
        meeting = _meeting_for_user(self.request, self.kwargs["pk"], manage=True)
        self.closed_refusal = meeting.is_closed
        return meeting

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.closed_refusal:
            return _refuse(request, self.object, MeetingError("Rapat yang sudah ditutup tidak dapat diubah."))
        return self.render_to_response(self.get_context_data())

    def form_valid(self, form: MeetingForm) -> HttpResponse:
        # The form filled self.object in place; the service reloads and locks the row and compares with it.
        try:
            self.object = meeting_update(meeting=self.object, values=form.cleaned_data, user=self.request.user)
        except MeetingError as error:
            return _refuse(self.request, self.object, error)
        messages.success(self.request, "Perubahan rapat disimpan.")
        return redirect(self.object)


class MeetingDetailView(LoginRequiredMixin, DetailView):
    model = Meeting

    def get_object(self, queryset=None) -> Meeting:
        return _meeting_for_user(self.request, self.kwargs["pk"])

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        can_manage = can_manage_meetings(user)
        editable = can_manage and not meeting.is_closed
        agenda = (
            meeting.agenda_items.for_user(user)
            .awaiting_decision()
            .select_related("proposal__region", "proposal__sub_activity")
            .prefetch_related(
                Prefetch("proposal__funding_lines", queryset=ProposalFunding.objects.select_related("scheme"))
            )
            .order_by("proposal__region__code", "proposal__number")
        )
        context.update(
            can_manage=can_manage,
            editable=editable,
            can_read_minutes=can_read_minutes(user),
            attendances=meeting.attendances.select_related("agency"),
            agenda=agenda,
            summary=summarise_decisions(list(decisions_for(meeting, user))),
        )
        if editable:
            context["attendance_form"] = AttendanceForm(
                meeting=meeting, user=user, focus=self.request.GET.get("hadir") == "1"
            )
            context["agenda_form"] = AgendaFilterForm(meeting=meeting, user=user)
        return context


# --- Actions ---------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def attendance_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_user(request, pk, manage=True)
    form = AttendanceForm(request.POST, meeting=meeting, user=request.user)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
        messages.error(request, f"Peserta belum ditambahkan. {errors}")
        return redirect(_detail_url(meeting, "daftar-hadir"))
    try:
        attendance = attendance_add(meeting=meeting, user=request.user, **form.cleaned_data)
    except MeetingError as error:
        return _refuse(request, meeting, error, "daftar-hadir")
    messages.success(request, f"{attendance.name} ditambahkan ke daftar hadir.")
    # Back to the quick form with the focus on the name, ready for the next person.
    # No #fragment: browsers skip autofocus when the URL points at a part of the page.
    return redirect(reverse("meetings:meeting-detail", args=[meeting.pk]) + "?hadir=1")


@login_required
@require_POST
def attendance_delete_view(request: HttpRequest, pk: int, attendance_pk: int) -> HttpResponse:
    meeting = _meeting_for_user(request, pk, manage=True)
    attendance = get_object_or_404(Attendance, pk=attendance_pk, meeting=meeting)
    try:
        attendance_delete(meeting=meeting, attendance=attendance, user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "daftar-hadir")
    messages.success(request, f"{attendance.name} dihapus dari daftar hadir.")
    return redirect(_detail_url(meeting, "daftar-hadir"))


@login_required
@require_POST
def agenda_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_user(request, pk, manage=True)
    form = AgendaFilterForm(request.POST, meeting=meeting, user=request.user)
    if not form.is_valid():
        messages.error(request, "Pilihan penyaring agenda tidak valid.")
        return redirect(_detail_url(meeting, "agenda"))
    try:
        added = agenda_add(meeting=meeting, proposals=form.proposals(), user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "agenda")
    if added:
        messages.success(request, f"{len(added)} usulan terverifikasi ditambahkan ke agenda.")
    else:
        messages.info(request, "Tidak ada usulan terverifikasi baru yang cocok dengan penyaring.")
    return redirect(_detail_url(meeting, "agenda"))


@login_required
@require_POST
def agenda_remove_view(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _meeting_for_user(request, pk, manage=True)
    item = get_object_or_404(AgendaItem.objects.for_user(request.user), pk=item_pk, meeting=meeting)
    try:
        agenda_remove(meeting=meeting, item=item, user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "agenda")
    messages.success(request, "Usulan dihapus dari agenda.")
    return redirect(_detail_url(meeting, "agenda"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def decision_record_view(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    meeting = _meeting_for_user(request, pk, manage=True)
    proposal = get_object_or_404(
        Proposal.objects.for_user(request.user)
        .select_related("region", "agency", "sub_activity")
        .prefetch_related(Prefetch("funding_lines", queryset=ProposalFunding.objects.select_related("scheme"))),
        pk=proposal_pk,
    )
    decision = (
        Decision.objects.filter(meeting=meeting, proposal=proposal)
        .select_related("merged_into")
        .prefetch_related("funding_lines")
        .first()
    )
    if refusal := decision_refusal(meeting=meeting, proposal=proposal, decision=decision):
        return _refuse(request, meeting, MeetingError(refusal))
    kwargs = {"meeting": meeting, "proposal": proposal, "user": request.user, "decision": decision}
    if request.method == "POST":
        form = DecisionForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                decision = decision_record(
                    meeting=meeting,
                    proposal=proposal,
                    outcome=form.cleaned_data["outcome"],
                    funding=form.funding(),
                    agreed_volume=form.cleaned_data.get("agreed_volume"),
                    executing_agency=form.cleaned_data.get("executing_agency"),
                    merged_into=form.cleaned_data.get("merged_into"),
                    reason=form.cleaned_data.get("reason", ""),
                    user=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except MeetingError as error:  # DecisionConflict included: the form keeps what was typed
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Keputusan atas {proposal.number}: {decision.get_outcome_display()}.")
                return redirect(_detail_url(meeting, "agenda"))
    else:
        form = DecisionForm(**kwargs)
    merge_candidates = (
        Proposal.objects.for_user(request.user)
        .filter(fiscal_year=proposal.fiscal_year, region=proposal.region)
        .exclude(pk=proposal.pk)
        .exclude(status__in=[Proposal.Status.MERGED, Proposal.Status.REJECTED])
        .only("number", "name")
        .order_by("number")[:200]
    )
    context = {
        "meeting": meeting,
        "proposal": proposal,
        "decision": decision,
        "form": form,
        "merge_candidates": merge_candidates,
    }
    return render(request, "meetings/decision_form.html", context)


@login_required
@require_POST
def meeting_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_user(request, pk, manage=True)
    try:
        meeting_close(meeting=meeting, user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error)
    messages.success(request, "Rapat ditutup. Kesepakatan dan daftar hadirnya kini terkunci.")
    return redirect(_detail_url(meeting))


@login_required
@require_safe
def meeting_minutes_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for_user(request, pk)
    if not can_read_minutes(request.user):
        raise PermissionDenied("Berita Acara hanya untuk perangkat daerah provinsi.")
    starts = timezone.localtime(meeting.starts_at).date()
    ends = timezone.localtime(meeting.ends_at).date()
    attendances = list(meeting.attendances.select_related("agency"))
    context = {
        "meeting": meeting,
        "starts_in_words": date_in_words(starts),
        "ends_in_words": date_in_words(ends) if ends != starts else "",
        "summary": summarise_decisions(list(decisions_for(meeting, request.user))),
        "attendances": attendances,
        "signatories": [a for a in attendances if a.capacity == Attendance.Capacity.CHAIR][:2],
        "signed_on": starts,
    }
    return render(request, "meetings/meeting_minutes.html", context)


@login_required
@require_safe
def meeting_annex_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's decisions as an .xlsx, the annex of its Berita Acara: same readers as the Berita Acara."""
    meeting = _meeting_for_user(request, pk)
    if not can_read_minutes(request.user):
        raise PermissionDenied("Lampiran Berita Acara hanya untuk perangkat daerah provinsi.")
    content = meeting_annex_workbook(meeting=meeting, decisions=Decision.objects.for_user(request.user))
    day = timezone.localtime(meeting.starts_at).strftime("%Y%m%d")
    return xlsx_response(content, f"Lampiran_Berita_Acara_{slugify(meeting.title)[:60] or meeting.pk}_{day}.xlsx")
