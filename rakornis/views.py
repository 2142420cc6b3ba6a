from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import StaffRole
from programs.models import FundingScheme, Proposal, ProposalFunding


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Totals by status and by funding scheme for what the user may see."""
    proposals = Proposal.objects.for_user(request.user)
    status_counts = dict(proposals.order_by().values_list("status").annotate(n=Count("pk")))
    by_status = [(label, status_counts.get(value, 0)) for value, label in Proposal.Status.choices]
    scheme_totals = dict(
        ProposalFunding.objects.filter(proposal__in=proposals)
        .order_by()
        .values_list("scheme")
        .annotate(total=Sum("amount"))
    )
    by_scheme = [
        (scheme, scheme_totals.get(scheme.pk, Decimal(0)))
        for scheme in FundingScheme.objects.all()
        if scheme_totals.get(scheme.pk)
    ]
    context = {
        "roles": StaffRole.objects.of(request.user).select_related("agency"),
        "by_status": by_status,
        "proposal_count": sum(status_counts.values()),
        "by_scheme": by_scheme,
        "grand_total": sum(scheme_totals.values(), Decimal(0)),
    }
    return render(request, "rakornis/home.html", context)
