from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from agencies.models import StaffRole
from meetings.models import Meeting, MeetingQuerySet
from programs.models import FundingScheme, Proposal, ProposalSummary
from programs.summary import summary_totals_and_waiting
from programs.verification import with_last_return_note
from rakornis.dashboard import dashboard as dashboard_of
from rakornis.fiscal_year import planning_year
from rakornis.policy import Action, may_anywhere

HOME_LIST_LIMIT = 10


def open_meetings(user: Any) -> MeetingQuerySet:
    """The meetings in the user's scope that are not closed yet, whatever their fiscal year (an open meeting is work
    to finish): today's first, then the coming ones, then those past and still open; each by its start.
    `rank` 0 marks those meeting today (in the office's time zone)."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    end = start + timedelta(days=1)
    return (
        Meeting.objects.for_user(user)
        .open()
        .annotate(
            rank=Case(
                When(starts_at__lt=end, ends_at__gte=start, then=Value(0)),
                When(starts_at__gte=end, then=Value(1)),
                default=Value(2),
            )
        )
        .select_related("organiser")
        .order_by("rank", "starts_at", "pk")
    )


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The planning year in the user's scope: proposals per status, what was proposed and what was agreed per funding
    scheme, and each role's own work queue.

    "Pagu usulan" adds the proposals' own amounts over `Proposal.PROPOSED_STATUSES` (submitted to agreed; not
    drafts, rejected, merged or deferred); "pagu disepakati" adds the agreed amounts of the deciding decisions
    (`meetings.selectors.agreed_funding`), as the recap and the Renja do. Each proposal counts in its own fiscal
    year only, so a deferred proposal and its carried-over copy are never added together. The counts and amounts
    come from the proposal summary (`programs.summary`): the page costs the same at 50 proposals and at 500,000.
    """
    user = request.user
    year = planning_year(request)
    scope = Proposal.objects.for_user(user)
    proposals = scope.for_year(year)
    # The counts and amounts from the summary (programs.summary): a few hundred rows, whatever the proposals.
    # Work waiting in other fiscal years is counted in the same query, so that a queue filtered to the planning year
    # hides nothing silently.
    waiting = (Proposal.Status.DRAFT, Proposal.Status.RETURNED, Proposal.Status.SUBMITTED)
    totals, elsewhere = summary_totals_and_waiting(ProposalSummary.objects.for_user(user), year=year, waiting=waiting)
    by_status = [(value, label, totals.by_status.get(value, 0)) for value, label in Proposal.Status.choices]
    proposed, agreed = totals.proposed, totals.agreed
    by_scheme = [
        (scheme, proposed.get(scheme.pk), agreed.get(scheme.pk))
        for scheme in FundingScheme.objects.all()
        if scheme.pk in proposed or scheme.pk in agreed
    ]
    listed = proposals.select_related("region").with_total().order_by("-updated_at")
    context = {
        "year": year,
        "year_label": str(year),
        "roles": StaffRole.objects.of(user).select_related("agency"),
        "by_status": by_status,
        "proposal_count": totals.proposal_count,
        "proposed_statuses": [Proposal.Status(value).label for value in Proposal.PROPOSED_STATUSES],
        "proposed_count": sum(totals.by_status.get(value, 0) for value in Proposal.PROPOSED_STATUSES),
        "agreed_count": totals.agreed_count,
        "by_scheme": by_scheme,
        "proposed_total": sum(proposed.values(), Decimal(0)),
        "agreed_total": sum(agreed.values(), Decimal(0)),
        "elsewhere": elsewhere,
        "limit": HOME_LIST_LIMIT,
    }
    if may_anywhere(user, Action.EDIT):
        context["my_drafts"] = Proposal.as_table_rows(listed.filter(status=Proposal.Status.DRAFT)[:HOME_LIST_LIMIT])
        # Each with the verifier's last note, so the operator sees what to fix without opening it.
        returned = with_last_return_note(listed.filter(status=Proposal.Status.RETURNED))
        context["my_returned"] = Proposal.as_table_rows(returned[:HOME_LIST_LIMIT])
        context["my_outcomes"] = Proposal.as_table_rows(
            listed.exclude(status__in=[Proposal.Status.DRAFT, Proposal.Status.RETURNED])[:HOME_LIST_LIMIT]
        )
    if may_anywhere(user, Action.VERIFY):
        submitted = listed.filter(status=Proposal.Status.SUBMITTED).order_by("updated_at")
        context["to_verify"] = Proposal.as_table_rows(submitted[:HOME_LIST_LIMIT])
    if may_anywhere(user, Action.MANAGE_MEETING, Action.PLAN, Action.READ_MINUTES):
        context["open_meetings"] = open_meetings(user)[:HOME_LIST_LIMIT]
    return render(request, "rakornis/home.html", context)


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The planning year at a glance over the user's scope (rakornis/dashboard.py): charts whose numbers are also in
    tables beside them, and the recap by kabupaten/kota x scheme with a link to its workbook."""
    year = planning_year(request)
    board = dashboard_of(request.user, year)
    return render(request, "rakornis/dashboard.html", {"year": year, "board": board, "chart": board.chart_data()})
