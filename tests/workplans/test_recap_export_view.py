"""The recap workbook of a fiscal year, over the user's scope."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from meetings.models import Decision
from programs.models import Proposal
from tests.factories import (
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    funded_proposal,
)

pytestmark = pytest.mark.django_db

URL = reverse("workplans:recap-export")


@pytest.fixture
def agreed(banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    scheme = FundingSchemeFactory(code="APBD_KAB")
    meeting = MeetingFactory(
        organiser=pupr_kalsel, fiscal_year=2027, starts_at=datetime(2026, 1, 29, 9, tzinfo=ZoneInfo("Asia/Makassar"))
    )
    for region, agency, amount in ((banjar, pupr_banjar, 1_000_000_000), (tapin, pupr_tapin, 400_000_000)):
        proposal = funded_proposal(region=region, agency=agency, status=Proposal.Status.AGREED, fiscal_year=2027)
        decision = DecisionFactory(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED)
        DecisionFundingFactory(decision=decision, scheme=scheme, amount=Decimal(amount))


def money_table(content: bytes) -> dict[str, list]:
    rows = list(load_workbook(io.BytesIO(content), read_only=True)["Rekap Pagu"].iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == "No")
    header = rows[header_index]
    return {row[2]: dict(zip(header, row, strict=True)) for row in rows[header_index + 1 :] if row[2]}


def test_recap_of_the_year_for_a_verifier(client, verifier, agreed):
    client.force_login(verifier)
    response = client.get(URL, {"year": "2027"})
    assert response.status_code == 200
    assert 'filename="Rekap_Usulan_TA2027.xlsx"' in response["Content-Disposition"]
    table = money_table(response.content)
    assert table["Kabupaten Banjar"]["Jumlah"] == 1_000_000_000
    assert table["Kabupaten Tapin"]["Jumlah"] == 400_000_000
    assert table["JUMLAH"]["Jumlah"] == 1_400_000_000


def test_recap_of_an_operator_covers_their_kabupaten_only(client, operator_banjar, agreed):
    client.force_login(operator_banjar)
    table = money_table(client.get(URL, {"year": "2027"}).content)
    assert "Kabupaten Tapin" not in table
    assert table["JUMLAH"]["Jumlah"] == 1_000_000_000


@pytest.mark.parametrize("year", ["dua ribu", "1999"])
def test_an_invalid_year_goes_back_to_the_list_with_a_message(client, verifier, year):
    client.force_login(verifier)
    response = client.get(URL, {"year": year}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("programs:proposal-list")
    assert "Tahun anggaran tidak sah" in response.content.decode()


def test_the_list_links_the_recap_of_the_filtered_year(client, verifier):
    client.force_login(verifier)
    page = client.get(reverse("programs:proposal-list"), {"fiscal_year": "2027"}).content.decode()
    assert f'href="{URL}?year=2027"' in page


def test_without_a_year_the_recap_is_the_planning_years(client, verifier, agreed):
    client.force_login(verifier)
    response = client.get(URL)
    assert 'filename="Rekap_Usulan_TA2027.xlsx"' in response["Content-Disposition"]
    assert money_table(response.content)["JUMLAH"]["Jumlah"] == 1_400_000_000
    client.post(reverse("fiscal-year-switch"), {"year": "2028"})
    response = client.get(URL)
    assert 'filename="Rekap_Usulan_TA2028.xlsx"' in response["Content-Disposition"]
    assert money_table(response.content)["JUMLAH"]["Jumlah"] == 0
    # The list without a year shows the planning year, and its recap button says which.
    page = client.get(reverse("programs:proposal-list")).content.decode()
    assert f'href="{URL}?year=2028"' in page and "Rekap TA 2028 (Excel)" in page


def test_proposals_without_agreed_amounts_are_counted_by_status_and_add_no_pagu(
    client, verifier, agreed, banjar, pupr_banjar
):
    """The recap reads the summary's scheme rows with agreed decisions only: a submitted proposal's funding line
    (another scheme) puts nothing in the pagu sheet, and the proposal still counts in the status sheet."""
    funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED, fiscal_year=2027, scheme="BKP")
    client.force_login(verifier)
    content = client.get(URL, {"year": "2027"}).content
    banjar_pagu = money_table(content)["Kabupaten Banjar"]
    assert banjar_pagu["Usulan Disepakati"] == 1
    assert banjar_pagu["Jumlah"] == 1_000_000_000
    assert 1_500_000_000 not in banjar_pagu.values()
    rows = list(load_workbook(io.BytesIO(content), read_only=True)["Rekap Status"].iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "No")
    banjar_status = dict(zip(header, next(row for row in rows if row[2] == "Kabupaten Banjar"), strict=True))
    assert banjar_status["Jumlah"] == 2
    assert sorted(value for value in list(banjar_status.values())[3:-1] if value) == [1, 1]
