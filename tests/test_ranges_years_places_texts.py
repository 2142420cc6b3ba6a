"""Fiscal years in a window around the planning year, coordinates inside the province, texts that fit a spreadsheet
cell: each refused with a clear message by the proposal form and by the import, and nothing saved.

The planning year of the suite is TA 2027 (tests/conftest.py), so the window is TA 2022-2032.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from programs.models import Proposal
from programs.xlsx.importer import proposal_import_parse
from rakornis import fiscal_year
from tests.factories import FundingSchemeFactory, ProposalFactory, proposal_form_data, sub_activity, usulan_xlsx

pytestmark = pytest.mark.django_db
CREATE = reverse("programs:proposal-create")
SUB = "1.03.10.2.01.0053"


def test_the_window_is_five_years_around_the_planning_year():
    assert fiscal_year.typed_window() == (2022, 2032)
    assert fiscal_year.typed_year_problem(2022) is None
    assert fiscal_year.typed_year_problem(2033) == (
        "tahun anggaran 2033 di luar rentang TA 2022\u20132032 "
        "(lima tahun sebelum dan sesudah tahun perencanaan TA 2027)"
    )
    assert fiscal_year.typed_year_problem(2019, saved=2019) is None  # the year a row already has may stay


def _post(client, region, agency, **overrides):
    data = proposal_form_data(region=region, agency=agency, funding=[("APBD_KAB", "1.500.000.000")], **overrides)
    return client.post(CREATE, data)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"fiscal_year": "2033"}, "fiscal_year", "Tahun anggaran 2033 di luar rentang TA 2022\u20132032"),
        ({"fiscal_year": "2021"}, "fiscal_year", "Tahun anggaran 2021 di luar rentang TA 2022\u20132032"),
        ({"fiscal_year": "99999999"}, "fiscal_year", ""),
        # -3,3 typed without its minus sign: inside Indonesia, north of Kalimantan Selatan.
        ({"latitude": "3,3186", "longitude": "114,5903"}, "latitude", "Lintang 3,3186 di luar Kalimantan Selatan"),
        # A point in Central Kalimantan (Palangka Raya) for a Banjar proposal.
        ({"latitude": "-2,2096", "longitude": "113,9135"}, None, None),
        ({"latitude": "-3,3186", "longitude": "112,0"}, "longitude", "Bujur 112 di luar Kalimantan Selatan"),
        ({"notes": "x" * 32_768}, "notes", "32767"),
    ],
)
def test_the_form_refuses_out_of_range_values(client, operator_banjar, banjar, pupr_banjar, overrides, field, message):
    client.force_login(operator_banjar)
    response = _post(client, banjar, pupr_banjar, **overrides)
    if field is None:  # inside Kalsel's widened box: accepted (Palangka Raya is 113,9 E, at its western edge)
        assert response.status_code in (200, 302)
        return
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors and message in " ".join(errors), errors
    assert not Proposal.objects.exists()


def test_a_proposal_inside_the_province_and_the_window_is_saved(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    response = _post(client, banjar, pupr_banjar, fiscal_year="2032", latitude="-3,3186", longitude="114,5903")
    assert response.status_code == 302
    assert Proposal.objects.get().fiscal_year == 2032


def test_editing_an_old_proposal_keeps_its_year(client, operator_banjar, banjar, pupr_banjar):
    proposal = ProposalFactory(region=banjar, agency=pupr_banjar, fiscal_year=2019, number="USL-2019-63.03-0001")
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000.000")], fiscal_year="2019", version="1"
    )
    response = client.post(reverse("programs:proposal-update", args=[proposal.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""


# --- The import ------------------------------------------------------------------------------------------------------


@pytest.fixture
def world(banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB")
    sub_activity(SUB, "Peningkatan Jalan")


def _record(**overrides):
    values = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Kabupaten/Kota": "Kabupaten Banjar",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": SUB,
        "Nama Usulan": "Peningkatan Jalan Martapura - Astambul",
        "Volume": 2.5,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": 1_500_000_000,
        "Total Pagu": 1_500_000_000,
    }
    return values | overrides


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Tahun Anggaran": 2040}, "Tahun Anggaran: tahun anggaran 2040 di luar rentang TA 2022\u20132032"),
        ({"Tahun Anggaran": 9999}, "Tahun Anggaran: tahun 9999 di luar rentang 2000\u20132100"),
        ({"Latitude": 3.3186, "Longitude": 114.5903}, "Latitude: lintang 3,3186 di luar Kalimantan Selatan"),
        ({"Latitude": -3.3186, "Longitude": 118.5}, "Longitude: bujur 118,5 di luar Kalimantan Selatan"),
        ({"Pagu APBD Kab/Kota": 10**18, "Total Pagu": 10**18}, "paling banyak Rp 999.999.999.999.999.999"),
        ({"Pagu APBD Kab/Kota": "1.000.000.000.000.000.000"}, "pagu terlalu besar"),
    ],
)
def test_the_import_refuses_out_of_range_values(world, operator_banjar, overrides, message):
    upload = io.BytesIO(usulan_xlsx([_record(**overrides)]))
    upload.name = "usulan.xlsx"
    result = proposal_import_parse(file=upload, user=operator_banjar)
    texts = [str(issue) for issue in result.errors]
    assert any(message in text for text in texts), texts
    assert not Proposal.objects.exists()


def test_the_import_takes_a_note_as_long_as_a_cell_holds(world, operator_banjar):
    # openpyxl and XlsxWriter write no longer text into a cell (nor does Excel); the check stands for other writers.
    upload = io.BytesIO(usulan_xlsx([_record(Keterangan="x" * 32_767)]))
    upload.name = "usulan.xlsx"
    result = proposal_import_parse(file=upload, user=operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    assert len(result.rows) == 1
