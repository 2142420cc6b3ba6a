"""The blank proposal workbook: header, drop-downs, the Referensi sheet of the user's scope, and it imports."""

import io

import pytest
from openpyxl import load_workbook

from programs.xlsx.importer import RowAction, proposal_import_parse
from programs.xlsx.template import proposal_template_workbook
from tests.factories import FundingSchemeFactory, district, sub_activity, village

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def world(banjar, tapin, pupr_banjar, pupr_tapin):
    for order, code in enumerate(["APBD_PROV", "APBD_KAB", "BKP"], start=1):
        FundingSchemeFactory(code=code, order=order)
    sub_activity("1.03.10.2.01.0053", "Pembangunan Jalan")
    village("63.03.01.2001", "Bakambat")
    district("63.05.01", "Binuang")


def header_of(sheet) -> tuple[int, list[str]]:
    for row in sheet.iter_rows(max_row=10):
        values = [cell.value for cell in row]
        if "Tahun Anggaran *" in values or "Kode Kab/Kota" in values:
            return row[0].row, values
    raise AssertionError("no header")


def test_template_has_the_marked_header_and_drop_downs(operator_banjar):
    workbook = load_workbook(io.BytesIO(proposal_template_workbook(user=operator_banjar)))
    assert workbook.sheetnames == ["Usulan", "Referensi"]
    sheet = workbook["Usulan"]
    row, header = header_of(sheet)
    assert header[:4] == ["No", "ID Usulan", "Tahun Anggaran *", "Kode Kabupaten/Kota *"]
    assert "Nama Usulan *" in header and "Pagu APBD Kab/Kota" in header and "Keterangan" in header
    assert "Status" not in header and "Nama Sub Kegiatan" not in header
    assert sheet.max_row == row  # no example row that would be imported by mistake

    def validation(label: str):
        letter = sheet.cell(row, header.index(label) + 1).column_letter
        return next(
            dv for dv in sheet.data_validations.dataValidation if str(dv.sqref).startswith(f"{letter}{row + 1}:")
        )

    assert validation("Prioritas").formula1 == '"Tinggi,Sedang,Rendah"'
    assert validation("Sumber Usulan").formula1 == '"Musrenbang Kab/Kota,Pokir DPRD,Renja PD,Forum PD,Lainnya"'
    assert validation("Di Luar Nomenklatur").formula1 == '"Ya,Tidak"'
    unit = validation("Satuan *")
    assert unit.errorStyle == "information"  # other units are still allowed
    assert '"km,m,m2' in unit.formula1
    assert validation("Kode Kabupaten/Kota *").formula1.startswith("Referensi!$A$")
    assert validation("Kode Sub Kegiatan *").formula1.startswith("Referensi!$H$")


def test_reference_sheet_lists_the_users_scope(operator_banjar):
    workbook = load_workbook(io.BytesIO(proposal_template_workbook(user=operator_banjar)))
    sheet = workbook["Referensi"]
    row, header = header_of(sheet)
    rows = [list(values) for values in sheet.iter_rows(min_row=row + 1, values_only=True)]
    assert [r[0] for r in rows if r[0]] == ["63.03"]  # not Tapin
    assert [r[3] for r in rows if r[3]] == ["Dinas PUPR Kab. Banjar"]
    assert ["1.03.10.2.01.0053", "Pembangunan Jalan", "Kabupaten/Kota"] == rows[0][7:10]
    assert [r[12] for r in rows if r[12]][:3] == [
        "Pagu APBD Provinsi",
        "Pagu APBD Kab/Kota",
        "Pagu Bantuan Keuangan Provinsi",
    ]
    assert [r[16] for r in rows if r[16]] == ["63.03.01", "63.03.01.2001"]
    validation = workbook["Usulan"].data_validations.dataValidation
    region = next(dv for dv in validation if dv.formula1.startswith("Referensi!$A$"))
    assert region.formula1 == f"Referensi!$A${row + 1}:$A${row + 1}"


def test_superuser_template_lists_every_kabupaten(superuser):
    sheet = load_workbook(io.BytesIO(proposal_template_workbook(user=superuser)))["Referensi"]
    row, _ = header_of(sheet)
    codes = [values[0] for values in sheet.iter_rows(min_row=row + 1, values_only=True) if values[0]]
    assert codes == ["63.03", "63.05"]


def test_a_filled_template_imports(operator_banjar):
    workbook = load_workbook(io.BytesIO(proposal_template_workbook(user=operator_banjar)))
    sheet = workbook["Usulan"]
    row, header = header_of(sheet)
    values = {
        "Tahun Anggaran *": 2027,
        "Kode Kabupaten/Kota *": "63.03",
        "Perangkat Daerah Pengusul *": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan *": "1.03.10.2.01.0053",
        "Nama Usulan *": "Pembangunan Jalan Desa Bakambat",
        "Kode Lokasi": "63.03.01.2001",
        "Volume *": 1.2,
        "Satuan *": "km",
        "Pagu APBD Kab/Kota": 900_000_000,
        "Prioritas": "Tinggi",
        "Sumber Usulan": "Pokir DPRD",
        "Di Luar Nomenklatur": "Tidak",
    }
    for label, value in values.items():
        sheet.cell(row + 1, header.index(label) + 1).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = proposal_import_parse(file=buffer.getvalue(), user=operator_banjar)

    assert [str(issue) for issue in result.errors + result.warnings] == []
    assert [r.action for r in result.rows] == [RowAction.CREATE]
    assert result.rows[0].values["village"].code == "63.03.01.2001"
