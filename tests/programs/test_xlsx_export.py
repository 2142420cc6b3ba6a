"""The proposal export read back with openpyxl: headers, rows and totals against database aggregates, and the
round trip through the importer. (The Renja and recap workbooks: tests/workplans/test_exports.py; the Berita
Acara annex: tests/meetings/test_meeting_annex_export.py.)"""

import io
import zipfile
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from programs.models import Proposal, ProposalFunding
from programs.xlsx.exporters import (
    proposal_export_workbook,
)
from programs.xlsx.importer import RowAction, proposal_import_parse
from tests.factories import (
    ProposalFactory,
    ProposalFundingFactory,
    funded_proposal,
    sub_activity,
    village,
)
from tests.workbooks import as_decimal, column, export_schemes, sheet_table

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
    "Data Dukung Tersedia",
    "Data Dukung Diunggah",
]


@pytest.fixture
def schemes():
    return export_schemes()


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
