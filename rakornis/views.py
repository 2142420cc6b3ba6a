from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from agencies.models import StaffRole
from meetings.models import Meeting
from programs.models import FundingScheme, Proposal, ProposalSummary
from programs.summary import summary_totals
from programs.verification import return_notes
from rakornis.fiscal_year import planning_year
from rakornis.policy import Action, may_anywhere

HOME_LIST_LIMIT = 10


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
    summarised = ProposalSummary.objects.for_user(user)
    totals = summary_totals(summarised.for_year(year))
    by_status = [(value, label, totals.by_status.get(value, 0)) for value, label in Proposal.Status.choices]
    proposed, agreed = totals.proposed, totals.agreed
    by_scheme = [
        (scheme, proposed.get(scheme.pk), agreed.get(scheme.pk))
        for scheme in FundingScheme.objects.all()
        if scheme.pk in proposed or scheme.pk in agreed
    ]
    listed = proposals.select_related("region").with_total().order_by("-updated_at")
    # Work waiting in other fiscal years, so that a queue filtered to the planning year hides nothing silently.
    waiting = (Proposal.Status.DRAFT, Proposal.Status.RETURNED, Proposal.Status.SUBMITTED)
    elsewhere = {
        status: count
        for status, count in summarised.totals()
        .exclude(fiscal_year=year)
        .filter(status__in=waiting)
        .order_by()
        .values_list("status")
        .annotate(n=Sum("proposal_count"))
        if count
    }
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
        context["my_drafts"] = listed.filter(status=Proposal.Status.DRAFT)[:HOME_LIST_LIMIT]
        returned = list(listed.filter(status=Proposal.Status.RETURNED)[:HOME_LIST_LIMIT])
        # Each with the verifier's last note, so the operator sees what to fix without opening it.
        notes = return_notes(returned)
        for proposal in returned:
            proposal.return_note = notes.get(proposal.pk)
        context["my_returned"] = returned
        context["my_outcomes"] = listed.exclude(status__in=[Proposal.Status.DRAFT, Proposal.Status.RETURNED])[
            :HOME_LIST_LIMIT
        ]
    if may_anywhere(user, Action.VERIFY):
        context["to_verify"] = listed.filter(status=Proposal.Status.SUBMITTED).order_by("updated_at")[:HOME_LIST_LIMIT]
    if may_anywhere(user, Action.MANAGE_MEETING, Action.PLAN, Action.READ_MINUTES):
        context["upcoming_meetings"] = (
            Meeting.objects.for_user(user)
            .filter(fiscal_year=year, ends_at__gte=timezone.now() - timedelta(days=30))
            .select_related("organiser")
            .order_by("starts_at")[:HOME_LIST_LIMIT]
        )
    return render(request, "rakornis/home.html", context)
