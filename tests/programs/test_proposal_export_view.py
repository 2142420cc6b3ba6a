"""The proposal export follows the list's current filters and the user's scope."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from programs.filters import filter_proposals
from programs.models import Proposal
from tests.factories import FundingSchemeFactory, funded_proposal

pytestmark = pytest.mark.django_db

URL = reverse("programs:proposal-export")


def numbers(content: bytes) -> list[str]:
    """The `ID Usulan` column of the exported workbook, read back with openpyxl."""
    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == "No")
    column = rows[header_index].index("ID Usulan")
    return [row[column] for row in rows[header_index + 1 :] if row[column]]


@pytest.fixture
def proposals(banjar, tapin, pupr_banjar, pupr_tapin):
    FundingSchemeFactory(code="APBD_KAB")
    FundingSchemeFactory(code="BKP")
    made = [
        funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan Martapura", status=Proposal.Status.DRAFT),
        funded_proposal(region=banjar, agency=pupr_banjar, name="Jembatan Astambul", status=Proposal.Status.SUBMITTED),
        funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan Gambut", scheme="BKP", fiscal_year=2028),
        funded_proposal(region=tapin, agency=pupr_tapin, name="Jalan Binuang", status=Proposal.Status.SUBMITTED),
    ]
    return made


def test_export_follows_the_filters_of_the_list(client, verifier, proposals):
    client.force_login(verifier)
    query = {"q": "jalan", "fiscal_year": "2027"}
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    _, expected = filter_proposals(query, user=verifier)
    assert numbers(response.content) == list(
        expected.order_by("fiscal_year", "region__code", "number").values_list("number", flat=True)
    )
    assert {p.name for p in Proposal.objects.filter(number__in=numbers(response.content))} == {
        "Jalan Martapura",
        "Jalan Binuang",
    }


def test_export_follows_the_scheme_and_status_filters(client, verifier, proposals):
    client.force_login(verifier)
    every_year = {"fiscal_year": ""}
    assert numbers(client.get(URL, {"scheme": "BKP", **every_year}).content) == [proposals[2].number]
    submitted = client.get(URL, {"status": Proposal.Status.SUBMITTED, **every_year}).content
    assert sorted(numbers(submitted)) == sorted([proposals[1].number, proposals[3].number])


def test_export_of_the_banjar_operator_leaves_tapin_out(client, operator_banjar, proposals):
    client.force_login(operator_banjar)
    exported = numbers(client.get(URL, {"fiscal_year": ""}).content)
    assert sorted(exported) == sorted(p.number for p in proposals[:3])
    assert proposals[3].number not in exported


def test_an_invalid_filter_exports_nothing_rather_than_everything(client, operator_banjar, proposals):
    client.force_login(operator_banjar)
    assert numbers(client.get(URL, {"region": "63.05"}).content) == []


def test_the_list_links_the_export_with_its_query_string(client, verifier, proposals):
    client.force_login(verifier)
    page = client.get(reverse("programs:proposal-list"), {"q": "jalan", "page": "1"}).content.decode()
    assert f'href="{URL}?q=jalan&amp;fiscal_year=2027"' in page  # the year the list shows, without a page


def test_without_a_year_the_export_holds_the_planning_years_proposals_as_the_list_does(client, verifier, proposals):
    client.force_login(verifier)
    assert sorted(numbers(client.get(URL).content)) == sorted(p.number for p in proposals if p.fiscal_year == 2027)
    client.post(reverse("fiscal-year-switch"), {"year": "2028"})
    assert numbers(client.get(URL).content) == [proposals[2].number]


def test_post_is_refused(client, verifier):
    client.force_login(verifier)
    assert client.post(URL).status_code == 405
