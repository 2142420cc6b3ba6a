"""The pages that show totals read the proposal summary: the same number of queries at 5 proposals and at a few
thousand, at most 12; the list's totals come from the summary for its columns and stay bounded otherwise."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs import services, summary
from programs.models import Proposal
from programs.services import ProposalInput
from programs.workflow import Event
from tests.factories import FundingSchemeFactory, sub_activity

pytestmark = pytest.mark.django_db

MAX_QUERIES = 12
LIST = reverse("programs:proposal-list")


def add_proposals(user, region, agency, count: int, *, scheme, amount: int = 1_000_000, **extra) -> list[Proposal]:
    inputs = [
        ProposalInput(
            data={
                "fiscal_year": 2027,
                "region": region,
                "agency": agency,
                "sub_activity": sub_activity(),
                "name": f"Jalan Usaha Tani {n}",
                "volume": Decimal(1),
                "unit": "km",
                **extra,
            },
            funding={scheme: Decimal(amount)},
        )
        for n in range(count)
    ]
    proposals = services.proposal_create_bulk(user=user, inputs=inputs)
    half = proposals[: count // 2]
    services.proposal_move_bulk(user=user, event=Event.SUBMIT, moves=[services.ProposalMove(p) for p in half])
    return proposals


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def scheme():
    return FundingSchemeFactory(code="APBD_KAB")


PAGES = [
    ("home", reverse("home"), None),
    ("recap", reverse("workplans:recap-export"), {"year": "2027"}),
    ("list by status", LIST, {"fiscal_year": "2027", "status": "proposed"}),
    ("list by scheme", LIST, {"fiscal_year": "2027", "scheme": "APBD_KAB"}),
]


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "viewer", "planner", "secretary"])
def test_queries_do_not_grow_with_the_proposals(client, request, persona, operator_banjar, banjar, pupr_banjar, scheme):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    add_proposals(operator_banjar, banjar, pupr_banjar, 5, scheme=scheme)
    for _, url, params in PAGES:  # the first request of a session saves it once
        client.get(url, params or {})
    few = {name: queries(client, url, params) for name, url, params in PAGES}
    add_proposals(operator_banjar, banjar, pupr_banjar, 2_000, scheme=scheme)
    for _, url, params in PAGES:  # adding them may take over a minute: the session's activity stamp falls here
        client.get(url, params or {})
    many = {name: queries(client, url, params) for name, url, params in PAGES}
    assert many == few
    assert max(many.values()) <= MAX_QUERIES, many


def test_the_list_totals_from_the_summary_equal_the_proposals_shown(client, verifier, operator_banjar, banjar, tapin):
    from agencies.models import Agency

    kab, bkp = FundingSchemeFactory(code="APBD_KAB"), FundingSchemeFactory(code="BKP")
    banjar_pupr = Agency.objects.get(region=banjar)
    add_proposals(operator_banjar, banjar, banjar_pupr, 4, scheme=kab, amount=250_000_000)
    add_proposals(operator_banjar, banjar, banjar_pupr, 2, scheme=bkp, amount=70_000_000)
    client.force_login(verifier)
    response = client.get(LIST, {"fiscal_year": "2027", "status": "proposed"})
    assert [(s.code, amount) for s, amount in response.context["scheme_totals"]] == [
        ("APBD_KAB", 500_000_000),
        ("BKP", 70_000_000),
    ]
    assert response.context["grand_total"] == 570_000_000
    # A scheme filter: what the proposals shown ask from that scheme.
    response = client.get(LIST, {"fiscal_year": "2027", "scheme": "BKP"})
    assert response.context["grand_total"] == 140_000_000
    assert "Jumlah pagu yang diusulkan dari skema" in response.text


def test_the_list_totals_keep_to_the_users_kabupaten(client, operator_tapin, operator_banjar, banjar, pupr_banjar):
    kab = FundingSchemeFactory(code="APBD_KAB")
    add_proposals(operator_banjar, banjar, pupr_banjar, 3, scheme=kab, amount=9_000_000)
    client.force_login(operator_tapin)
    response = client.get(LIST, {"fiscal_year": "2027"})
    assert response.context["grand_total"] == 0
    assert response.context["scheme_totals"] == []
    assert "Rp 27.000.000" not in response.text


def test_a_search_totals_up_to_a_bound(client, monkeypatch, verifier, operator_banjar, banjar, pupr_banjar):
    kab = FundingSchemeFactory(code="APBD_KAB")
    add_proposals(operator_banjar, banjar, pupr_banjar, 3, scheme=kab, amount=5_000_000)
    services.proposal_create(
        user=operator_banjar,
        data={
            "fiscal_year": 2027,
            "region": banjar,
            "agency": pupr_banjar,
            "sub_activity": sub_activity(),
            "name": "Jembatan Gantung Sungai Tabuk",
            "volume": Decimal(1),
            "unit": "unit",
        },
        funding={kab: Decimal(800_000_000)},
    )
    client.force_login(verifier)
    response = client.get(LIST, {"fiscal_year": "2027", "q": "jembatan"})
    assert response.context["grand_total"] == 800_000_000
    assert response.context["totals_computed"]

    monkeypatch.setattr(summary, "FILTERED_TOTALS_BOUND", 2)
    response = client.get(LIST, {"fiscal_year": "2027", "q": "jalan usaha"})
    assert not response.context["totals_computed"]
    assert "tidak dihitung untuk pencarian sebesar ini" in response.text
    assert "lebih dari 2 usulan" in response.text
    # The proposals themselves are still listed.
    assert "Jalan Usaha Tani 0" in response.text


def test_a_bad_filter_shows_no_totals_and_no_error(client, verifier, operator_banjar, banjar, pupr_banjar):
    add_proposals(operator_banjar, banjar, pupr_banjar, 2, scheme=FundingSchemeFactory(code="APBD_KAB"))
    client.force_login(verifier)
    response = client.get(LIST, {"fiscal_year": "2027", "status": "bukan-status", "region": "99.99"})
    assert response.status_code == 200
    assert response.context["grand_total"] == 0
