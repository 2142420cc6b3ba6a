"""The sub kegiatan as a code box with suggestions: the JSON endpoints (scope, bounds, bad input), the form that takes
a typed code without JavaScript, retired codes (refused for new proposals with the new code suggested, kept on old
ones), the list's program/kegiatan filter, and the size of the form with a complete decree list."""

import datetime

import pytest
from django.urls import reverse

from programs.models import Nomenclature, NomenclatureDecree, NomenclatureMapping, Proposal
from tests.factories import (
    FundingSchemeFactory,
    ProposalFactory,
    UserFactory,
    proposal_form_data,
    sub_activity,
    usulan_xlsx,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("programs:sub-activity-search")
PROGRAMS = reverse("programs:program-search")
CREATE = reverse("programs:proposal-create")


@pytest.fixture
def decree():
    return NomenclatureDecree.objects.create(number="Kepmendagri 900.1.15.5-1317/2023", date=datetime.date(2023, 2, 27))


@pytest.fixture
def codes(decree):
    """Two sub kegiatan in force, one retired by the decree with its successor named."""
    road = sub_activity("1.03.10.2.01.0053", "Pembangunan Jalan")
    rehab = sub_activity("1.03.10.2.01.0055", "Rehabilitasi Jalan")
    old = sub_activity("1.03.10.2.01.0009", "Rehabilitasi Jalan Lama")
    Nomenclature.objects.filter(pk=old.pk).update(is_active=False, retired_by=decree)
    NomenclatureMapping.objects.create(old=old, new=rehab, decree=decree)
    old.refresh_from_db()
    return {"road": road, "rehab": rehab, "old": old}


def found(client, url, q):
    response = client.get(url, {"q": q})
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# The endpoints ------------------------------------------------------------------------------------------------------


def test_search_by_code_prefix_and_by_every_word_of_the_name(client, operator_banjar, codes):
    client.force_login(operator_banjar)
    assert found(client, SEARCH, "1.03.10.2.01.005") == ["1.03.10.2.01.0053", "1.03.10.2.01.0055"]
    assert found(client, SEARCH, "jalan rehab") == ["1.03.10.2.01.0055"]  # the retired 0009 is not offered
    assert found(client, SEARCH, "REHABILITASI") == ["1.03.10.2.01.0055"]
    assert found(client, SEARCH, "1.03.10 pembangunan") == ["1.03.10.2.01.0053"]
    assert found(client, SEARCH, "jembatan") == []
    row = client.get(SEARCH, {"q": "0055"}).json()["results"]
    assert row == []  # a code is matched from its start, not in the middle
    row = client.get(SEARCH, {"q": "1.03.10.2.01.0055"}).json()["results"][0]
    assert row == {
        "id": codes["rehab"].pk,
        "code": "1.03.10.2.01.0055",
        "name": "Rehabilitasi Jalan",
        "government_level": "2",
        "unit": "",
    }


def test_the_kabupaten_kota_name_is_shown_where_it_differs(client, operator_banjar):
    node = sub_activity("1.03.10.2.01.0060", "Nama Provinsi")
    Nomenclature.objects.filter(pk=node.pk).update(regency_name="Nama Kabupaten")
    client.force_login(operator_banjar)
    assert client.get(SEARCH, {"q": "kabupaten"}).json()["results"][0]["name"] == "Nama Kabupaten"


def test_at_most_twenty_results_in_code_order_and_more_is_said(client, operator_banjar):
    parent = sub_activity("1.03.10.2.01.0001", "Jalan 1").parent
    Nomenclature.objects.bulk_create(
        Nomenclature(
            code=f"1.03.10.2.01.{n:04d}",
            level="sub_kegiatan",
            name=f"Jalan {n}",
            parent=parent,
            government_level="2",
        )
        for n in range(2, 31)
    )
    client.force_login(operator_banjar)
    data = client.get(SEARCH, {"q": "jalan"}).json()
    assert [row["code"] for row in data["results"]] == [f"1.03.10.2.01.{n:04d}" for n in range(1, 21)]
    assert data["more"] is True
    assert client.get(SEARCH, {"q": "1.03.10.2.01.003"}).json()["more"] is False


@pytest.mark.parametrize("q", ["", "   ", "j", "%", "_", "'; DROP TABLE x; --", "1.03..", "....", "\u202e"])
def test_odd_queries_answer_plainly(client, operator_banjar, codes, q):
    client.force_login(operator_banjar)
    for url in (SEARCH, PROGRAMS):
        response = client.get(url, {"q": q})
        assert response.status_code == 200
        assert response.json()["results"] == []


def test_a_nul_in_the_query_is_a_bad_request_not_a_server_error(client, operator_banjar, codes):
    client.force_login(operator_banjar)
    for url in (SEARCH, PROGRAMS):
        assert client.get(url, {"q": "jalan\x00"}).status_code == 400  # refused site-wide before any query


def test_a_query_too_long_is_refused_with_a_message(client, operator_banjar, codes):
    client.force_login(operator_banjar)
    response = client.get(SEARCH, {"q": "jalan " * 20})
    assert response.status_code == 400
    assert response.json() == {"results": [], "error": "Kata kunci paling banyak 100 karakter."}


def test_who_may_search(client, operator_tapin, viewer, codes):
    # Anonymous: to the sign-in page; signed in without a role: nothing (404); any role: the reference list.
    assert client.get(SEARCH, {"q": "jalan"}).status_code == 302
    client.force_login(UserFactory(username="tanpa.peran"))
    assert client.get(SEARCH, {"q": "jalan"}).status_code == 404
    assert client.get(PROGRAMS, {"q": "1.03"}).status_code == 404
    for user in (operator_tapin, viewer):
        client.force_login(user)
        assert found(client, SEARCH, "jalan") == ["1.03.10.2.01.0053", "1.03.10.2.01.0055"]
    assert client.post(SEARCH, {"q": "jalan"}).status_code == 405


def test_program_search_offers_programs_and_kegiatan_retired_ones_marked(client, planner, codes, decree):
    Nomenclature.objects.filter(code="1.03.10.2.01").update(name="Penyelenggaraan Jalan Kabupaten/Kota")
    client.force_login(planner)
    assert found(client, PROGRAMS, "1.03") == ["1.03.10", "1.03.10.2.01"]
    Nomenclature.objects.filter(code="1.03.10.2.01").update(is_active=False, retired_by=decree)
    rows = client.get(PROGRAMS, {"q": "penyelenggaraan jalan"}).json()["results"]
    assert [(row["code"], row["level"], row["retired"]) for row in rows] == [("1.03.10.2.01", "Kegiatan", True)]


# The form -----------------------------------------------------------------------------------------------------------


def post(client, banjar, pupr_banjar, typed):
    return client.post(
        CREATE, proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")], sub_activity=typed)
    )


@pytest.mark.parametrize("typed", ["1.03.10.2.01.0055", " 1.03.10.2.01.0055 Rehabilitasi Jalan "])
def test_a_typed_code_is_enough_without_javascript(client, operator_banjar, banjar, pupr_banjar, codes, typed):
    client.force_login(operator_banjar)
    response = post(client, banjar, pupr_banjar, typed)
    assert response.status_code == 302
    assert Proposal.objects.get().sub_activity == codes["rehab"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1.03.10.2.01.0099", "Kode 1.03.10.2.01.0099 tidak ada dalam nomenklatur."),
        ("1.03.10.2.01", "Tulis kode sub kegiatan lengkap (mis. 1.03.10.2.01.0055)"),
        ("rehabilitasi jalan", "Tulis kode sub kegiatan lengkap"),
        ("99999999999999999999999", "Tulis kode sub kegiatan lengkap"),
        ("1.03.10.2.01.0009", "Kode 1.03.10.2.01.0009 sudah tidak berlaku (tidak lagi dimuat Kepmendagri "
         "900.1.15.5-1317/2023). Gunakan kode penggantinya: 1.03.10.2.01.0055 Rehabilitasi Jalan."),
    ],
)  # fmt: skip
def test_a_bad_or_retired_code_is_refused_with_a_message_and_nothing_saved(
    client, operator_banjar, banjar, pupr_banjar, codes, typed, message
):
    client.force_login(operator_banjar)
    response = post(client, banjar, pupr_banjar, typed)
    assert response.status_code == 200
    assert message in response.text.replace("&#x27;", "'")
    assert not Proposal.objects.exists()
    # What was typed stays in the box, to be corrected.
    assert f'value="{typed.strip()}"' in response.text


def test_an_old_proposal_keeps_its_retired_code_and_is_shown_the_new_one(client, operator_banjar, banjar, codes):
    proposal = ProposalFactory(region=banjar, sub_activity=codes["old"], status=Proposal.Status.DRAFT)
    client.force_login(operator_banjar)
    page = client.get(reverse("programs:proposal-update", args=[proposal.pk])).text
    assert 'value="1.03.10.2.01.0009 Rehabilitasi Jalan Lama"' in page
    assert "Gunakan kode penggantinya: 1.03.10.2.01.0055 Rehabilitasi Jalan." in page
    detail = client.get(proposal.get_absolute_url()).text
    assert "Kode ini sudah tidak berlaku (tidak lagi dimuat Kepmendagri 900.1.15.5-1317/2023)" in detail
    assert "Kode penggantinya: 1.03.10.2.01.0055 Rehabilitasi Jalan" in detail


def test_editing_an_old_proposal_may_keep_its_retired_code(client, operator_banjar, banjar, pupr_banjar, codes):
    proposal = ProposalFactory(region=banjar, agency=pupr_banjar, sub_activity=codes["old"])
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar,
        agency=pupr_banjar,
        funding=[("APBD_KAB", "100")],
        sub_activity="1.03.10.2.01.0009 Rehabilitasi Jalan Lama",
        name="Nama diperbaiki",
        version=str(proposal.version),
    )
    response = client.post(reverse("programs:proposal-update", args=[proposal.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    proposal.refresh_from_db()
    assert (proposal.name, proposal.sub_activity) == ("Nama diperbaiki", codes["old"])


def test_the_importer_refuses_a_retired_code_for_a_new_proposal_and_names_the_new_one(operator_banjar, banjar, codes):
    from tests.programs.test_xlsx_import import messages, parse, record

    for order, code in enumerate(["APBD_PROV", "APBD_KAB", "BKP"], start=1):
        FundingSchemeFactory(code=code, order=order)
    result = parse(usulan_xlsx([record(**{"Kode Sub Kegiatan": "1.03.10.2.01.0009"})]), operator_banjar)
    assert messages(result) == [
        "Baris 2, Kode Sub Kegiatan: kode 1.03.10.2.01.0009 sudah tidak berlaku dalam nomenklatur (tidak lagi dimuat "
        "Kepmendagri 900.1.15.5-1317/2023); gunakan kode penggantinya 1.03.10.2.01.0055"
    ]


def test_the_form_stays_small_with_a_complete_decree_list(client, operator_banjar):
    """17,000 sub kegiatan: a <select> of them made this page about 1.7 MB (bench/nomenclature_bench.py)."""
    parent = sub_activity("1.03.10.2.01.0001", "Jalan").parent
    Nomenclature.objects.bulk_create(
        (
            Nomenclature(
                code=f"1.03.10.2.01.{n:04d}",
                level="sub_kegiatan",
                name=f"Pembangunan Jalan Lingkungan Ruas Nomor {n}",
                parent=parent,
                government_level="2",
            )
            for n in range(2, 9999)
        ),
        batch_size=2000,
    )
    other = sub_activity("1.03.11.2.01.0001", "Jembatan").parent
    Nomenclature.objects.bulk_create(
        (
            Nomenclature(
                code=f"1.03.11.2.01.{n:04d}",
                level="sub_kegiatan",
                name=f"Rehabilitasi Jembatan {n}",
                parent=other,
                government_level="2",
            )
            for n in range(2, 7003)
        ),
        batch_size=2000,
    )
    assert Nomenclature.objects.sub_activities().count() == 17_000
    client.force_login(operator_banjar)
    response = client.get(CREATE)
    assert response.status_code == 200
    assert len(response.content) < 100_000
    assert "Pembangunan Jalan Lingkungan Ruas Nomor 5000" not in response.text
    assert f'data-autocomplete-url="{SEARCH}"' in response.text
    assert "js/subactivity_autocomplete.js" in response.text


# The list's program/kegiatan filter --------------------------------------------------------------------------------


def test_the_list_filters_by_a_typed_program_or_kegiatan_code(client, verifier, banjar, codes):
    bridge = sub_activity("1.03.11.2.01.0001", "Pembangunan Jembatan")
    road = ProposalFactory(region=banjar, sub_activity=codes["road"], status=Proposal.Status.SUBMITTED)
    ProposalFactory(region=banjar, sub_activity=bridge, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    url = reverse("programs:proposal-list")
    for code in ("1.03.10", "1.03.10.2.01"):
        page = client.get(url, {"program": code, "fiscal_year": road.fiscal_year}).text
        assert road.number in page and "Pembangunan Jembatan" not in page
    # The filter is a box with suggestions, not a list of every program and kegiatan.
    page = client.get(url).text
    assert f'data-autocomplete-url="{PROGRAMS}"' in page
    assert '<option value="1.03.10"' not in page


@pytest.mark.parametrize("typed", ["jalan", "1.03", "1.03.10.2.01.0053", "x" * 500, "1.03.10 jalan"])
def test_a_bad_program_filter_says_so_and_lists_nothing(client, verifier, banjar, codes, typed):
    road = ProposalFactory(region=banjar, sub_activity=codes["road"], status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    response = client.get(reverse("programs:proposal-list"), {"program": typed, "fiscal_year": road.fiscal_year})
    assert response.status_code == 200
    assert road.number not in response.text
    assert "Tulis kode program (mis. 1.03.10) atau kegiatan" in response.text
