"""Exports read back with openpyxl: headers, grouping, subtotals and totals against database aggregates."""

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from meetings.models import Decision
from programs.models import Proposal, ProposalFunding, WorkPlanItem, WorkPlanItemFunding
from programs.xlsx.exporters import (
    meeting_annex_workbook,
    proposal_export_workbook,
    recap_workbook,
    split_target,
    work_plan_workbook,
)
from programs.xlsx.importer import RowAction, proposal_import_parse
from tests.factories import (
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    ProposalFactory,
    ProposalFundingFactory,
    WorkPlanFactory,
    funded_proposal,
    sub_activity,
    village,
    work_plan_item,
)

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")

INTERCHANGE_HEADER = [
    "No",
    "ID Usulan",
    "Status",
    "Tahun Anggaran",
    "Kode Kabupaten/Kota",
    "Kabupaten/Kota",
    "Perangkat Daerah Pengusul",
    "Kode Sub Kegiatan",
    "Nama Sub Kegiatan",
    "Di Luar Nomenklatur",
    "Nama Usulan",
    "Lokasi",
    "Kode Lokasi",
    "Latitude",
    "Longitude",
    "Volume",
    "Satuan",
    "Indikator Keluaran",
    "Pagu APBD Provinsi",
    "Pagu APBD Kab/Kota",
    "Pagu Bantuan Keuangan Provinsi",
    "Pagu DAK Fisik",
    "Pagu DAK Nonfisik",
    "Pagu DAU PU",
    "Pagu Dekonsentrasi",
    "Pagu Tugas Pembantuan",
    "Pagu APBN",
    "Pagu Lainnya",
    "Total Pagu",
    "Prioritas",
    "Sumber Usulan",
    "Prakiraan Maju Volume",
    "Prakiraan Maju Pagu",
    "Keterangan",
]


@pytest.fixture
def schemes():
    return {
        code: FundingSchemeFactory(code=code, short_name=short, order=order)
        for order, (code, short) in enumerate(
            [("APBD_PROV", "APBD Prov"), ("APBD_KAB", "APBD Kab/Kota"), ("BKP", "BKP")], start=1
        )
    }


def sheet_table(content: bytes, sheet: str | None = None):
    """(worksheet, header row number, header, data rows) of an export, the header found by its first cell."""
    workbook = load_workbook(io.BytesIO(content))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    rows = list(worksheet.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row[0] in ("No", "Kode"))
    return worksheet, header_index + 1, list(rows[header_index]), [list(row) for row in rows[header_index + 1 :]]


def column(header: list, rows: list[list], label: str) -> list:
    index = header.index(label)
    return [row[index] for row in rows]


def as_decimal(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


# Proposals in the interchange format ---------------------------------------------------------------------------------


@pytest.fixture
def proposals(schemes, banjar, tapin, pupr_banjar, pupr_tapin):
    first = funded_proposal(number="USL-2027-63.03-0001", region=banjar, agency=pupr_banjar, amount=1_500_000_000)
    ProposalFundingFactory(proposal=first, scheme=schemes["BKP"], amount=Decimal(250_000_000))
    second = ProposalFactory(
        number="USL-2027-63.03-0002",
        region=banjar,
        agency=pupr_banjar,
        sub_activity=None,
        out_of_catalogue=True,
        out_of_catalogue_reason="Jalan lingkungan berpaving belum ada di nomenklatur",
        notes="tidak diekspor: Keterangan memuat alasannya",
    )
    ProposalFundingFactory(proposal=second, scheme=schemes["APBD_KAB"], amount=Decimal(300_000_000))
    third = funded_proposal(
        number="USL-2027-63.05-0001", region=tapin, agency=pupr_tapin, amount=700_000_000, scheme="APBD_PROV"
    )
    return [first, second, third]


def test_proposal_export_has_the_interchange_columns_and_database_totals(proposals, schemes):
    worksheet, header_row, header, rows = sheet_table(proposal_export_workbook(Proposal.objects.all()))

    assert worksheet.title == "Usulan"
    assert header == INTERCHANGE_HEADER
    assert column(header, rows, "ID Usulan") == ["USL-2027-63.03-0001", "USL-2027-63.03-0002", "USL-2027-63.05-0001"]
    for label, code in [
        ("Pagu APBD Provinsi", "APBD_PROV"),
        ("Pagu APBD Kab/Kota", "APBD_KAB"),
        ("Pagu Bantuan Keuangan Provinsi", "BKP"),
    ]:
        expected = ProposalFunding.objects.filter(scheme__code=code).aggregate(total=Sum("amount"))["total"]
        assert sum(as_decimal(v) for v in column(header, rows, label)) == expected
    assert sum(column(header, rows, "Total Pagu")) == ProposalFunding.objects.aggregate(t=Sum("amount"))["t"]
    first = dict(zip(header, rows[0], strict=True))
    assert first["Pagu APBD Kab/Kota"] == 1_500_000_000
    assert first["Pagu Bantuan Keuangan Provinsi"] == 250_000_000
    assert first["Total Pagu"] == 1_750_000_000
    assert (first["Volume"], first["Satuan"], first["Status"], first["Di Luar Nomenklatur"]) == (
        2.5,
        "km",
        "Draf",
        "Tidak",
    )
    second = dict(zip(header, rows[1], strict=True))
    assert second["Di Luar Nomenklatur"] == "Ya"
    assert second["Kode Sub Kegiatan"] is None
    assert second["Keterangan"] == "Jalan lingkungan berpaving belum ada di nomenklatur"
    # Numbers are numeric cells with the rupiah and volume formats.
    data_row = header_row + 1
    total_cell = worksheet.cell(data_row, header.index("Total Pagu") + 1)
    assert (total_cell.data_type, total_cell.number_format) == ("n", '"Rp "#,##0')
    volume_cell = worksheet.cell(data_row, header.index("Volume") + 1)
    assert (volume_cell.data_type, volume_cell.number_format) == ("n", "#,##0.##")
    assert worksheet.cell(data_row, header.index("Tahun Anggaran") + 1).value == 2027


def test_proposal_export_follows_the_queryset_filter_and_order(proposals, tapin):
    _, _, header, rows = sheet_table(
        proposal_export_workbook(Proposal.objects.filter(region__code="63.03").order_by("-number"))
    )
    assert column(header, rows, "ID Usulan") == ["USL-2027-63.03-0002", "USL-2027-63.03-0001"]
    assert column(header, rows, "No") == [1, 2]


def test_proposal_export_query_count_does_not_grow_with_rows(schemes, banjar, pupr_banjar):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            proposal_export_workbook(Proposal.objects.order_by("number"))
        return len(captured)

    funded_proposal(region=banjar, agency=pupr_banjar)
    few = queries()
    for _ in range(25):
        funded_proposal(region=banjar, agency=pupr_banjar)
    assert queries() == few


INJECTIONS = ['=HYPERLINK("http://x","klik")', "+1", "-1", "@SUM(A1)", "=1+1"]


def test_text_that_looks_like_a_formula_stays_text(schemes, banjar, pupr_banjar, operator_banjar):
    for index, text in enumerate(INJECTIONS, start=1):
        funded_proposal(
            number=f"USL-2027-63.03-{index:04d}",
            region=banjar,
            agency=pupr_banjar,
            name=text,
            location=f"-{index} dari ujung",
            notes=f"@catatan {index}",
        )
    content = proposal_export_workbook(Proposal.objects.order_by("number"))

    worksheet, header_row, header, rows = sheet_table(content)
    assert column(header, rows, "Nama Usulan") == INJECTIONS
    assert column(header, rows, "Lokasi")[0] == "-1 dari ujung"
    cells = [cell for row in worksheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    name_cell = worksheet.cell(header_row + 1, header.index("Nama Usulan") + 1)
    assert name_cell.data_type == "s"
    assert name_cell.quotePrefix  # retyping the cell in Excel keeps it text
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    # And the file imports back as it was.
    result = proposal_import_parse(file=content, user=operator_banjar)
    assert [str(issue) for issue in result.errors] == []
    assert {row.action for row in result.rows} == {RowAction.UNCHANGED}


@pytest.fixture
def reference():
    call_command("load_reference_data", stdout=io.StringIO())


def test_export_imports_back_with_no_change(
    reference, operator_banjar, superuser, banjar, tapin, pupr_banjar, pupr_tapin
):
    """Realistic reference data: every kind of value the interchange format carries survives the round trip."""
    from programs.models import FundingScheme

    schemes = {scheme.code: scheme for scheme in FundingScheme.objects.all()}
    full = ProposalFactory(
        number="USL-2027-63.03-0001",
        region=banjar,
        agency=pupr_banjar,
        sub_activity=sub_activity("1.03.10.2.01.0055"),
        name="Rehabilitasi Jalan Bakambat \u2013 Tanipah",
        location="Ruas Bakambat STA 0+000 s.d. 1+250",
        district=village("63.03.01.2001").parent,
        village=village("63.03.01.2001"),
        latitude=Decimal("-3.418612"),
        longitude=Decimal("114.590300"),
        volume=Decimal("1.25"),
        unit="km",
        output_indicator="Panjang jalan yang direhabilitasi",
        priority=Proposal.Priority.HIGH,
        origin=Proposal.Origin.POKIR,
        forward_volume=Decimal("2.50"),
        forward_amount=Decimal(3_000_000_000),
        notes="Baris pertama\r\nBaris kedua",
        status=Proposal.Status.VERIFIED,
    )
    for code, amount in [("APBD_KAB", 1_000_000_000), ("BKP", 750_000_000), ("DAK_FISIK", 0)]:
        ProposalFundingFactory(proposal=full, scheme=schemes[code], amount=Decimal(amount))
    outside = ProposalFactory(
        number="USL-2027-63.03-0002",
        region=banjar,
        agency=pupr_banjar,
        sub_activity=None,
        out_of_catalogue=True,
        out_of_catalogue_reason="Belum ada sub kegiatan yang sesuai",
        volume=Decimal(3),
        unit="unit",
    )
    ProposalFundingFactory(proposal=outside, scheme=schemes["APBD_KAB"], amount=Decimal(450_000_000))
    tapin_one = ProposalFactory(number="USL-2027-63.05-0001", region=tapin, agency=pupr_tapin, volume=Decimal("12"))
    ProposalFundingFactory(proposal=tapin_one, scheme=schemes["APBD_PROV"], amount=Decimal(5_000_000_000))

    content = proposal_export_workbook(Proposal.objects.all())

    everything = proposal_import_parse(file=content, user=superuser)
    assert [str(issue) for issue in everything.errors + everything.warnings] == []
    assert [(row.number, row.action) for row in everything.rows] == [
        ("USL-2027-63.03-0001", RowAction.UNCHANGED),
        ("USL-2027-63.03-0002", RowAction.UNCHANGED),
        ("USL-2027-63.05-0001", RowAction.UNCHANGED),
    ]
    own = proposal_import_parse(
        file=proposal_export_workbook(Proposal.objects.for_user(operator_banjar)), user=operator_banjar
    )
    assert [str(issue) for issue in own.errors] == []
    assert {row.action for row in own.rows} == {RowAction.UNCHANGED}


def test_an_edited_export_imports_as_an_update(schemes, banjar, pupr_banjar, operator_banjar):
    for index in (1, 2):
        funded_proposal(number=f"USL-2027-63.03-{index:04d}", region=banjar, agency=pupr_banjar)
    worksheet_book = load_workbook(io.BytesIO(proposal_export_workbook(Proposal.objects.order_by("number"))))
    worksheet = worksheet_book["Usulan"]
    header = [cell.value for cell in worksheet[4]]
    worksheet.cell(5, header.index("Volume") + 1).value = "3,5"
    buffer = io.BytesIO()
    worksheet_book.save(buffer)

    result = proposal_import_parse(file=buffer.getvalue(), user=operator_banjar)

    assert [str(issue) for issue in result.errors] == []
    assert [(row.number, row.action, list(row.changes)) for row in result.rows] == [
        ("USL-2027-63.03-0001", RowAction.UPDATE, ["volume"]),
        ("USL-2027-63.03-0002", RowAction.UNCHANGED, []),
    ]


def test_export_proposals_command(tmp_path, proposals):
    Proposal.objects.filter(number="USL-2027-63.03-0002").update(status=Proposal.Status.VERIFIED)
    output = tmp_path / "usulan.xlsx"
    stdout = io.StringIO()
    call_command(
        "export_proposals",
        "--year",
        "2027",
        "--status",
        "Terverifikasi",
        "--region",
        "63.03",
        "--output",
        str(output),
        stdout=stdout,
    )
    _, _, header, rows = sheet_table(output.read_bytes())
    assert column(header, rows, "ID Usulan") == ["USL-2027-63.03-0002"]
    assert stdout.getvalue().startswith(f"1 usulan ditulis ke {output}")
    with pytest.raises(CommandError, match="Status 'kabur' tidak dikenal"):
        call_command("export_proposals", "--year", "2027", "--status", "kabur", "--output", str(output))


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


def test_renja_export_groups_program_kegiatan_sub_kegiatan_with_subtotals(renja, schemes):
    worksheet, header_row, header, rows = sheet_table(work_plan_workbook(renja))

    titles = [worksheet.cell(row, 1).value for row in range(1, header_row)]
    assert titles[0] == "Rumusan Rencana Program dan Kegiatan Perangkat Daerah Tahun 2027 dan Prakiraan Maju Tahun 2028"
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
        "Jumlah Pagu",
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
        assert as_decimal(values["Jumlah Pagu"]) == _aggregate(renja, row[0]), row[0]
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
    assert as_decimal(total["Jumlah Pagu"]) == _aggregate(renja) == Decimal(4_900_000_000)
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
    _, _, header, rows = sheet_table(output.read_bytes())
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


# The recap of a fiscal year ------------------------------------------------------------------------------------------


@pytest.fixture
def decided(schemes, banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    """Banjar: A agreed (APBD Kab 1 M), B agreed with changes (BKP 300 jt), F draft. Tapin: C agreed then rejected
    at a later meeting, E rejected then agreed (BKP 100 jt), D deferred. One 2028 proposal agreed in 2028."""
    january = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 9, tzinfo=WITA))
    march = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 3, 10, 9, tzinfo=WITA))

    def proposal(number, region, agency, status, amount=500_000_000, year=2027):
        return funded_proposal(
            number=number, region=region, agency=agency, status=status, amount=amount, fiscal_year=year
        )

    def decide(meeting, target, outcome, funding=None, **kwargs):
        if outcome in Decision.REASON_REQUIRED_OUTCOMES:
            kwargs.setdefault("reason", "Bukan kewenangan provinsi")
        decision = DecisionFactory(meeting=meeting, proposal=target, outcome=outcome, **kwargs)
        for code, amount in (funding or {}).items():
            DecisionFundingFactory(decision=decision, scheme=schemes[code], amount=Decimal(amount))
        return decision

    a = proposal("USL-2027-63.03-0001", banjar, pupr_banjar, Proposal.Status.AGREED)
    b = proposal("USL-2027-63.03-0002", banjar, pupr_banjar, Proposal.Status.AGREED_WITH_CHANGES)
    proposal("USL-2027-63.03-0003", banjar, pupr_banjar, Proposal.Status.DRAFT)
    c = proposal("USL-2027-63.05-0001", tapin, pupr_tapin, Proposal.Status.REJECTED)
    d = proposal("USL-2027-63.05-0002", tapin, pupr_tapin, Proposal.Status.DEFERRED)
    e = proposal("USL-2027-63.05-0003", tapin, pupr_tapin, Proposal.Status.AGREED)
    decide(january, a, Decision.Outcome.AGREED, {"APBD_KAB": 1_000_000_000})
    decide(january, b, Decision.Outcome.AGREED_WITH_CHANGES, {"BKP": 300_000_000})
    decide(january, c, Decision.Outcome.AGREED, {"APBD_KAB": 200_000_000})
    decide(march, c, Decision.Outcome.REJECTED)
    decide(january, d, Decision.Outcome.DEFERRED)
    decide(january, e, Decision.Outcome.REJECTED)
    decide(march, e, Decision.Outcome.AGREED, {"BKP": 100_000_000})
    later = proposal("USL-2028-63.03-0001", banjar, pupr_banjar, Proposal.Status.AGREED, year=2028)
    decide(MeetingFactory(organiser=pupr_kalsel, fiscal_year=2028), later, Decision.Outcome.AGREED, {"APBD_KAB": 9})
    return january, march


def test_recap_agreed_amounts_by_kabupaten_and_scheme(decided, schemes):
    content = recap_workbook(fiscal_year=2027, proposals=Proposal.objects.all())
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
    _, _, header, rows = sheet_table(recap_workbook(fiscal_year=2027, proposals=Proposal.objects.all()), "Rekap Status")
    assert header == ["No", "Kode", "Kabupaten/Kota", *[label for _, label in Proposal.Status.choices], "Jumlah"]
    for row in rows[:-1]:
        values = dict(zip(header, row, strict=True))
        for status, label in Proposal.Status.choices:
            expected = Proposal.objects.filter(fiscal_year=2027, region__code=values["Kode"], status=status).count()
            assert values[label] == expected
    assert rows[-1][-1] == Proposal.objects.filter(fiscal_year=2027).count() == 6


def test_recap_keeps_to_the_users_scope(decided, operator_banjar):
    content = recap_workbook(fiscal_year=2027, proposals=Proposal.objects.for_user(operator_banjar))
    for sheet in ("Rekap Pagu", "Rekap Status"):
        _, _, _, rows = sheet_table(content, sheet)
        assert [row[1] for row in rows] == ["63.03", None]


# The annex of a meeting's Berita Acara -------------------------------------------------------------------------------


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
