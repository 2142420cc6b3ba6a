"""Meeting pages: list, create, edit, detail with attendance, agenda and decisions, closing, Berita Acara.

Access: a meeting outside the user's scope is a 404 (`Meeting.objects.for_user`); every change needs the
secretariat role (403 otherwise); decisions shown are those of the user's scope (`Decision.objects.for_user`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from meetings.exports import meeting_annex_workbook, minutes_context
from meetings.forms import AgendaFilterForm, AttendanceForm, BasisForm, DecisionForm, MeetingForm
from meetings.minutes import meeting_signatories, minutes_sections, minutes_signatories, minutes_table
from meetings.models import AgendaItem, Attendance, Decision, Desk, Meeting, MeetingBasis
from meetings.selectors import (
    DecisionSummary,
    MeetingTotals,
    funding_pairs,
    meeting_decision_totals,
    meeting_decisions,
    proposal_funding_text,
    summarise_decisions,
)
from meetings.services import (
    DecisionInput,
    MeetingError,
    agenda_add,
    agenda_remove,
    attendance_add,
    attendance_delete,
    basis_add,
    basis_delete,
    basis_move,
    basis_update,
    decision_record,
    decision_record_bulk,
    decision_refusal,
    meeting_close,
    meeting_create,
    meeting_update,
)
from meetings.services.meetings import MAX_BASES
from programs import jobs
from programs.excel_views import xlsx_response
from programs.models import ExcelJob, Proposal, ProposalFunding
from rakornis import fiscal_year, policy
from rakornis.formatting import format_rupiah
from rakornis.i18n import official_view
from rakornis.policy import Action
from rakornis.subqueries import count_subquery

# Bounds of what one page shows, whatever the meeting (issue 11: a page never grows with the database). A meeting
# with more decisions than MINUTES_DECISION_LIMIT gets its full Berita Acara from the worker (`meetings.jobs`).
DECISIONS_PER_PAGE = 50
AGENDA_PER_PAGE = 50
ATTENDANCE_PER_PAGE = 100
MINUTES_DECISION_LIMIT = 200
MINUTES_ATTENDANCE_LIMIT = 500
# At most this many agenda items agreed in one action (a page of the agenda holds AGENDA_PER_PAGE): a forged request
# cannot make one transaction lock thousands of proposals.
AGENDA_BULK_LIMIT = 500
# A meeting has a desk per bidang urusan at most (Kalteng's Rakortekrenbang: a dozen): the links are bounded anyway.
MAX_DESKS = 50
# The attendance form's page lists the last few people added, so the secretary sees what was typed.
RECENT_ATTENDANCE = 10


class CountedPaginator(Paginator):
    """A paginator told its count by an aggregate the page already ran, instead of a COUNT(*) of its own."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


class RegionSlices:
    """A meeting's decisions in the table's order (kabupaten/kota code, then proposal number), sliced for a page
    without sorting the meeting: the counts per kabupaten/kota (from the decision summary, in code order) say which
    ones a page spans. A page inside one kabupaten/kota (every page but a few, at 324,914 decisions) reads its rows
    by the proposal index of that kabupaten/kota (`programs_proposal_region`: region, fiscal year, number) and
    stops after them; a page across several reads each one's slice so and joins them (UNION ALL; SQLite, which
    cannot, sorts those kabupaten/kota's decisions). One query either way.

    `rows` is `meeting_decisions(...)` of `narrowed` (the decisions filtered as the page is: scope, outcome,
    kabupaten/kota), `counts` (region id, decisions of `narrowed` there) in the table's order."""

    ordered = True  # for Paginator: the slices follow the table's order

    def __init__(self, rows: QuerySet[Decision], narrowed: QuerySet[Decision], counts: list[tuple[int, int]]) -> None:
        self.rows, self.narrowed, self.counts = rows, narrowed, counts

    def __len__(self) -> int:
        return sum(count for _, count in self.counts)

    def __getitem__(self, index: slice) -> QuerySet[Decision]:
        start, stop = index.start or 0, index.stop if index.stop is not None else len(self)
        spans: list[tuple[int, int, int]] = []  # (region id, from, to) within that region's decisions
        before = 0
        for region_id, count in self.counts:
            low, high = max(start - before, 0), min(stop - before, count)
            if low < high:
                spans.append((region_id, low, high))
            before += count
        if not spans:
            return self.rows.none()
        parts = [
            self.narrowed.filter(proposal__region_id=region_id)
            .order_by("-proposal__fiscal_year", "proposal__number", "pk")[low:high]
            .values("pk")
            for region_id, low, high in spans
        ]
        if len(parts) == 1:
            return self.rows.filter(pk__in=parts[0])
        if connection.features.supports_slicing_ordering_in_compound:
            # PostgreSQL: the slices of each kabupaten/kota, UNION ALL, one index walk each.
            return self.rows.filter(pk__in=parts[0].union(*parts[1:], all=True))
        # SQLite cannot slice inside a UNION: the spanned kabupaten/kota are sorted (a small database's).
        first = spans[0][1]
        return self.rows.filter(proposal__region_id__in=[span[0] for span in spans])[first : first + stop - start]


def _pager(paginator: Paginator, request: HttpRequest, parameter: str, anchor: str) -> dict[str, Any]:
    """The page of `paginator` the address's `parameter` asks for (the last one past the end, the first one for
    anything unreadable), with the addresses of its neighbours: the same address, other lists' pages kept."""
    page = paginator.get_page(request.GET.get(parameter))

    def url(number: int) -> str:
        query = request.GET.copy()
        query[parameter] = str(number)
        return f"?{query.urlencode()}#{anchor}"

    return {
        "page": page,
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }


def _meeting_for_user(request: HttpRequest, pk: int, action: Action | None = None) -> Meeting:
    """The meeting if the user may see it (404 otherwise); 403 unless the user may take `action` on it."""
    return policy.get_meeting_for_user(request.user, pk, action)


def meeting_view(
    action: Action, methods: Sequence[str] = ("POST",)
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view of one meeting: login, only the HTTP `methods`, and the meeting of the URL's `pk` for `action` (404
    outside the user's scope, 403 without the role there), passed to the view in place of `pk`."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def with_meeting(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponse:
            return view(request, _meeting_for_user(request, pk, action), **kwargs)

        return with_meeting

    return decorate


def _detail_url(meeting: Meeting, anchor: str = "") -> str:
    return reverse("meetings:meeting-detail", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


def _refuse(request: HttpRequest, meeting: Meeting, error: MeetingError, anchor: str = "") -> HttpResponseRedirect:
    messages.error(request, str(error))
    return redirect(_detail_url(meeting, anchor))


# --- Meeting CRUD ----------------------------------------------------------------------------------------------------


class MeetingListView(LoginRequiredMixin, ListView):
    model = Meeting
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Meeting]:
        meetings = Meeting.objects.for_user(self.request.user).select_related("organiser")
        # The planning year's meetings unless the address names a year; `?tahun=` (empty) is every year's.
        self.year = fiscal_year.year_from_query(self.request, "tahun")
        if self.year is not None:
            meetings = meetings.filter(fiscal_year=self.year)
        kind = self.request.GET.get("jenis", "")
        if kind in Meeting.Kind.values:
            meetings = meetings.filter(kind=kind)
        return meetings

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = policy.may_anywhere(self.request.user, Action.MANAGE_MEETING)
        context["kinds"] = Meeting.Kind.choices
        years = Meeting.objects.for_user(self.request.user).order_by().values_list("fiscal_year", flat=True)
        context.update(fiscal_year.year_filter(self.year, years))
        context["selected_kind"] = self.request.GET.get("jenis", "")
        return context


class ManageMeetingMixin(LoginRequiredMixin):
    """Only the secretariat creates and edits meetings; the form only offers agencies in the user's scope."""

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and "pk" not in kwargs
            and not policy.may_anywhere(request.user, Action.MANAGE_MEETING)
        ):
            raise PermissionDenied("Hanya sekretariat rapat yang dapat membuat rapat.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "user": self.request.user}


class MeetingCreateView(ManageMeetingMixin, CreateView):
    model = Meeting
    form_class = MeetingForm

    def get_initial(self) -> dict[str, Any]:
        # The year the header says the user is planning: the meeting most likely plans for it too.
        return {**super().get_initial(), "fiscal_year": fiscal_year.planning_year(self.request)}

    def form_valid(self, form: MeetingForm) -> HttpResponse:
        self.object = meeting_create(user=self.request.user, values=form.cleaned_data)
        messages.success(self.request, gettext("Rapat “%(object)s” dibuat.") % {"object": self.object})
        return redirect(self.object)


class MeetingUpdateView(ManageMeetingMixin, UpdateView):
    model = Meeting
    form_class = MeetingForm

    def get_object(self, queryset=None) -> Meeting:
        meeting = _meeting_for_user(self.request, self.kwargs["pk"], Action.MANAGE_MEETING)
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
        messages.success(self.request, gettext("Perubahan rapat disimpan."))
        return redirect(self.object)


class MeetingDetailView(LoginRequiredMixin, DetailView):
    """The meeting's facts, then its attendance, its agenda and its decisions, each a page at a time, and the
    decisions' counts and amounts by outcome and kabupaten/kota from aggregates: the same queries for five
    decisions and for fifty thousand."""

    model = Meeting

    def get_object(self, queryset=None) -> Meeting:
        # The attendance and agenda counts (for their paginators) come with the meeting, in its one query.
        user = self.request.user
        counted = Meeting.objects.annotate(
            attendance_count=count_subquery(Attendance.objects.all(), "meeting"),
            agenda_count=count_subquery(AgendaItem.objects.for_user(user).awaiting_decision(), "meeting"),
        )
        return policy.get_meeting_for_user(user, self.kwargs["pk"], queryset=counted)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        meeting, user, request = self.object, self.request.user, self.request
        can_manage = policy.may_on_meeting(user, Action.MANAGE_MEETING, meeting)
        editable = can_manage and not meeting.is_closed
        agenda_items = meeting.agenda_items.for_user(user).awaiting_decision()
        counts = {"attendance_count": meeting.attendance_count, "agenda_count": meeting.agenda_count}
        attendances = CountedPaginator(
            meeting.attendances.select_related("agency"), ATTENDANCE_PER_PAGE, count=counts["attendance_count"]
        )
        agenda = CountedPaginator(
            agenda_items.select_related("proposal__region", "proposal__sub_activity")
            .annotate(funding_text=proposal_funding_text())
            .order_by("proposal__region__code", "proposal__number", "pk"),
            AGENDA_PER_PAGE,
            count=counts["agenda_count"],
        )
        decisions = Decision.objects.for_user(user)
        totals = meeting_decision_totals(meeting, user=user)
        agenda_pager = _pager(agenda, request, "agenda_hal", "agenda")
        for item in agenda_pager["page"]:
            item.funding = funding_pairs(item.funding_text)
        context.update(
            can_manage=can_manage,
            editable=editable,
            can_read_minutes=policy.may_on_meeting(user, Action.READ_MINUTES, meeting),
            attendance_pager=_pager(attendances, request, "hadir_hal", "daftar-hadir"),
            agenda_pager=agenda_pager,
            agenda=agenda_items,  # not read by the page: its pager reads one page of it
            bases=list(meeting.bases.all()[:MAX_BASES]),
            desks=list(meeting.desks.select_related("sector")[:MAX_DESKS]),  # each links to its page
            totals=totals,
            **_decision_page(request, meeting, decisions, totals),
        )
        if editable:
            # The attendance and agenda forms have their own pages (their choices are four queries): this page stays
            # within issue 11's twelve queries for every role.
            context["basis_form"] = BasisForm(prefix="dasar")
        return context


def _decision_page(
    request: HttpRequest, meeting: Meeting, decisions: QuerySet[Decision], totals: MeetingTotals
) -> dict[str, Any]:
    """One page of the meeting's decisions, narrowed by outcome (`keputusan`) and kabupaten/kota (`wilayah`), as
    a `DecisionSummary` of that page's rows in the meeting's scheme columns. Subtotals per kabupaten/kota are
    shown only when the page holds every decision; otherwise the totals come from `totals`."""
    outcome = request.GET.get("keputusan", "")
    if outcome not in Decision.Outcome.values:
        outcome = ""
    regions = {str(regency.region_id): regency for regency in totals.regencies}
    region = regions.get(request.GET.get("wilayah", ""))
    narrowed = decisions.filter(meeting=meeting)
    if outcome:
        narrowed = narrowed.filter(outcome=outcome)
    if region is not None:
        narrowed = narrowed.filter(proposal__region_id=region.region_id)
    # The count from the totals (the meeting's decision summary, the same scope), never a COUNT of the decisions.
    count = totals.count_of(outcome=outcome, region_id=region.region_id if region else None)
    counts = [
        (regency.region_id, totals.count_of(outcome=outcome, region_id=regency.region_id))
        for regency in totals.regencies
        if region is None or regency.region_id == region.region_id
    ]
    shown = RegionSlices(meeting_decisions(meeting, decisions=narrowed, schemes=totals.schemes), narrowed, counts)
    paginator = CountedPaginator(shown, DECISIONS_PER_PAGE, count=count)
    pager = _pager(paginator, request, "hal", "kesepakatan")
    page = pager["page"]
    summary: DecisionSummary = summarise_decisions(list(page.object_list), schemes=totals.schemes)
    complete = paginator.num_pages == 1 and not outcome and region is None
    if complete:
        summary.totals, summary.total = totals.totals, totals.total
    else:
        for number, row in enumerate((row for group in summary.groups for row in group.rows), page.start_index()):
            row.number = number
    return {
        "decisions": pager,
        "summary": summary,
        "decisions_complete": complete,
        "decision_filter": {"outcome": outcome, "region": region},
        "outcome_choices": [(o.outcome, o.label) for o in totals.outcomes],
    }


# --- Actions ---------------------------------------------------------------------------------------------------------


def _editable_or_refused(request: HttpRequest, meeting: Meeting, anchor: str) -> HttpResponse | None:
    if meeting.is_closed:
        return _refuse(request, meeting, MeetingError("Rapat ini sudah ditutup; tidak dapat diubah lagi."), anchor)
    return None


@meeting_view(Action.MANAGE_MEETING, methods=("GET", "HEAD"))
def attendance_form_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """The quick attendance form on its own page, the focus on the name; under it the last people added."""
    if refused := _editable_or_refused(request, meeting, "daftar-hadir"):
        return refused
    recent = meeting.attendances.select_related("agency").order_by("-order", "-pk")[:RECENT_ATTENDANCE]
    context = {
        "meeting": meeting,
        "form": AttendanceForm(meeting=meeting, user=request.user, focus=True),
        "recent": recent,
        "attendance_count": meeting.attendances.count(),
    }
    return render(request, "meetings/attendance_form.html", context)


@meeting_view(Action.MANAGE_MEETING, methods=("GET", "HEAD"))
def agenda_form_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """The agenda filter (kabupaten/kota, program, scheme) on its own page."""
    if refused := _editable_or_refused(request, meeting, "agenda"):
        return refused
    context = {"meeting": meeting, "form": AgendaFilterForm(meeting=meeting, user=request.user)}
    return render(request, "meetings/agenda_form.html", context)


@meeting_view(Action.MANAGE_MEETING)
def attendance_add_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = AttendanceForm(request.POST, meeting=meeting, user=request.user, focus=True)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
        messages.error(request, gettext("Peserta belum ditambahkan. %(errors)s") % {"errors": errors})
        if meeting.is_closed:
            return redirect(_detail_url(meeting, "daftar-hadir"))
        # The form again with what was typed, so one wrong NIP does not cost the whole line.
        recent = meeting.attendances.select_related("agency").order_by("-order", "-pk")[:RECENT_ATTENDANCE]
        context = {"meeting": meeting, "form": form, "recent": recent, "attendance_count": meeting.attendances.count()}
        return render(request, "meetings/attendance_form.html", context)
    try:
        attendance = attendance_add(meeting=meeting, user=request.user, **form.cleaned_data)
    except MeetingError as error:
        return _refuse(request, meeting, error, "daftar-hadir")
    messages.success(request, gettext("%(name)s ditambahkan ke daftar hadir.") % {"name": attendance.name})
    # Back to the quick form with the focus on the name, ready for the next person.
    # No #fragment: browsers skip autofocus when the URL points at a part of the page.
    return redirect(reverse("meetings:attendance-form", args=[meeting.pk]) + "?hadir=1")


@meeting_view(Action.MANAGE_MEETING)
def attendance_delete_view(request: HttpRequest, meeting: Meeting, attendance_pk: int) -> HttpResponse:
    attendance = get_object_or_404(Attendance, pk=attendance_pk, meeting=meeting)
    try:
        attendance_delete(meeting=meeting, attendance=attendance, user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "daftar-hadir")
    messages.success(request, gettext("%(name)s dihapus dari daftar hadir.") % {"name": attendance.name})
    return redirect(_detail_url(meeting, "daftar-hadir"))


def _basis_refused(request: HttpRequest, form: BasisForm) -> None:
    messages.error(
        request,
        gettext("Dasar belum disimpan. %(errors)s")
        % {"errors": " ".join(e for errs in form.errors.values() for e in errs)},
    )


@meeting_view(Action.MANAGE_MEETING)
def basis_add_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = BasisForm(request.POST, prefix="dasar")
    if not form.is_valid():
        _basis_refused(request, form)
        return redirect(_detail_url(meeting, "dasar"))
    try:
        basis_add(meeting=meeting, text=form.cleaned_data["text"], user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "dasar")
    messages.success(request, gettext("Dasar ditambahkan."))
    return redirect(_detail_url(meeting, "dasar"))


@meeting_view(Action.MANAGE_MEETING)
def basis_update_view(request: HttpRequest, meeting: Meeting, basis_pk: int) -> HttpResponse:
    basis = get_object_or_404(MeetingBasis, pk=basis_pk, meeting=meeting)
    form = BasisForm(request.POST, prefix=f"dasar-{basis.pk}")
    if not form.is_valid():
        _basis_refused(request, form)
        return redirect(_detail_url(meeting, "dasar"))
    try:
        basis_update(meeting=meeting, basis=basis, text=form.cleaned_data["text"], user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "dasar")
    messages.success(request, gettext("Dasar diubah."))
    return redirect(_detail_url(meeting, "dasar"))


@meeting_view(Action.MANAGE_MEETING)
def basis_delete_view(request: HttpRequest, meeting: Meeting, basis_pk: int) -> HttpResponse:
    basis = get_object_or_404(MeetingBasis, pk=basis_pk, meeting=meeting)
    try:
        basis_delete(meeting=meeting, basis=basis, user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "dasar")
    messages.success(request, gettext("Dasar dihapus."))
    return redirect(_detail_url(meeting, "dasar"))


@meeting_view(Action.MANAGE_MEETING)
def basis_move_view(request: HttpRequest, meeting: Meeting, basis_pk: int) -> HttpResponse:
    basis = get_object_or_404(MeetingBasis, pk=basis_pk, meeting=meeting)
    try:
        basis_move(meeting=meeting, basis=basis, up=request.POST.get("arah") != "turun", user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "dasar")
    return redirect(_detail_url(meeting, "dasar"))


@meeting_view(Action.MANAGE_MEETING)
def agenda_add_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = AgendaFilterForm(request.POST, meeting=meeting, user=request.user)
    if not form.is_valid():
        messages.error(request, gettext("Pilihan penyaring agenda tidak valid."))
        return redirect(_detail_url(meeting, "agenda"))
    try:
        added = agenda_add(meeting=meeting, proposals=form.proposals(), user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "agenda")
    if added:
        messages.success(
            request, gettext("%(count)s usulan terverifikasi ditambahkan ke agenda.") % {"count": len(added)}
        )
    else:
        messages.info(request, gettext("Tidak ada usulan terverifikasi baru yang cocok dengan penyaring."))
    return redirect(_detail_url(meeting, "agenda"))


@meeting_view(Action.MANAGE_MEETING)
def agenda_remove_view(request: HttpRequest, meeting: Meeting, item_pk: int) -> HttpResponse:
    item = get_object_or_404(AgendaItem.objects.for_user(request.user), pk=item_pk, meeting=meeting)
    try:
        agenda_remove(meeting=meeting, item=item, user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error, "agenda")
    messages.success(request, gettext("Usulan dihapus dari agenda."))
    return redirect(_detail_url(meeting, "agenda"))


@meeting_view(Action.DECIDE)
def agenda_agree_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """Agreed as proposed (*disepakati sesuai usulan*) for the agenda items ticked on the meeting page: one
    transaction through `decision_record_bulk` (one decision and one audit entry each), all or nothing; a refusal
    names each proposal that cannot be agreed and why, and nothing is recorded."""
    back = _agenda_page_url(meeting, request.POST.get("agenda_hal", ""))
    try:
        ids = list(dict.fromkeys(int(value) for value in request.POST.getlist("usulan")))
    except ValueError:
        messages.error(request, gettext("Pilihan usulan tidak valid; muat ulang halaman dan pilih lagi."))
        return redirect(back)
    if not ids:
        messages.warning(request, gettext("Belum ada usulan yang dipilih: centang usulan di agenda, lalu sepakati."))
        return redirect(back)
    if len(ids) > AGENDA_BULK_LIMIT:
        messages.error(
            request,
            gettext("Paling banyak %(limit)s usulan sekaligus; tidak ada yang dicatat.") % {"limit": AGENDA_BULK_LIMIT},
        )
        return redirect(back)
    # A proposal the user does not see is a 404, as on its own page: nothing is said about it.
    proposals = {p.pk: p for p in Proposal.objects.for_user(request.user).filter(pk__in=ids).only("pk", "number")}
    if len(proposals) != len(ids):
        raise Http404("Usulan tidak ditemukan.")
    waiting = set(
        meeting.agenda_items.for_user(request.user)
        .awaiting_decision()
        .filter(proposal_id__in=ids)
        .values_list("proposal_id", flat=True)
    )
    if missing := [proposals[pk].number for pk in ids if pk not in waiting]:
        messages.error(
            request,
            "Tidak ada keputusan yang dicatat. Tidak ada di agenda rapat ini atau sudah diputuskan: "
            + ", ".join(sorted(missing))
            + ".",
        )
        return redirect(back)
    items = [DecisionInput(proposal=proposals[pk], outcome=Decision.Outcome.AGREED) for pk in ids]
    try:
        decisions = decision_record_bulk(meeting=meeting, items=items, user=request.user)
    except MeetingError as error:
        messages.error(request, gettext("Tidak ada keputusan yang dicatat. %(error)s") % {"error": error})
        return redirect(back)
    total = ProposalFunding.objects.filter(proposal_id__in=ids).aggregate(total=Sum("amount"))["total"]
    numbers = sorted(proposals[pk].number for pk in ids)
    shown = ", ".join(numbers[:10]) + (f" dan {len(numbers) - 10} lainnya" if len(numbers) > 10 else "")
    messages.success(
        request,
        gettext("%(count)s usulan disepakati sesuai usulan, pagu %(amount)s: %(shown)s.")
        % {"count": len(decisions), "amount": format_rupiah(total or 0), "shown": shown},
    )
    return redirect(back)


def _agenda_page_url(meeting: Meeting, page: str) -> str:
    """The meeting page at the agenda, on the agenda page the user was on (the next items move up to it)."""
    query = f"?agenda_hal={page}" if page.isdigit() else ""
    return reverse("meetings:meeting-detail", args=[meeting.pk]) + query + "#agenda"


def next_undecided(meeting: Meeting, user: Any, after: Proposal, desk: Desk | None = None) -> int | None:
    """The proposal of the agenda item that follows `after` in the agenda's order (kabupaten/kota code, number)
    and still awaits a decision, else the first one awaiting (the agenda wraps round), else None. At a `desk`, only
    the items of its bidang urusan."""
    waiting = (
        meeting.agenda_items.for_user(user)
        .awaiting_decision()
        .exclude(proposal_id=after.pk)
        .order_by("proposal__region__code", "proposal__number", "pk")
        .values_list("proposal_id", flat=True)
    )
    if desk is not None and desk.sector is not None:
        waiting = waiting.filter(proposal__sub_activity__code__startswith=f"{desk.sector.code}.")
    code, number = after.region.code, after.number
    later = waiting.filter(
        Q(proposal__region__code__gt=code) | Q(proposal__region__code=code, proposal__number__gt=number)
    ).first()
    return later if later is not None else waiting.first()


@meeting_view(Action.DECIDE, methods=("GET", "HEAD", "POST"))
def decision_record_view(request: HttpRequest, meeting: Meeting, proposal_pk: int) -> HttpResponse:
    proposal = policy.get_proposal_for_user(
        request.user,
        proposal_pk,
        queryset=Proposal.objects.prefetch_related(
            Prefetch("funding_lines", queryset=ProposalFunding.objects.select_related("scheme"))
        ),
    )
    decision = (
        Decision.objects.filter(meeting=meeting, proposal=proposal)
        .select_related("merged_into")
        .prefetch_related("funding_lines")
        .first()
    )
    if refusal := decision_refusal(meeting=meeting, proposal=proposal, decision=decision):
        return _refuse(request, meeting, MeetingError(refusal))
    # Opened from a desk's page (`?desk=`, kept by the form's post): the decision records that desk, and the page
    # goes back to it. A desk of another meeting is a 404, as any address outside the meeting.
    desk_id = request.GET.get("desk", "")
    desk = get_object_or_404(meeting.desks.select_related("sector"), pk=desk_id) if desk_id.isdigit() else None
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
                    desk=desk,
                    user=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except MeetingError as error:  # DecisionConflict included: the form keeps what was typed
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    gettext("Keputusan atas %(number)s: %(outcome)s.")
                    % {"number": proposal.number, "outcome": decision.get_outcome_display()},
                )
                if request.POST.get("berikutnya"):
                    # "Simpan dan berikutnya": on to the next agenda item still awaiting a decision.
                    following = next_undecided(meeting, request.user, proposal, desk)
                    if following is not None:
                        at_desk = f"?desk={desk.pk}" if desk is not None else ""
                        return redirect(reverse("meetings:decision-record", args=[meeting.pk, following]) + at_desk)
                    messages.info(request, gettext("Semua usulan di agenda sudah diputuskan."))
                if desk is not None:
                    return redirect(reverse("meetings:desk-detail", args=[meeting.pk, desk.pk]) + "#agenda-desk")
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
        "desk": desk,
        "form": form,
        "merge_candidates": merge_candidates,
    }
    return render(request, "meetings/decision_form.html", context)


@meeting_view(Action.MANAGE_MEETING)
def meeting_close_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    try:
        meeting_close(meeting=meeting, user=request.user)
    except MeetingError as error:
        return _refuse(request, meeting, error)
    messages.success(request, gettext("Rapat ditutup. Kesepakatan dan daftar hadirnya kini terkunci."))
    return redirect(_detail_url(meeting))


@meeting_view(Action.READ_MINUTES, methods=("GET", "HEAD"))
@official_view
def meeting_minutes_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """The Berita Acara as an A4 page. Its decision table is shown whole up to MINUTES_DECISION_LIMIT decisions;
    above, the page shows the totals by kabupaten/kota and offers the full document from the worker."""
    decisions = Decision.objects.for_user(request.user)
    totals = meeting_decision_totals(meeting, user=request.user)
    attendances = list(meeting.attendances.select_related("agency")[: MINUTES_ATTENDANCE_LIMIT + 1])
    complete_attendance = len(attendances) <= MINUTES_ATTENDANCE_LIMIT
    attendance_count = len(attendances) if complete_attendance else meeting.attendances.count()
    context = minutes_context(
        meeting, attendances=attendances[:MINUTES_ATTENDANCE_LIMIT], attendance_count=attendance_count, totals=totals
    )
    complete = totals.count <= MINUTES_DECISION_LIMIT and complete_attendance
    if complete_attendance:
        signatories = minutes_signatories(attendances)
    else:
        signatories = meeting_signatories(meeting)
    context.update(
        signatories=signatories,
        complete=complete,
        decision_limit=MINUTES_DECISION_LIMIT,
        attendance_limit=MINUTES_ATTENDANCE_LIMIT,
        complete_attendance=complete_attendance,
        **minutes_sections(meeting, totals=totals, user=request.user),
    )
    if totals.count <= MINUTES_DECISION_LIMIT:
        context.update(minutes_table(meeting, totals=totals, breakdown=context["breakdown"], decisions=decisions))
    return render(request, "meetings/meeting_minutes.html", context)


@meeting_view(Action.READ_MINUTES)
def meeting_minutes_job_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """Start the full Berita Acara (every decision, every attendance) in the background; its page has the file."""
    day = timezone.localtime(meeting.starts_at).strftime("%Y%m%d")
    job = jobs.excel_job_start(
        kind=ExcelJob.Kind.MEETING_MINUTES,
        user=request.user,
        params={"meeting": meeting.pk},
        rows_total=Decision.objects.for_user(request.user).filter(meeting=meeting).count(),
        filename=f"Berita_Acara_{_slug(meeting)}_{day}.html",
    )
    return redirect(job)


def _slug(meeting: Meeting) -> str:
    return slugify(meeting.title)[:60] or str(meeting.pk)


@meeting_view(Action.READ_MINUTES, methods=("GET", "HEAD"))
@official_view
def meeting_annex_export_view(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """The meeting's decisions as an .xlsx, the annex of its Berita Acara: same readers as the Berita Acara. Above
    the background threshold, the worker writes it and the job page offers it."""
    decisions = Decision.objects.for_user(request.user)
    day = timezone.localtime(meeting.starts_at).strftime("%Y%m%d")
    filename = f"Lampiran_Berita_Acara_{_slug(meeting)}_{day}.xlsx"
    count = decisions.filter(meeting=meeting).count()
    if count > jobs.background_threshold():
        job = jobs.excel_job_start(
            kind=ExcelJob.Kind.MEETING_ANNEX,
            user=request.user,
            params={"meeting": meeting.pk},
            rows_total=count,
            filename=filename,
        )
        return redirect(job)
    return xlsx_response(meeting_annex_workbook(meeting=meeting, decisions=decisions, user=request.user), filename)
