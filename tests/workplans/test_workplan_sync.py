import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from meetings.models import Decision, DecisionFunding
from programs.models import Proposal, WorkPlan, WorkPlanItem, WorkPlanItemFunding
from tests.factories import AgencyFactory, MeetingFactory, WorkPlanFactory, agreed_proposal, province, sub_activity
from workplans.services import work_plan_get_or_create

pytestmark = pytest.mark.django_db

BRIDGE = "1.03.10.2.01.0061"


def url(work_plan: WorkPlan) -> str:
    return reverse("workplans:workplan-sync", args=[work_plan.pk])


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def snapshot(work_plan: WorkPlan) -> tuple:
    """Everything a sync writes: the plan's sync time, its lines, their funding and source links."""
    work_plan.refresh_from_db()
    items = list(WorkPlanItem.objects.filter(work_plan=work_plan).order_by("pk").values_list())
    funding = list(WorkPlanItemFunding.objects.filter(item__work_plan=work_plan).order_by("pk").values_list())
    links = list(
        WorkPlanItem.source_proposals.through.objects.filter(workplanitem__work_plan=work_plan)
        .order_by("pk")
        .values_list()
    )
    return (work_plan.synced_at, work_plan.status, items, funding, links)


@pytest.fixture
def rakornis(pupr_kalsel):
    return MeetingFactory(organiser=pupr_kalsel, fiscal_year=2027, starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC))


@pytest.fixture
def work_plan(pupr_kalsel):
    work_plan, _ = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2027)
    return work_plan


@pytest.fixture
def agreed(pupr_kalsel, pupr_banjar, banjar, rakornis):
    def make(funding: dict[str, int], **kwargs) -> Proposal:
        kwargs.setdefault("region", banjar)
        kwargs.setdefault("agency", pupr_banjar)
        return agreed_proposal(executing_agency=pupr_kalsel, meeting=rakornis, funding=funding, **kwargs)

    return make


@pytest.fixture
def road(agreed):
    return agreed({"APBD_PROV": 1_000_000_000, "TP": 250_000_000}, volume=Decimal("2.50"), unit="km")


def test_preview_lists_the_lines_to_add_and_writes_nothing(client, planner, work_plan, road, agreed, tapin):
    agreed({"APBD_PROV": 700_000_000}, region=tapin, sub_activity=sub_activity(BRIDGE, "Pembangunan Jembatan"))
    before = snapshot(work_plan)
    client.force_login(planner)
    response = client.get(url(work_plan))
    assert response.status_code == 200
    text = plain(response.text)
    assert "Baris ditambah (2)" in text
    assert road.number in text and "Pembangunan Jembatan" in text
    assert "APBD_PROV Rp 1.000.000.000 TP Rp 250.000.000 Rp 1.250.000.000" in text
    assert "Total pagu sebelum Rp 0 0 baris" in text
    assert "Total pagu sesudah Rp 1.950.000.000 2 baris" in text
    assert "Terapkan" in text
    assert f'href="{road.get_absolute_url()}"' in response.text
    assert snapshot(work_plan) == before


def test_apply_writes_the_lines_and_says_what_it_did(client, planner, work_plan, road):
    client.force_login(planner)
    response = client.post(url(work_plan))
    assert response.status_code == 302
    assert response["Location"] == reverse("workplans:workplan-detail", args=[work_plan.pk])
    item = WorkPlanItem.objects.get(work_plan=work_plan)
    assert list(item.source_proposals.all()) == [road]
    assert item.funding_lines.aggregate(total=Sum("amount"))["total"] == Decimal(1_250_000_000)
    work_plan.refresh_from_db()
    assert work_plan.synced_at is not None
    page = client.get(response["Location"]).text
    assert "1 baris ditambah, 0 diubah, 0 dihapus, 0 tetap" in page
    assert "Rp 1.250.000.000" in page


def test_a_second_run_shows_no_changes_and_changes_nothing(client, planner, work_plan, road):
    client.force_login(planner)
    client.post(url(work_plan))
    after_first = snapshot(work_plan)

    preview = client.get(url(work_plan))
    text = plain(preview.text)
    assert "Tidak ada perubahan" in text
    assert "Terapkan" not in text
    assert not preview.context["plan"].has_changes

    response = client.post(url(work_plan), follow=True)
    assert "tidak ada perubahan" in response.text
    assert snapshot(work_plan) == after_first


def test_preview_of_a_changed_decision_shows_old_and_new_rupiah(client, planner, work_plan, road):
    client.force_login(planner)
    client.post(url(work_plan))
    DecisionFunding.objects.filter(decision__proposal=road, scheme__code="APBD_PROV").update(amount=1_200_000_000)
    DecisionFunding.objects.filter(decision__proposal=road, scheme__code="TP").delete()

    text = plain(client.get(url(work_plan)).text)
    assert "Baris diubah (1)" in text
    assert "APBD_PROV: Rp 1.000.000.000 → Rp 1.200.000.000" in text
    assert "TP: Rp 250.000.000 → —" in text
    assert "Rp 1.250.000.000 → Rp 1.200.000.000" in text
    assert "Total pagu sebelum Rp 1.250.000.000" in text and "Total pagu sesudah Rp 1.200.000.000" in text

    client.post(url(work_plan))
    item = WorkPlanItem.objects.get(work_plan=work_plan)
    assert {line.scheme.code: line.amount for line in item.funding_lines.all()} == {"APBD_PROV": Decimal(1_200_000_000)}


def test_preview_lists_a_line_whose_proposal_is_no_longer_agreed_as_removed(client, planner, work_plan, road):
    client.force_login(planner)
    client.post(url(work_plan))
    Decision.objects.filter(proposal=road).update(outcome=Decision.Outcome.REJECTED, reason="Bukan kewenangan")
    Proposal.objects.filter(pk=road.pk).update(status=Proposal.Status.REJECTED)

    text = plain(client.get(url(work_plan)).text)
    assert "Baris dihapus (1)" in text
    assert road.number in text
    client.post(url(work_plan))
    assert not WorkPlanItem.objects.filter(work_plan=work_plan).exists()


def test_out_of_catalogue_proposals_are_listed_as_skipped_with_their_reason(client, planner, work_plan, agreed):
    skipped = agreed(
        {"APBD_PROV": 90_000_000},
        sub_activity=None,
        out_of_catalogue=True,
        out_of_catalogue_reason="Belum ada di Kepmendagri 900.1.15.5-1317",
    )
    client.force_login(planner)
    text = plain(client.get(url(work_plan)).text)
    assert "Usulan disepakati yang dilewati (1)" in text
    assert f"{skipped.number} : di luar nomenklatur (tanpa sub kegiatan)" in text
    assert "Belum ada di Kepmendagri 900.1.15.5-1317" in text


def test_a_final_plan_shows_the_lock_and_refuses_to_sync(client, planner, work_plan, road):
    WorkPlan.objects.filter(pk=work_plan.pk).update(status=WorkPlan.Status.FINAL, finalised_at=timezone.now())
    before = snapshot(work_plan)
    client.force_login(planner)

    page = client.get(url(work_plan))
    assert page.status_code == 200
    assert "sudah final dan terkunci" in page.text
    assert "Terapkan" not in page.text

    response = client.post(url(work_plan), follow=True)
    assert response.redirect_chain[-1][0] == reverse("workplans:workplan-detail", args=[work_plan.pk])
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert [str(m) for m in errors] == [
        "Renja Dinas PUPR Prov. Kalsel TA 2027 sudah final dan terkunci; sinkronisasi ditolak."
    ]
    assert snapshot(work_plan) == before


def test_preview_queries_do_not_grow_with_lines(client, planner, work_plan, agreed, tapin):
    client.force_login(planner)
    agreed({"APBD_PROV": 1})
    client.get(url(work_plan))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(work_plan)).status_code == 200
        return len(queries)

    one = count()
    for index in range(6):
        agreed({"APBD_PROV": 5, "TP": 7}, region=tapin, sub_activity=sub_activity(f"1.03.10.2.01.00{20 + index}"))
    assert count() == one


@pytest.mark.parametrize("persona", ["verifier", "viewer", "secretary"])
def test_sync_needs_the_planner_role(client, request, persona, work_plan, road):
    before = snapshot(work_plan)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(work_plan)).status_code == 403
    assert client.post(url(work_plan)).status_code == 403
    assert snapshot(work_plan) == before


def test_superuser_may_sync(client, superuser, work_plan, road):
    client.force_login(superuser)
    assert client.post(url(work_plan)).status_code == 302
    assert WorkPlanItem.objects.filter(work_plan=work_plan).count() == 1


def test_out_of_scope_plans_are_not_found(client, planner, operator_banjar, work_plan):
    kalteng = AgencyFactory(
        short_name="Dinas PUPR Prov. Kalteng", level=Agency.Level.PROVINCIAL, region=province("62", "Kalimantan Tengah")
    )
    other = WorkPlanFactory(agency=kalteng)
    client.force_login(planner)
    assert client.get(url(other)).status_code == 404
    assert client.post(url(other)).status_code == 404
    client.force_login(operator_banjar)
    assert client.get(url(work_plan)).status_code == 404


def test_other_methods_are_refused(client, planner, work_plan):
    client.force_login(planner)
    assert client.put(url(work_plan)).status_code == 405
    assert client.delete(url(work_plan)).status_code == 405
