"""The proposal summary (`programs.summary`) equals a recomputation from scratch after every kind of write, each
made through the service a user's action goes through; a write that forgot to refresh it fails here."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from meetings.models import Decision
from meetings.services import DecisionInput, decision_record, decision_record_bulk, meeting_update
from programs import services, summary
from programs.models import Proposal, ProposalSummary
from programs.services import ProposalInput, ProposalUpdate
from tests.factories import (
    AgencyFactory,
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    sub_activity,
)

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")


def data(region, agency, **overrides):
    return {
        "fiscal_year": 2027,
        "region": region,
        "agency": agency,
        "sub_activity": sub_activity(),
        "name": "Rehabilitasi Jalan Desa",
        "volume": Decimal("1.2"),
        "unit": "km",
        **overrides,
    }


class World:
    """Proposals of Banjar and Tapin in several statuses, written through the services, and two meetings."""

    def __init__(self, *, operator, verifier, secretary, planner, banjar, tapin, pupr_banjar, pupr_tapin, kalsel):
        self.operator, self.verifier, self.secretary, self.planner = operator, verifier, secretary, planner
        self.banjar, self.pupr_banjar, self.pupr_tapin = banjar, pupr_banjar, pupr_tapin
        self.other_agency = AgencyFactory(short_name="Disperkim Banjar", region=banjar)
        self.kab = FundingSchemeFactory(code="APBD_KAB", order=1)
        self.prov = FundingSchemeFactory(code="APBD_PROV", order=0)
        self.bkp = FundingSchemeFactory(code="BKP", order=2)
        self.meeting = MeetingFactory(
            organiser=kalsel, fiscal_year=2027, starts_at=datetime(2026, 3, 2, 9, tzinfo=WITA)
        )

        def new(region, agency, funding, **overrides):
            return services.proposal_create(user=operator, data=data(region, agency, **overrides), funding=funding)

        two_lines = {self.kab: Decimal(400_000_000), self.bkp: Decimal(100_000_000)}
        self.draft = new(banjar, pupr_banjar, two_lines, name="Draf dua skema")
        # Without funding lines: the admin deletes only those (it may not delete the lines, read-only there).
        self.bare = new(banjar, self.other_agency, {}, name="Draf tanpa pagu")
        self.submitted = new(banjar, pupr_banjar, {self.kab: Decimal(22_000_000)})
        self.verified = new(banjar, pupr_banjar, {self.prov: Decimal(44_000_000)})
        self.verified_too = new(tapin, pupr_tapin, {self.bkp: Decimal(55_000_000)})
        self.agreed = new(banjar, pupr_banjar, {self.prov: Decimal(1_000_000_000)})
        self.deferred = new(banjar, pupr_banjar, {self.kab: Decimal(600_000_000)})
        for proposal in [self.submitted, self.verified, self.verified_too, self.agreed, self.deferred]:
            services.proposal_submit(proposal=proposal, user=operator)
        for proposal in [self.verified, self.verified_too, self.agreed, self.deferred]:
            services.proposal_verify(proposal=proposal, user=verifier)
        decision_record(meeting=self.meeting, proposal=self.agreed, outcome=Decision.Outcome.AGREED, user=secretary)
        decision_record(
            meeting=self.meeting,
            proposal=self.deferred,
            outcome=Decision.Outcome.DEFERRED,
            reason="Menunggu DED",
            user=secretary,
        )
        for proposal in [self.draft, self.submitted, self.verified, self.verified_too, self.agreed, self.deferred]:
            proposal.refresh_from_db()
        # An earlier meeting of the same year that agreed a different amount: the later one decides, until a
        # change of dates makes it the earlier one. Written as an old database would hold it.
        self.early = MeetingFactory(organiser=kalsel, fiscal_year=2027, starts_at=datetime(2026, 1, 29, 9, tzinfo=WITA))
        early = DecisionFactory(meeting=self.early, proposal=self.agreed, outcome=Decision.Outcome.AGREED_WITH_CHANGES)
        DecisionFundingFactory(decision=early, scheme=self.bkp, amount=Decimal(700_000_000))
        summary.summary_rebuild()


@pytest.fixture
def world(operator_banjar, verifier, secretary, planner, banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    return World(
        operator=operator_banjar,
        verifier=verifier,
        secretary=secretary,
        planner=planner,
        banjar=banjar,
        tapin=tapin,
        pupr_banjar=pupr_banjar,
        pupr_tapin=pupr_tapin,
        kalsel=pupr_kalsel,
    )


def _update(w: World, proposal: Proposal, funding=None, **changes):
    funding = funding if funding is not None else {line.scheme: line.amount for line in proposal.funding_lines.all()}
    services.proposal_update(
        proposal=proposal, user=w.operator, data=changes, funding=funding, version=proposal.version
    )


def create(w: World, client):
    services.proposal_create(user=w.operator, data=data(w.banjar, w.pupr_banjar), funding={w.bkp: Decimal(9)})


def update_funding(w: World, client):
    _update(w, w.draft, funding={w.kab: Decimal(450_000_000), w.prov: Decimal(5)})


def update_agency(w: World, client):
    _update(w, w.draft, agency=w.other_agency)


def update_year(w: World, client):
    _update(w, w.draft, fiscal_year=2028)


def import_create(w: World, client):
    services.proposal_create_bulk(
        user=w.operator,
        inputs=[ProposalInput(data=data(w.banjar, w.pupr_banjar), funding={w.kab: Decimal(n)}) for n in (1, 2, 3)],
    )


def import_update(w: World, client):
    services.proposal_update_bulk(
        user=w.operator,
        updates=[
            ProposalUpdate(
                proposal_id=w.draft.pk,
                version=w.draft.version,
                data={"agency": w.other_agency},
                funding={w.kab: Decimal(1)},
            )
        ],
    )


def submit(w: World, client):
    services.proposal_submit(proposal=w.draft, user=w.operator)


def withdraw(w: World, client):
    services.proposal_withdraw(proposal=w.submitted, user=w.operator)


def return_(w: World, client):
    services.proposal_return(proposal=w.submitted, user=w.verifier, note="Lengkapi DED")


def verify(w: World, client):
    services.proposal_verify(proposal=w.submitted, user=w.verifier)


def decide(w: World, client):
    decision_record(
        meeting=w.meeting,
        proposal=w.verified,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={w.prov: Decimal(30_000_000), w.kab: Decimal(10_000_000)},
        user=w.secretary,
    )


def decide_bulk(w: World, client):
    decision_record_bulk(
        meeting=w.meeting,
        items=[
            DecisionInput(w.verified, Decision.Outcome.AGREED),
            DecisionInput(w.verified_too, Decision.Outcome.REJECTED, reason="Bukan kewenangan"),
        ],
        user=w.secretary,
    )


def correct_decision(w: World, client):
    decision_record(
        meeting=w.meeting,
        proposal=w.agreed,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={w.prov: Decimal(800_000_000)},
        user=w.secretary,
    )


def meeting_dates(w: World, client):
    """The early meeting moved after the other one: its decision now decides."""
    meeting_update(
        meeting=w.early,
        values={"starts_at": datetime(2026, 4, 1, 9, tzinfo=WITA), "ends_at": datetime(2026, 4, 1, 15, tzinfo=WITA)},
        user=w.secretary,
    )


def carry_over(w: World, client):
    services.proposal_carry_over(proposal=w.deferred, user=w.planner)


def carry_over_many(w: World, client):
    services.proposal_carry_over_many(proposals=[w.deferred], user=w.planner)


def admin_delete(w: World, client):
    response = client.post(reverse("admin:programs_proposal_delete", args=[w.bare.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Proposal.objects.filter(pk=w.bare.pk).exists()


def delete_bulk(w: World, client):
    services.proposal_delete_bulk(proposals=[w.draft, w.bare], user=w.operator)


WRITES = [
    create,
    update_funding,
    update_agency,
    update_year,
    import_create,
    import_update,
    submit,
    withdraw,
    return_,
    verify,
    decide,
    decide_bulk,
    correct_decision,
    meeting_dates,
    carry_over,
    carry_over_many,
    admin_delete,
    delete_bulk,
]


@pytest.mark.parametrize("write", WRITES, ids=[write.__name__ for write in WRITES])
def test_the_summary_equals_a_recomputation_after_each_write(world, write, client, superuser):
    assert summary.summary_differences() == []
    before = summary.summary_stored()
    client.force_login(superuser)
    write(world, client)
    after = summary.summary_stored()
    # Every write here changes what the summary must hold: a service that forgot to refresh leaves it as it was.
    assert after != before
    assert summary.summary_differences() == []


def test_a_write_that_fails_leaves_the_summary_as_it_was(world):
    before = summary.summary_stored()
    with pytest.raises(services.TransitionError):
        services.proposal_verify(proposal=world.draft, user=world.verifier)  # a draft cannot be verified
    assert summary.summary_stored() == before


def test_what_the_summary_holds_for_a_proposal_with_two_schemes(world):
    rows = ProposalSummary.objects.filter(fiscal_year=2027, agency=world.pupr_banjar, status=Proposal.Status.DRAFT)
    by_scheme = {row.scheme_id: (row.proposal_count, row.proposed_amount) for row in rows}
    assert by_scheme == {
        None: (1, Decimal(500_000_000)),  # one proposal, whatever its lines
        world.kab.pk: (1, Decimal(400_000_000)),
        world.bkp.pk: (1, Decimal(100_000_000)),
    }
    agreed = ProposalSummary.objects.get(agency=world.pupr_banjar, status=Proposal.Status.AGREED, scheme=None)
    # The later meeting decides: 1,000 agreed, not the early meeting's 700.
    assert (agreed.agreed_count, agreed.agreed_amount) == (1, Decimal(1_000_000_000))


def test_deferred_blocks_join_into_one_refresh(world, django_assert_max_num_queries):
    with summary.summary_deferred():
        services.proposal_submit(proposal=world.draft, user=world.operator)
        assert summary.summary_differences() != []  # not refreshed yet
    assert summary.summary_differences() == []


def test_the_check_command_finds_a_tampered_row_and_fix_repairs_it(world):
    row = ProposalSummary.objects.get(agency=world.pupr_banjar, status=Proposal.Status.AGREED, scheme=None)
    ProposalSummary.objects.filter(pk=row.pk).update(agreed_amount=row.agreed_amount + 1)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("summary_check", stdout=out)
    assert exited.value.code == 1
    assert "berbeda pada 1 baris" in out.getvalue()
    assert "pagu disepakati 1000000001" in out.getvalue()
    assert "seharusnya 1 usulan, pagu 1000000000, 1 disepakati, pagu disepakati 1000000000" in out.getvalue()

    out = io.StringIO()
    call_command("summary_check", "--fix", stdout=out)
    assert "dibangun ulang dan kini sesuai" in out.getvalue()
    out = io.StringIO()
    call_command("summary_check", stdout=out)
    assert "sesuai perhitungan ulang" in out.getvalue()


def test_the_check_command_finds_a_missing_row(world):
    ProposalSummary.objects.filter(status=Proposal.Status.DRAFT).delete()
    with pytest.raises(SystemExit):
        call_command("summary_check", stdout=io.StringIO())


def test_the_demo_seed_fills_the_summary(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("seed_demo", "--proposals", "120", stdout=io.StringIO())
    assert ProposalSummary.objects.filter(agreed_count__gt=0).exists()
    assert summary.summary_differences() == []
