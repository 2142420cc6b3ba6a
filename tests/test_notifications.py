"""Who is told of each event of a proposal (programs.notifications.notify, fired by the services that perform it):
the right people, never the actor, never another kabupaten/kota; muted kinds respected; email only with a relay;
a bulk event leaves a bounded number of rows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from meetings.models import Decision
from meetings.services import DecisionInput, decision_record, decision_record_bulk
from programs import services
from programs.models import Notification, NotificationPreference, Proposal
from programs.notifications import SUMMARY_AFTER
from programs.services.comments import comment_add
from rakornis.actions import Action
from tests.factories import AgendaItemFactory, MeetingFactory, funded_proposal, verified_proposal

pytestmark = pytest.mark.django_db
Kind = Notification.Kind
WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture
def people(operator_banjar, operator_tapin, verifier, verifier_banjar, planner, secretary, viewer, superuser):
    return {
        "operator_banjar": operator_banjar,
        "operator_tapin": operator_tapin,
        "verifier": verifier,
        "verifier_banjar": verifier_banjar,
        "planner": planner,
        "secretary": secretary,
        "viewer": viewer,
        "superuser": superuser,
    }


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def banjar_proposal(banjar, pupr_banjar, status=Proposal.Status.DRAFT, **kwargs) -> Proposal:
    return funded_proposal(region=banjar, agency=pupr_banjar, status=status, **kwargs)


def test_a_submission_tells_the_verifiers_of_the_kabupaten_only(people, banjar, pupr_banjar):
    proposal = banjar_proposal(banjar, pupr_banjar, name="Jalan Martapura - Astambul")

    services.proposal_submit(proposal=proposal, user=people["operator_banjar"])

    assert told(Kind.SUBMITTED) == {"verifikator.pupr", "verifikator.banjar"}
    notification = Notification.objects.get(recipient=people["verifier"])
    assert notification.proposal == proposal
    assert (
        notification.text
        == f"Usulan {proposal.number} \u2014 Jalan Martapura - Astambul diajukan oleh operator.banjar."
    )
    assert notification.read_at is None


def test_a_return_tells_the_operators_with_the_note_and_not_the_verifier(people, banjar, pupr_banjar):
    proposal = banjar_proposal(banjar, pupr_banjar, Proposal.Status.SUBMITTED)

    services.proposal_return(proposal=proposal, user=people["verifier"], note="Lampirkan DED ruas jalan.")

    assert told(Kind.RETURNED) == {"operator.banjar"}
    assert Notification.objects.get().text.endswith(
        "dikembalikan oleh verifikator.pupr. Catatan: Lampirkan DED ruas jalan."
    )


def test_the_creator_is_told_while_they_still_see_the_proposal(people, planner_banjar, banjar, pupr_banjar):
    from tests.factories import UserFactory

    former = UserFactory(username="operator.lama")  # created one proposal, holds no role any more
    gone = banjar_proposal(banjar, pupr_banjar, Proposal.Status.SUBMITTED, created_by=former)
    # A planner of Banjar is no operator, but created the other one and sees it.
    kept = banjar_proposal(banjar, pupr_banjar, Proposal.Status.SUBMITTED, created_by=planner_banjar)

    services.proposal_verify(proposal=gone, user=people["verifier"])
    services.proposal_verify(proposal=kept, user=people["verifier"])

    rows = Notification.objects.filter(kind=Kind.VERIFIED)
    assert sorted(rows.filter(proposal=gone).values_list("recipient__username", flat=True)) == ["operator.banjar"]
    assert sorted(rows.filter(proposal=kept).values_list("recipient__username", flat=True)) == [
        "operator.banjar",
        "perencana.banjar",
    ]


def test_a_refused_event_tells_nobody(people, banjar, pupr_banjar):
    proposal = banjar_proposal(banjar, pupr_banjar, Proposal.Status.DRAFT)

    with pytest.raises(services.TransitionError):
        services.proposal_verify(proposal=proposal, user=people["verifier"])

    assert not Notification.objects.exists()


def _meeting(pupr_kalsel):
    return MeetingFactory(
        title="Rakornis Dinas PUPR Kalsel 2026",
        organiser=pupr_kalsel,
        starts_at=datetime(2026, 1, 29, 9, 0, tzinfo=WITA),
        ends_at=datetime(2026, 1, 29, 16, 0, tzinfo=WITA),
        fiscal_year=2027,
    )


def test_a_decision_tells_the_operators_and_links_the_meeting(people, banjar, pupr_banjar, pupr_kalsel):
    meeting = _meeting(pupr_kalsel)
    proposal = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000})
    AgendaItemFactory(meeting=meeting, proposal=proposal)

    decision_record(
        meeting=meeting,
        proposal=proposal,
        outcome=Decision.Outcome.DEFERRED,
        reason="Lahan belum bebas.",
        user=people["secretary"],
    )

    (notification,) = Notification.objects.filter(kind=Kind.DECIDED)
    assert notification.recipient == people["operator_banjar"]
    assert notification.meeting == meeting and notification.proposal == proposal
    assert "Ditangguhkan dalam Rakornis Dinas PUPR Kalsel 2026" in notification.text
    assert "Lahan belum bebas." in notification.text


def test_a_batch_of_decisions_tells_each_operator_once_per_proposal(people, banjar, pupr_banjar, pupr_kalsel):
    meeting = _meeting(pupr_kalsel)
    proposals = [verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_000_000}) for _ in range(3)]

    decision_record_bulk(
        meeting=meeting,
        items=[DecisionInput(proposal, Decision.Outcome.AGREED) for proposal in proposals],
        user=people["secretary"],
    )

    rows = Notification.objects.filter(kind=Kind.DECIDED)
    assert {row.proposal_id for row in rows} == {proposal.pk for proposal in proposals}
    assert told(Kind.DECIDED) == {"operator.banjar"}


def test_a_carry_over_by_the_planner_tells_the_operators_of_the_new_draft(people, banjar, pupr_banjar):
    proposal = banjar_proposal(banjar, pupr_banjar, Proposal.Status.DEFERRED)

    copy = services.proposal_carry_over(proposal=proposal, user=people["planner"])

    (notification,) = Notification.objects.filter(kind=Kind.CARRIED_OVER)
    assert notification.recipient == people["operator_banjar"]
    assert notification.proposal == copy
    assert f"Lanjutan dari {proposal.number} (TA 2027)." in notification.text


def test_a_comment_tells_the_other_side_and_earlier_writers_not_the_viewer(people, banjar, pupr_banjar):
    proposal = banjar_proposal(banjar, pupr_banjar, Proposal.Status.RETURNED)
    comment_add(proposal=proposal, user=people["planner"], text="Mohon cek juga kesesuaian RTRW.")
    assert told(Kind.COMMENTED) == {"operator.banjar", "verifikator.pupr", "verifikator.banjar"}
    Notification.objects.all().delete()

    comment_add(proposal=proposal, user=people["operator_banjar"], text="DED sudah kami lampirkan <b>hari ini</b>.")

    # The planner wrote before; the operator is the writer; the viewer and Tapin are never told.
    assert told(Kind.COMMENTED) == {"perencana.pupr", "verifikator.pupr", "verifikator.banjar"}
    text = Notification.objects.filter(kind=Kind.COMMENTED).first().text
    assert text.startswith(f"operator.banjar menulis pada usulan {proposal.number}")
    assert text.endswith("DED sudah kami lampirkan <b>hari ini</b>.")  # kept as typed; escaped when shown


def test_a_muted_kind_is_not_written(people, banjar, pupr_banjar):
    NotificationPreference.objects.create(user=people["verifier"], kind=Kind.SUBMITTED, in_app=False)
    NotificationPreference.objects.create(user=people["verifier_banjar"], kind=Kind.RETURNED, in_app=False)

    services.proposal_submit(proposal=banjar_proposal(banjar, pupr_banjar), user=people["operator_banjar"])

    assert told(Kind.SUBMITTED) == {"verifikator.banjar"}  # muted returns only, not submissions


@pytest.fixture
def with_addresses(people):
    for user in people.values():
        user.email = f"{user.username}@kalselprov.go.id"
        user.save(update_fields=["email"])
    return people


def test_email_is_sent_by_the_task_after_commit_where_a_relay_is_configured(
    settings, with_addresses, banjar, pupr_banjar, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_EMAILS = True
    NotificationPreference.objects.create(user=with_addresses["verifier_banjar"], kind=Kind.SUBMITTED, email=False)
    proposal = banjar_proposal(banjar, pupr_banjar)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.proposal_submit(proposal=proposal, user=with_addresses["operator_banjar"])
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()

    assert [message.to for message in mail.outbox] == [["verifikator.pupr@kalselprov.go.id"]]
    assert mail.outbox[0].subject == "Rakornis: Usulan diajukan"
    assert proposal.number in mail.outbox[0].body
    # Muted by email only: still told in the application.
    assert told(Kind.SUBMITTED) == {"verifikator.pupr", "verifikator.banjar"}


def test_no_email_without_a_relay(settings, with_addresses, banjar, pupr_banjar, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_EMAILS = False

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.proposal_submit(proposal=banjar_proposal(banjar, pupr_banjar), user=with_addresses["operator_banjar"])

    assert callbacks == []
    assert mail.outbox == []
    assert told(Kind.SUBMITTED) == {"verifikator.pupr", "verifikator.banjar"}


def test_a_bulk_verification_of_1000_proposals_leaves_one_summary_per_person(people, banjar, pupr_banjar):
    from tests.factories import ProposalFactory, StaffRoleFactory, UserFactory

    second = UserFactory(username="operator.banjar.2")
    StaffRoleFactory(user=second, agency=pupr_banjar, role="operator")
    proposals = ProposalFactory.create_batch(1000, region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    moves = [services.ProposalMove(proposal) for proposal in proposals]

    services.proposal_move_bulk(user=people["verifier"], event=Action.VERIFY, moves=moves)

    rows = list(Notification.objects.filter(kind=Kind.VERIFIED))
    assert sorted(row.recipient.username for row in rows) == ["operator.banjar", "operator.banjar.2"]
    assert {row.count for row in rows} == {1000} and {row.proposal_id for row in rows} == {None}
    assert rows[0].text.startswith("1.000 usulan diverifikasi oleh verifikator.pupr, antara lain ")
    assert rows[0].get_absolute_url() == "/usulan/?status=verified"


def test_up_to_the_summary_threshold_each_proposal_has_its_own_row(people, banjar, pupr_banjar):
    proposals = [banjar_proposal(banjar, pupr_banjar, Proposal.Status.SUBMITTED) for _ in range(SUMMARY_AFTER)]
    moves = [services.ProposalMove(proposal, note="Lengkapi RAB.") for proposal in proposals]

    services.proposal_move_bulk(user=people["verifier"], event=Action.RETURN, moves=moves)

    assert Notification.objects.filter(recipient=people["operator_banjar"], count=1).count() == SUMMARY_AFTER
