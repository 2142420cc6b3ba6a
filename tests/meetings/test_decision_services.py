from decimal import Decimal

import pytest

from meetings.models import AgendaItem, Attendance, Decision
from meetings.services import (
    DecisionConflict,
    MeetingError,
    agenda_add,
    attendance_add,
    decision_record,
    meeting_close,
)
from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory, verified_proposal

pytestmark = pytest.mark.django_db


def test_agreed_copies_the_proposals_funding_and_moves_the_proposal(meeting, banjar_proposal, secretary, pupr_banjar):
    decision = decision_record(
        meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary
    )
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.AGREED
    assert banjar_proposal.version == 2
    assert [(line.scheme.code, line.amount) for line in decision.funding_lines.all()] == [
        ("APBD_KAB", Decimal("1500000000"))
    ]
    assert decision.agreed_volume == banjar_proposal.volume
    assert decision.executing_agency == pupr_banjar  # a kab/kota scheme: the proposing agency executes
    assert decision.decided_by == secretary


def test_apbd_provinsi_is_executed_by_the_organiser(meeting, tapin_proposal, secretary, pupr_kalsel):
    decision = decision_record(
        meeting=meeting, proposal=tapin_proposal, outcome=Decision.Outcome.AGREED, user=secretary
    )
    assert decision.executing_agency == pupr_kalsel


def test_decided_writes_audit_entries_with_old_and_new_status(meeting, banjar_proposal, secretary):
    decision = decision_record(
        meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary
    )
    entry = AuditEntry.objects.for_object(banjar_proposal).get()
    assert entry.action == AuditEntry.Action.DECIDED
    assert entry.user == secretary
    assert entry.changes["status"] == ["verified", "agreed"]
    assert entry.changes["agreed_funding"] == [None, {"APBD_KAB": "1500000000"}]
    created = AuditEntry.objects.for_object(decision).get()
    assert created.action == AuditEntry.Action.CREATED
    assert created.changes["outcome"] == [None, "agreed"]


def test_agreed_with_changes_records_the_new_amounts(meeting, banjar_proposal, secretary, schemes):
    decision = decision_record(
        meeting=meeting,
        proposal=banjar_proposal,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={schemes["APBD_KAB"]: Decimal(1_000_000_000), schemes["BKP"]: Decimal(250_000_000)},
        user=secretary,
    )
    assert {line.scheme.code: line.amount for line in decision.funding_lines.all()} == {
        "APBD_KAB": Decimal(1_000_000_000),
        "BKP": Decimal(250_000_000),
    }
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.AGREED_WITH_CHANGES


def test_agreed_with_changes_may_change_only_the_volume(meeting, banjar_proposal, secretary, schemes):
    decision = decision_record(
        meeting=meeting,
        proposal=banjar_proposal,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={schemes["APBD_KAB"]: Decimal(1_500_000_000)},
        agreed_volume=Decimal("1.75"),
        user=secretary,
    )
    assert decision.agreed_volume == Decimal("1.75")


def test_agreed_with_changes_that_changes_nothing_is_refused(meeting, banjar_proposal, secretary, schemes):
    with pytest.raises(MeetingError, match="Disepakati"):
        decision_record(
            meeting=meeting,
            proposal=banjar_proposal,
            outcome=Decision.Outcome.AGREED_WITH_CHANGES,
            funding={schemes["APBD_KAB"]: Decimal(1_500_000_000)},
            agreed_volume=banjar_proposal.volume,
            user=secretary,
        )
    _assert_nothing_changed(banjar_proposal)


@pytest.mark.parametrize("outcome", [Decision.Outcome.DEFERRED, Decision.Outcome.REJECTED])
def test_deferred_and_rejected_need_a_reason(meeting, banjar_proposal, secretary, outcome):
    with pytest.raises(MeetingError, match="Alasan wajib"):
        decision_record(meeting=meeting, proposal=banjar_proposal, outcome=outcome, reason="  ", user=secretary)
    _assert_nothing_changed(banjar_proposal)
    decision = decision_record(
        meeting=meeting, proposal=banjar_proposal, outcome=outcome, reason="Lahan belum bebas", user=secretary
    )
    assert decision.reason == "Lahan belum bebas"
    assert not decision.funding_lines.exists()
    assert decision.executing_agency is None


def test_merged_needs_a_target_that_is_not_itself(meeting, banjar_proposal, secretary, banjar, pupr_banjar):
    with pytest.raises(MeetingError, match="tujuan penggabungan"):
        decision_record(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.MERGED, user=secretary)
    with pytest.raises(MeetingError, match="dirinya sendiri"):
        decision_record(
            meeting=meeting,
            proposal=banjar_proposal,
            outcome=Decision.Outcome.MERGED,
            merged_into=banjar_proposal,
            user=secretary,
        )
    _assert_nothing_changed(banjar_proposal)
    target = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 3_000_000_000})
    decision = decision_record(
        meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.MERGED, merged_into=target, user=secretary
    )
    assert decision.merged_into == target
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.MERGED


def test_merged_target_must_be_of_the_same_fiscal_year(meeting, banjar_proposal, secretary, banjar, pupr_banjar):
    other_year = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1}, fiscal_year=2028)
    with pytest.raises(MeetingError, match="TA 2027"):
        decision_record(
            meeting=meeting,
            proposal=banjar_proposal,
            outcome=Decision.Outcome.MERGED,
            merged_into=other_year,
            user=secretary,
        )
    _assert_nothing_changed(banjar_proposal)


@pytest.mark.parametrize("status", [Proposal.Status.DRAFT, Proposal.Status.SUBMITTED, Proposal.Status.RETURNED])
def test_a_proposal_that_is_not_verified_cannot_be_decided(meeting, secretary, banjar, pupr_banjar, status):
    proposal = ProposalFactory(region=banjar, agency=pupr_banjar, status=status)
    with pytest.raises(MeetingError, match="hanya usulan terverifikasi"):
        decision_record(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED, user=secretary)
    proposal.refresh_from_db()
    assert proposal.status == status
    assert proposal.version == 1
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_decision_at_the_same_meeting_can_be_corrected(meeting, banjar_proposal, secretary):
    first = decision_record(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary)
    second = decision_record(
        meeting=meeting,
        proposal=banjar_proposal,
        outcome=Decision.Outcome.DEFERRED,
        reason="Menunggu DED",
        user=secretary,
    )
    assert second.pk == first.pk
    assert not second.funding_lines.exists()
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.DEFERRED
    assert banjar_proposal.version == 3
    latest = AuditEntry.objects.for_object(banjar_proposal).first()
    assert latest.changes["status"] == ["agreed", "deferred"]
    changed = AuditEntry.objects.for_object(first).filter(action=AuditEntry.Action.CHANGED).get()
    assert changed.changes["outcome"] == ["agreed", "deferred"]
    assert changed.changes["funding"] == [{"APBD_KAB": "1500000000"}, None]


def test_a_proposal_decided_at_another_meeting_is_refused(meeting, banjar_proposal, secretary, pupr_kalsel):
    from tests.factories import MeetingFactory

    decision_record(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary)
    other = MeetingFactory(organiser=pupr_kalsel, fiscal_year=2027)
    with pytest.raises(MeetingError, match="hanya usulan terverifikasi"):
        decision_record(
            meeting=other, proposal=banjar_proposal, outcome=Decision.Outcome.REJECTED, reason="x", user=secretary
        )


def test_a_proposal_of_another_year_or_province_is_refused(meeting, secretary, banjar, pupr_banjar, kalteng_agency):
    from tests.factories import regency

    later = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1}, fiscal_year=2028)
    with pytest.raises(MeetingError, match="TA 2028"):
        decision_record(meeting=meeting, proposal=later, outcome=Decision.Outcome.AGREED, user=secretary)
    kapuas = regency("62.03", "Kabupaten Kapuas")
    elsewhere = verified_proposal(kapuas, kalteng_agency, {"APBD_KAB": 1})
    with pytest.raises(MeetingError, match="bukan dari provinsi"):
        decision_record(meeting=meeting, proposal=elsewhere, outcome=Decision.Outcome.AGREED, user=secretary)


def test_stale_version_is_a_conflict(meeting, banjar_proposal, secretary):
    with pytest.raises(DecisionConflict):
        decision_record(
            meeting=meeting,
            proposal=banjar_proposal,
            outcome=Decision.Outcome.AGREED,
            user=secretary,
            expected_version=banjar_proposal.version - 1 if banjar_proposal.version > 1 else 99,
        )
    _assert_nothing_changed(banjar_proposal)


def test_a_closed_meeting_refuses_every_change(meeting, banjar_proposal, secretary):
    meeting_close(meeting=meeting, user=secretary)
    meeting.refresh_from_db()
    assert meeting.closed_by == secretary
    assert AuditEntry.objects.for_object(meeting).get().action == AuditEntry.Action.CLOSED
    with pytest.raises(MeetingError, match="sudah ditutup"):
        decision_record(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED, user=secretary)
    with pytest.raises(MeetingError, match="sudah ditutup"):
        attendance_add(meeting=meeting, user=secretary, name="Ir. H. Ahmad")
    with pytest.raises(MeetingError, match="sudah ditutup"):
        agenda_add(meeting=meeting, proposals=[banjar_proposal], user=secretary)
    with pytest.raises(MeetingError, match="sudah ditutup"):
        meeting_close(meeting=meeting, user=secretary)
    _assert_nothing_changed(banjar_proposal)
    assert not Attendance.objects.exists()
    assert not AgendaItem.objects.exists()


def test_agenda_add_takes_only_verified_proposals_of_the_meeting_year(meeting, banjar_proposal, secretary, banjar):
    draft = ProposalFactory(region=banjar, status=Proposal.Status.DRAFT)
    later = ProposalFactory(region=banjar, status=Proposal.Status.VERIFIED, fiscal_year=2028)
    added = agenda_add(meeting=meeting, proposals=[banjar_proposal, draft, later], user=secretary)
    assert added == [banjar_proposal]
    assert agenda_add(meeting=meeting, proposals=[banjar_proposal], user=secretary) == []
    assert meeting.agenda_items.count() == 1


def _assert_nothing_changed(proposal):
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.VERIFIED
    assert proposal.version == 1
    assert not Decision.objects.filter(proposal=proposal).exists()
    assert not AuditEntry.objects.for_object(proposal).exists()
