"""The proposal state machine: one table, and everything that moves a proposal reads it."""

import pytest

from meetings.models import Decision
from programs import workflow
from programs.models import Proposal
from programs.workflow import DECIDED_STATUSES, TRANSITIONS, Event, TransitionError

Status = Proposal.Status


def test_every_status_is_reachable_from_a_draft():
    reached, frontier = {Status.DRAFT.value}, [Status.DRAFT.value]
    while frontier:
        status = frontier.pop()
        for transition in TRANSITIONS.values():
            if status in transition.sources:
                for target in transition.targets - reached:
                    reached.add(target)
                    frontier.append(target)
    assert reached == set(Status.values)


def test_every_action_is_granted_by_exactly_one_table():
    """The state machine grants the proposal actions; the policy grants the others; none twice, none forgotten."""
    from rakornis import policy

    assert set(TRANSITIONS).isdisjoint(policy._OTHER_GRANTS)
    assert set(TRANSITIONS) | set(policy._OTHER_GRANTS) == set(Event)
    assert all(policy.GRANTS[action] for action in Event)


@pytest.mark.parametrize(
    ("event", "status", "target", "allowed"),
    [
        (Event.CREATE, None, None, True),
        (Event.SUBMIT, Status.DRAFT, None, True),
        (Event.SUBMIT, Status.RETURNED, None, True),
        (Event.SUBMIT, Status.VERIFIED, None, False),
        (Event.EDIT, Status.SUBMITTED, None, False),
        (Event.WITHDRAW, Status.SUBMITTED, None, True),
        (Event.WITHDRAW, Status.VERIFIED, None, False),
        (Event.VERIFY, Status.DRAFT, None, False),
        (Event.DECIDE, Status.VERIFIED, Status.AGREED, True),
        (Event.DECIDE, Status.VERIFIED, Status.DRAFT, False),  # a decision never sends a proposal back to draft
        (Event.DECIDE, Status.SUBMITTED, Status.AGREED, False),
        (Event.CORRECT_DECISION, Status.DEFERRED, Status.AGREED, True),
        (Event.CORRECT_DECISION, Status.VERIFIED, Status.AGREED, False),
        (Event.CARRY_OVER, Status.DEFERRED, None, True),
        (Event.CARRY_OVER, Status.REJECTED, None, False),
    ],
)
def test_allows(event, status, target, allowed):
    assert workflow.allows(event, status, target) is allowed


def test_check_names_the_status_in_its_refusal():
    with pytest.raises(TransitionError, match="Usulan berstatus Terverifikasi tidak dapat diajukan."):
        workflow.check(Event.SUBMIT, Status.VERIFIED)
    with pytest.raises(TransitionError, match="tidak dapat menjadi Draf"):
        workflow.check(Event.DECIDE, Status.VERIFIED, Status.DRAFT)


def test_check_returns_the_new_status_or_none_when_the_event_does_not_move_it():
    assert workflow.check(Event.VERIFY, Status.SUBMITTED) == Status.VERIFIED
    assert workflow.check(Event.EDIT, Status.RETURNED) is None


def test_each_decision_outcome_maps_to_exactly_one_decided_status():
    """Explicit, not the two enums sharing values: every outcome has a status, no two share one."""
    mapping = Decision.PROPOSAL_STATUS
    assert set(mapping) == set(Decision.Outcome.values)
    assert set(mapping.values()) == DECIDED_STATUSES
    assert len(set(mapping.values())) == len(mapping)
    assert all(workflow.allows(Event.DECIDE, Status.VERIFIED, status) for status in mapping.values())
