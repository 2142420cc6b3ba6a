from datetime import UTC, datetime

import pytest
from django.urls import reverse

from agencies.models import Agency
from programs.models import WorkPlan
from rakornis.models import AuditEntry
from tests.factories import AgencyFactory, WorkPlanFactory, province

pytestmark = pytest.mark.django_db


def url(work_plan: WorkPlan) -> str:
    return reverse("workplans:workplan-finalise", args=[work_plan.pk])


def detail(work_plan: WorkPlan) -> str:
    return reverse("workplans:workplan-detail", args=[work_plan.pk])


@pytest.fixture
def work_plan(pupr_kalsel):
    return WorkPlanFactory(agency=pupr_kalsel)


def test_planner_finalises_and_the_plan_is_locked(client, planner, work_plan):
    client.force_login(planner)
    response = client.post(url(work_plan), follow=True)
    assert response.redirect_chain == [(detail(work_plan), 302)]
    work_plan.refresh_from_db()
    assert work_plan.status == WorkPlan.Status.FINAL
    assert work_plan.finalised_at is not None
    assert "difinalkan dan kini terkunci" in response.text
    assert "Final (terkunci)" in response.text
    assert AuditEntry.objects.for_object(work_plan).filter(action=AuditEntry.Action.CHANGED).count() == 1


def test_an_already_final_plan_is_refused_with_a_message(client, planner, work_plan):
    finalised_at = datetime(2026, 5, 31, 2, tzinfo=UTC)
    WorkPlan.objects.filter(pk=work_plan.pk).update(status=WorkPlan.Status.FINAL, finalised_at=finalised_at)
    client.force_login(planner)
    response = client.post(url(work_plan), follow=True)
    assert response.redirect_chain == [(detail(work_plan), 302)]
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == ["Renja Dinas PUPR Prov. Kalsel TA 2027 sudah final dan terkunci; tidak dapat difinalkan lagi."]
    work_plan.refresh_from_db()
    assert work_plan.finalised_at == finalised_at
    assert not AuditEntry.objects.for_object(work_plan).exists()


def test_superuser_may_finalise(client, superuser, work_plan):
    client.force_login(superuser)
    assert client.post(url(work_plan)).status_code == 302
    assert WorkPlan.objects.get(pk=work_plan.pk).is_locked


@pytest.mark.parametrize("persona", ["verifier", "viewer", "secretary"])
def test_finalising_needs_the_planner_role(client, request, persona, work_plan):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(work_plan)).status_code == 403
    assert WorkPlan.objects.get(pk=work_plan.pk).status == WorkPlan.Status.DRAFT


def test_out_of_scope_plans_are_not_found(client, planner, operator_banjar, work_plan):
    kalteng = AgencyFactory(
        short_name="Dinas PUPR Prov. Kalteng", level=Agency.Level.PROVINCIAL, region=province("62", "Kalimantan Tengah")
    )
    other = WorkPlanFactory(agency=kalteng)
    client.force_login(planner)
    assert client.post(url(other)).status_code == 404
    assert WorkPlan.objects.get(pk=other.pk).status == WorkPlan.Status.DRAFT
    client.force_login(operator_banjar)
    assert client.post(url(work_plan)).status_code == 404


def test_get_is_refused(client, planner, work_plan):
    client.force_login(planner)
    assert client.get(url(work_plan)).status_code == 405
    assert WorkPlan.objects.get(pk=work_plan.pk).status == WorkPlan.Status.DRAFT


def test_anonymous_goes_to_the_login_page(client, work_plan):
    response = client.post(url(work_plan))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert WorkPlan.objects.get(pk=work_plan.pk).finalised_at is None


def test_the_detail_page_asks_for_confirmation(client, planner, work_plan):
    client.force_login(planner)
    text = client.get(detail(work_plan)).text
    assert f'action="{url(work_plan)}"' in text
    # static/js/rakornis.js asks the question in data-confirm before the form is sent.
    assert 'data-confirm="Finalkan ' in text
