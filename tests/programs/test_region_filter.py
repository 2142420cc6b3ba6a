"""The proposal list's kabupaten/kota filter: a drop-down for a scope of a province or two, a code box with
suggestions for a scope of hundreds (the administrator's 514); either way `?region=<code>` filters exactly, and a code
that is unknown or outside the scope is an error that lists nothing. The box's search endpoint answers from the
asker's scope only."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Region
from programs import filters
from programs.models import Proposal
from tests.factories import AgencyFactory, UserFactory, funded_proposal, province, regency

pytestmark = pytest.mark.django_db

LIST = reverse("programs:proposal-list")
MAP = reverse("programs:proposal-map")
SEARCH = reverse("programs:region-search")


def other_province(count: int) -> list[Region]:
    """`count` kabupaten/kota of Jawa Barat (32.01, 32.02, ...), Kota Banjar (32.79) among them."""
    west_java = province("32", "Jawa Barat")
    regions = [
        Region(code=f"32.{n:02d}", name=f"Kabupaten Uji {n:02d}", level=Region.Level.REGENCY, parent=west_java)
        for n in range(1, count)
    ]
    regions.append(Region(code="32.79", name="Kota Banjar", level=Region.Level.REGENCY, parent=west_java))
    return Region.objects.bulk_create(regions)


@pytest.fixture
def country(banjar, tapin):
    """More kabupaten/kota than the drop-down limit, as the reference data's 514 are: Kalsel's and Jawa Barat's."""
    Region.objects.filter(code="63").update(name="Kalimantan Selatan")
    other_province(filters.REGION_SELECT_LIMIT)
    return {"banjarbaru": regency("63.72", "Kota Banjarbaru")}


@pytest.fixture
def proposals(banjar, tapin, pupr_banjar, pupr_tapin, country):
    banjarbaru = country["banjarbaru"]
    return {
        "banjar": funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED),
        "tapin": funded_proposal(region=tapin, agency=pupr_tapin, status=Proposal.Status.SUBMITTED),
        "banjarbaru": funded_proposal(
            region=banjarbaru,
            agency=AgencyFactory(short_name="Dinas PUPR Kota Banjarbaru", region=banjarbaru),
            status=Proposal.Status.SUBMITTED,
        ),
    }


def numbers(response) -> set[str]:
    return {proposal.number for proposal in response.context["proposals"]}


def region_control(html: str) -> str:
    """The kabupaten/kota filter's control as the page writes it (a <select> with its options, or an <input>)."""
    found = re.search(r'<select name="region".*?</select>|<input[^>]*name="region"[^>]*>', html, re.S)
    assert found, "no kabupaten/kota filter on the page"
    return found.group(0)


# The list ------------------------------------------------------------------------------------------------------------


def test_the_administrator_gets_a_code_box_with_suggestions_not_hundreds_of_options(client, superuser, proposals):
    client.force_login(superuser)
    response = client.get(LIST)
    control = region_control(response.text)
    assert control.startswith("<input")
    assert 'type="text"' in control
    assert f'data-autocomplete-url="{SEARCH}"' in control
    assert 'data-autocomplete-fill="code"' in control
    assert "<option" not in response.text.split('name="region"', 1)[1].split("</div>", 1)[0]
    assert "Kabupaten Uji 07" not in response.text  # no option names any kabupaten/kota
    assert "js/subactivity_autocomplete.js" in response.text
    # A wide column, as the program box's: the suggestions' names fit unwrapped.
    assert re.search(r'<div class="col-12 col-md-6 col-xl-4 mb-0">\s*<div id="div_id_region"', response.text)
    assert numbers(response) == {p.number for p in proposals.values()}


@pytest.mark.parametrize("typed", ["63.03", " 63.03 ", "63.03 Kabupaten Banjar"])
def test_a_typed_code_filters_exactly_and_the_name_is_shown(client, superuser, proposals, typed):
    client.force_login(superuser)
    response = client.get(LIST, {"region": typed})
    assert response.context["filter"].form.errors == {}
    assert numbers(response) == {proposals["banjar"].number}
    assert response.context["total_count"] == 1  # the totals read the same kabupaten/kota
    assert '<div class="form-text">Kabupaten Banjar</div>' in response.text
    # Kota Banjarbaru's code and Kota Banjar's name both begin like Banjar's: neither is taken for it.
    response = client.get(LIST, {"region": "63.72"})
    assert numbers(response) == {proposals["banjarbaru"].number}


@pytest.mark.parametrize("typed", ["99.99", "63.0", "63", "63.03.01", "banjar", "63.03x", "6" * 200])
def test_an_unknown_or_malformed_code_is_an_error_and_lists_nothing(client, superuser, proposals, typed):
    client.force_login(superuser)
    response = client.get(LIST, {"region": typed})
    assert response.status_code == 200
    errors = response.context["filter"].form.errors["region"]
    assert errors[0].startswith("Kabupaten/kota dengan kode ")
    assert "tidak ada atau di luar cakupan Anda" in errors[0]
    assert numbers(response) == set()
    assert "is-invalid" in region_control(response.text)


def test_a_code_outside_the_scope_is_the_same_error_and_lists_nothing(client, verifier, operator_banjar, proposals):
    client.force_login(verifier)  # Kalimantan Selatan: Jawa Barat's codes exist but lie outside
    response = client.get(LIST, {"region": "32.79"})
    assert response.context["filter"].form.errors["region"] == [
        "Kabupaten/kota dengan kode 32.79 tidak ada atau di luar cakupan Anda. Ketik kode seperti 63.03, atau pilih "
        "dari saran."
    ]
    assert numbers(response) == set()
    client.force_login(operator_banjar)
    response = client.get(LIST, {"region": "63.05"})
    assert "region" in response.context["filter"].form.errors
    assert numbers(response) == set()


def test_a_provincial_user_keeps_the_drop_down_of_their_kabupaten_kota(client, verifier, proposals):
    client.force_login(verifier)
    response = client.get(LIST, {"region": "63.05"})
    control = region_control(response.text)
    assert control.startswith('<select name="region"')
    assert re.search(r'<div class="col-6 col-md-3 col-xl-2 mb-0">\s*<div id="div_id_region"', response.text)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', control)
    assert options == [
        ("", "", "Semua"),
        ("63.03", "", "63.03 Kabupaten Banjar"),
        ("63.05", " selected", "63.05 Kabupaten Tapin"),
        ("63.72", "", "63.72 Kota Banjarbaru"),
    ]
    assert numbers(response) == {proposals["tapin"].number}


def test_the_drop_down_holds_up_to_the_limit_and_the_box_takes_over_beyond(client, monkeypatch, verifier, proposals):
    client.force_login(verifier)  # three kabupaten/kota in the scope
    monkeypatch.setattr(filters, "REGION_SELECT_LIMIT", 3)
    assert region_control(client.get(LIST).text).startswith("<select")
    monkeypatch.setattr(filters, "REGION_SELECT_LIMIT", 2)
    assert region_control(client.get(LIST).text).startswith("<input")
    assert numbers(client.get(LIST, {"region": "63.05"})) == {proposals["tapin"].number}


def test_the_box_costs_no_query_more_than_the_drop_down(client, superuser, proposals, monkeypatch):
    """One read of at most LIMIT + 1 kabupaten/kota decides, and is the drop-down's options when it stays one."""
    limit = filters.REGION_SELECT_LIMIT
    client.force_login(superuser)
    client.get(LIST)  # the session's first page reads the header's years once
    with CaptureQueriesContext(connection) as box:
        assert region_control(client.get(LIST).text).startswith("<input")
    monkeypatch.setattr(filters, "REGION_SELECT_LIMIT", 1_000)
    with CaptureQueriesContext(connection) as drop_down:
        assert region_control(client.get(LIST).text).startswith("<select")
    assert len(box) == len(drop_down)
    regions = [q["sql"] for q in box.captured_queries if 'FROM "agencies_region"' in q["sql"]]
    assert len(regions) == 1
    assert f"LIMIT {limit + 1}" in regions[0]


def test_the_map_takes_the_same_box_and_code(client, superuser, proposals):
    client.force_login(superuser)
    response = client.get(MAP, {"region": "63.03"})
    assert response.status_code == 200
    assert region_control(response.text).startswith("<input")
    assert response.context["filter"].form.errors == {}
    response = client.get(MAP, {"region": "32.99"})
    assert "region" in response.context["filter"].form.errors
    assert response.context["point_count"] == 0


# The search endpoint ----------------------------------------------------------------------------------------------


def found(client, q) -> list[str]:
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_the_search_answers_by_code_prefix_or_name_within_the_scope(
    client, superuser, verifier, operator_banjar, country
):
    client.force_login(superuser)
    assert found(client, "banj") == ["32.79", "63.03", "63.72"]
    assert found(client, "63.0") == ["63.03", "63.05"]
    assert found(client, "KOTA banjar") == ["32.79", "63.72"]  # every word, in any case
    assert found(client, "uji 07") == ["32.07"]
    assert found(client, "b") == []  # one letter matches nearly everything
    client.force_login(verifier)
    assert found(client, "banj") == ["63.03", "63.72"]
    assert found(client, "32") == []
    client.force_login(operator_banjar)
    assert found(client, "banj") == ["63.03"]
    assert found(client, "63") == ["63.03"]


def test_each_suggestion_names_its_province(client, superuser, verifier, country):
    """Kota Banjar and Kabupaten Banjar share a name's beginning and lie in different provinces: the suggestion says
    which."""
    client.force_login(superuser)
    assert client.get(SEARCH, {"q": "banj"}).json() == {
        "results": [
            {"code": "32.79", "name": "Kota Banjar", "province": "Jawa Barat"},
            {"code": "63.03", "name": "Kabupaten Banjar", "province": "Kalimantan Selatan"},
            {"code": "63.72", "name": "Kota Banjarbaru", "province": "Kalimantan Selatan"},
        ],
        "more": False,
    }
    client.force_login(verifier)
    assert [row["province"] for row in client.get(SEARCH, {"q": "banj"}).json()["results"]] == [
        "Kalimantan Selatan",
        "Kalimantan Selatan",
    ]


@pytest.mark.parametrize("persona", ["superuser", "verifier"])
def test_the_search_reads_its_suggestions_and_their_provinces_in_one_query(client, request, country, persona):
    """Three suggestions or twenty, one query of the kabupaten/kota with their province joined, none per suggestion."""
    client.force_login(request.getfixturevalue(persona))
    client.get(SEARCH, {"q": "banj"})  # the session's first request may read what later ones keep
    counts = {}
    for q in ["banj", "32.", "63.", "zzz"]:
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(SEARCH, {"q": q}).json()
        regions = [query["sql"] for query in queries.captured_queries if 'FROM "agencies_region"' in query["sql"]]
        assert len(regions) == 1, regions
        assert "JOIN" in regions[0]
        assert all(row["province"] for row in answer["results"])
        counts[q] = (len(answer["results"]), len(queries))
    # The session, the user, the verifier's roles (an administrator's scope needs none), the search: the same count
    # whatever the number of matches.
    assert {total for _, total in counts.values()} == {3 if persona == "superuser" else 4}, counts
    assert counts["zzz"][0] == 0
    assert counts["32."][0] == (20 if persona == "superuser" else 0)


def test_the_search_gives_twenty_at_most_in_code_order(client, superuser, country):
    client.force_login(superuser)
    answer = client.get(SEARCH, {"q": "32."}).json()
    assert [row["code"] for row in answer["results"]] == [f"32.{n:02d}" for n in range(1, 21)]
    assert answer["more"] is True
    assert client.get(SEARCH, {"q": "uji 1"}).json()["more"] is False


def test_who_may_search(client, country):
    assert client.get(SEARCH, {"q": "banj"}).status_code == 302  # anonymous: to the sign-in page
    client.force_login(UserFactory(username="tanpa.peran"))
    assert found(client, "banj") == []  # signed in without a role: no scope, nothing
    assert client.post(SEARCH, {"q": "banj"}).status_code == 405
    response = client.get(SEARCH, {"q": "banjar " * 20})
    assert response.status_code == 400
    assert response.json() == {"results": [], "error": "Kata kunci paling banyak 100 karakter."}
