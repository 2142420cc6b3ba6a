from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs import services
from programs.models import FundingScheme, Proposal, ProposalFunding
from programs.summary import summary_rebuild
from rakornis.pagination import BoundedPaginator
from tests.factories import (
    AgencyFactory,
    FundingSchemeFactory,
    ProposalFundingFactory,
    funded_proposal,
    regency,
    sub_activity,
)

pytestmark = pytest.mark.django_db

URL = reverse("programs:proposal-list")


@pytest.fixture
def data(banjar, tapin, pupr_banjar, pupr_tapin):
    road = funded_proposal(
        region=banjar, agency=pupr_banjar, name="Peningkatan Jalan Sungai Tabuk", amount=1_500_000_000
    )
    ProposalFundingFactory(proposal=road, scheme=FundingSchemeFactory(code="BKP"), amount=Decimal(250_000_000))
    drain = funded_proposal(
        region=banjar,
        agency=pupr_banjar,
        name="Normalisasi Saluran Martapura",
        location="Desa Tambak Anyar",
        amount=300_000_000,
        sub_activity=sub_activity("1.03.02.2.01.0012", "Normalisasi Saluran"),
        status=Proposal.Status.SUBMITTED,
        priority=Proposal.Priority.HIGH,
    )
    bridge = funded_proposal(
        region=tapin, agency=pupr_tapin, name="Jembatan Rantau", amount=700_000_000, status=Proposal.Status.DEFERRED
    )
    return {"road": road, "drain": drain, "bridge": bridge}


def numbers(response) -> set[str]:
    return {p.number for p in response.context["proposals"]}


def test_operator_sees_only_their_kabupaten_and_its_totals(client, operator_banjar, data):
    client.force_login(operator_banjar)
    response = client.get(URL)
    assert response.status_code == 200
    assert numbers(response) == {data["road"].number, data["drain"].number}
    assert response.context["total_count"] == 2
    assert response.context["grand_total"] == Decimal(2_050_000_000)
    assert "Rp 2.050.000.000" in response.text
    assert "Rp 1.800.000.000" in response.text  # APBD Kab/Kota over both Banjar proposals
    assert "Tapin" not in response.text


def test_filter_dropdowns_of_an_operator_hold_no_other_kabupaten(client, operator_banjar, data):
    AgencyFactory(short_name="Dinas PUPR Kota Banjarbaru", region=regency("63.72", "Kota Banjarbaru"))
    client.force_login(operator_banjar)
    form = client.get(URL).context["filter"].form
    assert [str(r) for r in form.fields["region"].queryset] == ["63.03 Kabupaten Banjar"]
    assert [a.short_name for a in form.fields["agency"].queryset] == ["Dinas PUPR Kab. Banjar"]


def test_filter_by_another_kabupaten_shows_nothing(client, operator_banjar, data):
    client.force_login(operator_banjar)
    response = client.get(URL, {"region": "63.05"})
    assert numbers(response) == set()
    assert "Jembatan Rantau" not in response.text


def test_verifier_sees_the_province(client, verifier, data):
    client.force_login(verifier)
    response = client.get(URL)
    assert response.context["total_count"] == 3
    assert response.context["grand_total"] == Decimal(2_750_000_000)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "submitted"}, {"drain"}),
        ({"region": "63.05"}, {"bridge"}),
        ({"scheme": "BKP"}, {"road"}),
        ({"program": "1.03.02"}, {"drain"}),
        ({"program": "1.03.02.2.01"}, {"drain"}),
        ({"priority": "1"}, {"drain"}),
        ({"origin": "musrenbang"}, {"road", "drain", "bridge"}),
        ({"origin": "pokir"}, set()),
        ({"fiscal_year": "2027"}, {"road", "drain", "bridge"}),
        ({"q": "tambak"}, {"drain"}),
        ({"q": "jembatan"}, {"bridge"}),
    ],
)
def test_filters_and_search(client, verifier, data, params, expected):
    client.force_login(verifier)
    response = client.get(URL, params)
    assert numbers(response) == {data[key].number for key in expected}


def test_filter_by_number_search_and_totals_follow_the_filter(client, verifier, data):
    client.force_login(verifier)
    response = client.get(URL, {"q": data["road"].number})
    assert numbers(response) == {data["road"].number}
    assert response.context["grand_total"] == Decimal(1_750_000_000)
    totals = {scheme.code: amount for scheme, amount in response.context["scheme_totals"]}
    assert totals == {"APBD_KAB": Decimal(1_500_000_000), "BKP": Decimal(250_000_000)}


def test_filter_by_agency(client, verifier, data, pupr_tapin):
    client.force_login(verifier)
    assert numbers(client.get(URL, {"agency": pupr_tapin.pk})) == {data["bridge"].number}


@pytest.mark.parametrize(
    ("sort", "first"),
    [("total", "drain"), ("-total", "road"), ("name", "bridge"), ("-region", "bridge"), ("status", "bridge")],
)
def test_sort(client, verifier, data, sort, first):
    client.force_login(verifier)
    response = client.get(URL, {"sort": sort})
    assert response.context["proposals"][0].number == data[first].number


def test_unknown_sort_is_not_applied(client, verifier, data):
    client.force_login(verifier)
    response = client.get(URL, {"sort": "created_by__password"})
    assert response.status_code == 200
    assert numbers(response) == set()


def test_bulk_carry_over_is_offered_on_the_deferred_filter(client, planner, viewer, data):
    client.force_login(planner)
    assert "Lanjutkan semua yang tersaring" in client.get(URL, {"status": "deferred"}).text
    assert "Lanjutkan semua yang tersaring" not in client.get(URL).text
    client.force_login(viewer)
    assert "Lanjutkan semua yang tersaring" not in client.get(URL, {"status": "deferred"}).text


def bulk_proposals(count: int, *, region, agency, year: int = 2027, first: int = 1) -> None:
    """`count` funded proposals in a few INSERTs (a few thousand in a second), numbered from `first`."""
    scheme = FundingSchemeFactory(code="APBD_KAB")
    node = sub_activity()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            number=Proposal.format_number(year, region.code, first + n),
            fiscal_year=year,
            region=region,
            agency=agency,
            sub_activity=node,
            name=f"Rehabilitasi Jalan Ruas {first + n}",
            location=f"Ruas {first + n}",
            volume=Decimal(1),
            unit="km",
            total_amount=Decimal(1_000_000 * (first + n)),
        )
        for n in range(count)
    )
    ProposalFunding.objects.bulk_create(
        ProposalFunding(proposal=proposal, scheme=scheme, amount=proposal.total_amount) for proposal in proposals
    )
    # bulk_create passes by the services that keep the proposal summary, which the list counts from: add them up.
    summary_rebuild()


def test_pagination(client, verifier, banjar, pupr_banjar):
    bulk_proposals(60, region=banjar, agency=pupr_banjar)
    client.force_login(verifier)
    response = client.get(URL)
    assert len(response.context["proposals"]) == 50
    assert response.context["total_count"] == 60
    assert "Halaman 1 dari 2" in response.text
    assert "Akhir »" in response.text
    second = client.get(URL, {"page": 2})
    assert [p.number for p in second.context["proposals"]] == [f"USL-2027-63.03-{n:04d}" for n in range(51, 61)]
    assert "Berikutnya" not in second.text


PERSONAS = ["operator_banjar", "verifier", "planner", "secretary", "viewer", "superuser"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_queries_per_page_are_the_same_at_5_and_3000_proposals_and_at_most_12(
    client, request, banjar, pupr_banjar, django_assert_num_queries, persona
):
    client.force_login(request.getfixturevalue(persona))
    queries = {}
    for total in (5, 3000):
        bulk_proposals(total - Proposal.objects.count(), region=banjar, agency=pupr_banjar, first=1 + 10_000 * total)
        client.get(URL, {"sort": "-total"})  # the session's once-a-minute refresh falls on this request, not below
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"sort": "-total", "page": 1 if total == 5 else 40})
        assert response.status_code == 200
        assert len(response.context["proposals"]) == (5 if total == 5 else 50)
        queries[total] = len(captured)
    assert queries[5] == queries[3000] <= 12, queries


def test_beyond_the_count_bound_it_says_more_than_and_pages_on(client, verifier, banjar, pupr_banjar, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "count_bound", 20)
    monkeypatch.setattr(BoundedPaginator, "max_pages", 3)
    bulk_proposals(130, region=banjar, agency=pupr_banjar)
    client.force_login(verifier)
    response = client.get(URL)
    count = response.text.split('id="proposal-count">', 1)[1].split("<", 1)[0]
    assert count == "lebih dari 20"
    assert '<span class="page-link" id="page-position">Halaman 1</span>' in response.text
    assert "Akhir »" not in response.text
    assert "Berikutnya ›" in response.text
    # Page 3 is the deepest: it shows rows 101-150 (30 of them), and says nothing follows.
    third = client.get(URL, {"page": 3})
    assert len(third.context["proposals"]) == 30
    assert "Berikutnya ›" not in third.text


def test_a_search_counts_to_its_own_lower_bound_and_adds_up_nothing_beyond(
    client, verifier, banjar, pupr_banjar, monkeypatch
):
    """A word as common as "jalan" matches a third of the proposals: its count stops at SEARCH_COUNT_BOUND (lower
    than the list's), its pages at SEARCH_MAX_PAGES, and its totals are not added up beyond that bound."""
    monkeypatch.setattr("programs.views.SEARCH_COUNT_BOUND", 20)
    monkeypatch.setattr("programs.views.SEARCH_MAX_PAGES", 2)
    bulk_proposals(130, region=banjar, agency=pupr_banjar)
    client.force_login(verifier)

    searched = client.get(URL, {"q": "jalan"})
    assert searched.text.split('id="proposal-count">', 1)[1].split("<", 1)[0] == "lebih dari 20"
    assert "halaman dapat dibuka sampai halaman 2" in searched.text
    assert "memilih lebih dari 20 usulan" in searched.text
    assert searched.context["totals_computed"] is False
    deepest = client.get(URL, {"q": "jalan", "page": 2})
    assert deepest.context["page_obj"].number == 2
    assert "Berikutnya ›" not in deepest.text  # rows follow, but the page after the deepest does not open
    too_deep = client.get(URL, {"q": "jalan", "page": 3})
    assert "Halaman paling jauh yang dapat dibuka adalah halaman 2" in too_deep.text

    # Without a search the same 130 proposals are counted exactly, and a search that matches few is exact too.
    listed = client.get(URL)
    assert listed.text.split('id="proposal-count">', 1)[1].split("<", 1)[0] == "130"
    few = client.get(URL, {"q": "Ruas 12"})  # Ruas 12 and Ruas 120-129
    assert few.context["total_count"] == 11 and few.context["totals_computed"] is True


def test_a_page_deeper_than_the_bound_shows_the_first_and_warns(client, verifier, banjar, pupr_banjar, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "count_bound", 20)
    monkeypatch.setattr(BoundedPaginator, "max_pages", 2)
    bulk_proposals(130, region=banjar, agency=pupr_banjar)
    client.force_login(verifier)
    response = client.get(URL, {"page": 3})
    assert response.status_code == 200
    assert "Halaman paling jauh yang dapat dibuka adalah halaman 2" in response.text
    assert response.context["page_obj"].number == 1
    assert len(response.context["proposals"]) == 50


def test_an_empty_page_below_the_bound_shows_the_first_and_warns(client, verifier, banjar, pupr_banjar, monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "count_bound", 20)
    bulk_proposals(60, region=banjar, agency=pupr_banjar)
    client.force_login(verifier)
    response = client.get(URL, {"page": 7})
    assert "Halaman 7 kosong" in response.text
    assert response.context["page_obj"].number == 1


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999999"])
def test_a_page_that_does_not_exist_shows_the_first_with_a_warning(client, verifier, data, page):
    client.force_login(verifier)
    response = client.get(URL, {"page": page})
    assert response.status_code == 200
    assert "Ditampilkan halaman pertama" in response.text
    assert len(response.context["proposals"]) == 3


def test_each_row_names_its_schemes_in_scheme_order(client, verifier, data):
    FundingScheme.objects.filter(code="BKP").update(order=1)
    FundingScheme.objects.filter(code="APBD_KAB").update(order=2)
    client.force_login(verifier)
    rows = {p.number: p.scheme_names for p in client.get(URL).context["proposals"]}
    assert rows[data["road"].number] == "BKP, APBD_KAB"
    assert rows[data["drain"].number] == "APBD_KAB"


def test_sort_by_total_reads_the_stored_total_kept_by_the_services(client, operator_banjar, verifier, data):
    road = data["road"]
    services.proposal_update(
        proposal=road,
        user=operator_banjar,
        data={},
        funding={FundingSchemeFactory(code="APBD_KAB"): Decimal(100)},
        version=road.version,
    )
    client.force_login(verifier)
    response = client.get(URL, {"sort": "total"})
    assert [p.number for p in response.context["proposals"]][0] == road.number
    assert response.context["proposals"][0].total_amount == Decimal(100)


def test_create_button_only_for_operators(client, operator_banjar, viewer):
    client.force_login(operator_banjar)
    assert "Usulan baru" in client.get(URL).text
    client.force_login(viewer)
    assert "Usulan baru" not in client.get(URL).text


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL).status_code == 302


def test_post_is_405(client, operator_banjar):
    client.force_login(operator_banjar)
    assert client.post(URL).status_code == 405


def test_region_children_answers_only_in_scope(client, operator_banjar, data):
    from tests.factories import district

    district("63.03.01", "Aluh-Aluh")
    district("63.05.01", "Binuang")
    client.force_login(operator_banjar)
    response = client.get(reverse("programs:region-children", args=["63.03"]))
    assert response.status_code == 200
    assert [d["name"] for d in response.json()["districts"]] == ["Aluh-Aluh"]
    assert [a["name"] for a in response.json()["agencies"]] == ["Dinas PUPR Kab. Banjar"]
    assert client.get(reverse("programs:region-children", args=["63.05"])).status_code == 404
    assert client.post(reverse("programs:region-children", args=["63.03"])).status_code == 405


def test_sub_activity_search_by_code_and_name(client, operator_banjar):
    sub_activity("1.03.10.2.01.0053", "Pembangunan Jalan")
    sub_activity("1.03.02.2.01.0012", "Normalisasi Saluran")
    client.force_login(operator_banjar)
    search = reverse("programs:sub-activity-search")
    assert [r["code"] for r in client.get(search, {"q": "1.03.02"}).json()["results"]] == ["1.03.02.2.01.0012"]
    assert [r["code"] for r in client.get(search, {"q": "jalan"}).json()["results"]] == ["1.03.10.2.01.0053"]


# The fiscal year: the planning year unless the list's own filter names one -----------------------------------------


@pytest.fixture
def by_year(banjar, pupr_banjar):
    return {
        year: funded_proposal(region=banjar, agency=pupr_banjar, fiscal_year=year, status=Proposal.Status.SUBMITTED)
        for year in (2026, 2027, 2028, 2099)
    }


def test_without_a_year_the_list_shows_the_planning_year_and_says_so(client, verifier, by_year):
    client.force_login(verifier)
    response = client.get(URL)
    assert numbers(response) == {by_year[2027].number}
    assert "Usulan TA 2027</h1>" in response.text
    # The export and the pagination carry the year, so the file holds what the list shows.
    assert 'href="/usulan/excel/ekspor/?fiscal_year=2027"' in response.text
    client.post(reverse("fiscal-year-switch"), {"year": "2028"})
    assert numbers(client.get(URL)) == {by_year[2028].number}


def test_the_lists_own_year_filter_wins_and_empty_means_every_year(client, verifier, by_year):
    client.force_login(verifier)
    client.post(reverse("fiscal-year-switch"), {"year": "2028"})
    response = client.get(URL, {"fiscal_year": "2026"})
    assert numbers(response) == {by_year[2026].number}
    assert "Usulan TA 2026</h1>" in response.text
    response = client.get(URL, {"fiscal_year": ""})
    assert numbers(response) == {proposal.number for proposal in by_year.values()}
    assert "Usulan semua tahun anggaran</h1>" in response.text


def test_a_planning_year_far_from_today_is_still_a_valid_filter(client, verifier, by_year):
    client.force_login(verifier)
    client.post(reverse("fiscal-year-switch"), {"year": "2099"})
    response = client.get(URL)
    assert numbers(response) == {by_year[2099].number}
    assert '<option value="2099" selected>' in response.text


def test_the_proposed_filter_selects_what_the_home_page_adds(client, verifier, banjar, pupr_banjar):
    counted = {
        funded_proposal(region=banjar, agency=pupr_banjar, status=status).number
        for status in Proposal.PROPOSED_STATUSES
    }
    for status in (Proposal.Status.DRAFT, Proposal.Status.REJECTED, Proposal.Status.MERGED, Proposal.Status.DEFERRED):
        funded_proposal(region=banjar, agency=pupr_banjar, status=status)
    client.force_login(verifier)
    assert numbers(client.get(URL, {"fiscal_year": "2027", "status": "proposed"})) == counted


def test_the_list_says_its_total_counts_every_status_and_links_what_the_home_page_counts(client, verifier, by_year):
    client.force_login(verifier)
    page = client.get(URL, {"fiscal_year": "2027", "q": "Jalan"}).text
    assert "Semua status yang tersaring, termasuk draf dan ditolak" in page
    assert 'href="?fiscal_year=2027&amp;q=Jalan&amp;status=proposed"' in page
    page = client.get(URL, {"fiscal_year": "2027", "status": "proposed"}).text
    assert "Semua status yang tersaring" not in page
