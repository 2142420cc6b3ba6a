from decimal import Decimal

import pytest

from programs import services
from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import FundingSchemeFactory, ProposalFactory, funded_proposal, sub_activity

pytestmark = pytest.mark.django_db


def test_number_format():
    assert Proposal.format_number(2027, "63.03", 1) == "USL-2027-63.03-0001"


def create(user, region, agency, **overrides):
    data = {
        "fiscal_year": 2027,
        "region": region,
        "agency": agency,
        "sub_activity": sub_activity(),
        "name": "Rehabilitasi Jalan Desa",
        "volume": Decimal("1.2"),
        "unit": "km",
        **overrides,
    }
    return services.proposal_create(
        user=user, data=data, funding=[(FundingSchemeFactory(code="APBD_KAB"), Decimal(750_000_000))]
    )


def test_create_numbers_continue_after_existing_ones(operator_banjar, banjar, pupr_banjar):
    ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0041")
    proposal = create(operator_banjar, banjar, pupr_banjar)
    assert proposal.number == "USL-2027-63.03-0042"


def test_numbers_past_9999_keep_counting(operator_banjar, banjar, pupr_banjar):
    ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-9999")
    ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-10000")
    assert create(operator_banjar, banjar, pupr_banjar).number == "USL-2027-63.03-10001"


def test_update_refuses_a_stale_version_and_names_who_saved(operator_banjar, superuser, banjar, pupr_banjar):
    proposal = create(operator_banjar, banjar, pupr_banjar)
    lines = [(FundingSchemeFactory(code="APBD_KAB"), Decimal(1))]
    services.proposal_update(proposal=proposal, user=superuser, data={"name": "Pertama"}, funding=lines, version=1)
    with pytest.raises(services.ProposalConflict) as caught:
        services.proposal_update(
            proposal=proposal, user=operator_banjar, data={"name": "Kedua"}, funding=lines, version=1
        )
    assert "admin" in str(caught.value)
    proposal.refresh_from_db()
    assert proposal.name == "Pertama"
    assert proposal.version == 2


def test_update_refuses_a_submitted_proposal(operator_banjar, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    with pytest.raises(services.TransitionError):
        services.proposal_update(proposal=proposal, user=operator_banjar, data={"name": "x"}, funding=[], version=1)
    proposal.refresh_from_db()
    assert proposal.name != "x"


def test_transitions_bump_the_version_so_an_open_form_cannot_overwrite(operator_banjar, verifier, banjar):
    proposal = funded_proposal(region=banjar)
    services.proposal_submit(proposal=proposal, user=operator_banjar)
    services.proposal_return(proposal=proposal, user=verifier, note="Perbaiki volume")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.RETURNED
    assert proposal.version == 3
    with pytest.raises(services.ProposalConflict):
        services.proposal_update(proposal=proposal, user=operator_banjar, data={"name": "x"}, funding=[], version=1)


def test_whole_life_is_audited_in_order(operator_banjar, verifier, banjar):
    proposal = funded_proposal(region=banjar)
    services.proposal_submit(proposal=proposal, user=operator_banjar)
    services.proposal_withdraw(proposal=proposal, user=operator_banjar)
    services.proposal_submit(proposal=proposal, user=operator_banjar)
    services.proposal_verify(proposal=proposal, user=verifier)
    entries = AuditEntry.objects.for_object(proposal).order_by("at", "pk")
    assert [(entry.action, entry.changes["status"]) for entry in entries] == [
        ("submitted", ["draft", "submitted"]),
        ("withdrawn", ["submitted", "draft"]),
        ("submitted", ["draft", "submitted"]),
        ("verified", ["submitted", "verified"]),
    ]
    with pytest.raises(services.TransitionError, match="tidak dapat ditarik"):
        services.proposal_withdraw(proposal=proposal, user=operator_banjar)


def test_return_requires_a_note(verifier, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    with pytest.raises(services.TransitionError, match="wajib diisi"):
        services.proposal_return(proposal=proposal, user=verifier, note="  ")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


def test_a_stale_instance_cannot_pass_a_transition_twice(operator_banjar, verifier, banjar):
    # Two clicks load the same row; the lock and the re-read status let only the first through.
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    stale = Proposal.objects.get(pk=proposal.pk)
    services.proposal_verify(proposal=proposal, user=verifier)
    with pytest.raises(services.TransitionError):
        services.proposal_verify(proposal=stale, user=verifier)
    assert AuditEntry.objects.for_object(proposal).count() == 1
