from datetime import date
from decimal import Decimal

import pytest

from programs.models import Indicator, IndicatorDenominator, IndicatorSource, IndicatorTarget
from tests.factories import province


@pytest.fixture
def kalsel():
    return province("63", "Kalimantan Selatan")


@pytest.fixture
def rtlh(kalsel, banjar):
    """RTLH handled in Kalsel: 2,804 of 237,973 recorded; a target for Banjar, and one for the province."""
    indicator = Indicator.objects.create(code="IK-PKP-01", name="RTLH yang ditangani", unit="unit")
    source = IndicatorSource.objects.create(document="Paparan Disperkim Kalsel", date=date(2026, 2, 12))
    IndicatorDenominator.objects.create(
        indicator=indicator, region=kalsel, value=Decimal("237973"), label="RTLH terdata", source=source
    )
    IndicatorTarget.objects.create(
        indicator=indicator,
        region=kalsel,
        year=2025,
        target=Decimal("2600"),
        target_source=source,
        realisation=Decimal("2804"),
        realisation_source=source,
    )
    IndicatorTarget.objects.create(indicator=indicator, region=kalsel, year=2026, target=Decimal("4300"))
    IndicatorTarget.objects.create(
        indicator=indicator, region=banjar, year=2026, target=Decimal("300"), realisation=Decimal("120")
    )
    return indicator
