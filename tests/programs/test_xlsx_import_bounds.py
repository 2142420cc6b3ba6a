"""An upload is untrusted: a small file that asks for a great deal of work (millions of tiny shared strings, cells
or rows, a huge styles part, endless CPU) is refused with one message that says which bound, and nothing is saved.
The files are built byte by byte with zipfile, as an attacker would."""

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl.worksheet._reader import WorkSheetParser

from programs.models import Proposal
from programs.xlsx.importer import proposal_import_parse, reading
from tests.factories import FundingSchemeFactory, sub_activity, usulan_xlsx

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"


def workbook_zip(*, sheet: str, shared: str | None = None, styles: str | None = None) -> bytes:
    """A minimal .xlsx: one sheet named Usulan with `sheet` as its sheetData, optional shared strings and styles."""
    overrides = [
        ("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"),
    ]
    if shared is not None:
        overrides.append(
            ("/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
        )
    if styles is not None:
        overrides.append(("/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"))
    content_types = (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides)
        + "</Types>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Usulan" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{sheet}</sheetData></worksheet>',
        )
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{MAIN}">{shared}</sst>')
        if styles is not None:
            archive.writestr("xl/styles.xml", f'<?xml version="1.0"?><styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
    return buffer.getvalue()


LABELS = [
    "Tahun Anggaran",
    "Kode Kabupaten/Kota",
    "Perangkat Daerah Pengusul",
    "Kode Sub Kegiatan",
    "Nama Usulan",
    "Volume",
    "Satuan",
    "Pagu APBD Kab/Kota",
]
HEADER = (
    '<row r="1">'
    + "".join(
        f'<c r="{column}1" t="inlineStr"><is><t>{label}</t></is></c>'
        for column, label in zip("ABCDEFGH", LABELS, strict=True)
    )
    + "</row>"
)


def shared_strings_bomb(count: int = 3_000_000) -> bytes:
    """Millions of one-letter shared strings: under 1 MB of zip, tens of MB of XML, minutes of openpyxl's time."""
    return workbook_zip(sheet='<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared="<si><t>a</t></si>" * count)


@pytest.fixture(autouse=True)
def world(banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB", order=1)
    sub_activity("1.03.10.2.01.0053", "Peningkatan Jalan")


def only_error(result) -> str:
    assert not result.rows
    assert len(result.errors) == 1, result.errors
    return result.errors[0].message


def test_a_shared_strings_bomb_under_1_mb_is_refused_by_its_count(operator_banjar):
    content = shared_strings_bomb()
    assert len(content) < 1024 * 1024
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "lebih dari 200.000 teks berbeda" in message
    assert not Proposal.objects.exists()


def test_a_sheet_of_many_empty_cells_is_refused_by_the_cell_bound(operator_banjar, settings):
    settings.IMPORT_MAX_CELLS = 50_000
    row = "".join(f'<c r="{chr(65 + n)}{{r}}" s="0"/>' for n in range(20))
    content = workbook_zip(sheet=HEADER + "".join(f'<row r="{r}">{row.format(r=r)}</row>' for r in range(2, 5_001)))
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "berisi lebih dari 50.000 sel" in message


def test_a_sheet_of_endless_empty_rows_is_refused_by_the_row_bound(operator_banjar, settings):
    settings.IMPORT_MAX_SHEET_ROWS = 1_000
    content = workbook_zip(sheet=HEADER + "".join(f'<row r="{r}"/>' for r in range(2, 5_001)))
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "berisi lebih dari 1.000 baris" in message


def test_a_huge_styles_part_is_refused_before_openpyxl_parses_it(operator_banjar, settings):
    settings.IMPORT_MAX_PART_BYTES = 1024 * 1024
    content = workbook_zip(sheet="", styles="<cellXfs>" + "<xf/>" * 400_000 + "</cellXfs>")
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "Bagian xl/styles.xml dari berkas terlalu besar" in message


def test_a_parse_past_its_cpu_seconds_is_refused(operator_banjar, settings):
    """A clock that has run out at the first check stands for a file that is merely slow to read."""
    settings.IMPORT_MAX_PARSE_SECONDS = 0
    content = usulan_xlsx([{"Tahun Anggaran": 2027, "Kode Kabupaten/Kota": "63.03", "Nama Usulan": "Jalan"}])
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "melebihi batas 0 detik kerja prosesor" in message


def test_the_bounds_leave_an_ordinary_file_alone(operator_banjar, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 10
    record = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": "1.03.10.2.01.0053",
        "Nama Usulan": "Jalan Desa",
        "Volume": 1,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": 100_000_000,
    }
    result = proposal_import_parse(file=usulan_xlsx([record]), user=operator_banjar)
    assert result.errors == []
    assert len(result.to_create) == 1


def test_the_shared_strings_reader_reads_what_openpyxl_reads():
    budget = reading.Budget()
    source = io.BytesIO(
        f'<sst xmlns="{MAIN}"><si><t>Jalan</t></si><si><r><t>Jem</t></r><r><t>batan</t></r></si>'
        "<si><t>a_x005F_b</t></si></sst>".encode()
    )
    assert reading._StringsBound(budget).read(source) == ["Jalan", "Jembatan", "a_b"]


def test_the_sheet_reader_reads_what_openpyxl_reads():
    """Cells of every kind, with and without their addresses: the values openpyxl's own sheet parser gives, but for
    an error value and a formula without a saved value, which the import tells from a blank."""
    rich = "<r><rPr><b/></rPr><t>Jem</t></r><r><t>batan</t></r>"
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1"><v>42</v></c>'
        '<c r="D1"><v>2.5</v></c><c r="E1"><v>1E3</v></c><c r="F1" s="1"><v>45000</v></c>'
        '<c r="G1" t="b"><v>1</v></c><c r="H1" t="e"><v>#N/A</v></c><c r="I1" t="str"><v>teks</v></c>'
        '<c r="J1" t="n"><v>7</v></c><c r="L1" s="0"><v>8</v></c></row>'
        f'<row><c t="inlineStr"><is><t>Jalan</t></is></c><c t="inlineStr"><is>{rich}</is></c>'
        '<c><f>SUM(C1)</f><v>42</v></c><c><f>SUM(C1)</f></c><c s="1"/><c t="s"><v></v></c><c><v>-3.5</v></c></row>'
        '<row r="5.0"><c r="A5"><v>1</v></c><c r="C5" t="s"><v>0</v></c></row>'
    )
    content = workbook_zip(
        sheet=sheet,
        shared=f"<si><t>Jalan</t></si><si>{rich}</si>",
        styles='<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>',
    )
    budget = reading.Budget()
    workbook = reading.open_workbook(io.BytesIO(content), budget)
    sheet_ = reading.pick_sheet(workbook)
    ours = list(reading.sheet_rows(workbook, sheet_, budget))
    with workbook._archive.open(sheet_._worksheet_path) as stream:
        parser = WorkSheetParser(
            stream,
            sheet_._shared_strings,
            data_only=True,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        theirs = []
        for number, cells in parser.parse():
            values = [None] * cells[-1]["column"]
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            theirs.append((number, values))

    assert ours[0][1][7] == reading.ErrorValue("#N/A")
    assert ours[1][1][3] is reading.UNSAVED_FORMULA
    assert ours[1][1][5] is None  # a shared string without its index: a blank, as openpyxl reads it
    ours[0][1][7], ours[1][1][3] = "#N/A", None
    assert ours == theirs
    assert ours[0][1][:6] == ["Jalan", "Jembatan", 42, 2.5, 1000.0, datetime(2023, 3, 15)]
    assert [number for number, _ in ours] == [1, 2, 5]


def test_a_styles_part_of_too_many_elements_is_refused_before_openpyxl_parses_it(operator_banjar):
    content = workbook_zip(sheet=HEADER, styles="<cellXfs>" + "<xf/>" * 300_000 + "</cellXfs>")
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "Bagian xl/styles.xml dari berkas berisi lebih dari 200.000 unsur" in message


def test_one_cell_of_megabytes_of_text_is_refused_before_it_is_parsed(operator_banjar):
    huge = "x" * (2 * 1024 * 1024)
    content = workbook_zip(sheet=HEADER + f'<row r="2"><c r="E2" t="inlineStr"><is><t>{huge}</t></is></c></row>')
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "satu sel Excel memuat paling banyak 32.767 karakter" in message


def test_shared_strings_of_too_many_characters_are_refused(operator_banjar, settings):
    settings.IMPORT_MAX_SHARED_CHARS = 10_000
    content = workbook_zip(sheet=HEADER, shared="".join(f"<si><t>{n:04d}{'x' * 996}</t></si>" for n in range(20)))
    message = only_error(proposal_import_parse(file=content, user=operator_banjar))
    assert "lebih dari 10.000 karakter" in message


def test_the_run_check_finds_the_longest_run_between_tags_across_chunks():
    """`_run_after` gives what splitting the whole stream at every "<" gives: the run left at the end, or more than
    the bound once any run is longer than it; whatever the chunks and the run carried into each."""
    import random

    chance = random.Random(11)
    most = 12
    for _ in range(3000):
        chunks = [
            bytes(chance.choice(b"<<aaaaaaaaa") for _ in range(chance.randint(0, 40)))
            for _ in range(chance.randint(1, 4))
        ]
        pieces = b"".join(chunks).split(b"<")
        expected_too_long = max(map(len, pieces)) > most
        run = 0
        for chunk in chunks:
            run = reading._run_after(chunk, run, most)
            if run > most:
                break
        assert (run > most) == expected_too_long, chunks
        if not expected_too_long:
            assert run == len(pieces[-1]), chunks
