"""The indicator list and an indicator's page: trajectory, chart data, denominator and share, scope."""

import json

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def detail(indicator, query=""):
    return reverse("indicators:indicator-detail", args=[indicator.code]) + query


def test_list_shows_the_indicator_with_its_gap(client, viewer, rtlh):
    client.force_login(viewer)
    response = client.get(reverse("indicators:indicator-list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "RTLH yang ditangani" in content
    # The province's latest target up to TA 2027 is 2026's 4.300, not realised yet; Banjar's 300 lacks 180.
    assert "kurang 180" in content


def test_page_shows_denominator_share_and_remaining(client, viewer, rtlh):
    client.force_login(viewer)
    response = client.get(detail(rtlh))
    assert response.status_code == 200
    content = response.content.decode()
    assert "237.973 unit" in content
    assert "2.804 dari 237.973 = 1,18 %" in content
    assert "235.169 unit" in content  # not yet handled
    table = content[content.index('id="trajectory-table"') :]
    assert "2.600" in table and "4.300" in table


def test_chart_data_is_json_beside_the_table(client, viewer, rtlh):
    client.force_login(viewer)
    response = client.get(detail(rtlh))
    assert response.context["chart"]["years"] == [2025, 2026]
    content = response.content.decode()
    start = content.index('<script id="indicator-chart-data" type="application/json">') + len(
        '<script id="indicator-chart-data" type="application/json">'
    )
    data = json.loads(content[start : content.index("</script>", start)])
    assert data["target"] == [2600.0, 4300.0]
    assert data["realisation"] == [2804.0, None]
    assert data["gap"] == [0.0, None]  # 2025's target was passed
    assert "vendor/chartjs/chart.umd.min.js" in content and "js/indicator_chart.js" in content


def test_a_kabupaten_page_shows_its_own_figures(client, operator_banjar, rtlh):
    client.force_login(operator_banjar)
    response = client.get(detail(rtlh, "?wilayah=63.03"))
    assert response.status_code == 200
    assert response.context["selected"].region.code == "63.03"
    assert "kurang 180 unit" in response.content.decode()


def test_operator_of_another_kabupaten_does_not_see_banjar(client, operator_tapin, rtlh):
    client.force_login(operator_tapin)
    assert client.get(detail(rtlh, "?wilayah=63.03")).status_code == 404
    # The province's figures are theirs to read; Banjar is not among the regions offered.
    response = client.get(detail(rtlh))
    assert response.status_code == 200
    assert [t.region.code for t in response.context["trajectories"]] == ["63"]


def test_an_account_without_a_role_sees_no_indicator(client, rtlh):
    client.force_login(UserFactory(username="tanpa.peran"))
    assert client.get(detail(rtlh)).status_code == 404
    assert client.get(reverse("indicators:indicator-list")).status_code == 404


def test_unknown_indicator_is_404(client, viewer, rtlh):
    client.force_login(viewer)
    assert client.get(reverse("indicators:indicator-detail", args=["TIDAK-ADA"])).status_code == 404


def test_anonymous_goes_to_login(client, rtlh):
    response = client.get(detail(rtlh))
    assert response.status_code == 302 and "/masuk/" in response["Location"]
