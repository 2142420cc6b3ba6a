from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from programs.models import WorkPlan
from rakornis.models import AuditEntry
from tests.factories import AgencyFactory, WorkPlanFactory, province, regency, work_plan_item

pytestmark = pytest.mark.django_db

URL = reverse("workplans:workplan-list")
CREATE_URL = reverse("workplans:workplan-create")
ROAD = "1.03.10.2.01.0053"
BRIDGE = "1.03.10.2.01.0061"


@pytest.fixture
def pupr_kalteng():
    return AgencyFactory(
        short_name="Dinas PUPR Prov. Kalteng", level=Agency.Level.PROVINCIAL, region=province("62", "Kalimantan Tengah")
    )


@pytest.fixture
def plans(pupr_kalsel, pupr_banjar, pupr_kalteng, banjar, tapin):
    kalsel = WorkPlanFactory(agency=pupr_kalsel, synced_at=datetime(2026, 5, 20, 2, 30, tzinfo=UTC))
    work_plan_item(kalsel, code=ROAD, region=banjar, funding={"APBD_PROV": 1_000_000_000, "TP": 250_000_000})
    work_plan_item(kalsel, code=ROAD, region=tapin, funding={"APBD_PROV": 700_000_000})
    work_plan_item(kalsel, code=BRIDGE, region=banjar, funding={"TP": 50_000_000})
    final = WorkPlanFactory(
        agency=pupr_kalsel, fiscal_year=2026, status=WorkPlan.Status.FINAL, finalised_at=timezone.now()
    )
    banjar_plan = WorkPlanFactory(agency=pupr_banjar)
    work_plan_item(banjar_plan, code=ROAD, region=banjar, funding={"APBD_KAB": 300_000_000})
    kalteng = WorkPlanFactory(agency=pupr_kalteng)
    return {"kalsel": kalsel, "final": final, "banjar": banjar_plan, "kalteng": kalteng}


def shown(response) -> set[int]:
    return {wp.pk for wp in response.context["work_plans"]}


def test_planner_sees_the_plans_of_the_province_with_line_count_total_and_status(client, planner, plans):
    client.force_login(planner)
    response = client.get(URL, {"tahun": ""})  # every year
    assert response.status_code == 200
    assert shown(response) == {plans["kalsel"].pk, plans["final"].pk, plans["banjar"].pk}
    row = next(wp for wp in response.context["work_plans"] if wp.pk == plans["kalsel"].pk)
    assert (row.line_count, row.total_amount) == (3, Decimal(2_000_000_000))
    empty = next(wp for wp in response.context["work_plans"] if wp.pk == plans["final"].pk)
    assert (empty.line_count, empty.total_amount) == (0, Decimal(0))
    text = response.text
    assert "Rp 2.000.000.000" in text
    assert "Final (terkunci)" in text and "Draf" in text
    assert "20 Mei 2026" in text  # last sync, in WITA
    assert "belum pernah" in text
    assert "Kalteng" not in text


def test_operator_sees_only_the_plans_of_agencies_in_their_kabupaten(client, operator_banjar, operator_tapin, plans):
    client.force_login(operator_banjar)
    response = client.get(URL)
    assert shown(response) == {plans["banjar"].pk}
    assert "Buat Renja" not in response.text
    client.force_login(operator_tapin)
    assert shown(client.get(URL)) == set()


def test_filter_by_fiscal_year_and_agency(client, planner, plans, pupr_kalsel):
    client.force_login(planner)
    assert shown(client.get(URL, {"tahun": "2026"})) == {plans["final"].pk}
    every_year = {"tahun": "", "instansi": str(pupr_kalsel.pk)}
    assert shown(client.get(URL, every_year)) == {plans["kalsel"].pk, plans["final"].pk}
    response = client.get(URL, {"tahun": "2027", "instansi": str(pupr_kalsel.pk)})
    assert shown(response) == {plans["kalsel"].pk}
    assert f'<option value="{pupr_kalsel.pk}" selected>Dinas PUPR Prov. Kalsel</option>' in response.text
    # An agency outside the scope filters to nothing rather than showing it.
    assert shown(client.get(URL, {"instansi": str(plans["kalteng"].agency_id)})) == set()


def test_without_a_year_the_list_shows_the_planning_years_plans_and_their_total(client, planner, plans):
    client.force_login(planner)
    response = client.get(URL)
    assert shown(response) == {plans["kalsel"].pk, plans["banjar"].pk}  # not the 2026 plan
    assert "Renja Perangkat Daerah TA 2027</h1>" in response.text
    assert 'id="renja-total">Rp 2.300.000.000<' in response.text  # every 2027 plan of the province
    client.post(reverse("fiscal-year-switch"), {"year": "2026"})
    response = client.get(URL)
    assert shown(response) == {plans["final"].pk}
    assert "Renja Perangkat Daerah TA 2026</h1>" in response.text
    # The plan a planner opens from here defaults to the planning year too.
    assert 'name="fiscal_year" id="id_fiscal_year" value="2026"' in response.text
    response = client.get(URL, {"tahun": ""})
    assert "Renja Perangkat Daerah semua tahun anggaran</h1>" in response.text


@pytest.mark.parametrize("garbage", ["dua ribu", "1999", "-1"])
def test_a_garbage_year_shows_the_planning_year(client, planner, plans, garbage):
    client.force_login(planner)
    response = client.get(URL, {"tahun": garbage})
    assert response.status_code == 200
    assert shown(response) == {plans["kalsel"].pk, plans["banjar"].pk}


def test_no_query_per_row(client, planner, pupr_kalsel, banjar):
    client.force_login(planner)
    WorkPlanFactory(agency=pupr_kalsel)
    client.get(URL)  # warm up: session, content types

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    one = count()
    for index in range(5):
        agency = AgencyFactory(short_name=f"Dinas Uji Renja {index}", region=regency("63.03", "Kabupaten Banjar"))
        plan = WorkPlanFactory(agency=agency)
        work_plan_item(plan, code=ROAD, region=banjar, funding={"APBD_KAB": 100_000_000, "BKP": 5})
    assert count() == one


def test_planner_sees_the_create_form_with_agencies_of_the_scope_only(client, planner, viewer, plans, pupr_banjar):
    AgencyFactory(short_name="BPJN Kalsel", level=Agency.Level.CENTRAL, region=province())
    client.force_login(planner)
    response = client.get(URL)
    assert "Buat Renja" in response.text
    names = [agency.short_name for agency in response.context["create_form"].fields["agency"].queryset]
    assert "Dinas PUPR Prov. Kalsel" in names and "Dinas PUPR Kab. Banjar" in names
    assert "Dinas PUPR Prov. Kalteng" not in names
    assert "BPJN Kalsel" not in names  # a central Balai that executes no decision
    client.force_login(viewer)
    assert "Buat Renja" not in client.get(URL).text


def test_create_opens_a_draft_and_a_second_create_redirects_to_it(client, planner, pupr_kalsel):
    client.force_login(planner)
    response = client.post(CREATE_URL, {"agency": pupr_kalsel.pk, "fiscal_year": "2028"})
    work_plan = WorkPlan.objects.get(agency=pupr_kalsel, fiscal_year=2028)
    assert response.status_code == 302
    assert response["Location"] == reverse("workplans:workplan-detail", args=[work_plan.pk])
    assert work_plan.status == WorkPlan.Status.DRAFT
    assert AuditEntry.objects.for_object(work_plan).filter(action=AuditEntry.Action.CREATED).count() == 1

    again = client.post(CREATE_URL, {"agency": pupr_kalsel.pk, "fiscal_year": "2028"}, follow=True)
    assert again.redirect_chain[-1][0] == reverse("workplans:workplan-detail", args=[work_plan.pk])
    assert "sudah ada" in again.text
    assert WorkPlan.objects.filter(agency=pupr_kalsel, fiscal_year=2028).count() == 1


def test_create_refuses_an_agency_of_another_province(client, planner, pupr_kalteng):
    client.force_login(planner)
    response = client.post(CREATE_URL, {"agency": pupr_kalteng.pk, "fiscal_year": "2027"}, follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "Renja tidak dibuat" in response.text
    assert not WorkPlan.objects.filter(agency=pupr_kalteng).exists()


@pytest.mark.parametrize("persona", ["verifier", "viewer", "secretary", "operator_banjar"])
def test_create_needs_the_planner_role(client, request, persona, pupr_kalsel):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(CREATE_URL, {"agency": pupr_kalsel.pk, "fiscal_year": "2027"})
    assert response.status_code == 403
    assert not WorkPlan.objects.exists()


def test_superuser_may_create(client, superuser, pupr_kalsel):
    client.force_login(superuser)
    assert client.post(CREATE_URL, {"agency": pupr_kalsel.pk, "fiscal_year": "2027"}).status_code == 302
    assert WorkPlan.objects.filter(agency=pupr_kalsel, fiscal_year=2027).exists()


def test_wrong_methods_are_refused(client, planner):
    client.force_login(planner)
    assert client.post(URL).status_code == 405
    assert client.get(CREATE_URL).status_code == 405


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
