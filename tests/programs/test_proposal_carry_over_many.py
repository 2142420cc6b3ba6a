"""`proposal_carry_over_many`: deferred proposals into next year's drafts, as `proposal_carry_over` makes them."""

from decimal import Decimal

import pytest

from programs import services
from programs.models import Proposal
from programs.services import BulkRefusal, proposal_carry_over_many
from rakornis.models import AuditEntry
from tests.factories import FundingSchemeFactory, ProposalFundingFactory, funded_proposal

pytestmark = pytest.mark.django_db
S = Proposal.Status


def deferred(agency, number: str) -> Proposal:
    proposal = funded_proposal(
        region=agency.region,
        agency=agency,
        status=S.DEFERRED,
        number=number,
        forward_amount=Decimal(100),
        amount=2_000_000_000,
    )
    ProposalFundingFactory(proposal=proposal, scheme=FundingSchemeFactory(code="BKP"), amount=Decimal(5))
    return proposal


def read(proposal: Proposal) -> tuple:
    """A copy as a user reads it (its number aside): fields, funding and history."""
    lines = sorted((line.scheme.code, line.amount) for line in proposal.funding_lines.all())
    trail = [
        (e.action, e.user_id, {k: v for k, v in e.changes.items() if k != "name"}, e.note.split(" ")[0])
        for e in AuditEntry.objects.for_object(proposal).order_by("pk")
    ]
    fields = (proposal.fiscal_year, proposal.status, proposal.region_id, proposal.forward_amount, proposal.version)
    return fields, lines, trail


def test_copies_are_what_proposal_carry_over_makes(planner, pupr_banjar, pupr_tapin):
    alone = deferred(pupr_banjar, "USL-2027-63.03-0001")
    first, second = deferred(pupr_banjar, "USL-2027-63.03-0002"), deferred(pupr_tapin, "USL-2027-63.05-0001")
    copy_alone = services.proposal_carry_over(proposal=alone, user=planner)

    copies = proposal_carry_over_many(proposals=[first, second], user=planner)

    assert [copy.number for copy in copies] == ["USL-2028-63.03-0002", "USL-2028-63.05-0001"]
    assert [copy.carried_over_from for copy in Proposal.objects.filter(pk__in=[c.pk for c in copies])] == [
        first,
        second,
    ]
    assert read(copies[0]) == read(copy_alone)
    assert read(first)[2] == read(alone)[2]
    assert AuditEntry.objects.for_object(first).first().note == "Dilanjutkan ke TA 2028 sebagai USL-2028-63.03-0002."
    assert AuditEntry.objects.for_object(copies[1]).get().note == "Lanjutan dari USL-2027-63.05-0001 (TA 2027)."


def test_refuses_a_proposal_not_deferred_or_already_carried_over_and_writes_nothing(planner, pupr_banjar, banjar):
    done = deferred(pupr_banjar, "USL-2027-63.03-0001")
    earlier = services.proposal_carry_over(proposal=done, user=planner)
    agreed = funded_proposal(region=banjar, status=S.AGREED, number="USL-2027-63.03-0002")
    waiting = deferred(pupr_banjar, "USL-2027-63.03-0003")
    entries = AuditEntry.objects.count()

    with pytest.raises(BulkRefusal) as refused:
        proposal_carry_over_many(proposals=[waiting, done, agreed], user=planner)

    assert refused.value.problems == [
        ("USL-2027-63.03-0001", f"Usulan USL-2027-63.03-0001 sudah dilanjutkan menjadi {earlier.number}."),
        (
            "USL-2027-63.03-0002",
            "Usulan USL-2027-63.03-0002 berstatus Disepakati; "
            "hanya usulan Ditangguhkan yang dapat dilanjutkan ke tahun berikutnya.",
        ),
    ]
    assert not waiting.carried_over_to.exists()
    assert Proposal.objects.filter(fiscal_year=2028).count() == 1
    assert AuditEntry.objects.count() == entries
