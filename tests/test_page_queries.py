"""Issue 11: the pages everyone opens cost the same number of queries at 5 proposals and at a few thousand, and at
most 12, for every role: the proposal list in each variant the web bench measures, the home page, the dashboard and
the recap workbook. (Their time is measured by bench/web_bench.py and bench/page_profile.py, not here.)"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs import notifications
from programs.models import Proposal, ProposalFunding
from programs.summary import summary_rebuild
from rakornis.middleware import SessionActivityMiddleware
from tests.factories import FundingSchemeFactory, sub_activity

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
LIST = reverse("programs:proposal-list")
PAGES = {
    "list": (LIST, {}),
    "list, one status": (LIST, {"status": "verified"}),
    "list, proposed": (LIST, {"status": "proposed"}),
    "list, scheme": (LIST, {"scheme": "APBD_KAB"}),
    "list, q=jalan": (LIST, {"q": "jalan"}),
    "list, sort by total": (LIST, {"sort": "-total"}),
    "list, page 2": (LIST, {"page": "2"}),
    "list, page 500": (LIST, {"page": "500"}),
    "home": (reverse("home"), {}),
    "dashboard": (reverse("dashboard"), {}),
    "recap": (reverse("workplans:recap-export"), {"year": "2027"}),
}
PERSONAS = ["operator_banjar", "verifier", "planner", "secretary", "viewer", "superuser"]


@pytest.fixture(autouse=True)
def _session_refreshed_once(monkeypatch):
    """The session's activity stamp and the header's unread count are refreshed once a minute, on whichever request
    falls past the minute: on a busy machine that can be the measured one (+4 queries, seen). Here they refresh on
    a session's first request only, which the warm-up makes."""
    monkeypatch.setattr(SessionActivityMiddleware, "REFRESH_SECONDS", 10**9)
    monkeypatch.setattr(notifications, "UNREAD_REFRESH_SECONDS", 10**9)


def add_proposals(count: int, *, region, agency, first: int) -> None:
    """`count` proposals of every status, funded by one of two schemes, in a few INSERTs and one summary rebuild."""
    schemes = [FundingSchemeFactory(code="APBD_KAB"), FundingSchemeFactory(code="BKP")]
    road = sub_activity()
    statuses = list(Proposal.Status)
    rows = Proposal.objects.bulk_create(
        Proposal(
            number=Proposal.format_number(2027, region.code, first + n),
            fiscal_year=2027,
            region=region,
            agency=agency,
            sub_activity=road,
            name=f"Rehabilitasi Jalan Ruas {first + n}",
            location=f"Desa {n}",
            volume=Decimal(1),
            unit="km",
            status=statuses[n % len(statuses)],
            total_amount=Decimal((n + 1) * 1_000_000),
        )
        for n in range(count)
    )
    ProposalFunding.objects.bulk_create(
        ProposalFunding(proposal=row, scheme=schemes[row.pk % 2], amount=row.total_amount) for row in rows
    )
    summary_rebuild()  # bulk_create passes by the services that keep the summary


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for name, (url, params) in PAGES.items():
        client.get(url, params)  # a first visit may save the session (activity stamp, unread count): not counted
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200, name
        counts[name] = len(captured)
    return counts


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_costs_the_same_queries_at_5_and_2000_proposals_and_at_most_12(
    client, request, persona, banjar, pupr_banjar, tapin, pupr_tapin
):
    client.force_login(request.getfixturevalue(persona))
    add_proposals(5, region=banjar, agency=pupr_banjar, first=800_000)
    few = queries_per_page(client)
    add_proposals(1_500, region=banjar, agency=pupr_banjar, first=810_000)
    add_proposals(500, region=tapin, agency=pupr_tapin, first=820_000)
    many = queries_per_page(client)
    assert many == few, {name: (few[name], many[name]) for name in few if few[name] != many[name]}
    assert max(many.values()) <= MAX_QUERIES, many


def test_the_list_counts_from_the_summary_what_it_shows(client, verifier, banjar, pupr_banjar, tapin, pupr_tapin):
    """The count read from the summary is the number of proposals the filter selects, for each summary filter; a
    search still counts its rows."""
    add_proposals(120, region=banjar, agency=pupr_banjar, first=830_000)
    add_proposals(30, region=tapin, agency=pupr_tapin, first=840_000)
    client.force_login(verifier)
    expected = {
        "": Proposal.objects.count(),
        "status=verified": Proposal.objects.filter(status=Proposal.Status.VERIFIED).count(),
        "status=proposed": Proposal.objects.proposed().count(),
        "region=63.05": Proposal.objects.filter(region=tapin).count(),
        "scheme=BKP": Proposal.objects.filter(funding_lines__scheme__code="BKP").count(),
        "q=Ruas 83001": Proposal.objects.filter(name__icontains="Ruas 83001").count(),  # counted, not summed up
    }
    for query, count in expected.items():
        response = client.get(f"{LIST}?{query}")
        assert response.context["total_count"] == count, query
        assert response.context["count_is_exact"]
        shown = min(count, 50)
        assert len(response.context["proposals"]) == shown, query
