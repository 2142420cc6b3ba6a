"""`proposal_move_bulk`: one workflow event for many proposals, exactly as the one-proposal services write it."""

from decimal import Decimal

import pytest

from programs import services
from programs.models import Proposal, ProposalFunding
from programs.services import BulkRefusal, ProposalMove, proposal_move_bulk
from programs.workflow import Event
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory, funded_proposal

pytestmark = pytest.mark.django_db
S = Proposal.Status


def trail(proposal: Proposal) -> list[tuple]:
    """What the proposal's history page shows of each entry, oldest first."""
    entries = AuditEntry.objects.for_object(proposal).select_related("user").order_by("pk")
    return [(e.action, e.user.username if e.user else None, e.changes, e.note) for e in entries]


def state(proposal: Proposal) -> tuple:
    proposal.refresh_from_db()
    return proposal.status, proposal.version


def one_by_one(event: Event, proposal: Proposal, user, move: ProposalMove) -> None:
    if event == Event.SUBMIT:
        services.proposal_submit(proposal=proposal, user=user)
    elif event == Event.WITHDRAW:
        services.proposal_withdraw(proposal=proposal, user=user)
    elif event == Event.RETURN:
        services.proposal_return(proposal=proposal, user=user, note=move.note)
    elif event == Event.VERIFY:
        services.proposal_verify(proposal=proposal, user=user)
    else:
        assert move.target is not None
        services.proposal_decide(
            proposal=proposal, user=user, status=move.target, correction=False, changes=move.changes, note=move.note
        )


CASES = [
    (Event.SUBMIT, S.DRAFT, "operator_banjar", {}),
    (Event.SUBMIT, S.RETURNED, "operator_banjar", {}),
    (Event.WITHDRAW, S.SUBMITTED, "operator_banjar", {}),
    (Event.RETURN, S.SUBMITTED, "verifier", {"note": "Lengkapi RAB."}),
    (Event.VERIFY, S.SUBMITTED, "verifier", {}),
    (
        Event.DECIDE,
        S.VERIFIED,
        "secretary",
        {"target": S.AGREED, "note": "Disepakati dalam Rakornis", "changes": {"agreed_funding": [None, {"X": "1"}]}},
    ),
]


@pytest.mark.parametrize(("event", "status", "persona", "extra"), CASES)
def test_writes_what_the_one_proposal_service_writes(request, banjar, event, status, persona, extra):
    user = request.getfixturevalue(persona)
    alone, first, second = (funded_proposal(region=banjar, status=status) for _ in range(3))
    one_by_one(event, alone, user, ProposalMove(alone, **extra))

    moved = proposal_move_bulk(
        user=user, event=event, moves=[ProposalMove(first, **extra), ProposalMove(second, **extra)]
    )

    assert moved == [first, second]
    assert first.status == second.status == state(alone)[0] != status
    assert state(first) == state(second) == state(alone)
    assert trail(first) == trail(second) == trail(alone)


def test_one_refused_proposal_refuses_the_whole_batch(verifier, banjar):
    submitted = funded_proposal(region=banjar, status=S.SUBMITTED)
    draft = funded_proposal(region=banjar, status=S.DRAFT, number="USL-2027-63.03-0999")

    with pytest.raises(BulkRefusal) as refused:
        proposal_move_bulk(user=verifier, event=Event.VERIFY, moves=[ProposalMove(submitted), ProposalMove(draft)])

    assert refused.value.problems == [("USL-2027-63.03-0999", "Usulan berstatus Draf tidak dapat diverifikasi.")]
    assert state(submitted) == (S.SUBMITTED, 1)
    assert not AuditEntry.objects.exists()


def test_submit_needs_money_and_return_needs_a_note(operator_banjar, verifier, banjar):
    unfunded = ProposalFactory(region=banjar)
    ProposalFunding.objects.create(proposal=unfunded, scheme=funded_proposal().funding_lines.get().scheme, amount=0)
    submitted = funded_proposal(region=banjar, status=S.SUBMITTED)

    with pytest.raises(BulkRefusal, match="minimal satu sumber dana"):
        proposal_move_bulk(user=operator_banjar, event=Event.SUBMIT, moves=[ProposalMove(unfunded)])
    with pytest.raises(BulkRefusal, match="Catatan pengembalian wajib diisi"):
        proposal_move_bulk(user=verifier, event=Event.RETURN, moves=[ProposalMove(submitted, note="  ")])

    assert state(unfunded)[0] == S.DRAFT
    assert state(submitted)[0] == S.SUBMITTED


def test_a_stale_instance_or_a_proposal_named_twice_is_refused(verifier, banjar):
    proposal = funded_proposal(region=banjar, status=S.SUBMITTED)
    stale = Proposal.objects.get(pk=proposal.pk)
    services.proposal_verify(proposal=proposal, user=verifier)

    with pytest.raises(BulkRefusal, match="tidak dapat diverifikasi"):
        proposal_move_bulk(user=verifier, event=Event.VERIFY, moves=[ProposalMove(stale)])
    other = funded_proposal(region=banjar, status=S.SUBMITTED)
    with pytest.raises(BulkRefusal, match="disebut dua kali"):
        proposal_move_bulk(user=verifier, event=Event.VERIFY, moves=[ProposalMove(other), ProposalMove(other)])
    assert state(other) == (S.SUBMITTED, 1)


def test_a_decision_names_its_status(secretary, banjar):
    verified = funded_proposal(region=banjar, status=S.VERIFIED, amount=1)

    with pytest.raises(BulkRefusal, match="tidak dapat menjadi Draf"):
        proposal_move_bulk(user=secretary, event=Event.DECIDE, moves=[ProposalMove(verified, target=S.DRAFT)])
    assert verified.funding_lines.get().amount == Decimal(1)
    assert state(verified)[0] == S.VERIFIED
