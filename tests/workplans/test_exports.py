"""The Renja and recap workbooks read back with openpyxl: grouping, subtotals and totals against the database."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from programs.models import Proposal, ProposalSummary, WorkPlanItem, WorkPlanItemFunding
from tests.factories import WorkPlanFactory, funded_proposal, work_plan_item
from tests.workbooks import as_decimal, decided_in_two_meetings, export_schemes, sheet_table
from workplans.exports import recap_workbook, split_target, work_plan_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def schemes():
    return export_schemes()


# The Renja table -----------------------------------------------------------------------------------------------------


@pytest.fixture
def renja(schemes, banjar, tapin, pupr_banjar):
    work_plan = WorkPlanFactory()
    sources = [funded_proposal(number=f"USL-2027-63.03-{n:04d}", region=banjar, agency=pupr_banjar) for n in (1, 2)]
    work_plan_item(
        work_plan,
        code="1.03.10.1.01.0010",
        region=banjar,
        funding={"APBD_PROV": 2_000_000_000},
        location="Ruas Martapura - Astambul",
        target="12,5 km",
        forward_target="5 km",
        forward_amount=Decimal(1_000_000_000),
        sources=tuple(sources),
    )
    work_plan_item(
        work_plan,
        code="1.03.10.1.01.0010",
        region=tapin,
        funding={"APBD_PROV": 1_000_000_000, "BKP": 500_000_000},
        target="3 unit; 2 km",
    )
    work_plan_item(work_plan, code="1.03.10.1.01.0020", region=banjar, funding={"APBD_PROV": 700_000_000})
    work_plan_item(work_plan, code="1.03.10.1.02.0005", region=tapin, funding={"BKP": 300_000_000})
    work_plan_item(
        work_plan,
        code="1.03.02.1.01.0009",
        region=banjar,
        funding={"APBD_PROV": 400_000_000},
        forward_amount=Decimal(250_000_000),
    )
    return work_plan


def _aggregate(work_plan, code: str = "", scheme: str | None = None) -> Decimal:
    lines = WorkPlanItemFunding.objects.filter(item__work_plan=work_plan)
    if code:
        lines = lines.filter(item__sub_activity__code__startswith=f"{code}.") | lines.filter(
            item__sub_activity__code=code
        )
    if scheme:
        lines = lines.filter(scheme__code=scheme)
    return lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)


DETAIL = "Rincian per Skema"


def test_renja_export_groups_program_kegiatan_sub_kegiatan_with_subtotals(renja, schemes):
    worksheet, header_row, header, rows = sheet_table(work_plan_workbook(renja), DETAIL)

    titles = [worksheet.cell(row, 1).value for row in range(1, header_row)]
    assert titles[0] == "Rincian Renja per Skema Pendanaan dan Usulan Sumber Tahun 2027 dan Prakiraan Maju Tahun 2028"
    assert titles[1] == renja.agency.name
    assert titles[2].startswith("Tahun Anggaran 2027")
    assert header == [
        "Kode",
        "Program / Kegiatan / Sub Kegiatan",
        "Indikator Kinerja",
        "Lokasi",
        "Target",
        "Satuan",
        "Pagu APBD Prov",
        "Pagu BKP",
        "Jumlah APBD",
        "Target 2028",
        "Satuan 2028",
        "Prakiraan Maju Pagu 2028",
        "Usulan Sumber",
        "Keterangan",
    ]
    assert [row[0] for row in rows if row[0]] == [
        "1.03.02",
        "1.03.02.1.01",
        "1.03.02.1.01.0009",
        "1.03.10",
        "1.03.10.1.01",
        "1.03.10.1.01.0010",
        "1.03.10.1.01.0020",
        "1.03.10.1.02",
        "1.03.10.1.02.0005",
    ]
    for row in rows:
        if not row[0]:
            continue
        values = dict(zip(header, row, strict=True))
        assert as_decimal(values["Jumlah APBD"]) == _aggregate(renja, row[0]), row[0]
        assert as_decimal(values["Pagu APBD Prov"]) == _aggregate(renja, row[0], "APBD_PROV"), row[0]
        assert as_decimal(values["Pagu BKP"]) == _aggregate(renja, row[0], "BKP"), row[0]
    items = [row for row in rows if not row[0] and row[1] != "JUMLAH"]
    assert len(items) == WorkPlanItem.objects.filter(work_plan=renja).count()
    first = dict(zip(header, items[1], strict=True))  # 1.03.10.1.01.0010 in Banjar
    assert (first["Program / Kegiatan / Sub Kegiatan"], first["Lokasi"]) == (
        "Kabupaten Banjar",
        "Ruas Martapura - Astambul",
    )
    assert (first["Target"], first["Satuan"], first["Target 2028"], first["Satuan 2028"]) == (12.5, "km", 5, "km")
    assert first["Usulan Sumber"] == "USL-2027-63.03-0001, USL-2027-63.03-0002"
    second = dict(zip(header, items[2], strict=True))
    assert (second["Target"], second["Satuan"]) == ("3 unit; 2 km", None)
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Program / Kegiatan / Sub Kegiatan"] == "JUMLAH"
    assert as_decimal(total["Jumlah APBD"]) == _aggregate(renja) == Decimal(4_900_000_000)
    assert (
        as_decimal(total["Prakiraan Maju Pagu 2028"])
        == WorkPlanItem.objects.filter(work_plan=renja).aggregate(t=Sum("forward_amount"))["t"]
    )
    assert worksheet.print_title_rows == f"${header_row}:${header_row}"


def test_renja_export_query_count_does_not_grow_with_lines(renja, banjar):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            work_plan_workbook(renja)
        return len(captured)

    before = queries()
    for n in range(30, 40):
        work_plan_item(renja, code=f"1.03.10.1.01.00{n}", region=banjar, funding={"APBD_PROV": 1, "BKP": 2})
    assert queries() == before


def test_export_renja_command(tmp_path, renja):
    output = tmp_path / "renja.xlsx"
    call_command(
        "export_renja",
        "--year",
        "2027",
        "--agency",
        "Dinas PUPR Prov. Kalsel",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    _, _, header, rows = sheet_table(output.read_bytes(), DETAIL)
    assert rows[-1][1] == "JUMLAH"
    with pytest.raises(CommandError, match="Renja Dinas PUPR Prov. Kalsel TA 2028 belum ada"):
        call_command("export_renja", "--year", "2028", "--agency", "Dinas PUPR Prov. Kalsel", "--output", str(output))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5 km", (Decimal("12.5"), "km")),
        ("1.250 m2", (Decimal(1250), "m2")),
        ("3 unit; 2 km", ("3 unit; 2 km", "")),
        ("", (None, "")),
        ("beberapa titik", ("beberapa titik", "")),
    ],
)
def test_split_target(text, expected):
    assert split_target(text) == expected


@pytest.fixture
def decided(schemes, banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    return decided_in_two_meetings(schemes, banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel)


# The recap of a fiscal year ------------------------------------------------------------------------------------------


def test_recap_agreed_amounts_by_kabupaten_and_scheme(decided, schemes):
    content = recap_workbook(fiscal_year=2027, summary=ProposalSummary.objects.all())
    _, _, header, rows = sheet_table(content, "Rekap Pagu")

    assert header == [
        "No",
        "Kode",
        "Kabupaten/Kota",
        "Usulan Disepakati",
        "Pagu APBD Provinsi",
        "Pagu APBD Kab/Kota",
        "Pagu Bantuan Keuangan Provinsi",
        "Jumlah",
    ]
    table = {row[1]: dict(zip(header, row, strict=True)) for row in rows[:-1]}
    assert table["63.03"]["Pagu APBD Kab/Kota"] == 1_000_000_000
    assert table["63.03"]["Pagu Bantuan Keuangan Provinsi"] == 300_000_000
    assert (table["63.03"]["Jumlah"], table["63.03"]["Usulan Disepakati"]) == (1_300_000_000, 2)
    # Tapin: C's agreement was overturned in March; E's rejection was overturned in March.
    assert table["63.05"]["Pagu APBD Kab/Kota"] is None  # zero stays an empty cell in the body
    assert (table["63.05"]["Jumlah"], table["63.05"]["Usulan Disepakati"]) == (100_000_000, 1)
    total = dict(zip(header, rows[-1], strict=True))
    assert total["Kabupaten/Kota"] == "JUMLAH"
    assert total["Jumlah"] == sum(row["Jumlah"] for row in table.values()) == 1_400_000_000
    assert total["Pagu APBD Provinsi"] == 0


def test_recap_counts_by_status(decided):
    _, _, header, rows = sheet_table(
        recap_workbook(fiscal_year=2027, summary=ProposalSummary.objects.all()), "Rekap Status"
    )
    assert header == ["No", "Kode", "Kabupaten/Kota", *[label for _, label in Proposal.Status.choices], "Jumlah"]
    for row in rows[:-1]:
        values = dict(zip(header, row, strict=True))
        for status, label in Proposal.Status.choices:
            expected = Proposal.objects.filter(fiscal_year=2027, region__code=values["Kode"], status=status).count()
            assert values[label] == expected
    assert rows[-1][-1] == Proposal.objects.filter(fiscal_year=2027).count() == 6


def test_recap_keeps_to_the_users_scope(decided, operator_banjar):
    content = recap_workbook(fiscal_year=2027, summary=ProposalSummary.objects.for_user(operator_banjar))
    for sheet in ("Rekap Pagu", "Rekap Status"):
        _, _, _, rows = sheet_table(content, sheet)
        assert [row[1] for row in rows] == ["63.03", None]
