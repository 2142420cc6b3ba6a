"""Proposal pages: list, form, detail, workflow actions and the form's JSON helpers."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage
from django.db import IntegrityError
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, ListView
from django.views.generic.edit import FormView

from agencies.models import Region
from programs import map_views, overlaps, services
from programs.document_views import documents_context
from programs.filters import PROPOSED, filter_proposals
from programs.forms import (
    BULK_ACTION_LABELS,
    BulkActionForm,
    FundingFormSet,
    ProposalForm,
    ReturnForm,
    funding_level_warning,
)
from programs.history import STATUS_ACTIONS, history_rows, history_scheme_names
from programs.models import FundingScheme, Proposal, ProposalFunding
from programs.services.readiness import readiness_checklist
from programs.summary import (
    FILTERED_TOTALS_BOUND,
    TOTALS_ON_REQUEST_TIMEOUT_MS,
    ListTotals,
    proposal_list_totals,
    proposal_totals_on_request,
    summary_list_totals,
)
from programs.verification import latest_check, return_notes, with_last_check
from rakornis import fiscal_year
from rakornis.extents import outside_region
from rakornis.formatting import format_rupiah
from rakornis.models import AuditEntry
from rakornis.pagination import SEARCH_COUNT_BOUND, SEARCH_MAX_PAGES, BoundedPaginator, ordering_of, page_ids
from rakornis.policy import (
    Action,
    agencies_for,
    available_actions,
    get_proposal_for_user,
    may_anywhere,
    may_on_proposal,
    regencies_for,
    sees_proposal,
)
from rakornis.templatetags.rakornis_tags import status_badge

BULK_CARRY_OVER_LIMIT = 500
CREATION_TOKEN = "creation_token"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ProposalListView(LoginRequiredMixin, ListView):
    template_name = "programs/proposal_list.html"
    context_object_name = "proposals"
    paginate_by = 50

    def get_queryset(self):
        # Without a year in the address the list shows the planning year; `?fiscal_year=` (empty) shows every year.
        self.query = fiscal_year.query_with_year(self.request, "fiscal_year")
        # The schemes once per request: the filter's choices, the rows' scheme names, the totals per scheme.
        self.schemes = list(FundingScheme.objects.all())
        self.filterset, proposals = filter_proposals(self.query, user=self.request.user, schemes=self.schemes)
        # The totals and the count from the proposal summary when the filters are its columns (one grouped query);
        # None otherwise, and the page counts its rows and adds up their lines (bounded).
        self.summary_totals = summary_list_totals(filterset=self.filterset, user=self.request.user)
        return proposals

    def paginate_queryset(self, queryset, page_size):
        """A page of the filtered proposals (`rakornis.pagination`): the count comes from the summary or stops at
        10,001, the page's ids come from the filter and order alone, and only those 50 rows are read with their
        joins, overlap flag and schemes. A page that does not exist (a typo, deeper than the deepest page) shows the
        first with a warning."""
        known = self.summary_totals.count if self.summary_totals is not None else None
        searched = bool(self.filterset.is_valid() and self.filterset.form.cleaned_data.get("q", "").strip())
        bounds = {"count_bound": SEARCH_COUNT_BOUND, "max_pages": SEARCH_MAX_PAGES} if searched else {}
        paginator = BoundedPaginator(queryset, page_size, known_count=known, **bounds)
        try:
            page = paginator.page(self.request.GET.get(self.page_kwarg) or 1)
        except InvalidPage as exc:
            messages.warning(self.request, str(exc))
            page = paginator.page(1)
        rows = self._page_rows(queryset, page.number, page_size)
        if not rows and page.number > 1:
            # Beyond the last row of a list whose count stopped at its bound: only reading the page tells.
            messages.warning(
                self.request,
                gettext("Halaman %(number)s kosong. Ditampilkan halaman pertama.") % {"number": page.number},
            )
            page = paginator.page(1)
            rows = self._page_rows(queryset, 1, page_size)
        page.object_list = rows[:page_size]
        page.has_more = len(rows) > page_size
        return paginator, page, page.object_list, paginator.num_pages > 1 or page.has_more

    def _page_rows(self, queryset, number: int, page_size: int) -> list[Proposal]:
        """Page `number` of `queryset` and the first row of the next (so the page knows whether one follows), each
        with its region, agency, sub kegiatan, overlap flag and the names of its schemes."""
        ids = page_ids(queryset, (number - 1) * page_size, page_size + 1)
        rows = Proposal.as_table_rows(
            overlaps.with_overlap_flag(Proposal.objects.filter(pk__in=ids))
            .select_related("region", "agency", "sub_activity")
            .with_scheme_ids()
            .order_by(*ordering_of(queryset))
        )
        order = {scheme.pk: index for index, scheme in enumerate(self.schemes)}
        names = {scheme.pk: scheme.short_name for scheme in self.schemes}
        # What each row shows twice (on a phone and on a wide screen) or through a tag, made once here: a tag or a
        # filter call costs the template more than its own work, and the table has fifty rows.
        pick = gettext("Pilih %(number)s")
        for row in rows:
            drawn = sorted((int(pk) for pk in (row.scheme_ids or "").split(",") if pk), key=order.__getitem__)
            row.scheme_names = ", ".join(names[pk] for pk in drawn)
            row.amount_text = format_rupiah(row.total_amount)
            row.badge = status_badge(row)
            row.outside_warning = outside_region(row.region.code, row.latitude, row.longitude)
            row.pick_label = pick % {"number": row.number}
        return rows

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # From the proposal summary when the filters are its columns, else bounded by the page's own count (exact up
        # to its bound, which lies above the totals' bound).
        paginator = context["paginator"]
        exact_enough = paginator.count_is_exact or paginator.count_bound >= FILTERED_TOTALS_BOUND
        if exact_enough:
            totals = self.summary_totals or proposal_list_totals(
                filterset=self.filterset, proposals=self.object_list, user=self.request.user, counted=paginator.count
            )
        else:
            # A search's count stopped at its lower bound: more proposals than it counts are not added up either.
            totals = ListTotals({}, computed=False, bound=paginator.count_bound)
        schemes = self.schemes
        query = self.query.copy()
        query.pop("page", None)
        context.update(
            filter=self.filterset,
            shown_year=fiscal_year.parse_year(self.query.get("fiscal_year")),
            proposed_only=self.query.get("status") == PROPOSED,
            proposed_query=_with(query, status=PROPOSED),
            scheme_totals=totals.per_scheme(schemes),
            grand_total=totals.total,
            totals_computed=totals.computed,
            totals_bound=totals.bound,
            totals_scheme=next((scheme for scheme in schemes if scheme.code == totals.only_scheme), None),
            total_count=context["paginator"].count,
            count_is_exact=context["paginator"].count_is_exact,
            count_bound=context["paginator"].count_bound,
            max_pages=context["paginator"].max_pages,
            querystring=query.urlencode(),
            can_create=may_anywhere(self.request.user, Action.CREATE),
            can_import=may_anywhere(self.request.user, Action.CREATE, Action.EDIT),
            recap_year=self.filterset.form.cleaned_data.get("fiscal_year") if self.filterset.is_valid() else None,
            can_bulk_carry_over=self.request.GET.get("status") == Proposal.Status.DEFERRED
            and may_anywhere(self.request.user, Action.CARRY_OVER),
            # Ticking rows for a bulk action (`proposal_bulk` offers what applies to every ticked one).
            can_bulk=may_anywhere(self.request.user, *BULK_ACTIONS),
        )
        return context


@require_GET
@login_required
def proposal_totals(request: HttpRequest) -> HttpResponse:
    """The totals per scheme and the count of what the list's filter selects, asked for from the list when it
    selects more than the list adds up on each page (a broad search): the same filter and scope as the list
    (`filter_proposals`), bounded in time instead of rows (`proposal_totals_on_request`)."""
    query = fiscal_year.query_with_year(request, "fiscal_year")
    query.pop("page", None)
    schemes = list(FundingScheme.objects.all())
    filterset, proposals = filter_proposals(query, user=request.user, schemes=schemes)
    totals = (
        proposal_totals_on_request(filterset=filterset, proposals=proposals, user=request.user)
        if filterset.is_valid()
        else None
    )
    context = {
        "filter": filterset,
        "totals": totals,
        "scheme_totals": totals.per_scheme(schemes) if totals is not None else [],
        "timeout_seconds": TOTALS_ON_REQUEST_TIMEOUT_MS // 1000,
        "shown_year": fiscal_year.parse_year(query.get("fiscal_year")),
        "querystring": query.urlencode(),
    }
    return render(request, "programs/proposal_totals.html", context)


def _with(query: QueryDict, **values: str) -> str:
    """`query` (a list's filter) with `values` set, as a query string."""
    changed = query.copy()
    for key, value in values.items():
        changed[key] = value
    return changed.urlencode()


def _regencies_for_form(user):
    return regencies_for(user, Action.CREATE).order_by("code")


def overlap_context(user, proposal: Proposal) -> dict[str, Any]:
    """The proposals that may overlap `proposal` (saved, or as typed in a form), for `overlap_notice.html`; only
    those the user sees are linked."""
    if proposal.sub_activity_id is None or not proposal.region_id or not proposal.fiscal_year:
        return {}
    return overlap_notice(user, list(overlaps.overlapping(proposal)[: overlaps.LIMIT]))


def overlap_notice(user, others: list[Proposal]) -> dict[str, Any]:
    """`overlap_notice.html`'s context for the overlapping proposals `others`, already read."""
    if not others:
        return {}
    return {"overlaps": others, "overlap_visible": {other.pk for other in others if sees_proposal(user, other)}}


class ProposalFormMixin(LoginRequiredMixin):
    """Shared by create and update: the scoped form, the funding formset, and one service call on save."""

    template_name = "programs/proposal_form.html"
    form_class = ProposalForm
    http_method_names = ["get", "post", "head", "options"]
    proposal: Proposal | None = None

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(
            instance=self.proposal,
            regencies=_regencies_for_form(self.request.user),
            agencies=agencies_for(self.request.user).order_by("short_name"),
        )
        return kwargs

    def get_formset(self) -> FundingFormSet:
        if self.request.method == "POST":
            return FundingFormSet(self.request.POST, prefix="funding")
        initial = []
        if self.proposal is not None:
            initial = [{"scheme": line.scheme_id, "amount": line.amount} for line in self.proposal.funding_lines.all()]
        return FundingFormSet(prefix="funding", initial=initial)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        context["proposal"] = self.proposal
        context["scheme_codes"] = {scheme.pk: scheme.code for scheme in FundingScheme.objects.all()}
        context["region_codes"] = dict(context["form"].fields["region"].queryset.values_list("pk", "code"))
        context["map_settings"] = map_views.picker_settings(context["region_codes"].values())
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.get_form()
        formset = self.get_formset()
        form_valid = form.is_valid()
        if form_valid and formset.is_valid():
            return self.save(form, formset)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def save(self, form: ProposalForm, formset) -> HttpResponse:
        raise NotImplementedError


class ProposalCreateView(ProposalFormMixin, FormView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and not may_anywhere(request.user, Action.CREATE):
            raise PermissionDenied("Hanya operator kabupaten/kota yang dapat membuat usulan.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        return {"fiscal_year": fiscal_year.planning_year(self.request)}

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # The form's one-time token: a second POST of the same form (a double click, a resent request) finds the
        # proposal the first one created instead of creating another.
        token = self.request.POST.get(CREATION_TOKEN, "") if self.request.method == "POST" else ""
        context["creation_token"] = token if TOKEN_RE.fullmatch(token) else secrets.token_urlsafe(24)
        form = context["form"]
        if self.request.method == "POST" and hasattr(form, "cleaned_data"):
            typed = Proposal(
                **{
                    k: v
                    for k, v in form.cleaned_data.items()
                    if k in {"fiscal_year", "region", "sub_activity", "name", "location"}
                }
            )
            context.update(overlap_context(self.request.user, typed))
        return context

    def _already_saved(self, proposal: Proposal) -> HttpResponse:
        messages.info(
            self.request,
            gettext("Formulir ini sudah disimpan sebagai usulan %(number)s; tidak dibuat lagi.")
            % {"number": proposal.number},
        )
        return redirect(proposal)

    def save(self, form: ProposalForm, formset) -> HttpResponse:
        token = self.request.POST.get(CREATION_TOKEN, "")
        try:
            proposal = services.proposal_create(
                user=self.request.user,
                data=form.cleaned_data,
                funding=formset.lines(),
                creation_token=token if TOKEN_RE.fullmatch(token) else None,
            )
        except IntegrityError:
            # A second POST of the same form (a double click, a resent request): the token's unique constraint
            # refuses it, so the form needs no look-up of its own, and the first POST's proposal is shown.
            earlier = services.proposal_for_token(token)
            if earlier is None:
                raise
            return self._already_saved(earlier)
        messages.success(
            self.request, gettext("Usulan %(number)s tersimpan sebagai draf.") % {"number": proposal.number}
        )
        _warn_overlaps(self.request, proposal)
        return redirect(proposal)


class ProposalUpdateView(ProposalFormMixin, FormView):
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.proposal = get_proposal_for_user(request.user, kwargs["pk"], Action.EDIT)
        if not self.proposal.is_editable:
            messages.warning(
                request,
                gettext(
                    "Usulan berstatus %(status)s tidak dapat diubah; hanya usulan Draf atau "
                    "Dikembalikan yang dapat diubah."
                )
                % {"status": self.proposal.get_status_display()},
            )
            return redirect(self.proposal)
        return super().dispatch(request, *args, **kwargs)

    def save(self, form: ProposalForm, formset) -> HttpResponse:
        try:
            proposal = services.proposal_update(
                proposal=self.proposal,
                user=self.request.user,
                data=form.cleaned_data,
                funding=formset.lines(),
                version=form.cleaned_data.get("version") or 0,
            )
        except services.ProposalConflict as exc:
            form.add_error(None, str(exc))
            return self.render_to_response(self.get_context_data(form=form, formset=formset, conflict=True))
        except services.TransitionError as exc:
            messages.error(self.request, str(exc))
            return redirect(self.proposal)
        messages.success(self.request, gettext("Perubahan usulan %(number)s tersimpan.") % {"number": proposal.number})
        _warn_overlaps(self.request, proposal)
        return redirect(proposal)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.proposal is not None:
            context.update(overlap_context(self.request.user, self.proposal))
            # What the verifier asked for, above the form that fixes it.
            context["return_note"] = _return_note(self.proposal)
        return context


def _return_note(proposal: Proposal, entries: list[AuditEntry] | None = None) -> AuditEntry | None:
    """The verifier's last return (note, who, when) of a proposal that is returned now: among its audit `entries`
    (in time order) when the page has read them all, else read."""
    if proposal.status != Proposal.Status.RETURNED:
        return None
    if entries is not None:
        return next((entry for entry in reversed(entries) if entry.action == AuditEntry.Action.RETURNED), None)
    return return_notes([proposal]).get(proposal.pk)


def _warn_overlaps(request: HttpRequest, proposal: Proposal) -> None:
    numbers = list(overlaps.overlapping(proposal).values_list("number", flat=True)[: overlaps.LIMIT])
    if numbers:
        messages.warning(
            request,
            gettext(
                "Kemungkinan tumpang tindih dengan %(numbers)s: tahun, kabupaten/kota dan sub "
                "kegiatan sama, nama atau lokasi sama. Usulan tetap tersimpan; periksa di "
                "halaman usulan."
            )
            % {"numbers": ", ".join(numbers)},
        )


# Detail -------------------------------------------------------------------------------------------------------------


class ProposalDetailView(LoginRequiredMixin, DetailView):
    template_name = "programs/proposal_detail.html"
    context_object_name = "proposal"

    def get_object(self, queryset=None) -> Proposal:
        # The same scope as `get_proposal_for_user` (404 outside it), with everything the page shows in one go, and
        # whether it may overlap another proposal and its last readiness check's id (each read only if there is one);
        # the proposals carried over from it are read with those it may overlap (`overlaps.copies_and_overlapping`).
        # The kecamatan's and desa's names as subqueries, not joins: with them joined the statement had eight tables,
        # and PostgreSQL spent 5 ms planning it (its exhaustive join search stops at join_collapse_limit, 8) for a
        # 0.4 ms execution; with six, 1 ms.
        queryset = (
            with_last_check(overlaps.with_overlap_flag(Proposal.objects.for_user(self.request.user)))
            .select_related("region", "agency", "sub_activity", "carried_over_from", "created_by")
            .annotate(
                district_name=Subquery(Region.objects.filter(pk=OuterRef("district_id")).values("name")),
                village_name=Subquery(Region.objects.filter(pk=OuterRef("village_id")).values("name")),
            )
            .prefetch_related(
                Prefetch("funding_lines", queryset=ProposalFunding.objects.select_related("scheme")),
            )
        )
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        proposal: Proposal = self.object
        user = self.request.user
        lines = list(proposal.funding_lines.all())
        # The meetings' decisions through the reverse relation and string lookups: `meetings` builds on `programs`,
        # so this app does not import it.
        decision_model = proposal.decisions.model
        funding_lines = decision_model._meta.get_field("funding_lines").related_model._default_manager
        # Its own decisions and those that merged other proposals into it, in one query.
        merged = decision_model.Outcome.MERGED
        both = list(
            decision_model.objects.filter(Q(proposal=proposal) | Q(merged_into=proposal, outcome=merged))
            .select_related("meeting", "desk", "executing_agency", "merged_into", "decided_by", "proposal")
            .prefetch_related(Prefetch("funding_lines", queryset=funding_lines.select_related("scheme")))
            .order_by("meeting__starts_at", "pk")
        )
        decisions = [decision for decision in both if decision.proposal_id == proposal.pk]
        merged_from = sorted(
            (decision for decision in both if decision.proposal_id != proposal.pk),  # merged into it
            key=lambda decision: decision.proposal.number,
        )
        # Linked proposals of another kabupaten/kota are named only by number, and not linked: all of them are read
        # already, and the policy tells which the user sees without reading them again.
        linked = [d.merged_into for d in decisions if d.merged_into_id] + [d.proposal for d in merged_from]
        copies, overlapping = overlaps.copies_and_overlapping(proposal)
        linked += copies
        if proposal.carried_over_from is not None:
            linked.append(proposal.carried_over_from)
        visible = {other.pk for other in linked if sees_proposal(user, other)}
        entries = list(AuditEntry.objects.for_object(proposal).select_related("user").order_by("at", "pk"))
        schemes = [line.scheme for line in lines] + [line.scheme for d in both for line in d.funding_lines.all()]
        history = history_rows(entries, history_scheme_names(entries, schemes))
        actions = available_actions(user, proposal, carried_over=bool(copies))
        warning = None
        if proposal.sub_activity is not None:
            warning = funding_level_warning(
                proposal.sub_activity.government_level, {line.scheme.code for line in lines}
            )
        context.update(
            lines=lines,
            total=sum((line.amount for line in lines), Decimal(0)),
            decisions=decisions,
            merged_from=merged_from,
            merged_into=[decision.merged_into for decision in decisions if decision.merged_into_id],
            copies=copies,
            visible_ids=visible,
            timeline=[row for row in history if row["status"] or row["entry"].action in STATUS_ACTIONS],
            changes=[row for row in history if row["entry"].action == AuditEntry.Action.CHANGED and row["changes"]],
            actions={action.value for action in actions},
            return_form=ReturnForm(),
            level_warning=warning,
            check=latest_check(proposal),
            return_note=_return_note(proposal, entries),
            **documents_context(proposal, user),
        )
        context.update(overlap_notice(user, overlapping))
        return context


# Workflow actions ---------------------------------------------------------------------------------------------------


def _run(request: HttpRequest, proposal: Proposal, func, success: StrOrPromise, **kwargs) -> HttpResponse:
    try:
        result = func(proposal=proposal, user=request.user, **kwargs)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(proposal)
    values: dict[str, object] = {"number": proposal.number}
    if isinstance(result, Proposal):  # a carried-over copy
        values |= {"year": result.fiscal_year, "copy": result.number}
    messages.success(request, str(success) % values)
    return redirect(result if isinstance(result, Proposal) else proposal)


# The events a proposal's page applies with one click (the URL names the action): the service that applies each,
# and its message (%(number)s: the proposal's; %(year)s and %(copy)s: a carried-over copy's). A return asks for a note.
ONE_CLICK_EVENTS = {
    Action.SUBMIT: (services.proposal_submit, _("Usulan %(number)s diajukan ke provinsi untuk diverifikasi.")),
    Action.WITHDRAW: (services.proposal_withdraw, _("Usulan %(number)s ditarik kembali menjadi draf.")),
    Action.CARRY_OVER: (
        services.proposal_carry_over,
        _("Usulan %(number)s dilanjutkan ke TA %(year)s sebagai draf %(copy)s."),
    ),
}


@require_POST
@login_required
def proposal_event(request: HttpRequest, pk: int, action: Action) -> HttpResponse:
    """Submit, withdraw, verify or carry over: 404 outside the user's scope, 403 without the role for `action`,
    the state machine's refusal as a message."""
    proposal = get_proposal_for_user(request.user, pk, action)
    service, success = ONE_CLICK_EVENTS[action]
    return _run(request, proposal, service, success)


@require_POST
@login_required
def proposal_return(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, pk, Action.RETURN)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Catatan pengembalian wajib diisi: tuliskan apa yang harus diperbaiki."))
        return redirect(proposal)
    return _run(
        request,
        proposal,
        services.proposal_return,
        gettext("Usulan %(number)s dikembalikan ke operator untuk diperbaiki."),
        note=form.cleaned_data["note"],
    )


@require_POST
@login_required
def proposal_carry_over_bulk(request: HttpRequest) -> HttpResponse:
    """Carry over the ticked deferred proposals, or every deferred one of the posted filter; all or nothing."""
    user = request.user
    if not may_anywhere(user, Action.CARRY_OVER):
        raise PermissionDenied("Peran Anda tidak mengizinkan melanjutkan usulan.")
    filter_query = request.POST.get("filter", "")
    back = f"{reverse('programs:proposal-list')}?{filter_query}" if filter_query else reverse("programs:proposal-list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("programs:proposal-list")
    visible = Proposal.objects.for_user(user).select_related("region")
    if request.POST.get("all"):
        _, filtered = filter_proposals(QueryDict(filter_query), user=user, queryset=visible)
        proposals = list(filtered.deferred().order_by("number")[: BULK_CARRY_OVER_LIMIT + 1])
    else:
        try:
            ids = sorted({int(pk) for pk in request.POST.getlist("ids")})
        except ValueError:
            ids = []
        proposals = list(visible.filter(pk__in=ids).order_by("number"))
        if len(proposals) != len(ids):
            raise Http404("Usulan tidak ditemukan.")
    if not proposals:
        messages.warning(request, gettext("Tidak ada usulan ditangguhkan yang dipilih."))
        return HttpResponseRedirect(back)
    if len(proposals) > BULK_CARRY_OVER_LIMIT:
        messages.error(
            request,
            gettext("Paling banyak %(limit)s usulan sekaligus; persempit filter.") % {"limit": BULK_CARRY_OVER_LIMIT},
        )
        return HttpResponseRedirect(back)
    if not all(may_on_proposal(user, Action.CARRY_OVER, proposal) for proposal in proposals):
        raise PermissionDenied("Sebagian usulan berada di luar wilayah yang boleh Anda lanjutkan.")
    try:
        copies = services.proposal_carry_over_many(proposals=proposals, user=user)
    except services.TransitionError as exc:
        messages.error(request, gettext("Tidak ada usulan yang dilanjutkan. %(exc)s") % {"exc": exc})
        return HttpResponseRedirect(back)
    messages.success(
        request,
        f"{len(copies)} usulan dilanjutkan ke tahun anggaran berikutnya sebagai draf: "
        + ", ".join(copy.number for copy in copies[:10])
        + (" …" if len(copies) > 10 else ""),
    )
    return HttpResponseRedirect(back)


# Bulk actions on the list ------------------------------------------------------------------------------------------

BULK_ACTIONS = (Action.SUBMIT, Action.VERIFY, Action.RETURN, Action.CARRY_OVER)
# At most this many ticked proposals per action: the list shows 50 a page, and one transaction stays short.
BULK_LIMIT = 500


def _list_back(request: HttpRequest) -> str:
    """The list with the filter it was posted from."""
    query = request.POST.get("filter", "")
    back = f"{reverse('programs:proposal-list')}?{query}" if query else reverse("programs:proposal-list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("programs:proposal-list")
    return back


def _bulk_run(user, action: str, proposals: list[Proposal], form: BulkActionForm) -> str:
    """Apply `action` to every proposal through the services (all or nothing), and say what was done."""
    note = form.cleaned_data.get("note", "").strip()
    if action == Action.CARRY_OVER:
        copies = services.proposal_carry_over_many(proposals=proposals, user=user)
        numbers = [copy.number for copy in copies]
        return f"{len(copies)} usulan dilanjutkan ke tahun anggaran berikutnya sebagai draf: {_numbers(numbers)}."
    met = form.met_ids()
    checklist = readiness_checklist(met) if met is not None else None
    moves = [services.ProposalMove(proposal, note=note, checklist=checklist) for proposal in proposals]
    services.proposal_move_bulk(user=user, event=Action(action), moves=moves)
    done = {
        Action.SUBMIT: "diajukan ke provinsi untuk diverifikasi",
        Action.VERIFY: "terverifikasi",
        Action.RETURN: "dikembalikan ke operator untuk diperbaiki",
    }[Action(action)]
    total = sum((proposal.total_amount or Decimal(0) for proposal in proposals), Decimal(0))
    numbers = [proposal.number for proposal in proposals]
    return f"{len(proposals)} usulan {done} (pagu {format_rupiah(total)}): {_numbers(numbers)}."


def _numbers(numbers: list[str]) -> str:
    return ", ".join(numbers[:10]) + (f" dan {len(numbers) - 10} lainnya" if len(numbers) > 10 else "")


@require_POST
@login_required
def proposal_bulk(request: HttpRequest) -> HttpResponse:
    """The proposals ticked on the list: first a page that lists them and offers only the actions the user may take
    on every one of them now (`available_actions`), saying why the others are not offered; then that action on all
    of them through the services, all or nothing, with one note. 404 for a proposal outside the user's scope, 403
    for an action their roles do not grant on one of them; a status that does not allow it refuses the whole batch
    with a message, and nothing changes."""
    user = request.user
    offered = [action for action in BULK_ACTIONS if may_anywhere(user, action)]
    if not offered:
        raise PermissionDenied("Peran Anda tidak mengizinkan tindakan atas beberapa usulan sekaligus.")
    back = _list_back(request)
    try:
        ids = list(dict.fromkeys(int(pk) for pk in request.POST.getlist("ids")))
    except ValueError:
        messages.error(request, gettext("Pilihan usulan tidak valid; muat ulang daftar dan pilih lagi."))
        return HttpResponseRedirect(back)
    if not ids:
        messages.warning(request, gettext("Belum ada usulan yang dicentang."))
        return HttpResponseRedirect(back)
    if len(ids) > BULK_LIMIT:
        message = f"Paling banyak {BULK_LIMIT} usulan sekaligus; {len(ids)} dicentang. Tidak ada yang diproses."
        messages.error(request, message)
        return HttpResponseRedirect(back)
    proposals = list(
        Proposal.objects.for_user(user)
        .filter(pk__in=ids)
        .select_related("region", "agency")
        .prefetch_related(Prefetch("carried_over_to", queryset=Proposal.objects.only("pk", "carried_over_from")))
        .order_by("region__code", "number")
    )
    if len(proposals) != len(ids):
        raise Http404("Usulan tidak ditemukan.")
    available = {proposal.pk: available_actions(user, proposal) for proposal in proposals}
    possible = [action for action in offered if all(action in available[p.pk] for p in proposals)]
    chosen = request.POST.get("action", "")
    if chosen:
        if chosen in BULK_ACTIONS and not all(may_on_proposal(user, Action(chosen), p) for p in proposals):
            raise PermissionDenied("Peran Anda tidak mengizinkan tindakan ini pada sebagian usulan yang dipilih.")
        # Every action is a choice here: a status that does not allow it is the services' refusal, named per proposal.
        form = BulkActionForm(request.POST, actions=[str(action) for action in BULK_ACTIONS])
        if form.is_valid():
            try:
                summary = _bulk_run(user, form.cleaned_data["action"], proposals, form)
            except services.TransitionError as exc:
                form.add_error(None, f"Tidak ada usulan yang diproses. {exc}")
            else:
                messages.success(request, summary)
                return HttpResponseRedirect(back)
    else:
        form = BulkActionForm(actions=[str(action) for action in possible])
    blocked = []
    for action in offered:
        if action in possible:
            continue
        others = [p for p in proposals if action not in available[p.pk]]
        reasons = ", ".join(f"{p.number} ({p.get_status_display()})" for p in others[:5])
        more = f" dan {len(others) - 5} lainnya" if len(others) > 5 else ""
        blocked.append((BULK_ACTION_LABELS[action], f"{reasons}{more}"))
    context = {
        "proposals": proposals,
        "form": form,
        "possible": possible,
        "blocked": blocked,
        "filter": request.POST.get("filter", ""),
        "total": sum((p.total_amount or Decimal(0) for p in proposals), Decimal(0)),
    }
    return render(request, "programs/proposal_bulk.html", context, status=200)


# JSON helpers for the form ------------------------------------------------------------------------------------------


@require_GET
@login_required
def region_children(request: HttpRequest, code: str) -> JsonResponse:
    """Kecamatan, desa/kelurahan and agencies of one kabupaten/kota in the user's scope (404 outside it)."""
    regency = get_object_or_404(regencies_for(request.user), code=code)
    districts = Region.objects.districts().filter(parent=regency).order_by("code")
    villages = Region.objects.villages().filter(code__startswith=f"{regency.code}.").order_by("code")
    agencies = agencies_for(request.user).filter(region=regency).order_by("short_name")
    return JsonResponse(
        {
            "regency": {"id": regency.pk, "code": regency.code, "name": regency.name},
            "districts": [{"id": r.pk, "code": r.code, "name": r.name} for r in districts],
            "villages": [{"id": r.pk, "code": r.code, "name": r.name, "district": r.parent_id} for r in villages],
            "agencies": [{"id": a.pk, "name": a.short_name} for a in agencies],
        }
    )
