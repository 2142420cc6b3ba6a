"""Two meetings decide the same proposal differently: the later one counts in the Renja sync, on the Renja page,
in the Renja Excel and in the recap (meetings.selectors.agreed_decisions, read by all of them)."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from meetings.models import Decision
from programs.models import Proposal, ProposalSummary, WorkPlanItem
from tests.factories import (
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    agreed_proposal,
)
from tests.workbooks import sheet_table
from workplans.exports import recap_workbook, work_plan_workbook
from workplans.services import work_plan_get_or_create, work_plan_sync

pytestmark = pytest.mark.django_db

LATER_TOTAL = Decimal(750_000_000)


@pytest.fixture
def decided_twice(banjar, pupr_banjar, pupr_kalsel):
    """Agreed at the Rakornis for Rp 1 M (APBD Prov); agreed with changes at the later Musrenbang provinsi for
    Rp 600 jt APBD Prov + Rp 150 jt BKP; rejected at an even later meeting that plans another year."""
    rakornis = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC))
    musrenbang = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 4, 20, 1, tzinfo=UTC))
    proposal = agreed_proposal(
        meeting=rakornis,
        executing_agency=pupr_kalsel,
        funding={"APBD_PROV": 1_000_000_000},
        region=banjar,
        agency=pupr_banjar,
        fiscal_year=2027,
    )
    later = DecisionFactory(
        meeting=musrenbang,
        proposal=proposal,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        executing_agency=pupr_kalsel,
    )
    DecisionFundingFactory(decision=later, scheme=FundingSchemeFactory(code="APBD_PROV"), amount=600_000_000)
    DecisionFundingFactory(decision=later, scheme=FundingSchemeFactory(code="BKP"), amount=150_000_000)
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.AGREED_WITH_CHANGES)
    DecisionFactory(
        meeting=MeetingFactory(organiser=pupr_kalsel, fiscal_year=2028, starts_at=datetime(2026, 6, 1, tzinfo=UTC)),
        proposal=proposal,
        outcome=Decision.Outcome.REJECTED,
        reason="Rapat TA 2028",
    )
    return proposal


@pytest.fixture
def synced(decided_twice, pupr_kalsel):
    work_plan, _ = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2027)
    work_plan_sync(work_plan=work_plan, user=None)
    return work_plan


def test_the_sync_takes_the_later_decision(synced, decided_twice):
    item = WorkPlanItem.objects.get(work_plan=synced)
    amounts = {line.scheme.code: line.amount for line in item.funding_lines.select_related("scheme")}
    assert amounts == {"APBD_PROV": Decimal(600_000_000), "BKP": Decimal(150_000_000)}
    assert list(item.source_proposals.all()) == [decided_twice]


def test_the_renja_page_shows_the_later_decision(client, planner, synced):
    client.force_login(planner)
    response = client.get(reverse("workplans:workplan-detail", args=[synced.pk]))
    assert response.context["table"].totals.total == LATER_TOTAL
    assert "Rp 750.000.000" in response.text
    assert "Rp 1.000.000.000" not in response.text


def test_the_renja_excel_shows_the_later_decision(synced):
    _, _, header, rows = sheet_table(work_plan_workbook(synced), "Rincian per Skema")
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Program / Kegiatan / Sub Kegiatan"] == "JUMLAH"
    assert Decimal(total["Jumlah APBD"]) == LATER_TOTAL


def test_the_recap_shows_the_later_decision(client, verifier, decided_twice):
    client.force_login(verifier)
    downloaded = client.get(reverse("workplans:recap-export"), {"year": "2027"}).content
    for content in (recap_workbook(fiscal_year=2027, summary=ProposalSummary.objects.all()), downloaded):
        rows = list(load_workbook(io.BytesIO(content), read_only=True)["Rekap Pagu"].iter_rows(values_only=True))
        header_index = next(i for i, row in enumerate(rows) if row and row[0] == "No")
        table = {row[2]: dict(zip(rows[header_index], row, strict=True)) for row in rows[header_index + 1 :]}
        assert Decimal(table["Kabupaten Banjar"]["Jumlah"]) == LATER_TOTAL
        assert table["Kabupaten Banjar"]["Usulan Disepakati"] == 1
        assert Decimal(table["JUMLAH"]["Jumlah"]) == LATER_TOTAL
