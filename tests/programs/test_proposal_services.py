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


# One write path: numbering, renumbering, funding, bulk ------------------------------------------------------------


def test_a_draft_moved_to_another_year_gets_the_next_number_of_that_year(operator_banjar, banjar, pupr_banjar):
    ProposalFactory(region=banjar, agency=pupr_banjar, fiscal_year=2028, number="USL-2028-63.03-0007")
    proposal = create(operator_banjar, banjar, pupr_banjar)
    assert proposal.number == "USL-2027-63.03-0001"
    lines = [(FundingSchemeFactory(code="APBD_KAB"), Decimal(750_000_000))]
    services.proposal_update(
        proposal=proposal, user=operator_banjar, data={"fiscal_year": 2028}, funding=lines, version=1
    )
    proposal.refresh_from_db()
    assert (proposal.fiscal_year, proposal.number) == (2028, "USL-2028-63.03-0008")
    entry = AuditEntry.objects.for_object(proposal).filter(action=AuditEntry.Action.CHANGED).get()
    assert entry.changes["number"] == ["USL-2027-63.03-0001", "USL-2028-63.03-0008"]
    assert entry.changes["fiscal_year"] == [2027, 2028]


def test_a_returned_proposal_cannot_move_to_another_year(operator_banjar, banjar, pupr_banjar):
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.RETURNED)
    lines = [(FundingSchemeFactory(code="APBD_KAB"), Decimal(1_500_000_000))]
    with pytest.raises(services.TransitionError, match="sudah pernah diajukan"):
        services.proposal_update(
            proposal=proposal, user=operator_banjar, data={"fiscal_year": 2028}, funding=lines, version=1
        )
    proposal.refresh_from_db()
    assert proposal.fiscal_year == 2027
    assert not AuditEntry.objects.for_object(proposal).exists()


def test_a_zero_amount_line_is_not_stored(operator_banjar, banjar, pupr_banjar):
    apbd, bkp = FundingSchemeFactory(code="APBD_KAB"), FundingSchemeFactory(code="BKP")
    proposal = services.proposal_create(
        user=operator_banjar,
        data={
            "fiscal_year": 2027,
            "region": banjar,
            "agency": pupr_banjar,
            "sub_activity": sub_activity(),
            "name": "Jalan",
            "volume": Decimal(1),
            "unit": "km",
        },
        funding=[(apbd, Decimal(5)), (bkp, Decimal(0))],
    )
    assert {line.scheme.code: line.amount for line in proposal.funding_lines.all()} == {"APBD_KAB": Decimal(5)}


def test_bulk_create_numbers_each_series_in_input_order(operator_banjar, banjar, tapin, pupr_banjar, pupr_tapin):
    scheme = FundingSchemeFactory(code="APBD_KAB")
    ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0003")

    def item(region, agency, name):
        data = {
            "fiscal_year": 2027,
            "region": region,
            "agency": agency,
            "sub_activity": sub_activity(),
            "name": name,
            "volume": Decimal(1),
            "unit": "km",
        }
        return services.ProposalInput(data=data, funding={scheme.pk: Decimal(10)}, note=f"baris {name}")

    created = services.proposal_create_bulk(
        user=operator_banjar,
        inputs=[item(banjar, pupr_banjar, "a"), item(tapin, pupr_tapin, "b"), item(banjar, pupr_banjar, "c")],
    )
    assert [p.number for p in created] == ["USL-2027-63.03-0004", "USL-2027-63.05-0001", "USL-2027-63.03-0005"]
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORTED).order_by("object_id")
    assert [e.note for e in entries] == ["baris a", "baris b", "baris c"]
    assert all(e.changes["funding"] == [None, {"APBD_KAB": "10"}] for e in entries)


def test_bulk_update_refuses_the_whole_batch_when_one_changed_meanwhile(operator_banjar, banjar, pupr_banjar):
    first, second = create(operator_banjar, banjar, pupr_banjar), create(operator_banjar, banjar, pupr_banjar)
    scheme = FundingSchemeFactory(code="APBD_KAB")
    updates = [
        services.ProposalUpdate(first.pk, 1, {"name": "Baru 1"}, {scheme.pk: Decimal(1)}, label="baris 2"),
        services.ProposalUpdate(second.pk, 0, {"name": "Baru 2"}, {scheme.pk: Decimal(1)}, label="baris 3"),
    ]
    with pytest.raises(services.BulkRefusal) as caught:
        services.proposal_update_bulk(user=operator_banjar, updates=updates)
    assert [label for label, _ in caught.value.problems] == ["baris 3"]
    assert set(Proposal.objects.values_list("name", flat=True)) == {"Rehabilitasi Jalan Desa"}
