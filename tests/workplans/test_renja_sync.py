from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.models import Decision, DecisionFunding
from meetings.services import decision_record
from programs.models import WorkPlan, WorkPlanItem, WorkPlanItemFunding
from rakornis.models import AuditEntry
from tests.factories import DecisionFactory, FundingSchemeFactory, MeetingFactory, agreed_proposal, sub_activity
from workplans.admin import sync_work_plans_action
from workplans.lines import format_targets, format_volume
from workplans.services import (
    WorkPlanLocked,
    work_plan_finalise,
    work_plan_get_or_create,
    work_plan_sync,
    work_plan_sync_preview,
)

pytestmark = pytest.mark.django_db

ROAD = "1.03.10.2.01.0053"
BRIDGE = "1.03.10.2.01.0061"


@pytest.fixture
def rakornis(pupr_kalsel):
    return MeetingFactory(
        organiser=pupr_kalsel, fiscal_year=2027, starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC), title="Rakornis 2026"
    )


@pytest.fixture
def work_plan(pupr_kalsel):
    work_plan, _ = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2027)
    return work_plan


@pytest.fixture
def agreed(pupr_kalsel, pupr_banjar, banjar, rakornis):
    """`agreed(funding, **proposal fields)`: a Banjar proposal agreed at the Rakornis, executed by PUPR Kalsel."""

    def make(funding: dict[str, int], **kwargs):
        kwargs.setdefault("region", banjar)
        kwargs.setdefault("agency", pupr_banjar)
        kwargs.setdefault("executing_agency", pupr_kalsel)
        kwargs.setdefault("meeting", rakornis)
        return agreed_proposal(funding=funding, **kwargs)

    return make


def rows(work_plan: WorkPlan) -> list[tuple]:
    """Every row the sync writes, with its id: items, funding lines, source links."""
    items = list(
        WorkPlanItem.objects.filter(work_plan=work_plan)
        .order_by("pk")
        .values_list(
            "pk", "sub_activity_id", "region_id", "location", "target", "forward_target", "forward_amount", "notes"
        )
    )
    funding = list(
        WorkPlanItemFunding.objects.filter(item__work_plan=work_plan)
        .order_by("pk")
        .values_list("pk", "item_id", "scheme__code", "amount")
    )
    links = list(
        WorkPlanItem.source_proposals.through.objects.filter(workplanitem__work_plan=work_plan)
        .order_by("pk")
        .values_list("pk", "workplanitem_id", "proposal_id")
    )
    return items + funding + links


def funding_of(item: WorkPlanItem) -> dict[str, Decimal]:
    return {line.scheme.code: line.amount for line in item.funding_lines.select_related("scheme")}


def test_a_line_takes_the_amounts_and_volume_of_the_decision_not_of_the_proposal(agreed, work_plan, banjar):
    proposal = agreed(
        {"APBD_PROV": 1_200_000_000, "DAK_FISIK": 300_000_000},
        proposal_funding={"APBD_PROV": 2_000_000_000},
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        volume=Decimal("2.50"),
        agreed_volume="2.00",
        location="Ruas Martapura - Astambul",
    )

    plan = work_plan_sync(work_plan=work_plan, user=None)

    assert len(plan.added) == 1
    item = WorkPlanItem.objects.get(work_plan=work_plan)
    assert (item.sub_activity.code, item.region) == (ROAD, banjar)
    assert funding_of(item) == {"APBD_PROV": Decimal(1_200_000_000), "DAK_FISIK": Decimal(300_000_000)}
    assert item.target == "2 km"
    assert item.location == "Ruas Martapura - Astambul"
    assert list(item.source_proposals.all()) == [proposal]
    work_plan.refresh_from_db()
    assert work_plan.synced_at is not None


def test_proposals_of_one_sub_activity_and_regency_merge_into_one_line(agreed, work_plan):
    first = agreed(
        {"APBD_PROV": 1_000_000_000},
        volume=Decimal("10.00"),
        unit="km",
        location="Ruas A",
        forward_volume=Decimal("4.00"),
        forward_amount=Decimal(400_000_000),
    )
    second = agreed(
        {"APBD_PROV": 500_000_000, "BKP": 250_000_000}, volume=Decimal("2.50"), unit="Km", location="Ruas B"
    )
    third = agreed({"APBD_PROV": 300_000_000}, volume=Decimal("3.00"), unit="unit", location="Ruas A")

    work_plan_sync(work_plan=work_plan, user=None)

    item = WorkPlanItem.objects.get(work_plan=work_plan)
    assert funding_of(item) == {"APBD_PROV": Decimal(1_800_000_000), "BKP": Decimal(250_000_000)}
    assert item.target == "12,5 km; 3 unit"
    assert item.location == "Ruas A; Ruas B"
    assert item.forward_target == "4 km"
    assert item.forward_amount == Decimal(400_000_000)
    assert set(item.source_proposals.all()) == {first, second, third}


def test_each_sub_activity_and_regency_gets_its_own_line(agreed, work_plan, tapin, pupr_tapin):
    agreed({"APBD_PROV": 1_000_000_000})
    agreed({"APBD_PROV": 700_000_000}, region=tapin, agency=pupr_tapin)
    agreed({"APBD_PROV": 900_000_000}, sub_activity=sub_activity(BRIDGE, "Pembangunan Jembatan"))

    plan = work_plan_sync(work_plan=work_plan, user=None)

    assert [(line.sub_activity.code, line.region.name) for line in plan.added] == [
        (ROAD, "Kabupaten Banjar"),
        (ROAD, "Kabupaten Tapin"),
        (BRIDGE, "Kabupaten Banjar"),
    ]
    assert WorkPlanItem.objects.filter(work_plan=work_plan).count() == 3


def test_only_agreed_proposals_of_the_year_executed_by_the_agency_count(agreed, work_plan, pupr_banjar, rakornis):
    mine = agreed({"APBD_PROV": 1_000_000_000})
    agreed({"APBD_KAB": 700_000_000}, executing_agency=pupr_banjar)
    agreed(
        {"APBD_PROV": 900_000_000},
        fiscal_year=2028,
        meeting=MeetingFactory(fiscal_year=2028, organiser=rakornis.organiser),
    )
    rejected = agreed({"APBD_PROV": 800_000_000})
    Decision.objects.filter(proposal=rejected).update(outcome=Decision.Outcome.REJECTED, reason="Bukan kewenangan")
    rejected.status = rejected.Status.REJECTED
    rejected.save()

    work_plan_sync(work_plan=work_plan, user=None)

    item = WorkPlanItem.objects.get(work_plan=work_plan)
    assert list(item.source_proposals.all()) == [mine]
    assert funding_of(item) == {"APBD_PROV": Decimal(1_000_000_000)}


def test_the_decision_of_the_latest_meeting_of_the_year_decides(agreed, work_plan, pupr_banjar, rakornis):
    moved = agreed({"APBD_PROV": 1_000_000_000})
    kept = agreed({"APBD_PROV": 600_000_000})
    musrenbang = MeetingFactory(
        organiser=rakornis.organiser, fiscal_year=2027, starts_at=datetime(2026, 4, 20, 1, tzinfo=UTC)
    )
    # Musrenbang provinsi hands `moved` to the kabupaten (BKP); an older meeting of another year does not count.
    later = DecisionFactory(
        meeting=musrenbang, proposal=moved, outcome=Decision.Outcome.AGREED, executing_agency=pupr_banjar
    )
    DecisionFunding.objects.create(decision=later, scheme=FundingSchemeFactory(code="BKP"), amount=1_000_000_000)
    DecisionFactory(
        meeting=MeetingFactory(fiscal_year=2026, starts_at=datetime(2026, 5, 1, tzinfo=UTC)),
        proposal=kept,
        outcome=Decision.Outcome.REJECTED,
        reason="Rapat TA 2026",
    )

    work_plan_sync(work_plan=work_plan, user=None)

    item = WorkPlanItem.objects.get(work_plan=work_plan)
    assert list(item.source_proposals.all()) == [kept]


def test_a_second_sync_changes_nothing(agreed, work_plan, tapin, pupr_tapin):
    agreed({"APBD_PROV": 1_000_000_000, "BKP": 500_000_000}, location="Ruas A")
    agreed({"APBD_PROV": 250_000_000}, volume=Decimal("3"), unit="unit", location="Ruas B")
    agreed({"DAK_FISIK": 700_000_000}, region=tapin, agency=pupr_tapin)
    work_plan_sync(work_plan=work_plan, user=None)
    work_plan.refresh_from_db()
    synced_at = work_plan.synced_at
    before = rows(work_plan)
    audit_count = AuditEntry.objects.for_object(work_plan).count()

    preview = work_plan_sync_preview(work_plan=work_plan)
    plan = work_plan_sync(work_plan=work_plan, user=None)

    assert (preview.has_changes, preview.unchanged) == (False, 2)
    assert (plan.added, plan.changed, plan.removed, plan.unchanged) == ([], [], [], 2)
    assert rows(work_plan) == before
    work_plan.refresh_from_db()
    assert work_plan.synced_at == synced_at
    assert AuditEntry.objects.for_object(work_plan).count() == audit_count


def test_a_changed_decision_updates_its_line_in_place_and_the_preview_shows_old_and_new(agreed, work_plan, banjar):
    first = agreed({"APBD_PROV": 1_000_000_000, "BKP": 200_000_000}, volume=Decimal("2.50"))
    second = agreed({"APBD_PROV": 500_000_000}, volume=Decimal("1.00"))
    work_plan_sync(work_plan=work_plan, user=None)
    item = WorkPlanItem.objects.get(work_plan=work_plan)
    apbd_line = item.funding_lines.get(scheme__code="APBD_PROV")
    item.notes = "Catatan perencana"
    item.save()

    # Corrected at the meeting: APBD Provinsi cut, BKP dropped, DAK Fisik added, volume cut.
    decision = Decision.objects.get(proposal=first)
    decision.outcome = Decision.Outcome.AGREED_WITH_CHANGES
    decision.agreed_volume = Decimal("2.00")
    decision.save()
    decision.funding_lines.filter(scheme__code="APBD_PROV").update(amount=800_000_000)
    decision.funding_lines.filter(scheme__code="BKP").delete()
    DecisionFunding.objects.create(decision=decision, scheme=FundingSchemeFactory(code="DAK_FISIK"), amount=0)
    first.status = first.Status.AGREED_WITH_CHANGES
    first.save()

    preview = work_plan_sync_preview(work_plan=work_plan)

    assert (len(preview.added), len(preview.changed), len(preview.removed)) == (0, 1, 0)
    change = preview.changed[0]
    assert [(scheme.code, old, new) for scheme, old, new in change.funding_changes] == [
        ("APBD_PROV", Decimal(1_500_000_000), Decimal(1_300_000_000)),
        ("BKP", Decimal(200_000_000), None),
    ]
    assert (change.old.target, change.new.target) == ("3,5 km", "3 km")
    assert (preview.total_before, preview.total_after) == (Decimal(1_700_000_000), Decimal(1_300_000_000))
    assert WorkPlanItem.objects.get(pk=item.pk).target == "3,5 km"  # the preview wrote nothing

    work_plan_sync(work_plan=work_plan, user=None)

    item.refresh_from_db()
    assert funding_of(item) == {"APBD_PROV": Decimal(1_300_000_000)}
    assert item.target == "3 km"
    assert item.notes == "Catatan perencana"
    assert item.funding_lines.get(scheme__code="APBD_PROV").pk == apbd_line.pk
    assert set(item.source_proposals.all()) == {first, second}


def test_an_agreement_changed_to_deferred_leaves_the_line_and_removes_an_emptied_one(
    agreed, work_plan, rakornis, tapin, pupr_tapin, secretary
):
    road = agreed({"APBD_PROV": 1_000_000_000})
    other_road = agreed({"APBD_PROV": 400_000_000})
    tapin_road = agreed({"APBD_PROV": 700_000_000}, region=tapin, agency=pupr_tapin)
    work_plan_sync(work_plan=work_plan, user=None)
    tapin_item = WorkPlanItem.objects.get(work_plan=work_plan, region=tapin)

    decision_record(
        meeting=rakornis, proposal=road, outcome=Decision.Outcome.DEFERRED, reason="Lahan belum bebas", user=secretary
    )
    decision_record(
        meeting=rakornis, proposal=tapin_road, outcome=Decision.Outcome.DEFERRED, reason="DED belum ada", user=secretary
    )
    preview = work_plan_sync_preview(work_plan=work_plan)

    assert [(line.region.name, line.source_numbers) for line in preview.removed] == [
        ("Kabupaten Tapin", [tapin_road.number])
    ]
    assert [(change.sources_removed, change.sources_added) for change in preview.changed] == [([road.number], [])]

    work_plan_sync(work_plan=work_plan, user=None)

    assert not WorkPlanItem.objects.filter(pk=tapin_item.pk).exists()
    assert not WorkPlanItemFunding.objects.filter(item_id=tapin_item.pk).exists()
    item = WorkPlanItem.objects.get(work_plan=work_plan)
    assert list(item.source_proposals.all()) == [other_road]
    assert funding_of(item) == {"APBD_PROV": Decimal(400_000_000)}


def test_out_of_catalogue_proposals_are_skipped_with_a_reason(agreed, work_plan):
    agreed({"APBD_PROV": 1_000_000_000})
    outside = agreed(
        {"APBD_PROV": 900_000_000},
        sub_activity=None,
        out_of_catalogue=True,
        out_of_catalogue_reason="Belum ada di Kepmendagri 900.1.15.5-1317",
    )

    plan = work_plan_sync(work_plan=work_plan, user=None)

    assert [skipped.number for skipped in plan.skipped] == [outside.number]
    assert "di luar nomenklatur" in plan.skipped[0].reason
    assert "Kepmendagri 900.1.15.5-1317" in plan.skipped[0].reason
    assert not WorkPlanItem.objects.filter(source_proposals=outside).exists()
    assert WorkPlanItem.objects.filter(work_plan=work_plan).count() == 1


def test_a_final_work_plan_refuses_the_sync_and_nothing_changes(agreed, work_plan, planner):
    agreed({"APBD_PROV": 1_000_000_000})
    work_plan_sync(work_plan=work_plan, user=planner)
    agreed({"APBD_PROV": 300_000_000})
    work_plan_finalise(work_plan=work_plan, user=planner)
    work_plan.refresh_from_db()
    before = rows(work_plan)
    audit_count = AuditEntry.objects.for_object(work_plan).count()

    with pytest.raises(WorkPlanLocked) as refusal:
        work_plan_sync(work_plan=work_plan, user=planner)

    assert str(refusal.value) == "Renja Dinas PUPR Prov. Kalsel TA 2027 sudah final dan terkunci; sinkronisasi ditolak."
    assert rows(work_plan) == before
    assert AuditEntry.objects.for_object(work_plan).count() == audit_count
    assert work_plan_sync_preview(work_plan=work_plan).changed  # the drift is still visible


def test_finalise_locks_once_and_is_audited(work_plan, planner):
    work_plan_finalise(work_plan=work_plan, user=planner)

    work_plan.refresh_from_db()
    assert work_plan.status == WorkPlan.Status.FINAL
    assert work_plan.finalised_at is not None
    entry = AuditEntry.objects.for_object(work_plan).first()
    assert (entry.user, entry.changes["status"]) == (planner, ["draft", "final"])
    with pytest.raises(WorkPlanLocked, match="tidak dapat difinalkan lagi"):
        work_plan_finalise(work_plan=work_plan, user=planner)


def test_the_sync_is_audited_on_the_work_plan_with_counts(agreed, work_plan, planner):
    agreed({"APBD_PROV": 1_000_000_000})
    agreed({"APBD_PROV": 500_000_000}, sub_activity=sub_activity(BRIDGE, "Pembangunan Jembatan"))

    work_plan_sync(work_plan=work_plan, user=planner)

    entry = AuditEntry.objects.for_object(work_plan).filter(action=AuditEntry.Action.SYNCED).get()
    assert entry.user == planner
    assert entry.changes["baris"] == [0, 2]
    assert entry.changes["pagu"] == ["0", "1500000000"]
    assert entry.note.startswith("Sinkronisasi dari kesepakatan rapat TA 2027: 2 baris ditambah, 0 diubah, 0 dihapus")


def test_the_first_sync_of_an_empty_work_plan_is_recorded_once(work_plan):
    work_plan_sync(work_plan=work_plan, user=None)
    work_plan_sync(work_plan=work_plan, user=None)

    work_plan.refresh_from_db()
    assert work_plan.synced_at is not None
    assert AuditEntry.objects.for_object(work_plan).filter(action=AuditEntry.Action.SYNCED).count() == 1


def test_get_or_create_makes_one_draft_per_agency_and_year(pupr_kalsel):
    first, created = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2028)
    again, created_again = work_plan_get_or_create(agency=pupr_kalsel, fiscal_year=2028)

    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert first.status == WorkPlan.Status.DRAFT
    assert AuditEntry.objects.for_object(first).filter(action=AuditEntry.Action.CREATED).count() == 1


def test_the_preview_needs_the_same_queries_for_one_proposal_or_many(agreed, work_plan, tapin, pupr_tapin):
    def queries_for_preview() -> int:
        with CaptureQueriesContext(connection) as captured:
            work_plan_sync_preview(work_plan=work_plan)
        return len(captured.captured_queries)

    agreed({"APBD_PROV": 1_000_000_000})
    work_plan_sync(work_plan=work_plan, user=None)
    few = queries_for_preview()
    for _ in range(6):
        agreed({"APBD_PROV": 100_000_000, "BKP": 50_000_000}, region=tapin, agency=pupr_tapin)
        agreed({"DAK_FISIK": 100_000_000}, sub_activity=sub_activity(BRIDGE, "Pembangunan Jembatan"))
    work_plan_sync(work_plan=work_plan, user=None)

    assert queries_for_preview() == few == 7


def test_the_sync_writes_in_bulk(agreed, work_plan, django_assert_max_num_queries, tapin, pupr_tapin):
    for index in range(20):
        agreed(
            {"APBD_PROV": 100_000_000, "BKP": 50_000_000},
            sub_activity=sub_activity(f"1.03.10.2.01.{100 + index:04d}", f"Sub kegiatan {index}"),
        )
    # Reading (7) + locking, 3 bulk inserts, synced_at, audit entry and savepoints: no query per line.
    with django_assert_max_num_queries(20):
        plan = work_plan_sync(work_plan=work_plan, user=None)
    assert len(plan.added) == 20


def test_the_admin_action_syncs_each_selected_work_plan_and_reports(agreed, work_plan, rf, superuser, pupr_banjar):
    agreed({"APBD_PROV": 1_000_000_000})
    final, _ = work_plan_get_or_create(agency=pupr_banjar, fiscal_year=2027)
    work_plan_finalise(work_plan=final, user=superuser)
    request = rf.post("/admin/programs/workplan/")
    request.user = superuser
    SessionMiddleware(lambda request: None).process_request(request)
    request._messages = FallbackStorage(request)

    sync_work_plans_action(ModelAdmin(WorkPlan, AdminSite()), request, WorkPlan.objects.all())

    texts = [str(message) for message in get_messages(request)]
    assert any("Renja Dinas PUPR Prov. Kalsel TA 2027: 1 baris ditambah" in text for text in texts)
    assert any("Rp 1.000.000.000" in text for text in texts)
    assert "Renja Dinas PUPR Kab. Banjar TA 2027 sudah final dan terkunci; sinkronisasi ditolak." in texts
    assert WorkPlanItem.objects.filter(work_plan=work_plan).count() == 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.50"), "12,5"),
        (Decimal("3.00"), "3"),
        (Decimal("1250.75"), "1.250,75"),
        (Decimal("0.05"), "0,05"),
        (Decimal("1E+3"), "1.000"),
    ],
)
def test_volumes_are_written_the_indonesian_way(value, text):
    assert format_volume(value) == text


def test_targets_list_units_alphabetically():
    assert format_targets({"unit": Decimal(3), "km": Decimal("12.5"), "m2": Decimal(0)}) == "12,5 km; 3 unit"


def test_the_executing_kabupaten_gets_the_line_in_its_own_work_plan(agreed, pupr_banjar, work_plan):
    proposal = agreed({"APBD_KAB": 700_000_000}, executing_agency=pupr_banjar)
    banjar_plan, _ = work_plan_get_or_create(agency=pupr_banjar, fiscal_year=2027)

    work_plan_sync(work_plan=banjar_plan, user=None)
    work_plan_sync(work_plan=work_plan, user=None)

    assert list(WorkPlanItem.objects.get(work_plan=banjar_plan).source_proposals.all()) == [proposal]
    assert not WorkPlanItem.objects.filter(work_plan=work_plan).exists()
