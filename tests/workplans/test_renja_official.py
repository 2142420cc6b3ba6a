"""The Renja in the official form of Permendagri 86/2017 (the first sheet of the Renja workbook), read back with
openpyxl: grouped header and column numbers, urusan and bidang rows, an indicator and a target on every program,
kegiatan, sub kegiatan and line, money per funding class never added across classes, and the print settings."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import FundingScheme, Indicator, IndicatorSubActivity, IndicatorTarget, Nomenclature
from tests.factories import FundingSchemeFactory, WorkPlanFactory, funded_proposal, sub_activity, work_plan_item
from workplans.exports import work_plan_workbook
from workplans.selectors import renja_form

pytestmark = pytest.mark.django_db

ROAD = "1.03.10.1.01.0010"
ROAD_2 = "1.03.10.1.01.0020"
LEVEE = "1.03.02.1.01.0009"
(CODE, NAME, INDICATOR, LOCATION, TARGET, AMOUNT, SOURCE, NOTES, FORWARD_TARGET, FORWARD_AMOUNT) = range(10)
HEADER = [
    "Kode",
    "Urusan / Bidang Urusan / Program / Kegiatan / Sub Kegiatan",
    "Indikator Kinerja",
    "Lokasi",
    "Target Capaian Kinerja",
    "Pagu Indikatif (Rp)",
    "Sumber Dana",
    "Catatan Penting",
    "Target Capaian Kinerja",
    "Kebutuhan Dana / Pagu Indikatif (Rp)",
]


@pytest.fixture
def schemes():
    budget = FundingScheme.Budget
    return {
        code: FundingSchemeFactory(code=code, name=name, short_name=short, budget=kind, order=order)
        for order, (code, name, short, kind) in enumerate(
            [
                ("APBD_PROV", "APBD Provinsi", "APBD Prov", budget.APBD),
                ("BKP", "Bantuan Keuangan Provinsi", "BKP", budget.APBD),
                ("DAK_FISIK", "Dana Alokasi Khusus Fisik", "DAK Fisik", budget.TRANSFER),
                ("TP", "Tugas Pembantuan", "TP", budget.APBN),
            ],
            start=1,
        )
    }


@pytest.fixture
def renja(schemes, pupr_kalsel, pupr_banjar, banjar, tapin):
    """Roads (program 1.03.10, with an outcome indicator and its targets) and a levee (program 1.03.02, none)."""
    for code, name in (("1", "Urusan Pemerintahan Wajib yang Berkaitan dengan Pelayanan Dasar"), ("1.03", "PUPR")):
        Nomenclature.objects.update_or_create(
            code=code, defaults={"level": Nomenclature.level_for_code(code), "name": name}
        )
    work_plan = WorkPlanFactory(agency=pupr_kalsel)
    road = funded_proposal(
        number="USL-2027-63.03-0001", region=banjar, agency=pupr_banjar, output_indicator="Panjang jalan ditingkatkan"
    )
    road_too = funded_proposal(
        number="USL-2027-63.03-0002", region=banjar, agency=pupr_banjar, output_indicator="Panjang jalan ditingkatkan"
    )
    work_plan_item(
        work_plan,
        code=ROAD,
        region=banjar,
        funding={"APBD_PROV": 2_000_000_000, "TP": 750_000_000},
        location="Ruas Martapura - Astambul",
        target="12,5 km",
        forward_target="5 km",
        forward_amount=Decimal(1_000_000_000),
        sources=(road, road_too),
    )
    work_plan_item(
        work_plan, code=ROAD, region=tapin, funding={"BKP": 500_000_000, "DAK_FISIK": 300_000_000}, target="3 km"
    )
    work_plan_item(work_plan, code=ROAD_2, region=tapin, funding={"APBD_PROV": 400_000_000}, target="2 unit")
    # No source proposal and no indicator in the nomenclature: the row must say so, not stay empty.
    work_plan_item(work_plan, code=LEVEE, region=banjar, funding={"DAK_FISIK": 900_000_000}, target="800 m")
    indicator = Indicator.objects.create(code="IK-PUPR-02", name="Jalan provinsi dalam kondisi mantap", unit="%")
    IndicatorSubActivity.objects.create(indicator=indicator, sub_activity=sub_activity(ROAD))
    for year, value in ((2027, "84"), (2028, "86.5")):
        IndicatorTarget.objects.create(indicator=indicator, region=pupr_kalsel.region, year=year, target=Decimal(value))
    return work_plan


def read_form(content: bytes):
    """(worksheet, group row, header, numbers row, data rows) of the official form sheet."""
    worksheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
    header_index = next(i for i, row in enumerate(rows) if row[0] == "Kode")
    return worksheet, rows[header_index - 1], rows[header_index], rows[header_index + 1], rows[header_index + 2 :]


def coded(rows):
    return {row[CODE]: row for row in rows if row[CODE]}


def test_the_form_has_the_grouped_header_and_column_numbers(renja):
    worksheet, groups, header, numbers, _ = read_form(work_plan_workbook(renja))

    assert worksheet.title == "Renja 2027"
    assert worksheet["A1"].value == (
        "Rumusan Rencana Program dan Kegiatan Perangkat Daerah Tahun 2027 dan Prakiraan Maju Tahun 2028"
    )
    assert header == HEADER
    assert numbers == [f"({n})" for n in range(1, 11)]
    assert groups[LOCATION] == "Rencana Tahun 2027"
    assert groups[FORWARD_TARGET] == "Prakiraan Maju Rencana Tahun 2028"
    merged = {str(cells) for cells in worksheet.merged_cells.ranges}
    group_row = next(row for row in range(1, 10) if worksheet.cell(row, 4).value == "Rencana Tahun 2027")
    assert {f"D{group_row}:G{group_row}", f"I{group_row}:J{group_row}"} <= merged


def test_rows_run_from_urusan_to_sub_kegiatan_with_codes(renja):
    *_, rows = read_form(work_plan_workbook(renja))

    assert [row[CODE] for row in rows if row[CODE]] == [
        "1",
        "1.03",
        "1.03.02",
        "1.03.02.1.01",
        LEVEE,
        "1.03.10",
        "1.03.10.1.01",
        ROAD,
        ROAD_2,
    ]
    by_code = coded(rows)
    assert by_code["1"][NAME] == "Urusan Pemerintahan Wajib yang Berkaitan dengan Pelayanan Dasar"
    assert by_code["1.03"][NAME] == "PUPR"
    # Under the sub kegiatan, its lines in kabupaten/kota order.
    road = rows.index(by_code[ROAD])
    assert [rows[road + 2][NAME], rows[road + 4][NAME]] == ["Kabupaten Banjar", "Kabupaten Tapin"]


def test_every_program_kegiatan_sub_kegiatan_and_line_has_an_indicator_and_a_target(renja):
    *_, rows = read_form(work_plan_workbook(renja))
    by_code = coded(rows)
    body = rows[: next(i for i, row in enumerate(rows) if str(row[NAME]).startswith("JUMLAH"))]
    named = [row for row in body if row[NAME]]
    levels = [row for row in named if row[CODE] is None or len(row[CODE].split(".")) >= 3]
    lines = [row for row in named if row[CODE] is None and row[NAME].startswith("Kabupaten")]
    assert len(lines) == 4
    for row in levels:
        assert row[INDICATOR], row
        assert row[TARGET], row

    program = by_code["1.03.10"]
    assert (program[INDICATOR], program[TARGET], program[FORWARD_TARGET]) == (
        "Jalan provinsi dalam kondisi mantap",
        "84 %",
        "86,5 %",
    )
    # A program without an outcome indicator says so, in its note.
    levee_program = by_code["1.03.02"]
    assert (levee_program[INDICATOR], levee_program[TARGET]) == ("\u2014", "\u2014")
    assert "Indikator outcome program belum ditetapkan" in levee_program[NOTES]
    # Kegiatan and sub kegiatan: the outputs of the agreed proposals, targets added up per unit.
    assert by_code[ROAD][INDICATOR] == "Panjang jalan ditingkatkan"
    assert by_code[ROAD][TARGET] == "15,5 km"
    assert by_code["1.03.10.1.01"][TARGET] == "15,5 km; 2 unit"
    banjar_line = next(row for row in lines if row[LOCATION] == "Ruas Martapura - Astambul")
    assert (banjar_line[INDICATOR], banjar_line[TARGET]) == ("Panjang jalan ditingkatkan", "12,5 km")
    assert (banjar_line[FORWARD_TARGET], banjar_line[FORWARD_AMOUNT]) == ("5 km", 1_000_000_000)
    assert banjar_line[NOTES] == "Usulan: USL-2027-63.03-0001, USL-2027-63.03-0002"
    levee_line = next(row for row in lines if row[TARGET] == "800 m")
    assert levee_line[INDICATOR] == "\u2014"
    assert "Indikator keluaran belum diisi" in levee_line[NOTES]


def test_a_line_names_each_source_on_its_own_row(renja):
    *_, rows = read_form(work_plan_workbook(renja))
    start = next(i for i, row in enumerate(rows) if row[LOCATION] == "Ruas Martapura - Astambul")
    assert [(row[AMOUNT], row[SOURCE]) for row in rows[start : start + 2]] == [
        (2_000_000_000, "APBD Provinsi"),
        (750_000_000, "Tugas Pembantuan"),
    ]
    assert rows[start + 1][NAME] is None  # a continuation: its amount and source only


def test_apbd_and_money_from_the_centre_are_never_added_together(renja):
    *_, rows = read_form(work_plan_workbook(renja))
    totals = {row[NAME]: (row[AMOUNT], row[SOURCE]) for row in rows if str(row[NAME]).startswith("JUMLAH")}
    apbd = 2_000_000_000 + 500_000_000 + 400_000_000
    centre = 750_000_000 + 300_000_000 + 900_000_000
    assert totals == {
        "JUMLAH APBD": (apbd, "APBD Provinsi, Bantuan Keuangan Provinsi"),
        "JUMLAH TRANSFER DAN APBN DARI PUSAT": (centre, "Dana Alokasi Khusus Fisik, Tugas Pembantuan"),
        "JUMLAH PRAKIRAAN MAJU TAHUN 2028": (None, None),
    }
    amounts = [row[AMOUNT] for row in rows if row[AMOUNT] is not None]
    assert apbd + centre not in amounts
    # Each group row and its continuation: one amount per funding class.
    road = next(i for i, row in enumerate(rows) if row[CODE] == ROAD)
    assert [(row[AMOUNT], row[SOURCE]) for row in rows[road : road + 2]] == [
        (2_500_000_000, "APBD Provinsi, Bantuan Keuangan Provinsi"),
        (1_050_000_000, "Dana Alokasi Khusus Fisik, Tugas Pembantuan"),
    ]
    # The scheme rows under each class total add up to it exactly.
    for label, (amount, _) in totals.items():
        if amount is None:
            continue
        index = next(i for i, row in enumerate(rows) if row[NAME] == label)
        schemes = []
        for row in rows[index + 1 :]:
            if str(row[NAME]).startswith("JUMLAH"):
                break
            schemes.append(row[AMOUNT])
        assert sum(schemes) == amount


def test_the_form_prints_landscape_fitted_to_the_width_with_its_header_on_every_page(renja, tmp_path):
    worksheet, *_ = read_form(work_plan_workbook(renja))
    assert worksheet.page_setup.orientation == "landscape"
    assert worksheet.page_setup.paperSize == 9  # A4
    # One page wide (1 is the default, which the file leaves out), as many pages down as needed.
    assert (worksheet.page_setup.fitToWidth or 1, worksheet.page_setup.fitToHeight) == (1, 0)
    assert worksheet.sheet_properties.pageSetUpPr.fitToPage
    assert worksheet.print_title_rows == "$5:$7"  # the group row, the header and the column numbers

    output = tmp_path / "renja.xlsx"
    call_command(
        "export_renja", "--year", "2027", "--agency", "Dinas PUPR Prov. Kalsel", "--output", str(output),
        "--paper", "f4", stdout=io.StringIO(),
    )  # fmt: skip
    worksheet, *_ = read_form(output.read_bytes())
    assert worksheet.page_setup.paperSize == 14  # Folio 8.5 x 13 in, the F4 of Indonesian offices


def test_an_empty_renja_says_so(pupr_kalsel):
    *_, rows = read_form(work_plan_workbook(WorkPlanFactory(agency=pupr_kalsel)))
    assert [row[NAME] for row in rows] == ["Renja ini belum berisi baris."]


def test_building_the_form_takes_the_same_queries_however_many_lines(renja, banjar):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            renja_form(renja)
        return len(captured)

    before = queries()
    for n in range(30, 40):
        source = funded_proposal(number=f"USL-2027-63.03-00{n}", region=banjar, output_indicator=f"Keluaran {n}")
        work_plan_item(
            renja, code=f"1.03.10.1.02.00{n}", region=banjar, funding={"APBD_PROV": 1, "TP": 2}, sources=(source,)
        )
    assert queries() == before


def test_the_print_is_the_official_form_landscape_with_its_header_repeated(client, planner, renja):
    client.force_login(planner)
    url = reverse("workplans:workplan-print", args=[renja.pk])
    text = client.get(url).text

    assert "Rencana Tahun 2027" in text and "Prakiraan Maju Rencana Tahun 2028" in text
    assert all(f"<th>({n})</th>" in text for n in range(1, 11))
    assert text.count("data-line=") == 4
    for code in ("1", "1.03", "1.03.02", "1.03.10", "1.03.10.1.01", ROAD):
        assert f'data-group="{code}"' in text
    assert "Jalan provinsi dalam kondisi mantap" in text and "84 %" in text
    assert 'data-class="apbd"' in text and 'data-class="pusat"' in text
    assert "Rp 2.900.000.000" in text and "Rp 1.950.000.000" in text  # APBD and centre, each its own total
    assert "Rp 4.850.000.000" not in text  # never their sum
    assert 'class="renja-form"' in text
    assert 'class="renja-form paper-f4"' in client.get(url, {"kertas": "f4"}).text
    css = (settings.BASE_DIR / "static/css/renja_print.css").read_text()
    assert "@page { size: A4 landscape;" in css and "@page renja-f4 { size: 330mm 215mm;" in css
    assert ".renja-form thead { display: table-header-group; }" in css


def test_the_print_is_not_found_outside_the_scope(client, operator_banjar, renja):
    client.force_login(operator_banjar)
    assert client.get(reverse("workplans:workplan-print", args=[renja.pk])).status_code == 404


def test_the_renja_page_heads_its_table_with_the_plan_years_and_keeps_the_budgets_apart(client, planner, renja):
    client.force_login(planner)
    text = client.get(reverse("workplans:workplan-detail", args=[renja.pk])).text
    assert "Rencana Tahun 2027" in text and "Prakiraan Maju Rencana Tahun 2028" in text
    assert "Pagu indikatif APBD" in text and "Pagu indikatif Transfer dan APBN dari pusat" in text
    assert "Rp 2.900.000.000" in text and "Rp 1.950.000.000" in text
    assert "Rp 4.850.000.000" not in text.split('id="workplan-lines"')[0]  # the summary never adds them up
