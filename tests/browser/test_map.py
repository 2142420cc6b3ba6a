"""The proposal map in Chromium: the filtered list's proposals as points, a popup naming one with a link to it,
without any tile server (the points over the kabupaten/kota boundaries), at 1366 px and on a 390 px phone; and the
form's pin picker filling the coordinate inputs and warning by the boundary."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from programs.models import Proposal
from tests.browser.conftest import screenshot
from tests.factories import funded_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def located(banjar, tapin, pupr_banjar, pupr_tapin):
    return [
        funded_proposal(
            region=banjar,
            agency=pupr_banjar,
            name="Peningkatan Jalan Martapura - Astambul",
            latitude=Decimal("-3.413"),
            longitude=Decimal("114.851"),
            amount=1_500_000_000,
        ),
        funded_proposal(
            region=banjar,
            agency=pupr_banjar,
            name="Jalan dengan titik Jakarta",
            latitude=Decimal("-6.2088"),
            longitude=Decimal("106.8456"),
            status=Proposal.Status.SUBMITTED,
        ),
        funded_proposal(
            region=tapin, agency=pupr_tapin, name="Jalan Rantau", latitude=Decimal("-2.94"), longitude=Decimal("115.16")
        ),
    ]


def test_the_map_shows_the_filtered_proposals(new_page, live_server, planner, located, settings):
    settings.MAP_TILE_URL = ""
    page = new_page(planner.username)
    page.goto(f"{live_server.url}{reverse('home')}")
    screenshot(page, "home-1366")
    page.goto(f"{live_server.url}{reverse('programs:proposal-list')}")
    screenshot(page, "list-1366")
    page.click("#show-map")
    page.wait_for_selector("#proposal-map[data-ready='3']")
    assert page.locator("#proposal-map path.leaflet-interactive").count() == 3
    # The boundaries of Banjar and Tapin (the kabupaten/kota with points) are drawn beneath, one path each, and do
    # not take the points' clicks.
    boundaries = page.locator("#proposal-map path.map-boundary")
    assert boundaries.count() == 2
    assert "leaflet-interactive" not in (boundaries.first.get_attribute("class") or "")
    assert len(boundaries.first.get_attribute("d") or "") > 500  # a boundary of ~150 points, not a box of four
    assert "1 titik berada di luar kabupaten/kotanya" in page.locator("#map-summary").inner_text()
    screenshot(page, "map-1366")
    page.locator("#proposal-map path.leaflet-interactive").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert located[0].number in popup.inner_text() or located[1].number in popup.inner_text()
    # Filtered like the list: Tapin's proposal only.
    page.goto(f"{live_server.url}{reverse('programs:proposal-map')}?region=63.05")
    page.wait_for_selector("#proposal-map[data-ready='1']")
    assert page.locator("#proposal-map path.map-boundary").count() == 1  # Tapin's only
    page.locator("#proposal-map path.leaflet-interactive").first.click()
    assert "Jalan Rantau" in page.locator(".leaflet-popup-content").inner_text()
    assert "Rp" in page.locator(".leaflet-popup-content").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{reverse('programs:proposal-map')}")
    page.wait_for_selector("#proposal-map[data-ready='3']")
    screenshot(page, "map-390")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_a_click_on_the_pin_picker_fills_latitude_and_longitude(new_page, live_server, operator_banjar, banjar):
    page = new_page(operator_banjar.username)
    page.goto(f"{live_server.url}{reverse('programs:proposal-create')}")
    if page.locator("#id_region").is_enabled():
        page.select_option("#id_region", str(banjar.pk))
    picker = page.locator("#pin-picker")
    picker.scroll_into_view_if_needed()
    picker.click()
    latitude = page.input_value("#id_latitude")
    longitude = page.input_value("#id_longitude")
    assert latitude.startswith("-") and "," in latitude
    assert "," in longitude and 94 < float(longitude.replace(",", ".")) < 141.5
    screenshot(page, "form-pin-picker-1366")
    # Typed coordinates move the pin; a point far from Banjar is warned about, not refused.
    page.fill("#id_latitude", "-6,2088")
    page.fill("#id_longitude", "106,8456")
    page.locator("#id_longitude").dispatch_event("change")
    assert "di luar wilayah Kabupaten Banjar" in page.locator("#pin-warning").inner_text()
    # Banjar's boundary is drawn on the picker; a pin in Martapura is inside it, one in Rantau (Tapin, inside
    # Banjar's box) is not.
    assert page.locator("#pin-picker path.map-boundary").count() == 1
    for latitude, longitude, warned in (("-3,413", "114,851", False), ("-2,94", "115,16", True)):
        page.fill("#id_latitude", latitude)
        page.fill("#id_longitude", longitude)
        page.locator("#id_longitude").dispatch_event("change")
        assert ("di luar wilayah Kabupaten Banjar" in page.locator("#pin-warning").inner_text()) is warned
