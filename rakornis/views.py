from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from agencies.models import StaffRole, has_role
from meetings.models import Meeting
from programs.models import FundingScheme, Proposal, ProposalFunding

HOME_LIST_LIMIT = 10


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Totals by status and by funding scheme for the user's scope, and each role's own work queue."""
    user = request.user
    proposals = Proposal.objects.for_user(user)
    status_counts = dict(proposals.order_by().values_list("status").annotate(n=Count("pk")))
    by_status = [(value, label, status_counts.get(value, 0)) for value, label in Proposal.Status.choices]
    scheme_totals = dict(
        ProposalFunding.objects.filter(proposal__in=proposals)
        .order_by()
        .values_list("scheme")
        .annotate(total=Sum("amount"))
    )
    by_scheme = [
        (scheme, scheme_totals[scheme.pk]) for scheme in FundingScheme.objects.all() if scheme_totals.get(scheme.pk)
    ]
    listed = proposals.select_related("region").with_total().order_by("-updated_at")
    context = {
        "roles": StaffRole.objects.of(user).select_related("agency"),
        "by_status": by_status,
        "proposal_count": sum(status_counts.values()),
        "by_scheme": by_scheme,
        "grand_total": sum(scheme_totals.values(), Decimal(0)),
        "limit": HOME_LIST_LIMIT,
    }
    if has_role(user, StaffRole.Role.OPERATOR):
        context["my_drafts"] = listed.filter(status=Proposal.Status.DRAFT)[:HOME_LIST_LIMIT]
        context["my_returned"] = listed.filter(status=Proposal.Status.RETURNED)[:HOME_LIST_LIMIT]
        context["my_outcomes"] = listed.exclude(status__in=[Proposal.Status.DRAFT, Proposal.Status.RETURNED])[
            :HOME_LIST_LIMIT
        ]
    if has_role(user, StaffRole.Role.VERIFIER):
        context["to_verify"] = listed.filter(status=Proposal.Status.SUBMITTED).order_by("updated_at")[:HOME_LIST_LIMIT]
    if has_role(user, StaffRole.Role.SECRETARY, StaffRole.Role.PLANNER, StaffRole.Role.VIEWER):
        context["upcoming_meetings"] = (
            Meeting.objects.for_user(user)
            .filter(ends_at__gte=timezone.now() - timedelta(days=30))
            .select_related("organiser")
            .order_by("starts_at")[:HOME_LIST_LIMIT]
        )
    return render(request, "rakornis/home.html", context)
