"""The Renja workbook of one work plan, for anyone who may see the plan."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import WorkPlanFactory, work_plan_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def work_plan(banjar, tapin, pupr_kalsel):
    plan = WorkPlanFactory(agency=pupr_kalsel)
    work_plan_item(plan, code="1.03.10.1.01.0010", region=banjar, funding={"APBD_PROV": 2_000_000_000})
    work_plan_item(plan, code="1.03.10.1.01.0020", region=tapin, funding={"APBD_PROV": 700_000_000})
    return plan


def test_planner_downloads_the_renja(client, planner, work_plan):
    client.force_login(planner)
    response = client.get(reverse("workplans:workplan-export", args=[work_plan.pk]))
    assert response.status_code == 200
    assert "Renja_dinas-pupr-prov-kalsel_TA2027.xlsx" in response["Content-Disposition"]
    cells = [
        c for row in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True) for c in row
    ]
    assert "Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan" in " ".join(str(c) for c in cells if c)
    assert 2_700_000_000 in cells  # the grand total


def test_viewer_may_download_too(client, viewer, work_plan):
    client.force_login(viewer)
    assert client.get(reverse("workplans:workplan-export", args=[work_plan.pk])).status_code == 200


def test_operator_outside_the_plans_scope_gets_404(client, operator_banjar, work_plan):
    client.force_login(operator_banjar)
    assert client.get(reverse("workplans:workplan-export", args=[work_plan.pk])).status_code == 404


def test_post_is_refused(client, planner, work_plan):
    client.force_login(planner)
    assert client.post(reverse("workplans:workplan-export", args=[work_plan.pk])).status_code == 405
