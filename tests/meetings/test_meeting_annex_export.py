"""The decisions annex of a meeting's Berita Acara, as an .xlsx: same readers as the Berita Acara."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from meetings.exports import meeting_annex_workbook
from meetings.models import Decision
from programs.models import Proposal, ProposalFunding
from tests.factories import (
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    funded_proposal,
)
from tests.workbooks import as_decimal, decided_in_two_meetings, export_schemes, sheet_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    scheme = FundingSchemeFactory(code="APBD_KAB")
    meeting = MeetingFactory(
        title="Rakornis Dinas PUPR Kalsel",
        organiser=pupr_kalsel,
        fiscal_year=2027,
        starts_at=datetime(2026, 1, 29, 9, tzinfo=ZoneInfo("Asia/Makassar")),
        ends_at=datetime(2026, 1, 29, 16, tzinfo=ZoneInfo("Asia/Makassar")),
    )
    for region, agency, amount in ((banjar, pupr_banjar, 1_000_000_000), (tapin, pupr_tapin, 400_000_000)):
        proposal = funded_proposal(region=region, agency=agency, status=Proposal.Status.AGREED, fiscal_year=2027)
        decision = DecisionFactory(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED)
        DecisionFundingFactory(decision=decision, scheme=scheme, amount=Decimal(amount))
    return meeting


def url(meeting) -> str:
    return reverse("meetings:meeting-annex-export", args=[meeting.pk])


@pytest.mark.parametrize("persona", ["secretary", "planner", "verifier", "viewer", "superuser"])
def test_provincial_roles_download_the_annex(client, request, persona, meeting):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(meeting))
    assert response.status_code == 200
    assert "Lampiran_Berita_Acara_rakornis-dinas-pupr-kalsel_20260129.xlsx" in response["Content-Disposition"]
    cells = [
        c
        for ws in load_workbook(io.BytesIO(response.content)).worksheets
        for r in ws.iter_rows(values_only=True)
        for c in r
    ]
    numbers = set(Decision.objects.filter(meeting=meeting).values_list("proposal__number", flat=True))
    assert numbers <= set(cells)
    assert 1_400_000_000 in cells  # the total of the agreed amounts


def test_operators_are_refused(client, operator_banjar, meeting):
    client.force_login(operator_banjar)
    assert client.get(url(meeting)).status_code == 403


def test_detail_and_minutes_link_the_annex(client, secretary, meeting):
    client.force_login(secretary)
    assert url(meeting) in client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    assert url(meeting) in client.get(reverse("meetings:meeting-minutes", args=[meeting.pk])).content.decode()


def test_post_is_refused(client, secretary, meeting):
    client.force_login(secretary)
    assert client.post(url(meeting)).status_code == 405


# The workbook itself ------------------------------------------------------------------------------------------------


@pytest.fixture
def schemes():
    return export_schemes()


@pytest.fixture
def decided(schemes, banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    return decided_in_two_meetings(schemes, banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel)


def test_meeting_annex_groups_decisions_by_kabupaten_with_subtotals(decided, schemes):
    january, _ = decided
    worksheet, header_row, header, rows = sheet_table(meeting_annex_workbook(meeting=january))

    assert worksheet.cell(1, 1).value.startswith("Lampiran Berita Acara")
    labels = [row[3] for row in rows if row[0] is None and row[3]]
    groups = [row[1] for row in rows if row[0] is None and row[1]]
    assert groups == ["63.03 Kabupaten Banjar", "63.05 Kabupaten Tapin"]
    assert labels == ["Jumlah Kabupaten Banjar", "Jumlah Kabupaten Tapin", "JUMLAH"]
    numbered = [row for row in rows if isinstance(row[0], int)]
    assert len(numbered) == january.decisions.count() == 5
    subtotals = {row[3]: dict(zip(header, row, strict=True)) for row in rows if row[0] is None and row[3]}
    counted = Decision.objects.filter(meeting=january, outcome__in=Decision.COUNTED_OUTCOMES)
    for label, region in [("Jumlah Kabupaten Banjar", "63.03"), ("Jumlah Kabupaten Tapin", "63.05")]:
        expected = counted.filter(proposal__region__code=region).aggregate(t=Sum("funding_lines__amount"))[
            "t"
        ] or Decimal(0)
        assert as_decimal(subtotals[label]["Jumlah Disepakati"]) == expected
    assert subtotals["JUMLAH"]["Jumlah Disepakati"] == 1_500_000_000
    assert (
        subtotals["JUMLAH"]["Pagu Usulan"]
        == ProposalFunding.objects.filter(proposal__decisions__meeting=january).aggregate(t=Sum("amount"))["t"]
    )
    rejected = next(dict(zip(header, row, strict=True)) for row in numbered if row[7] == "Ditolak")
    assert rejected["Jumlah Disepakati"] is None
    assert rejected["Catatan"] == "Bukan kewenangan provinsi"


def test_meeting_annex_query_count_does_not_grow(decided, schemes, banjar, pupr_banjar):
    january, _ = decided

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            meeting_annex_workbook(meeting=january)
        return len(captured)

    before = queries()
    for n in range(10, 20):
        target = funded_proposal(number=f"USL-2027-63.03-{n:04d}", region=banjar, agency=pupr_banjar)
        decision = DecisionFactory(meeting=january, proposal=target, outcome=Decision.Outcome.AGREED)
        DecisionFundingFactory(decision=decision, scheme=schemes["APBD_KAB"], amount=Decimal(5))
    assert queries() == before
