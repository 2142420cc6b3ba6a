"""The proposal map: the list's proposals with coordinates, in the reader's scope and under the list's filters, as
JSON for Leaflet; bounded; and the warning when a point lies outside its kabupaten/kota."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.urls import reverse

from programs import map_views
from programs.models import Proposal
from rakornis import extents
from rakornis.extents import outside_region
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db

URL = reverse("programs:proposal-map")
MARTAPURA = {"latitude": Decimal("-3.413"), "longitude": Decimal("114.851")}
JAKARTA = {"latitude": Decimal("-6.2088"), "longitude": Decimal("106.8456")}
RANTAU = {"latitude": Decimal("-2.94"), "longitude": Decimal("115.16")}


def map_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="map-data" type="application/json">') + len(
        '<script id="map-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def proposals(banjar, tapin, pupr_banjar, pupr_tapin):
    return {
        "road": funded_proposal(
            region=banjar, agency=pupr_banjar, name="Jalan Martapura", amount=1_500_000_000, **MARTAPURA
        ),
        "copied": funded_proposal(
            region=banjar,
            agency=pupr_banjar,
            name="Jalan <b>Astambul</b>",
            status=Proposal.Status.SUBMITTED,
            **JAKARTA,
        ),
        "no_point": funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan tanpa titik"),
        "tapin": funded_proposal(region=tapin, agency=pupr_tapin, name="Jalan Rantau", **RANTAU),
    }


def test_the_map_shows_the_proposals_with_coordinates_coloured_by_status(client, planner, proposals):
    client.force_login(planner)
    response = client.get(URL)
    assert response.status_code == 200
    points = {point["name"]: point for point in map_data(response)["points"]}
    assert set(points) == {"Jalan Martapura", "Jalan <b>Astambul</b>", "Jalan Rantau"}
    road = points["Jalan Martapura"]
    assert road["number"] == proposals["road"].number
    assert road["amount"] == "Rp 1.500.000.000"
    assert road["url"] == proposals["road"].get_absolute_url()
    assert road["status_label"] == "Draf"
    assert road["colour"] != points["Jalan <b>Astambul</b>"]["colour"]  # draft grey, submitted blue
    assert road["outside"] is None
    assert "Kabupaten Banjar" in points["Jalan <b>Astambul</b>"]["outside"]
    # The name is data for text nodes, never markup in the page.
    assert "<b>Astambul" not in response.content.decode()
    assert "3 usulan berkoordinat" in response.content.decode()
    assert "1 titik berada di luar" in response.content.decode()


def test_the_map_takes_the_list_filters(client, planner, proposals, banjar):
    client.force_login(planner)
    response = client.get(URL, {"status": Proposal.Status.SUBMITTED})
    assert [point["name"] for point in map_data(response)["points"]] == ["Jalan <b>Astambul</b>"]
    # The list links to the map with its filters.
    listing = client.get(reverse("programs:proposal-list"), {"status": Proposal.Status.SUBMITTED}).content.decode()
    assert f'href="{URL}?status=submitted' in listing


def test_a_filter_value_that_makes_no_sense_shows_no_points_and_no_error(client, planner, proposals):
    client.force_login(planner)
    response = client.get(URL, {"status": "bogus", "region": "x"})
    assert response.status_code == 200
    assert map_data(response)["points"] == []


def test_an_operator_sees_only_their_kabupaten_on_the_map(client, operator_tapin, proposals):
    client.force_login(operator_tapin)
    response = client.get(URL)
    names = [point["name"] for point in map_data(response)["points"]]
    assert names == ["Jalan Rantau"]
    assert [region["code"] for region in map_data(response)["regions"]] == ["63.05"]
    assert "Banjar" not in response.content.decode()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, proposals):
    response = client.get(URL)
    assert response.status_code == 302
    assert "Jalan" not in response.content.decode()


def test_beyond_the_bound_the_map_draws_the_first_points_and_says_so(client, planner, proposals, monkeypatch):
    monkeypatch.setattr(map_views, "MAP_POINT_LIMIT", 2)
    client.force_login(planner)
    response = client.get(URL)
    assert len(map_data(response)["points"]) == 2
    assert 'id="map-truncated"' in response.content.decode()
    assert "Lebih dari 2 usulan berkoordinat" in response.content.decode()


def test_without_a_tile_server_the_page_draws_the_kabupaten_boundaries_and_fetches_no_tiles(
    client, planner, proposals, settings
):
    settings.MAP_TILE_URL = ""
    client.force_login(planner)
    response = client.get(URL)
    data = map_data(response)
    assert data["tiles"] == ""
    # The boundaries of the kabupaten/kota with points, as GeoJSON geometries ([lng, lat]) from the shipped file.
    regions = {region["code"]: region for region in data["regions"]}
    assert set(regions) == {"63.03", "63.05"}
    assert regions["63.05"]["name"] == "Kabupaten Tapin"
    assert regions["63.05"]["geometry"]["type"] == "MultiPolygon"
    lng, lat = regions["63.05"]["geometry"]["coordinates"][0][0][0]
    assert 114.5 < lng < 115.6 and -3.3 < lat < -2.5
    assert "MAP_TILE_URL belum diatur" in response.content.decode()


def test_without_points_the_map_draws_the_readers_kabupaten_only(client, operator_tapin, settings):
    client.force_login(operator_tapin)
    data = map_data(client.get(URL))
    assert data["points"] == []
    assert [region["code"] for region in data["regions"]] == ["63.05"]


def test_a_kabupaten_without_a_shipped_boundary_is_drawn_and_judged_by_its_box(client, planner, proposals, monkeypatch):
    boundaries = {code: b for code, b in extents.region_boundaries().items() if code != "63.05"}
    monkeypatch.setattr(extents, "region_boundaries", lambda: boundaries)
    monkeypatch.setattr(map_views, "region_boundaries", lambda: boundaries)
    client.force_login(planner)
    regions = {region["code"]: region for region in map_data(client.get(URL))["regions"]}
    assert "geometry" not in regions["63.05"]
    south_west, north_east = regions["63.05"]["bounds"]
    assert south_west[0] < -2.94 < north_east[0] and south_west[1] < 115.16 < north_east[1]
    assert "geometry" in regions["63.03"]
    # Without Tapin's boundary, a point of Banjar's Martapura (outside Tapin's box) gets the box's sentence.
    message = outside_region("63.05", **MARTAPURA)
    assert message is not None and "kotak batas wilayah Kabupaten Tapin" in message
    assert "hanya kotaknya yang diperiksa" in message
    assert outside_region("63.05", **RANTAU) is None


def test_a_tile_server_is_handed_to_the_map(client, planner, proposals, settings):
    settings.MAP_TILE_URL = "https://peta.kalselprov.go.id/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© Pemprov Kalsel"
    client.force_login(planner)
    data = map_data(client.get(URL))
    assert data["tiles"] == settings.MAP_TILE_URL
    assert data["attribution"] == "© Pemprov Kalsel"


def test_the_proposal_page_warns_when_the_point_lies_outside_its_kabupaten(client, operator_banjar, proposals):
    client.force_login(operator_banjar)
    copied = client.get(proposals["copied"].get_absolute_url()).content.decode()
    assert 'id="coordinates-warning"' in copied
    assert "di luar wilayah Kabupaten Banjar" in copied
    inside = client.get(proposals["road"].get_absolute_url()).content.decode()
    assert 'id="coordinates-warning"' not in inside
    form = client.get(reverse("programs:proposal-update", args=[proposals["road"].pk])).content.decode()
    assert 'id="pin-picker"' in form
    assert 'id="coordinates-warning"' not in form
    Proposal.objects.filter(pk=proposals["road"].pk).update(**JAKARTA)  # a draft, so its form opens
    form = client.get(reverse("programs:proposal-update", args=[proposals["road"].pk])).content.decode()
    assert "di luar wilayah Kabupaten Banjar" in form


def test_the_boundaries_put_known_towns_in_their_kabupaten():
    assert outside_region("63.03", **MARTAPURA) is None
    assert outside_region("63.05", **RANTAU) is None
    assert extents.region_at(float(MARTAPURA["latitude"]), float(MARTAPURA["longitude"])).code == "63.03"
    assert extents.region_at(float(RANTAU["latitude"]), float(RANTAU["longitude"])).code == "63.05"
    # Palangka Raya, in Kalimantan Tengah, is outside Banjar, and so is Rantau, which Banjar's box held: the
    # warning names where the point is.
    palangka_raya = outside_region("63.03", latitude=Decimal("-2.21"), longitude=Decimal("113.92"))
    assert palangka_raya is not None and "berada di Kota Palangkaraya, bukan di Kabupaten Banjar" in palangka_raya
    rantau = outside_region("63.03", **RANTAU)
    assert rantau == (
        "Titik koordinat (-2,94; 115,16) berada di Kabupaten Tapin, bukan di Kabupaten Banjar. "
        "Periksa lintang dan bujurnya: mungkin tersalin dari lokasi lain."
    )
    # Jakarta is in no shipped kabupaten/kota.
    assert extents.region_at(float(JAKARTA["latitude"]), float(JAKARTA["longitude"])) is None
    jakarta = outside_region("63.03", **JAKARTA)
    assert jakarta is not None and "berada di luar wilayah Kabupaten Banjar" in jakarta
    # A kabupaten/kota without a shipped boundary or box (outside Kalimantan Tengah and Selatan) is not warned about;
    # neither is a point not given.
    assert outside_region("31.71", **MARTAPURA) is None
    assert outside_region("63.03", latitude=None, longitude=None) is None
    # A kecamatan's or desa's code is judged by its kabupaten/kota.
    assert outside_region("63.03.01.2001", **MARTAPURA) is None
    assert outside_region("63.03.01", **RANTAU) is not None


def test_every_polygon_of_a_multipolygon_counts():
    """Kotabaru is 69 polygons: the mainland, Pulau Laut (where the town of Kotabaru is), Pulau Sebuku and islets."""
    kotabaru = extents.region_boundaries()["63.02"]
    assert len(kotabaru.parts) > 2
    town = (-3.24, 116.23)  # Kotabaru, on Pulau Laut
    sebuku = (-3.507, 116.3736)
    assert not kotabaru.parts[0].contains(town[1], town[0])
    assert kotabaru.contains(*town) and kotabaru.contains(*sebuku)
    assert outside_region("63.02", latitude=Decimal("-3.24"), longitude=Decimal("116.23")) is None
    assert outside_region("63.10", latitude=Decimal("-3.24"), longitude=Decimal("116.23")) == (
        "Titik koordinat (-3,24; 116,23) berada di Kabupaten Kotabaru, bukan di Kabupaten Tanah Bumbu. "
        "Periksa lintang dan bujurnya: mungkin tersalin dari lokasi lain."
    )
    # The open sea east of Pulau Laut is no part of Kotabaru.
    assert outside_region("63.02", latitude=Decimal("-3.0"), longitude=Decimal("117.3")) is not None


def test_a_point_in_a_hole_is_outside_and_the_margin_is_about_a_kilometre():
    """A polygon with a hole (no shipped boundary has one, an enclave would): a square of 1 degree around a square
    of 0.2 degree."""
    outer = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    hole = [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6], [0.4, 0.4]]
    square = extents._part([outer, hole])
    assert square.contains(0.2, 0.2)
    assert not square.contains(0.5, 0.5)  # in the hole
    assert not square.contains(1.5, 0.5)
    boundary = extents.Boundary("99.01", "Kabupaten Contoh", (square,), {})
    assert boundary.covers(0.5, 0.5) is False
    assert boundary.covers(0.5, 0.405)  # in the hole, 0.005 degree from its edge: within the margin
    assert boundary.covers(0.5, 1.009)  # 0.009 degree east of the outer edge
    assert not boundary.covers(0.5, 1.011)
    assert extents.BOUNDARY_MARGIN == 0.01


def _img_src(tile_url: str) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.SECURE_CSP['img-src'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rakornis.settings", "DEBUG": "true", "MAP_TILE_URL": tile_url}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_the_tile_host_and_no_other_is_allowed_for_images():
    """The Content-Security-Policy lets the browser fetch tiles from the configured host, with `{s}` subdomains."""
    assert "https://*.tile.openstreetmap.org" in _img_src("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png").stdout
    own = _img_src("https://peta.kalselprov.go.id/tiles/{z}/{x}/{y}.png").stdout
    assert "https://peta.kalselprov.go.id'" in own and "openstreetmap" not in own
    assert "http" not in _img_src("").stdout
    refused = _img_src("peta.kalselprov.go.id/{z}/{x}/{y}.png")
    assert refused.returncode != 0 and "MAP_TILE_URL must be an http(s) URL" in refused.stderr
