"""The dashboard of the planning year (rakornis/dashboard.py, /dasbor/): its numbers are those of the proposals each
person may see, computed again here from scratch; another kabupaten/kota's operator sees none of Banjar's; the page
costs the same few queries at five proposals and at thousands."""

import re
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Decision
from meetings.selectors import agreed_funding
from programs.models import Indicator, IndicatorTarget, Proposal, ProposalFunding
from programs.summary import summary_rebuild
from rakornis.dashboard import dashboard
from tests.factories import (
    FundingSchemeFactory,
    MeetingFactory,
    WorkPlanFactory,
    agreed_proposal,
    funded_proposal,
    sub_activity,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
S = Proposal.Status
MAX_QUERIES = 12


@pytest.fixture
def world(banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    """Banjar and Tapin proposals of 2027 in most statuses, on two schemes, two of them agreed (one with changes);
    a Banjar proposal of 2028 that no 2027 number may count; a Renja each; an indicator target in Banjar."""
    FundingSchemeFactory(code="APBD_PROV", order=1)
    FundingSchemeFactory(code="BKP", order=2)
    for status, amount in [
        (S.DRAFT, 11_000_000),
        (S.DRAFT, 12_000_000),
        (S.SUBMITTED, 130_000_000),
        (S.RETURNED, 140_000_000),
        (S.VERIFIED, 150_000_000),
        (S.REJECTED, 160_000_000),
    ]:
        funded_proposal(region=banjar, agency=pupr_banjar, status=status, amount=amount, scheme="APBD_PROV")
    funded_proposal(region=banjar, agency=pupr_banjar, status=S.VERIFIED, amount=170_000_000, scheme="BKP")
    funded_proposal(region=banjar, agency=pupr_banjar, status=S.SUBMITTED, amount=999_000_000, fiscal_year=2028)
    funded_proposal(region=tapin, agency=pupr_tapin, status=S.SUBMITTED, amount=210_000_000, scheme="BKP")
    funded_proposal(region=tapin, agency=pupr_tapin, status=S.DRAFT, amount=220_000_000, scheme="BKP")
    meeting = MeetingFactory(organiser=pupr_kalsel, fiscal_year=2027)
    agreed_proposal(
        executing_agency=pupr_kalsel,
        meeting=meeting,
        funding={"APBD_PROV": 800_000_000, "BKP": 50_000_000},
        region=banjar,
        agency=pupr_banjar,
    )
    agreed_proposal(
        executing_agency=pupr_kalsel,
        meeting=meeting,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={"BKP": 300_000_000},
        proposal_funding={"BKP": 400_000_000},
        region=tapin,
        agency=pupr_tapin,
    )
    WorkPlanFactory(agency=pupr_kalsel, fiscal_year=2027)
    WorkPlanFactory(agency=pupr_banjar, fiscal_year=2027)
    road = Indicator.objects.create(code="IK-JLN-01", name="Jalan mantap Banjar", unit="%", direction="naik")
    IndicatorTarget.objects.create(
        indicator=road, region=banjar, year=2027, target=Decimal("90"), realisation=Decimal("72.5")
    )


def expected(user, year: int = 2027) -> dict:
    """The dashboard's numbers computed from the proposals, their funding lines and the deciding decisions."""
    scope = Proposal.objects.for_user(user).filter(fiscal_year=year)
    proposed_lines = ProposalFunding.objects.filter(proposal__in=scope.filter(status__in=Proposal.PROPOSED_STATUSES))
    proposed_by_region = dict(proposed_lines.values_list("proposal__region__code").annotate(t=Sum("amount")))
    proposed_by_scheme = dict(proposed_lines.values_list("scheme__code").annotate(t=Sum("amount")))
    agreed = agreed_funding(fiscal_year=year, proposals=scope)
    recap: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for region, scheme, total in agreed.values_list("decision__proposal__region__code", "scheme__code").annotate(
        t=Sum("amount")
    ):
        recap[region][scheme] = total
    progress: dict[str, Counter[str]] = defaultdict(Counter)
    for region, status in scope.values_list("region__code", "status"):
        progress[region][status] += 1
    return {
        "statuses": Counter(scope.values_list("status", flat=True)),
        "proposed_by_region": proposed_by_region,
        "proposed_by_scheme": proposed_by_scheme,
        "recap": dict(recap),
        "progress": dict(progress),
    }


def shown(board) -> dict:
    verified_or_later = (S.VERIFIED, S.AGREED, S.AGREED_WITH_CHANGES, S.MERGED, S.DEFERRED, S.REJECTED)
    return {
        "statuses": Counter({value: count for value, _, count in board.by_status if count}),
        "proposed_by_region": {row.region.code: row.proposed for row in board.regions if row.proposed},
        "proposed_by_scheme": {row.scheme.code: row.proposed for row in board.schemes if row.proposed},
        "recap": {
            row.region.code: {
                scheme.code: amount
                for scheme, amount in zip(board.recap_schemes, row.agreed_by_scheme, strict=True)
                if amount
            }
            for row in board.regions
            if row.agreed
        },
        "progress": {
            row.region.code: Counter({status: count for status, count in row.by_status.items() if count})
            for row in board.regions
        },
        "verified": {row.region.code: row.verified for row in board.regions},
        "expected_verified": {
            row.region.code: sum(row.by_status.get(s, 0) for s in verified_or_later) for row in board.regions
        },
    }


def page_of(client, user) -> str:
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.text


def rupiah_in(page: str, element_id: str) -> Decimal:
    match = re.search(rf'id="{element_id}">Rp ([\d.]+)<', page)
    assert match, f"no amount in #{element_id}"
    return Decimal(match.group(1).replace(".", ""))


@pytest.mark.parametrize(
    "persona", ["viewer", "verifier", "planner", "secretary", "superuser", "operator_banjar", "operator_tapin"]
)
def test_the_numbers_are_those_of_the_proposals_the_person_sees(client, request, world, persona):
    user = request.getfixturevalue(persona)
    page = page_of(client, user)
    board = dashboard(user, 2027)
    want, got = expected(user), shown(board)
    for key in ("statuses", "proposed_by_region", "proposed_by_scheme", "recap", "progress"):
        assert got[key] == want[key], key
    assert got["verified"] == got["expected_verified"]
    # What the page prints is the same: the totals and the recap's grand total.
    assert rupiah_in(page, "figure-proposed") == sum(want["proposed_by_region"].values(), Decimal(0))
    assert rupiah_in(page, "recap-total") == sum(
        (amount for row in want["recap"].values() for amount in row.values()), Decimal(0)
    )


def test_the_viewer_sees_the_province_in_figures(client, viewer, world):
    page = page_of(client, viewer)
    # Banjar's submitted, returned and verified lines and its agreed proposal's own lines; Tapin's submitted and
    # agreed-with-changes ones. Not drafts, nor the rejected one, nor 2028's.
    banjar = 130_000_000 + 140_000_000 + 150_000_000 + 170_000_000 + 850_000_000
    assert rupiah_in(page, "figure-proposed") == banjar + 210_000_000 + 400_000_000
    assert rupiah_in(page, "figure-agreed") == 1_150_000_000
    assert rupiah_in(page, "recap-total") == 1_150_000_000
    # Banjar: draft 2, submitted 1, returned 1, and verified or further: 2 verified, 1 rejected, 1 agreed.
    row = re.search(r'<tr data-region="63\.03"><td>[^<]*</td>((?:<td class="amount">[^<]*</td>){5})', page)
    assert row, "no Banjar progress row"
    assert re.findall(r">([^<]*)<", row.group(1))[::2] == ["2", "1", "1", "4", "8"]
    # The funnel: 11 proposals, 8 submitted, 5 passed verification, 3 decided, 2 agreed.
    funnel = dict(re.findall(r'<tr data-stage="(\w+)"><td>[^<]*</td><td class="amount">(\d+)</td>', page))
    assert funnel == {"all": "11", "submitted": "8", "verified": "5", "decided": "3", "agreed": "2"}
    # The recap workbook of the same year is one click away; the year's Renja and the indicator gap are listed.
    assert f'href="{reverse("workplans:recap-export")}?year=2027"' in page
    assert "Dinas PUPR Prov. Kalsel" in page and "Jalan mantap Banjar" in page
    # The charts' numbers reach the script through json_script, never an inline script.
    assert '<script id="dashboard-data" type="application/json">' in page
    assert "js/dashboard.js" in page and "chartjs/chart.umd.min.js" in page


def test_an_operator_of_another_kabupaten_sees_none_of_banjars_numbers(client, operator_tapin, world, banjar):
    page = page_of(client, operator_tapin)
    assert 'data-region="63.03"' not in page
    assert banjar.name not in page
    for amount in ("Rp 130.000.000", "Rp 150.000.000", "Rp 800.000.000", "Rp 850.000.000"):
        assert amount not in page
    assert "Jalan mantap Banjar" not in page  # Banjar's indicator target
    assert rupiah_in(page, "figure-proposed") == 210_000_000 + 400_000_000
    assert rupiah_in(page, "recap-total") == 300_000_000


def test_banjars_operator_sees_banjar_only(client, operator_banjar, world, tapin):
    page = page_of(client, operator_banjar)
    assert 'data-region="63.05"' not in page and tapin.name not in page
    assert rupiah_in(page, "figure-agreed") == 850_000_000


def test_a_year_without_proposals_says_so(client, viewer, world):
    client.force_login(viewer)
    client.post(reverse("fiscal-year-switch"), {"year": "2030"})
    page = client.get(DASHBOARD).text
    assert "Belum ada usulan TA 2030 yang boleh Anda lihat." in page
    assert rupiah_in(page, "figure-proposed") == 0
    assert "chart-funnel" not in page  # no empty charts


def test_a_year_in_the_session_that_is_no_year_falls_back_to_the_default(client, viewer, world):
    client.force_login(viewer)
    session = client.session
    session["planning_year"] = "20x7"
    session.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "Dasbor TA 2027" in response.text


def test_the_navigation_links_the_dashboard(client, operator_banjar):
    client.force_login(operator_banjar)
    assert f'href="{DASHBOARD}">Dasbor</a>' in client.get(reverse("home")).text


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def queries_of(client) -> int:
    client.get(DASHBOARD)  # the first page after sign-in reads the header's unread count into the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    return len(queries)


def many_proposals(region, agency, count: int) -> None:
    apbd, bkp = FundingSchemeFactory(code="APBD_PROV"), FundingSchemeFactory(code="BKP")
    road = sub_activity()
    statuses = list(S)
    rows = Proposal.objects.bulk_create(
        Proposal(
            # Far above the factory's sequence, which is per process and already past 1000 when this worker has
            # run many tests before (the PostgreSQL run's order hit USL-2027-63.03-1307 twice).
            number=Proposal.format_number(2027, region.code, 900_000 + n),
            fiscal_year=2027,
            region=region,
            agency=agency,
            sub_activity=road,
            name=f"Rehabilitasi Jalan Ruas {n}",
            location=f"Desa {n}",
            volume=Decimal(1),
            unit="km",
            status=statuses[n % len(statuses)],
            priority=1,
            origin=Proposal.Origin.MUSRENBANG,
            total_amount=Decimal(n * 1_000_000),
        )
        for n in range(1, count + 1)
    )
    ProposalFunding.objects.bulk_create(
        ProposalFunding(proposal=row, scheme=apbd if row.pk % 3 else bkp, amount=row.total_amount) for row in rows
    )
    summary_rebuild()


@pytest.mark.parametrize("persona", ["viewer", "operator_banjar"])
def test_the_page_costs_the_same_queries_at_five_and_thousands_of_proposals(
    client, request, world, banjar, tapin, pupr_banjar, pupr_tapin, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    few = queries_of(client)
    many_proposals(banjar, pupr_banjar, 2500)
    many_proposals(tapin, pupr_tapin, 500)
    many = queries_of(client)
    assert Proposal.objects.count() > 3000
    assert few == many <= MAX_QUERIES, (few, many)
