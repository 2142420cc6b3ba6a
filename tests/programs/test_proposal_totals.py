"""The totals that a broad search leaves out of the proposal list, added up when the user asks for them
(`programs.views.proposal_totals`, `programs.summary.proposal_totals_on_request`)."""

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils.html import escape

from programs import summary
from tests.factories import funded_proposal

LIST = reverse("programs:proposal-list")
URL = reverse("programs:proposal-totals")

pytestmark = pytest.mark.django_db


@pytest.fixture
def roads(banjar, pupr_banjar, tapin, pupr_tapin):
    """Three roads in Banjar, one in Tapin (another scheme), and a bridge the search does not find."""
    for n in range(3):
        funded_proposal(region=banjar, agency=pupr_banjar, name=f"Peningkatan Jalan {n}", amount=1_000_000)
    funded_proposal(region=tapin, agency=pupr_tapin, name="Jalan Rantau", amount=7_000_000, scheme="BKP")
    funded_proposal(region=banjar, agency=pupr_banjar, name="Jembatan", location="Desa Sungai", amount=50_000_000)


def totals_link(client, monkeypatch) -> str:
    """The list's link to the totals of a search for "jalan", made when the search matches more than its bound."""
    monkeypatch.setattr("programs.views.SEARCH_COUNT_BOUND", 2)
    listed = client.get(LIST, {"q": "jalan"})
    assert listed.context["totals_computed"] is False
    link = f"{URL}?{listed.context['querystring']}"
    assert f'href="{escape(link)}" id="compute-totals"' in listed.text
    return link


def figure(page, name: str) -> str:
    return page.text.split(f'id="{name}">', 1)[1].split("<", 1)[0]


def test_a_search_beyond_the_bound_offers_its_totals_and_they_add_up_every_match(client, verifier, roads, monkeypatch):
    client.force_login(verifier)
    page = client.get(totals_link(client, monkeypatch))
    assert page.status_code == 200
    assert figure(page, "proposal-count") == "4"
    assert figure(page, "grand-total") == "Rp 10.000.000"
    assert [(scheme.code, amount) for scheme, amount in page.context["scheme_totals"]] == [
        ("APBD_KAB", 3_000_000),
        ("BKP", 7_000_000),
    ]
    assert 'Pencarian: "jalan"' in page.text
    assert f'href="{escape(LIST)}?q=jalan&amp;fiscal_year=' in page.text  # back to the same list


def test_the_totals_count_only_the_proposals_the_user_may_see(client, operator_banjar, roads, monkeypatch):
    client.force_login(operator_banjar)
    page = client.get(totals_link(client, monkeypatch))
    assert figure(page, "proposal-count") == "3"
    assert figure(page, "grand-total") == "Rp 3.000.000"
    assert "Bantuan Keuangan" not in page.text  # Tapin's BKP line is another kabupaten's


def test_an_invalid_filter_says_so_and_adds_up_nothing(client, verifier, roads):
    client.force_login(verifier)
    page = client.get(URL, {"q": "jalan", "fiscal_year": "abc"})
    assert page.status_code == 200
    assert "Filter tidak sah" in figure(page, "totals-error")
    assert page.context["totals"] is None
    assert 'id="grand-total"' not in page.text


def test_a_sum_that_runs_too_long_asks_to_narrow_the_filter(client, verifier, roads, monkeypatch):
    def too_long(proposals):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(summary, "_sum_lines", too_long)
    client.force_login(verifier)
    page = client.get(URL, {"q": "jalan"})
    assert page.status_code == 200
    assert "Penghitungan dihentikan setelah 5 detik" in page.text
    assert 'id="grand-total"' not in page.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the time bound is PostgreSQL's statement_timeout")
def test_postgresql_stops_the_sum_at_the_time_bound_and_the_connection_goes_on(client, verifier, roads, monkeypatch):
    def slow(proposals):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.5)")
        return {}

    monkeypatch.setattr(summary, "TOTALS_ON_REQUEST_TIMEOUT_MS", 10)
    monkeypatch.setattr(summary, "_sum_lines", slow)
    client.force_login(verifier)
    page = client.get(URL, {"q": "jalan"})
    assert "Penghitungan dihentikan" in page.text
    # The bound was the transaction's own (SET LOCAL): the next statement runs without it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_without_a_search_the_totals_come_from_the_summary(client, verifier, roads):
    summary.summary_rebuild()  # the factories write proposals without the services that keep the summary
    client.force_login(verifier)
    page = client.get(URL)
    assert figure(page, "proposal-count") == "5"
    assert figure(page, "grand-total") == "Rp 60.000.000"


def test_the_totals_page_is_for_signed_in_users_and_only_reads(client, verifier):
    assert client.get(URL)["Location"].startswith(reverse("login"))
    client.force_login(verifier)
    assert client.post(URL, {"q": "jalan"}).status_code == 405
