"""The dashboard in Chromium: the viewer's page draws its four charts from the page's own data (no console error, no
Content-Security-Policy refusal), keeps every number in tables in print, and stays within a phone's 390 px; the
operator's page likewise, over Banjar alone. Screenshots at 1366 and 390 px of both."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.test_dashboard import world  # noqa: F401 (the fixture: Banjar's and Tapin's proposals of 2027)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("chart-funnel", "chart-regions", "chart-schemes", "chart-progress")
PHONE = {"width": 390, "height": 844}


def open_dashboard(new_page, live_server, user, *, phone: bool = False):
    page = new_page(user.username)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    if phone:
        page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/dasbor/")
    page.wait_for_load_state("load")
    return page, errors


def drawn_charts(page) -> list[str]:
    """The canvases Chart.js drew a chart on."""
    return page.evaluate(
        """ids => ids.filter(id => {
            const canvas = document.getElementById(id);
            return canvas && window.Chart && window.Chart.getChart(canvas) && canvas.width > 0;
        })""",
        list(CHARTS),
    )


def test_the_viewers_dashboard_shows_the_charts(new_page, live_server, viewer, world):  # noqa: F811
    page, errors = open_dashboard(new_page, live_server, viewer)
    assert page.locator("h1").inner_text() == "Dasbor TA 2027"
    assert drawn_charts(page) == list(CHARTS)
    assert page.locator("#recap-table tbody tr").count() == 2  # Banjar and Tapin
    # The names reach the charts from the tables' rows (the page's JSON holds numbers only).
    labels = page.evaluate("id => window.Chart.getChart(document.getElementById(id)).data.labels", "chart-progress")
    assert labels == ["Kabupaten Banjar", "Kabupaten Tapin"]
    schemes = page.evaluate("id => window.Chart.getChart(document.getElementById(id)).data.labels", "chart-schemes")
    assert schemes == ["APBD_PROV", "BKP"]
    screenshot(page, "dashboard_viewer_1366")
    # In print the charts stay (as canvases) and so does every table with their numbers.
    page.emulate_media(media="print")
    for table in ("#funnel-table", "#region-table", "#scheme-table", "#progress-table", "#recap-table"):
        assert page.locator(table).is_visible(), table
    assert page.locator("#chart-regions").is_visible()
    page.emulate_media(media="screen")
    assert errors == []


def test_the_viewers_dashboard_fits_a_phone(new_page, live_server, viewer, world):  # noqa: F811
    page, errors = open_dashboard(new_page, live_server, viewer, phone=True)
    assert drawn_charts(page) == list(CHARTS)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "dashboard_viewer_390")
    assert errors == []


@pytest.mark.parametrize("phone", [False, True], ids=["1366", "390"])
def test_the_operators_dashboard_is_banjar_alone(new_page, live_server, operator_banjar, world, phone):  # noqa: F811
    page, errors = open_dashboard(new_page, live_server, operator_banjar, phone=phone)
    assert drawn_charts(page) == list(CHARTS)
    assert page.locator("#recap-table tbody tr").count() == 1
    assert page.locator('#recap-table tbody tr[data-region="63.03"]').count() == 1
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"dashboard_operator_{'390' if phone else '1366'}")
    assert errors == []


@pytest.mark.parametrize("width", [1366, 1200, 992])
def test_a_provinces_rupiah_figures_stay_inside_their_cards(new_page, live_server, viewer, banjar, pupr_banjar, width):
    """Rp 1.456.913.000.000 (the demo's proposals) ran 15 px past its card at 1366 px in the size of .fs-5."""
    from programs.models import Proposal
    from tests.factories import FundingSchemeFactory, funded_proposal

    FundingSchemeFactory(code="APBD_KAB")
    funded_proposal(
        region=banjar, agency=pupr_banjar, amount=1_456_913_000_000, fiscal_year=2027, status=Proposal.Status.SUBMITTED
    )
    page, _errors = open_dashboard(new_page, live_server, viewer)
    page.set_viewport_size({"width": width, "height": 900})
    assert page.locator("#figure-proposed").inner_text() == "Rp 1.456.913.000.000"
    overflow = page.evaluate(
        "() => ['figure-proposed', 'figure-agreed'].map(id => document.getElementById(id))"
        ".map(e => e.scrollWidth - e.clientWidth)"
    )
    assert overflow == [0, 0]
