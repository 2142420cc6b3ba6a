"""`indicator_gaps` (for the dashboards) and the demo indicators with the real Kalsel figures."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from indicators.selectors import indicator_gaps
from programs.models import Indicator, IndicatorTarget
from rakornis.demo.accounts import demo_accounts_ensure
from rakornis.demo.indicators import demo_indicators_ensure
from rakornis.demo.reference import demo_reference_load

pytestmark = pytest.mark.django_db


def test_gaps_take_the_latest_target_up_to_the_year(viewer, kalsel, rtlh):
    gaps = {(g.indicator.code, g.region.code): g for g in indicator_gaps(viewer, 2025)}
    province = gaps[("IK-PKP-01", "63")]
    assert (province.year, province.target, province.realisation) == (2025, Decimal("2600"), Decimal("2804"))
    assert province.gap == Decimal("-204")  # passed
    assert ("IK-PKP-01", "63.03") not in gaps  # Banjar's first target is 2026
    later = {(g.indicator.code, g.region.code): g for g in indicator_gaps(viewer, 2027)}
    assert later[("IK-PKP-01", "63.03")].gap == Decimal("180")
    assert later[("IK-PKP-01", "63")].realisation is None


def test_gaps_are_scoped_and_bounded(operator_tapin, viewer, rtlh):
    assert {g.region.code for g in indicator_gaps(operator_tapin, 2027)} == {"63"}
    assert len(indicator_gaps(viewer, 2027, limit=1)) == 1


def test_a_lower_is_better_indicator_counts_its_gap_the_other_way(viewer, kalsel):
    slums = Indicator.objects.create(code="KUMUH-SISA", name="Sisa kumuh", unit="ha", direction="turun")
    IndicatorTarget.objects.create(
        indicator=slums, region=kalsel, year=2026, target=Decimal("400"), realisation=Decimal("445.5")
    )
    assert indicator_gaps(viewer, 2026)[0].gap == Decimal("45.5")


@pytest.fixture
def demo(db):
    call_command("load_reference_data", stdout=StringIO())
    users = demo_accounts_ensure(reference=demo_reference_load())
    demo_indicators_ensure(users=users)
    return users


def test_demo_rtlh_page_shows_the_kalsel_figures(client, demo):
    client.force_login(demo["pimpinan"])
    response = client.get(reverse("indicators:indicator-detail", args=["IK-PKP-01"]))
    content = response.content.decode()
    assert "237.973 unit" in content
    assert "2.804 dari 237.973 = 1,18 %" in content
    assert "235.169 unit" in content
    assert response.context["chart"] is not None


def test_demo_slum_share_is_43_62_percent(client, demo):
    client.force_login(demo["pimpinan"])
    content = client.get(reverse("indicators:indicator-detail", args=["IK-PKP-02"])).content.decode()
    assert "345,029 dari 790,98 = 43,62 %" in content


def test_demo_is_idempotent_and_links_sub_kegiatan(demo):
    rows = IndicatorTarget.objects.count()
    demo_indicators_ensure(users=demo)
    assert IndicatorTarget.objects.count() == rows
    assert Indicator.objects.get(code="IK-PKP-01").sub_activities.filter(code="1.04.03.1.02.0003").exists()
    assert IndicatorTarget.objects.filter(indicator__code="IK-PKP-04", region__level="kabupaten_kota").count() > 13
