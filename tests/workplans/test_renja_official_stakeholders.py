"""The "Usulan Program dan Kegiatan dari Para Pemangku Kepentingan" table (Tabel 2.4 of the Renja) of an agency and
year: the proposals that reached the agency, as its columns name them, in the reader's scope, bounded."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Agency
from meetings.models import Decision
from programs.models import Proposal
from tests.factories import (
    AgencyFactory,
    DecisionFactory,
    MeetingFactory,
    WorkPlanFactory,
    funded_proposal,
    province,
    work_plan_item,
)
from workplans import exports

pytestmark = pytest.mark.django_db
HEADER = ["No", "Program/Kegiatan", "Lokasi", "Indikator Kinerja", "Besaran/Volume", "Catatan"]


@pytest.fixture
def renja(pupr_kalsel, pupr_banjar, pupr_tapin, banjar, tapin):
    work_plan = WorkPlanFactory(agency=pupr_kalsel)
    meeting = MeetingFactory(
        organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 9, tzinfo=ZoneInfo("Asia/Makassar"))
    )
    agreed = funded_proposal(
        number="USL-2027-63.03-0001",
        region=banjar,
        agency=pupr_banjar,
        status=Proposal.Status.AGREED,
        location="Ruas Martapura - Astambul",
        volume=Decimal("2.5"),
        unit="km",
        output_indicator="Panjang jalan yang ditingkatkan",
        origin=Proposal.Origin.POKIR,
    )
    rejected = funded_proposal(
        number="USL-2027-63.05-0001", region=tapin, agency=pupr_tapin, status=Proposal.Status.REJECTED
    )
    DecisionFactory(meeting=meeting, proposal=agreed, outcome=Decision.Outcome.AGREED)
    DecisionFactory(meeting=meeting, proposal=rejected, outcome=Decision.Outcome.REJECTED, reason="Bukan kewenangan")
    # Not for this agency: never decided by its meetings; and a draft, not proposed yet.
    funded_proposal(number="USL-2027-63.03-0002", region=banjar, agency=pupr_banjar, status=Proposal.Status.VERIFIED)
    funded_proposal(number="USL-2027-63.03-0003", region=banjar, agency=pupr_kalsel, status=Proposal.Status.DRAFT)
    work_plan_item(work_plan, code="1.03.10.2.01.0053", region=banjar, funding={"APBD_PROV": 1}, sources=(agreed,))
    return work_plan


def table(content: bytes):
    worksheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
    index = next(i for i, row in enumerate(rows) if row[0] == "No")
    return worksheet, rows[index], rows[index + 1], rows[index + 2 :]


def test_the_table_lists_the_proposals_that_reached_the_agency(client, planner, renja):
    client.force_login(planner)
    response = client.get(reverse("workplans:workplan-stakeholders-export", args=[renja.pk]))
    assert response.status_code == 200
    worksheet, header, numbers, rows = table(response.content)

    assert worksheet["A1"].value == "Usulan Program dan Kegiatan dari Para Pemangku Kepentingan Tahun 2027"
    assert header == HEADER
    assert numbers == ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
    assert [row[0] for row in rows] == [1, 2]
    first = dict(zip(header, rows[0], strict=True))
    assert first["Program/Kegiatan"].startswith("1.03.10.2.01.0053 Pembangunan Jalan\n")
    assert first["Lokasi"] == "Ruas Martapura - Astambul, Kabupaten Banjar"
    assert first["Indikator Kinerja"] == "Panjang jalan yang ditingkatkan"
    assert first["Besaran/Volume"] == "2,5 km"
    assert first["Catatan"] == "USL-2027-63.03-0001; Pokir DPRD; Disepakati; masuk Renja"
    second = dict(zip(header, rows[1], strict=True))
    assert second["Catatan"] == "USL-2027-63.05-0001; Musrenbang Kab/Kota; Ditolak"
    assert worksheet.page_setup.orientation == "landscape"


def test_the_renja_page_links_the_table(client, planner, renja):
    client.force_login(planner)
    page = client.get(reverse("workplans:workplan-detail", args=[renja.pk])).text
    assert reverse("workplans:workplan-stakeholders-export", args=[renja.pk]) in page


def test_an_operator_sees_only_their_kabupaten_in_their_agencys_table(client, operator_banjar, pupr_banjar, banjar):
    work_plan = WorkPlanFactory(agency=pupr_banjar)
    funded_proposal(number="USL-2027-63.03-0010", region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(operator_banjar)
    _, _, _, rows = table(client.get(reverse("workplans:workplan-stakeholders-export", args=[work_plan.pk])).content)
    assert [row[5].split(";")[0] for row in rows] == ["USL-2027-63.03-0010"]


def test_another_provinces_table_is_not_found(client, planner):
    kalteng = AgencyFactory(
        short_name="Dinas PUPR Prov. Kalteng", level=Agency.Level.PROVINCIAL, region=province("62", "Kalimantan Tengah")
    )
    client.force_login(planner)
    response = client.get(reverse("workplans:workplan-stakeholders-export", args=[WorkPlanFactory(agency=kalteng).pk]))
    assert response.status_code == 404


def test_an_agency_without_proposals_gets_a_table_that_says_so(pupr_kalsel):
    _, _, _, rows = table(exports.stakeholder_workbook(WorkPlanFactory(agency=pupr_kalsel), Proposal.objects.all()))
    assert rows == [[None, "Belum ada usulan pemangku kepentingan untuk perangkat daerah dan tahun ini.", *[None] * 4]]


def test_the_table_is_bounded(renja, monkeypatch):
    monkeypatch.setattr(exports, "STAKEHOLDER_LIMIT", 1)
    _, _, _, rows = table(exports.stakeholder_workbook(renja, Proposal.objects.all()))
    assert [row[0] for row in rows] == [1, None]
    assert rows[1][1].startswith("Lebih dari 1 usulan")
