"""The one rule of which decision counts (meetings/selectors.py), on its own."""

from datetime import UTC, datetime

import pytest

from meetings.models import Decision
from meetings.selectors import agreed_decisions, deciding_decisions
from programs.models import Proposal
from tests.factories import DecisionFactory, MeetingFactory, ProposalFactory

pytestmark = pytest.mark.django_db

JANUARY = datetime(2026, 1, 29, 1, tzinfo=UTC)
APRIL = datetime(2026, 4, 20, 1, tzinfo=UTC)


@pytest.fixture
def proposal(banjar, pupr_banjar):
    return ProposalFactory(region=banjar, agency=pupr_banjar, status=Proposal.Status.AGREED, fiscal_year=2027)


def decide(meeting, proposal, outcome=Decision.Outcome.AGREED):
    reason = "Dibahas ulang" if outcome in Decision.REASON_REQUIRED_OUTCOMES else ""
    return DecisionFactory(meeting=meeting, proposal=proposal, outcome=outcome, reason=reason)


def test_the_decision_of_the_latest_meeting_of_the_year_decides(proposal, pupr_kalsel):
    decide(MeetingFactory(organiser=pupr_kalsel, starts_at=APRIL), proposal, Decision.Outcome.DEFERRED)
    january = decide(MeetingFactory(organiser=pupr_kalsel, starts_at=JANUARY), proposal)
    later = decide(MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 5, 2, tzinfo=UTC)), proposal)

    assert list(deciding_decisions(fiscal_year=2027)) == [later]
    assert january not in agreed_decisions(fiscal_year=2027)


def test_meetings_starting_at_the_same_moment_go_by_the_one_created_last(proposal, pupr_kalsel):
    first = MeetingFactory(organiser=pupr_kalsel, starts_at=JANUARY)
    second = MeetingFactory(organiser=pupr_kalsel, starts_at=JANUARY)
    # Recorded in the other order: the answer does not follow the order the rows were written in.
    decided_second = decide(second, proposal)
    decide(first, proposal, Decision.Outcome.REJECTED)

    assert second.pk > first.pk
    assert list(deciding_decisions(fiscal_year=2027)) == [decided_second]


def test_a_meeting_planning_another_year_never_decides(proposal, pupr_kalsel):
    rakornis = decide(MeetingFactory(organiser=pupr_kalsel, starts_at=JANUARY), proposal)
    decide(
        MeetingFactory(organiser=pupr_kalsel, starts_at=APRIL, fiscal_year=2028), proposal, Decision.Outcome.REJECTED
    )

    assert list(deciding_decisions(fiscal_year=2027)) == [rakornis]
    assert list(deciding_decisions(fiscal_year=2028)) == []  # the proposal is of 2027


def test_only_agreed_decisions_on_still_agreed_proposals_count(proposal, banjar, pupr_banjar, pupr_kalsel):
    meeting = MeetingFactory(organiser=pupr_kalsel, starts_at=JANUARY)
    agreed = decide(meeting, proposal)
    deferred = ProposalFactory(region=banjar, agency=pupr_banjar, status=Proposal.Status.DEFERRED)
    decide(meeting, deferred, Decision.Outcome.DEFERRED)
    # Agreed at the meeting, but the proposal's status says otherwise since (e.g. fixed in the admin): not counted.
    changed = ProposalFactory(region=banjar, agency=pupr_banjar, status=Proposal.Status.REJECTED)
    decide(meeting, changed)

    assert deciding_decisions(fiscal_year=2027).count() == 3
    assert list(agreed_decisions(fiscal_year=2027)) == [agreed]


def test_the_callers_scope_narrows_the_proposals(proposal, tapin, pupr_tapin, pupr_kalsel, operator_banjar):
    meeting = MeetingFactory(organiser=pupr_kalsel, starts_at=JANUARY)
    mine = decide(meeting, proposal)
    decide(meeting, ProposalFactory(region=tapin, agency=pupr_tapin, status=Proposal.Status.AGREED))

    scoped = agreed_decisions(fiscal_year=2027, proposals=Proposal.objects.for_user(operator_banjar))
    assert list(scoped) == [mine]
