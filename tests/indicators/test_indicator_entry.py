"""Entering a figure or a denominator: who may, with which source, and what a bad value says."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from programs.models import IndicatorDenominator, IndicatorTarget
from rakornis.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(indicator):
    return reverse("indicators:indicator-entry", args=[indicator.code])


def figure_data(region, **overrides):
    return {
        "form": "angka",
        "region": str(region.pk),
        "year": "2027",
        "figure": "target",
        "value": "5.900",
        "source_document": "RPJMD Provinsi Kalimantan Selatan 2025-2029",
        "source_number": "Perda 5/2025",
        "source_date": "2025-06-30",
        **overrides,
    }


def test_planner_sets_a_target_with_its_source(client, planner, kalsel, rtlh):
    client.force_login(planner)
    response = client.post(url(rtlh), figure_data(kalsel))
    assert response.status_code == 302
    row = IndicatorTarget.objects.get(indicator=rtlh, region=kalsel, year=2027)
    assert row.target == Decimal("5900")
    assert row.target_source.number == "Perda 5/2025"
    assert AuditEntry.objects.filter(object_id=str(row.pk), user=planner).exists()
    page = client.get(response["Location"]).content.decode()
    assert "5.900" in page and "RPJMD Provinsi Kalimantan Selatan 2025-2029" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"value": "-3"}, "value", "Nilai tidak boleh negatif."),
        ({"value": "dua"}, "value", "bukan angka"),
        ({"value": "1,12345"}, "value", "Paling banyak 4 angka di belakang koma."),
        ({"source_document": ""}, "source_document", ""),
        ({"year": "2040"}, "year", "di luar rentang"),
        ({"source_date": "31-02-2026"}, "source_date", ""),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    client, planner, kalsel, rtlh, overrides, field, message
):
    client.force_login(planner)
    before = list(IndicatorTarget.objects.values_list("pk", "target", "realisation"))
    response = client.post(url(rtlh), figure_data(kalsel, **overrides))
    assert response.status_code == 200
    errors = response.context["figure_form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert escape(errors[field][0]) in response.content.decode()
    assert list(IndicatorTarget.objects.values_list("pk", "target", "realisation")) == before


def test_operator_reports_the_realisation_of_their_own_kabupaten(client, operator_banjar, banjar, rtlh):
    client.force_login(operator_banjar)
    response = client.post(url(rtlh), figure_data(banjar, year="2026", figure="realisation", value="150"))
    assert response.status_code == 302
    assert IndicatorTarget.objects.get(indicator=rtlh, region=banjar, year=2026).realisation == Decimal("150")


def test_operator_may_not_set_a_target(client, operator_banjar, banjar, rtlh):
    client.force_login(operator_banjar)
    response = client.post(url(rtlh), figure_data(banjar, year="2026", value="999"))
    assert response.status_code == 200
    assert "tidak mengizinkan mengisi target" in response.content.decode()
    assert IndicatorTarget.objects.get(indicator=rtlh, region=banjar, year=2026).target == Decimal("300")


def test_operator_of_another_kabupaten_cannot_edit_banjar(client, operator_tapin, banjar, rtlh):
    client.force_login(operator_tapin)
    response = client.post(url(rtlh), figure_data(banjar, year="2026", figure="realisation", value="1"))
    assert response.status_code == 200
    assert "region" in response.context["figure_form"].errors  # Banjar is not offered to them
    assert IndicatorTarget.objects.get(indicator=rtlh, region=banjar, year=2026).realisation == Decimal("120")


def test_viewer_may_not_enter(client, viewer, kalsel, rtlh):
    client.force_login(viewer)
    assert client.get(url(rtlh)).status_code == 403
    assert client.post(url(rtlh), figure_data(kalsel)).status_code == 403
    assert not IndicatorTarget.objects.filter(year=2027).exists()


def test_planner_replaces_the_denominator(client, planner, kalsel, rtlh):
    client.force_login(planner)
    data = {
        "form": "penyebut",
        "penyebut-region": str(kalsel.pk),
        "penyebut-value": "240.100",
        "penyebut-label": "RTLH terdata (pemutakhiran)",
        "penyebut-source_document": "Data RTLH 2026",
        "penyebut-source_date": "2026-07-01",
    }
    assert client.post(url(rtlh), data).status_code == 302
    row = IndicatorDenominator.objects.get(indicator=rtlh, region=kalsel)
    assert row.value == Decimal("240100")
    entry = AuditEntry.objects.get(object_id=str(row.pk), action=AuditEntry.Action.CHANGED)
    assert entry.changes["value"] == ["237973", "240100"]


def test_a_zero_denominator_is_refused(client, planner, kalsel, rtlh):
    client.force_login(planner)
    data = {
        "form": "penyebut",
        "penyebut-region": str(kalsel.pk),
        "penyebut-value": "0",
        "penyebut-label": "x",
        "penyebut-source_document": "x",
        "penyebut-source_date": "2026-07-01",
    }
    response = client.post(url(rtlh), data)
    assert response.status_code == 200
    assert "Nilai harus lebih dari nol." in response.content.decode()
    assert IndicatorDenominator.objects.get(indicator=rtlh, region=kalsel).value == Decimal("237973")


def test_operator_is_not_offered_the_denominator(client, operator_banjar, rtlh):
    client.force_login(operator_banjar)
    response = client.get(url(rtlh))
    assert response.status_code == 200
    assert response.context["denominator_form"] is None
