"""The meeting decision summary (`meetings.summary`, issue 11): every write of decisions keeps it, the pages' totals
read from it equal the GROUP BY over the decisions, and `summary_check` finds and repairs a wrong row."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.minutes import meeting_decision_breakdown
from meetings.models import Decision, Desk, MeetingDecisionSummary
from meetings.selectors import meeting_decision_totals
from meetings.services import DecisionInput, decision_record, decision_record_bulk
from meetings.summary import meeting_summary_differences, meeting_summary_rebuild
from programs.models import Proposal
from programs.summary import summary_deferred
from tests.factories import verified_proposal

pytestmark = pytest.mark.django_db

SUMMARY_TABLE = MeetingDecisionSummary._meta.db_table


def row(meeting, region, outcome, *, scheme=None, desk=None, origin=Proposal.Origin.MUSRENBANG):
    return MeetingDecisionSummary.objects.get(
        meeting=meeting, region=region, outcome=outcome, desk=desk, origin=origin, scheme=scheme
    )


@pytest.fixture
def desks(meeting):
    return (
        Desk.objects.create(meeting=meeting, name="Desk Jalan dan Jembatan"),
        Desk.objects.create(meeting=meeting, name="Desk Sumber Daya Air"),
    )


@pytest.fixture
def decided(meeting, schemes, desks, secretary, banjar, pupr_banjar, tapin, pupr_tapin):
    """Banjar and Tapin, every outcome, three schemes, two desks and outside any desk, three origins; recorded
    through the services, one by one and in a batch."""
    roads, water = desks
    banjar_road = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000})
    banjar_pokir = verified_proposal(banjar, pupr_banjar, {"BKP": 800_000_000}, origin=Proposal.Origin.POKIR)
    banjar_drain = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 900_000_000})
    tapin_bridge = verified_proposal(tapin, pupr_tapin, {"APBD_PROV": 2_000_000_000, "BKP": 500_000_000})
    tapin_canal = verified_proposal(tapin, pupr_tapin, {"APBD_PROV": 700_000_000}, origin=Proposal.Origin.RENJA)
    tapin_small = verified_proposal(tapin, pupr_tapin, {"APBD_PROV": 100_000_000})
    decision_record(meeting=meeting, proposal=banjar_road, outcome=Decision.Outcome.AGREED, desk=roads, user=secretary)
    decision_record(
        meeting=meeting,
        proposal=banjar_pokir,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={schemes["BKP"]: Decimal(600_000_000), schemes["APBD_KAB"]: Decimal(100_000_000)},
        desk=water,
        user=secretary,
    )
    decision_record_bulk(
        meeting=meeting,
        items=[
            DecisionInput(banjar_drain, Decision.Outcome.REJECTED, reason="Bukan kewenangan"),
            DecisionInput(tapin_bridge, Decision.Outcome.AGREED, desk=roads),
            DecisionInput(tapin_canal, Decision.Outcome.DEFERRED, reason="Menunggu DED"),
            DecisionInput(tapin_small, Decision.Outcome.MERGED, merged_into=tapin_bridge),
        ],
        user=secretary,
    )
    return meeting


# Every write keeps it ------------------------------------------------------------------------------------------------


def test_recording_a_decision_adds_it_to_the_summary(meeting, schemes, secretary, banjar_proposal, banjar):
    decision_record(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary)

    total = row(meeting, banjar, Decision.Outcome.AGREED)
    assert (total.decision_count, total.amount) == (1, Decimal(1_500_000_000))
    line = row(meeting, banjar, Decision.Outcome.AGREED, scheme=schemes["APBD_KAB"])
    assert (line.decision_count, line.amount) == (1, Decimal(1_500_000_000))
    assert meeting_summary_differences() == []


def test_correcting_a_decision_moves_it_to_its_new_outcome_and_amounts(
    meeting, schemes, secretary, banjar_proposal, banjar
):
    decision_record(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary)
    decision_record(
        meeting=meeting,
        proposal=banjar_proposal,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={schemes["APBD_KAB"]: Decimal(1_000_000_000), schemes["BKP"]: Decimal(200_000_000)},
        user=secretary,
    )

    assert meeting_summary_differences() == []
    assert not MeetingDecisionSummary.objects.filter(outcome=Decision.Outcome.AGREED).exists()  # left at zero
    changed = row(meeting, banjar, Decision.Outcome.AGREED_WITH_CHANGES)
    assert (changed.decision_count, changed.amount) == (1, Decimal(1_200_000_000))

    decision_record(
        meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.REJECTED, reason="Tidak", user=secretary
    )
    assert meeting_summary_differences() == []
    assert list(MeetingDecisionSummary.objects.values_list("outcome", "decision_count", "amount")) == [
        (Decision.Outcome.REJECTED, 1, Decimal(0))
    ]


def test_a_decision_taken_at_a_desk_is_counted_for_that_desk(meeting, desks, secretary, banjar_proposal, banjar):
    roads, _ = desks
    decision_record(
        meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, desk=roads, user=secretary
    )

    assert row(meeting, banjar, Decision.Outcome.AGREED, desk=roads).decision_count == 1
    assert meeting_decision_breakdown(meeting, schemes=[]).desk(roads.pk).count == 1


def test_a_batch_adds_one_difference_whatever_its_size(meeting, schemes, secretary, banjar, pupr_banjar, tapin):
    def summary_statements(count: int) -> int:
        proposals = [verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 10}) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            decision_record_bulk(
                meeting=meeting, items=[DecisionInput(p, Decision.Outcome.AGREED) for p in proposals], user=secretary
            )
        return sum(SUMMARY_TABLE in query["sql"] for query in captured.captured_queries)

    assert summary_statements(2) == summary_statements(40)
    total = row(meeting, banjar, Decision.Outcome.AGREED)
    assert (total.decision_count, total.amount) == (42, Decimal(420))
    assert meeting_summary_differences() == []


def test_a_deleted_desk_leaves_its_decisions_outside_any_desk(decided, desks, banjar, tapin):
    roads, _ = desks
    roads_id = roads.pk
    roads.delete()  # only the admin deletes a desk; the decisions' desk is set to none

    assert meeting_summary_differences() == []
    assert row(decided, banjar, Decision.Outcome.AGREED).decision_count == 1
    assert row(decided, tapin, Decision.Outcome.AGREED).amount == Decimal(2_500_000_000)
    assert not MeetingDecisionSummary.objects.filter(desk_id=roads_id).exists()


def test_the_seed_skips_it_and_rebuilds_it_once(meeting, secretary, banjar_proposal):
    with summary_deferred():
        decision_record(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary)
        assert not MeetingDecisionSummary.objects.exists()
    assert MeetingDecisionSummary.objects.exists()
    assert meeting_summary_differences() == []


# The pages' figures --------------------------------------------------------------------------------------------------


def test_the_totals_from_the_summary_equal_the_group_by_over_the_decisions(decided):
    every = Decision.objects.all()
    from_summary = meeting_decision_totals(decided)
    assert from_summary == meeting_decision_totals(decided, decisions=every)
    assert [s.code for s in from_summary.schemes] == ["APBD_PROV", "APBD_KAB", "BKP"]
    assert from_summary.count == 6
    assert from_summary.counted == 3
    # Agreed: 1,5 M (Banjar road) + 0,7 M (Banjar Pokir, with changes) + 2,5 M (Tapin bridge); nothing else counts.
    assert from_summary.total == Decimal(4_700_000_000)
    assert {o.outcome: (o.count, o.amount) for o in from_summary.outcomes}[Decision.Outcome.DEFERRED] == (1, 0)

    breakdown = meeting_decision_breakdown(decided, schemes=from_summary.schemes)
    assert breakdown == meeting_decision_breakdown(decided, schemes=from_summary.schemes, decisions=every)
    assert [(d.label, d.count, d.counted, d.total) for d in breakdown.desks] == [
        ("Desk Jalan dan Jembatan", 2, 2, Decimal(4_000_000_000)),
        ("Desk Sumber Daya Air", 1, 1, Decimal(700_000_000)),
        ("Di luar desk", 3, 0, Decimal(0)),
    ]
    assert [(o.key, o.count, o.total) for o in breakdown.origins] == [
        ("musrenbang", 4, Decimal(4_000_000_000)),
        ("pokir", 1, Decimal(700_000_000)),
        ("renja", 1, Decimal(0)),
    ]


def test_a_kabupaten_user_gets_only_their_kabupaten_from_the_summary(decided, operator_banjar, banjar):
    scoped = Decision.objects.for_user(operator_banjar)
    totals = meeting_decision_totals(decided, user=operator_banjar)
    assert totals == meeting_decision_totals(decided, decisions=scoped)
    assert [r.region_id for r in totals.regencies] == [banjar.pk]
    assert (totals.count, totals.total) == (3, Decimal(2_200_000_000))
    breakdown = meeting_decision_breakdown(decided, schemes=totals.schemes, user=operator_banjar)
    assert breakdown == meeting_decision_breakdown(decided, schemes=totals.schemes, decisions=scoped)
    assert sum(o.count for o in breakdown.origins) == 3


def test_the_decision_list_filtered_by_outcome_and_kabupaten_is_counted_from_the_summary(
    client, decided, secretary, tapin
):
    client.force_login(secretary)
    url = reverse("meetings:meeting-detail", args=[decided.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"keputusan": Decision.Outcome.AGREED, "wilayah": tapin.pk})
    assert response.status_code == 200
    assert response.context["decisions"]["page"].paginator.count == 1
    # Neither the paginator's COUNT of the decisions nor the totals' SUM over their funding lines is run.
    queries = [q["sql"] for q in captured.captured_queries]
    assert not [sql for sql in queries if sql.startswith('SELECT COUNT(*) AS "__count" FROM "meetings_decision"')]
    assert not [sql for sql in queries if 'SUM("meetings_decisionfunding"."amount")' in sql]


# The check command ---------------------------------------------------------------------------------------------------


def test_the_check_command_reports_a_tampered_row_and_fix_repairs_it(decided, desks, tapin):
    tampered = row(decided, tapin, Decision.Outcome.AGREED, desk=desks[0])
    MeetingDecisionSummary.objects.filter(pk=tampered.pk).update(amount=tampered.amount + 1)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("summary_check", stdout=out)
    assert exited.value.code == 1
    assert "Ringkasan usulan sesuai perhitungan ulang" in out.getvalue()
    assert "Ringkasan kesepakatan rapat berbeda pada 1 baris" in out.getvalue()
    assert "tersimpan 1 keputusan/baris, pagu 2500000001; seharusnya 1 keputusan/baris, pagu 2500000000" in (
        out.getvalue()
    )

    out = io.StringIO()
    call_command("summary_check", "--fix", stdout=out)
    assert "Ringkasan kesepakatan rapat dibangun ulang dan kini sesuai" in out.getvalue()
    assert row(decided, tapin, Decision.Outcome.AGREED, desk=desks[0]).amount == Decimal(2_500_000_000)
    out = io.StringIO()
    call_command("summary_check", stdout=out)
    assert "Ringkasan kesepakatan rapat sesuai perhitungan ulang" in out.getvalue()


def test_the_check_command_finds_a_missing_row(decided):
    MeetingDecisionSummary.objects.filter(outcome=Decision.Outcome.DEFERRED).delete()
    with pytest.raises(SystemExit):
        call_command("summary_check", stdout=io.StringIO())
    meeting_summary_rebuild(decided)
    call_command("summary_check", stdout=io.StringIO())


# The decision list's pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["", Decision.Outcome.AGREED])
def test_the_pages_list_every_decision_once_in_table_order(
    client, monkeypatch, meeting, schemes, secretary, banjar, pupr_banjar, tapin, pupr_tapin, outcome
):
    """Pages inside one kabupaten/kota and pages across two are sliced from the summary's counts: together they are
    the table, in its order (kabupaten/kota code, proposal number), each decision once."""
    from meetings import views
    from tests.meetings.bulk import decide_many

    monkeypatch.setattr(views, "DECISIONS_PER_PAGE", 4)
    decide_many(meeting, [(banjar, pupr_banjar), (tapin, pupr_tapin), (tapin, pupr_tapin)], schemes["BKP"], 23)
    expected = list(
        Decision.objects.filter(meeting=meeting, **({"outcome": outcome} if outcome else {}))
        .order_by("proposal__region__code", "proposal__number", "pk")
        .values_list("proposal__number", flat=True)
    )
    client.force_login(secretary)
    url = reverse("meetings:meeting-detail", args=[meeting.pk])
    client.get(url)  # the first request after signing in also saves the session
    listed, queries = [], set()
    for page in range(1, len(expected) // 4 + 2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"hal": page, "keputusan": outcome})
        queries.add(len(captured))
        listed += [decision.proposal.number for decision in response.context["decisions"]["page"].object_list]
    assert listed == expected
    assert len(queries) == 1  # a page inside one kabupaten/kota and one across two: the same queries
