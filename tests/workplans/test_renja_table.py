"""The one Renja table builder (workplans.selectors.renja_table), and the page and the Excel that render it."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import Nomenclature
from rakornis.formatting import format_rupiah
from tests.factories import WorkPlanFactory, funded_proposal, work_plan_item
from tests.workbooks import as_decimal, sheet_table
from workplans.exports import work_plan_workbook
from workplans.selectors import renja_table, work_plan_items

pytestmark = pytest.mark.django_db

ROAD = "1.03.10.2.01.0053"
BRIDGE = "1.03.10.2.01.0061"
CULVERT = "1.03.10.2.02.0004"
LEVEE = "1.03.02.2.01.0009"


@pytest.fixture
def work_plan(pupr_kalsel, pupr_banjar, banjar, tapin):
    work_plan = WorkPlanFactory(agency=pupr_kalsel)
    source = funded_proposal(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0101")
    work_plan_item(
        work_plan,
        code=ROAD,
        region=tapin,
        funding={"APBD_PROV": 700_000_000},
        forward_amount=Decimal(100_000_000),
    )
    work_plan_item(
        work_plan,
        code=ROAD,
        region=banjar,
        funding={"APBD_PROV": 1_000_000_000, "TP": 250_000_000},
        sources=(source,),
        forward_amount=Decimal(400_000_000),
    )
    work_plan_item(work_plan, code=BRIDGE, region=banjar, funding={"TP": 50_000_000})
    work_plan_item(work_plan, code=CULVERT, region=tapin, funding={"BKP": 80_000_000})
    work_plan_item(work_plan, code=LEVEE, region=tapin, funding={"APBD_PROV": 300_000_000})
    return work_plan


def every_group(table):
    def walk(groups):
        for group in groups:
            yield group
            yield from walk(group.groups)

    return list(walk(table.programs))


def test_groups_program_kegiatan_sub_kegiatan_with_totals_per_scheme(work_plan):
    table = renja_table(work_plan_items(work_plan))

    assert [scheme.code for scheme in table.schemes] == ["APBD_PROV", "BKP", "TP"]
    assert [(g.level, g.code) for g in every_group(table)] == [
        (Nomenclature.Level.PROGRAM, "1.03.02"),
        (Nomenclature.Level.ACTIVITY, "1.03.02.2.01"),
        (Nomenclature.Level.SUB_ACTIVITY, LEVEE),
        (Nomenclature.Level.PROGRAM, "1.03.10"),
        (Nomenclature.Level.ACTIVITY, "1.03.10.2.01"),
        (Nomenclature.Level.SUB_ACTIVITY, ROAD),
        (Nomenclature.Level.SUB_ACTIVITY, BRIDGE),
        (Nomenclature.Level.ACTIVITY, "1.03.10.2.02"),
        (Nomenclature.Level.SUB_ACTIVITY, CULVERT),
    ]
    roads = table.programs[1]
    road = roads.groups[0].groups[0]
    assert [line.item.region.name for line in road.lines] == ["Kabupaten Banjar", "Kabupaten Tapin"]
    assert road.amounts == [Decimal(1_700_000_000), None, Decimal(250_000_000)]
    assert road.totals.forward_amount == Decimal(500_000_000)
    assert roads.amounts == [Decimal(1_700_000_000), Decimal(80_000_000), Decimal(300_000_000)]
    assert roads.totals.total == Decimal(2_080_000_000)
    assert table.amounts == [Decimal(2_000_000_000), Decimal(80_000_000), Decimal(300_000_000)]
    assert (table.totals.total, table.totals.forward_amount, table.line_count) == (
        Decimal(2_380_000_000),
        Decimal(500_000_000),
        5,
    )
    assert road.lines[0].source_numbers == ["USL-2027-63.03-0101"]


def test_a_line_whose_program_is_missing_from_the_nomenclature_still_gets_its_groups(work_plan, banjar):
    orphan = work_plan_item(work_plan, code="1.03.11.2.01.0001", region=banjar, funding={"APBD_PROV": 5})
    # The kegiatan lost its program (a partial nomenclature): the group keeps its code, with no name.
    Nomenclature.objects.filter(code="1.03.11.2.01").update(parent=None)
    table = renja_table(work_plan_items(work_plan))

    program = next(group for group in table.programs if group.code == "1.03.11")
    assert (program.node, program.name) == (None, "")
    assert program.totals.total == 5
    assert program.groups[0].groups[0].lines[0].item == orphan


def test_building_the_table_reads_nothing_more(work_plan):
    items = list(work_plan_items(work_plan))
    with CaptureQueriesContext(connection) as queries:
        renja_table(items)
    assert len(queries) == 0


def row(text: str, attribute: str) -> str:
    """The text of the page's table row with `attribute`, tags stripped."""
    match = re.search(rf"<tr[^>]*{re.escape(attribute)}[^>]*>(.*?)</tr>", text, re.S)
    assert match, attribute
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_page_and_the_excel_show_the_builders_totals(client, planner, work_plan):
    table = renja_table(work_plan_items(work_plan))
    client.force_login(planner)
    # The page shows programs and kegiatan, the sub kegiatan of one kegiatan on demand (the print is the official
    # form, with money per funding class: tests/workplans/test_renja_official.py).
    url = reverse("workplans:workplan-detail", args=[work_plan.pk])
    outline = client.get(url).text
    _, _, header, rows = sheet_table(work_plan_workbook(work_plan), "Rincian per Skema")
    excel = {row[0]: dict(zip(header, row, strict=True)) for row in rows if row[0]}

    for group in every_group(table):
        page = outline
        if group.level == "sub_kegiatan":
            page = client.get(url, {"kegiatan": ".".join(group.code.split(".")[:5])}).text
        shown = row(page, f'data-group="{group.code}"')
        expected = [format_rupiah(amount) for amount in group.amounts if amount is not None]
        assert shown.endswith(
            " ".join([*expected, format_rupiah(group.totals.total)])
            + (f" {format_rupiah(group.totals.forward_amount)}" if group.totals.forward_amount else "")
        ), group.code
        cells = excel[group.code]
        assert as_decimal(cells["Jumlah APBD"]) == group.totals.total, group.code
        for scheme, amount in zip(table.schemes, group.amounts, strict=True):
            assert as_decimal(cells[f"Pagu {scheme.short_name}"]) == (amount or 0), (group.code, scheme.code)
        assert as_decimal(cells[f"Prakiraan Maju Pagu {work_plan.fiscal_year + 1}"]) == group.totals.forward_amount

    grand = " ".join(format_rupiah(amount) for amount in table.amounts)
    assert row(outline, 'id="grand-row"') == (
        f"Jumlah {grand} {format_rupiah(table.totals.total)} {format_rupiah(table.totals.forward_amount)}"
    )
    total = dict(zip(header, rows[-1], strict=True))
    assert as_decimal(total["Jumlah APBD"]) == table.totals.total == Decimal(2_380_000_000)
    assert [as_decimal(total[f"Pagu {s.short_name}"]) for s in table.schemes] == table.amounts
