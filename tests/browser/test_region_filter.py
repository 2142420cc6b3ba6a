"""The proposal list's kabupaten/kota box in Chromium, for the administrator who sees more kabupaten/kota than a
drop-down holds: typing part of a name suggests those of the scope, each with its province, choosing one and
applying filters by its code."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import Region
from programs import filters
from tests.browser.conftest import screenshot
from tests.factories import funded_proposal, province, regency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def country(banjar, tapin, pupr_banjar, pupr_tapin):
    """Kalsel's kabupaten/kota and more than the drop-down's limit of Jawa Barat's, Kota Banjar among them."""
    Region.objects.filter(code="63").update(name="Kalimantan Selatan")
    west_java = province("32", "Jawa Barat")
    Region.objects.bulk_create(
        [
            Region(code=f"32.{n:02d}", name=f"Kabupaten Uji {n:02d}", level=Region.Level.REGENCY, parent=west_java)
            for n in range(1, filters.REGION_SELECT_LIMIT + 1)
        ]
        + [Region(code="32.79", name="Kota Banjar", level=Region.Level.REGENCY, parent=west_java)]
    )
    regency("63.72", "Kota Banjarbaru")
    return {
        "banjar": funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan Martapura"),
        "tapin": funded_proposal(region=tapin, agency=pupr_tapin, name="Jembatan Rantau"),
    }


def test_the_administrator_picks_a_kabupaten_kota_from_the_suggestions(new_page, live_server, superuser, country):
    page = new_page(superuser.username)
    page.goto(f"{live_server.url}{reverse('programs:proposal-list')}")
    box = page.get_by_role("combobox", name="Kabupaten/kota")
    box.press_sequentially("banj")
    suggestions = page.locator("#id_region-suggestions")
    expect(suggestions.get_by_role("option")).to_have_count(3)  # Kota Banjar, Kabupaten Banjar, Kota Banjarbaru
    # Each names its province: Kota Banjar and Kabupaten Banjar are told apart by more than their codes.
    expect(suggestions.locator(".autocomplete-province")).to_have_text(
        ["Jawa Barat", "Kalimantan Selatan", "Kalimantan Selatan"]
    )
    expect(suggestions.get_by_role("option", name="32.79 Kota Banjar — Jawa Barat", exact=True)).to_have_count(1)
    expect(
        suggestions.get_by_role("option", name="63.03 Kabupaten Banjar — Kalimantan Selatan", exact=True)
    ).to_have_count(1)
    screenshot(page, "list-region-suggestions-1366")
    suggestions.get_by_role("option", name=re.compile(r"63\.03")).click()
    expect(box).to_have_value("63.03")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url(re.compile(r"region=63\.03"))
    expect(page.locator("#div_id_region .form-text")).to_have_text("Kabupaten Banjar")
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text=country["banjar"].number)).to_have_count(1)
    expect(rows.filter(has_text=country["tapin"].number)).to_have_count(0)


def test_a_province_name_is_drawn_as_text(new_page, live_server, superuser, country):
    """What the database holds goes into the suggestions as text (textContent), never as markup."""
    Region.objects.filter(code="32").update(name='Jawa <b>Barat</b><img src="x">')
    page = new_page(superuser.username)
    page.goto(f"{live_server.url}{reverse('programs:proposal-list')}")
    page.get_by_role("combobox", name="Kabupaten/kota").press_sequentially("32.79")
    suggestions = page.locator("#id_region-suggestions")
    expect(suggestions.locator(".autocomplete-province")).to_have_text(['Jawa <b>Barat</b><img src="x">'])
    expect(suggestions.locator("b, img")).to_have_count(0)
