"""`decision_record_bulk`: many first decisions of an open meeting, as `decision_record` records each."""

from decimal import Decimal
from typing import Any

import pytest

from meetings.models import Decision
from meetings.services import DecisionInput, MeetingError, decision_record, decision_record_bulk, meeting_close
from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory, verified_proposal

pytestmark = pytest.mark.django_db
S = Proposal.Status
O = Decision.Outcome  # noqa: E741


@pytest.fixture
def twins(banjar, pupr_banjar, schemes):
    """Three verified proposals alike but for their numbers."""
    return [
        verified_proposal(
            banjar,
            pupr_banjar,
            {"APBD_KAB": 1_500_000_000, "BKP": 500_000_000},
            number=f"USL-2027-63.03-000{n}",
            name="Rehabilitasi Jalan Ruas Martapura - Astambul",
        )
        for n in (1, 2, 3)
    ]


def read(decision: Decision) -> tuple[Any, ...]:
    """A decision and its proposal as the meeting page and the history show them, numbers left out."""
    decision.refresh_from_db()
    proposal = decision.proposal
    lines = sorted((line.scheme.code, line.amount) for line in decision.funding_lines.all())
    fields = (decision.outcome, decision.agreed_volume, decision.executing_agency, decision.reason, decision.decided_by)
    trails = [
        [(e.action, e.user, e.changes, e.note) for e in AuditEntry.objects.for_object(obj).order_by("pk")]
        for obj in (decision, proposal)
    ]
    return fields, lines, (proposal.status, proposal.version), trails


ITEMS: list[dict[str, Any]] = [
    {"outcome": O.AGREED},
    {"outcome": O.AGREED_WITH_CHANGES, "agreed_volume": Decimal("1.5"), "reason": "Volume disesuaikan."},
    {"outcome": O.DEFERRED, "reason": "DED belum siap."},
    {"outcome": O.REJECTED, "reason": "Tumpang tindih dengan APBN."},
]


@pytest.mark.parametrize("item", ITEMS, ids=[item["outcome"] for item in ITEMS])
def test_records_what_decision_record_records(meeting, secretary, schemes, twins, item):
    alone, first, second = twins
    if item["outcome"] == O.AGREED_WITH_CHANGES:
        item = {**item, "funding": {schemes["APBD_KAB"]: Decimal(1_000_000_000)}}
    decision_record(meeting=meeting, proposal=alone, user=secretary, **item)

    decisions = decision_record_bulk(
        meeting=meeting, user=secretary, items=[DecisionInput(first, **item), DecisionInput(second, **item)]
    )

    expected = read(Decision.objects.get(proposal=alone))
    assert read(decisions[0]) == read(decisions[1]) == expected
    assert expected[2][0] == Decision.PROPOSAL_STATUS[item["outcome"]]


def test_merged_into_another_proposal_of_the_batch(meeting, secretary, twins):
    target, merged, _ = twins

    decision_record_bulk(
        meeting=meeting,
        user=secretary,
        items=[
            DecisionInput(target, O.AGREED),
            DecisionInput(merged, O.MERGED, merged_into=target, reason="Satu paket pekerjaan."),
        ],
    )

    merged.refresh_from_db()
    assert merged.status == S.MERGED
    assert Decision.objects.get(proposal=merged).merged_into == target


def test_any_refusal_refuses_the_batch_with_every_reason(meeting, secretary, twins, banjar, pupr_banjar):
    target, merged, deferred_ = twins
    draft = ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-0009")

    with pytest.raises(MeetingError) as refused:
        decision_record_bulk(
            meeting=meeting,
            user=secretary,
            items=[
                DecisionInput(target, O.REJECTED, reason="Tidak sesuai prioritas."),
                DecisionInput(merged, O.MERGED, merged_into=target),
                DecisionInput(deferred_, O.DEFERRED),
                DecisionInput(draft, O.AGREED),
            ],
        )

    message = str(refused.value)
    assert "Usulan tujuan USL-2027-63.03-0001 sudah ditolak" in message
    assert "Alasan wajib diisi" in message
    assert "USL-2027-63.03-0009 berstatus draf" in message
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.exists()
    assert {p.status for p in Proposal.objects.filter(pk__in=[t.pk for t in twins])} == {S.VERIFIED}


def test_a_closed_meeting_or_a_second_decision_is_refused(meeting, secretary, twins):
    first, second, _ = twins
    decision_record(meeting=meeting, proposal=first, outcome=O.AGREED, user=secretary)
    with pytest.raises(MeetingError, match="sekali lagi"):
        decision_record_bulk(meeting=meeting, user=secretary, items=[DecisionInput(first, O.REJECTED, reason="x")])

    meeting_close(meeting=meeting, user=secretary)
    with pytest.raises(MeetingError, match="sudah ditutup"):
        decision_record_bulk(meeting=meeting, user=secretary, items=[DecisionInput(second, O.AGREED)])
    assert Decision.objects.count() == 1


def test_a_merge_target_outside_the_secretarys_region_is_not_found(meeting, secretary_banjar, twins, tapin_proposal):
    with pytest.raises(MeetingError, match="tidak ditemukan di wilayah Anda"):
        decision_record_bulk(
            meeting=meeting,
            user=secretary_banjar,
            items=[DecisionInput(twins[0], O.MERGED, merged_into=tapin_proposal, reason="Satu paket.")],
        )
