from decimal import Decimal

import pytest
from django.urls import reverse

from programs.models import Proposal
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


def test_pagination_and_query_count(client, verifier, banjar, pupr_banjar, django_assert_max_num_queries):
    for _ in range(60):
        funded_proposal(region=banjar, agency=pupr_banjar)
    client.force_login(verifier)
    with django_assert_max_num_queries(13):
        response = client.get(URL)
    assert len(response.context["proposals"]) == 50
    assert response.context["total_count"] == 60
    assert "Halaman 1 dari 2" in response.text
    assert len(client.get(URL, {"page": 2}).context["proposals"]) == 10


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
