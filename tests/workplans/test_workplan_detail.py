import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agencies.models import Agency
from programs.models import WorkPlan
from tests.factories import AgencyFactory, WorkPlanFactory, funded_proposal, province, work_plan_item

pytestmark = pytest.mark.django_db

ROAD = "1.03.10.2.01.0053"
BRIDGE = "1.03.10.2.01.0061"
LEVEE = "1.03.02.2.01.0009"


def url(work_plan: WorkPlan) -> str:
    return reverse("workplans:workplan-detail", args=[work_plan.pk])


def row(text: str, attribute: str) -> str:
    """The text of the table row with `attribute` (e.g. `data-group="1.03.10"`), tags stripped."""
    match = re.search(rf"<tr[^>]*{re.escape(attribute)}[^>]*>(.*?)</tr>", text, re.S)
    assert match, attribute
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def work_plan(pupr_kalsel, pupr_banjar, banjar, tapin):
    work_plan = WorkPlanFactory(agency=pupr_kalsel)
    road = funded_proposal(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0101")
    bridge = funded_proposal(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0102")
    work_plan_item(
        work_plan,
        code=ROAD,
        region=banjar,
        funding={"APBD_PROV": 1_000_000_000, "TP": 250_000_000},
        sources=(road, bridge),
        location="Ruas Martapura - Astambul",
        target="12,5 km",
        forward_target="4 km",
        forward_amount=Decimal(400_000_000),
    )
    work_plan_item(work_plan, code=ROAD, region=tapin, funding={"APBD_PROV": 700_000_000}, target="3 km")
    work_plan_item(work_plan, code=BRIDGE, region=banjar, funding={"TP": 50_000_000}, target="25 m")
    work_plan_item(work_plan, code=LEVEE, region=tapin, funding={"APBD_PROV": 300_000_000}, target="800 m")
    return work_plan


def test_title_status_and_lines_grouped_program_kegiatan_sub_kegiatan(client, planner, work_plan):
    client.force_login(planner)
    response = client.get(url(work_plan), {"kegiatan": "1.03.10.2.01"})
    assert response.status_code == 200
    text = response.text
    assert "Renja Dinas PUPR Prov. Kalsel TA 2027" in text
    assert "Draf" in text and "belum pernah" in text

    table = response.context["table"]
    programs = table.programs
    assert [program.code for program in programs] == ["1.03.02", "1.03.10"]
    roads = programs[1]
    assert [activity.code for activity in roads.groups] == ["1.03.10.2.01"]
    assert [sub.code for sub in roads.groups[0].groups] == [ROAD, BRIDGE]
    assert [line.item.region.name for line in roads.groups[0].groups[0].lines] == [
        "Kabupaten Banjar",
        "Kabupaten Tapin",
    ]
    assert [scheme.code for scheme in table.schemes] == ["APBD_PROV", "TP"]

    # Subtotals per scheme and total at each level, and the grand total per scheme.
    assert roads.groups[0].groups[0].amounts == [Decimal(1_700_000_000), Decimal(250_000_000)]
    assert roads.groups[0].groups[0].totals.total == Decimal(1_950_000_000)
    assert roads.groups[0].amounts == [Decimal(1_700_000_000), Decimal(300_000_000)]
    assert roads.totals.total == Decimal(2_000_000_000)
    assert programs[0].amounts == [Decimal(300_000_000), None]
    assert table.amounts == [Decimal(2_000_000_000), Decimal(300_000_000)]
    assert table.totals.total == Decimal(2_300_000_000)
    assert table.totals.forward_amount == Decimal(400_000_000)

    assert row(text, f'data-group="{ROAD}"') == (
        f"{ROAD} Sub kegiatan Pembangunan Jalan Rp 1.700.000.000 Rp 250.000.000 Rp 1.950.000.000 Rp 400.000.000"
    )
    assert row(text, 'data-group="1.03.10"') == (
        "1.03.10 Program Nomenklatur 1.03.10 Rp 1.700.000.000 Rp 300.000.000 Rp 2.000.000.000 Rp 400.000.000"
    )
    assert row(text, 'id="grand-row"') == ("Jumlah Rp 2.000.000.000 Rp 300.000.000 Rp 2.300.000.000 Rp 400.000.000")


def test_the_breadcrumb_leads_back_to_the_renja_list(client, planner, work_plan):
    client.force_login(planner)
    text = client.get(url(work_plan)).text
    list_url = reverse("workplans:workplan-list")
    assert re.search(
        rf'<ol class="breadcrumb">\s*<li class="breadcrumb-item"><a href="{list_url}">Renja</a></li>\s*'
        r'<li class="breadcrumb-item active" aria-current="page">Dinas PUPR Prov. Kalsel TA 2027</li>',
        text,
    )


def test_a_line_shows_code_region_location_target_amounts_forward_and_linked_sources(client, planner, work_plan):
    client.force_login(planner)
    response = client.get(url(work_plan), {"kegiatan": "1.03.10.2.01"})
    item = work_plan.items.get(region__name="Kabupaten Banjar", sub_activity__code=ROAD)
    line = row(response.text, f'data-line="{item.pk}"')
    assert line == (
        f"{ROAD} Kabupaten Banjar Pembangunan Jalan Ruas Martapura - Astambul 12,5 km Rp 1.000.000.000 "
        "Rp 250.000.000 Rp 1.250.000.000 4 km Rp 400.000.000 USL-2027-63.03-0101 , USL-2027-63.03-0102"
    )
    for proposal in item.source_proposals.all():
        assert f'href="{proposal.get_absolute_url()}"' in response.text


def test_sources_outside_the_users_scope_are_named_but_not_linked(client, operator_banjar, pupr_banjar, banjar, tapin):
    plan = WorkPlanFactory(agency=pupr_banjar)
    own = funded_proposal(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0201")
    other = funded_proposal(region=tapin, number="USL-2027-63.05-0202")
    work_plan_item(plan, code=ROAD, region=banjar, funding={"APBD_KAB": 5}, sources=(own, other))
    client.force_login(operator_banjar)
    text = client.get(url(plan), {"kegiatan": "1.03.10.2.01"}).text
    assert f'href="{own.get_absolute_url()}"' in text
    assert other.number in text
    assert f'href="{other.get_absolute_url()}"' not in text


def test_no_query_per_line(client, planner, pupr_kalsel, banjar, tapin):
    plan = WorkPlanFactory(agency=pupr_kalsel)
    proposal = funded_proposal(region=banjar)
    work_plan_item(plan, code=ROAD, region=banjar, funding={"APBD_PROV": 1}, sources=(proposal,))
    client.force_login(planner)
    client.get(url(plan))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(plan)).status_code == 200
        return len(queries)

    one = count()
    for index, region in enumerate([tapin, banjar, tapin, banjar, tapin]):
        code = f"1.03.{10 + index}.2.01.00{10 + index}"
        sources = (funded_proposal(region=region), funded_proposal(region=region))
        work_plan_item(plan, code=code, region=region, funding={"APBD_PROV": 5, "TP": 7, "BKP": 9}, sources=sources)
    assert count() == one
    assert one <= 10


def test_planner_sees_sync_and_finalise_buttons_a_viewer_does_not(client, planner, viewer, work_plan):
    client.force_login(planner)
    text = client.get(url(work_plan)).text
    assert "Pratinjau sinkronisasi" in text
    assert reverse("workplans:workplan-finalise", args=[work_plan.pk]) in text
    client.force_login(viewer)
    text = client.get(url(work_plan)).text
    assert client.get(url(work_plan)).status_code == 200
    assert "Pratinjau sinkronisasi" not in text and "Finalkan" not in text


def test_a_final_plan_shows_neither_sync_nor_finalise(client, planner, work_plan):
    WorkPlan.objects.filter(pk=work_plan.pk).update(status=WorkPlan.Status.FINAL, finalised_at=timezone.now())
    client.force_login(planner)
    text = client.get(url(work_plan)).text
    assert "Final (terkunci)" in text
    assert "Pratinjau sinkronisasi" not in text
    assert reverse("workplans:workplan-finalise", args=[work_plan.pk]) not in text


def test_excel_link_only_when_the_export_exists(client, planner, work_plan):
    client.force_login(planner)
    text = client.get(url(work_plan)).text
    try:
        export_url = reverse("workplans:workplan-export", args=[work_plan.pk])
    except NoReverseMatch:
        assert "Unduh Excel" not in text
    else:
        assert f'href="{export_url}"' in text


def test_another_provinces_plan_is_not_found(client, planner):
    kalteng = AgencyFactory(
        short_name="Dinas PUPR Prov. Kalteng", level=Agency.Level.PROVINCIAL, region=province("62", "Kalimantan Tengah")
    )
    client.force_login(planner)
    assert client.get(url(WorkPlanFactory(agency=kalteng))).status_code == 404


def test_a_provincial_plan_is_not_found_for_a_kabupaten_operator(client, operator_banjar, work_plan):
    client.force_login(operator_banjar)
    assert client.get(url(work_plan)).status_code == 404


def test_post_is_refused(client, planner, work_plan):
    client.force_login(planner)
    assert client.post(url(work_plan)).status_code == 405
