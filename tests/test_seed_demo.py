"""`seed_demo`: demo accounts, the Rakornis meeting, and deterministic generated proposals."""

from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.models import Region, StaffRole
from meetings.models import AgendaItem, Attendance, Decision, DecisionFunding, Meeting
from programs.models import Proposal, ProposalFunding, ProposalNumberCounter, ProposalSummary
from programs.overlaps import overlapping
from rakornis.audit import audit_value
from rakornis.demo import demo_seed
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

SMALL = "60"
DECIDED = {
    Proposal.Status.AGREED,
    Proposal.Status.AGREED_WITH_CHANGES,
    Proposal.Status.MERGED,
    Proposal.Status.DEFERRED,
    Proposal.Status.REJECTED,
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference_data():
    call_command("load_reference_data", stdout=StringIO())


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    """What a user sees of the generated proposals, without primary keys or timestamps."""
    lines: dict[int, list] = {}
    for proposal_id, scheme, amount in ProposalFunding.objects.values_list("proposal_id", "scheme__code", "amount"):
        lines.setdefault(proposal_id, []).append((scheme, amount))
    agreed: dict[int, list] = {}
    for decision_id, scheme, amount in DecisionFunding.objects.values_list("decision_id", "scheme__code", "amount"):
        agreed.setdefault(decision_id, []).append((scheme, amount))
    decisions = {
        d.proposal_id: (
            d.outcome,
            d.agreed_volume,
            d.executing_agency.short_name if d.executing_agency else None,
            d.merged_into.number if d.merged_into else None,
            d.reason,
            sorted(agreed.get(d.pk, [])),
        )
        for d in Decision.objects.select_related("merged_into", "executing_agency")
    }
    return [
        (
            p.number,
            p.name,
            p.status,
            p.volume,
            p.unit,
            p.district.code if p.district else None,
            p.agency.short_name,
            p.sub_activity.code if p.sub_activity else None,
            p.carried_over_from.number if p.carried_over_from else None,
            sorted(lines[p.pk]),
            decisions.get(p.pk),
        )
        for p in Proposal.objects.select_related("district", "agency", "sub_activity", "carried_over_from").order_by(
            "number"
        )
    ]


def clear_proposals() -> None:
    """Back to a database with reference data only (the demo's closed Rakornis takes no new decisions)."""
    Decision.objects.all().delete()
    AgendaItem.objects.all().delete()  # the Rakortekrenbang's agenda holds proposals
    Proposal.objects.filter(carried_over_from__isnull=False).delete()
    Proposal.objects.all().delete()
    Meeting.objects.all().delete()
    AuditEntry.objects.all().delete()
    # A deleted proposal's number is never given again (the counter is kept), and the summary is kept by the
    # services, not by these deletes: a database with reference data only has neither.
    ProposalNumberCounter.objects.all().delete()
    ProposalSummary.objects.all().delete()


EXPECTED_ACCOUNTS = {
    "perencana.pupr": (StaffRole.Role.PLANNER, "Dinas PUPR Prov. Kalsel"),
    "verifikator.pupr": (StaffRole.Role.VERIFIER, "Dinas PUPR Prov. Kalsel"),
    "sekretariat": (StaffRole.Role.SECRETARY, "Dinas PUPR Prov. Kalsel"),
    "operator.banjar": (StaffRole.Role.OPERATOR, "Dinas PUPR Kab. Banjar"),
    "operator.tapin": (StaffRole.Role.OPERATOR, "Dinas PUPR Kab. Tapin"),
    "pimpinan": (StaffRole.Role.VIEWER, "Dinas PUPR Prov. Kalsel"),
}


def test_demo_accounts_and_the_rakornis_meeting(reference_data, client):
    seed("--proposals", "0")

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert client.login(username="admin", password="rakornis-demo")
    for username, (role, agency) in EXPECTED_ACCOUNTS.items():
        user = get_user_model().objects.get(username=username)
        assert user.first_name and user.last_name
        assert [(r.role, r.agency.short_name) for r in StaffRole.objects.of(user)] == [(role, agency)]
        assert client.login(username=username, password="rakornis-demo"), username
    assert StaffRole.objects.get(user__username="operator.banjar").agency.region.code == "63.03"
    assert StaffRole.objects.get(user__username="operator.tapin").agency.region.code == "63.05"

    meeting = Meeting.objects.get(title="Rakornis Dinas PUPR Provinsi Kalimantan Selatan 2026")
    assert meeting.kind == Meeting.Kind.RAKORNIS
    assert meeting.organiser.short_name == "Dinas PUPR Prov. Kalsel"
    assert meeting.fiscal_year == 2027
    assert meeting.city == "Jakarta"
    assert "Taman Mini" in meeting.venue
    assert meeting.starts_at.isoformat() == "2026-01-29T01:00:00+00:00"  # 09:00 WITA
    attendance = {a.agency.short_name if a.agency else None: a for a in meeting.attendances.select_related("agency")}
    assert meeting.attendances.filter(capacity=Attendance.Capacity.CHAIR, agency__short_name="Dinas PUPR Prov. Kalsel")
    assert attendance["Bappeda Prov. Kalsel"].represents
    assert attendance["BWS Kalimantan III"].represents
    assert attendance["ITS Surabaya"].capacity == Attendance.Capacity.SPEAKER
    for short_name in ("Disperkim Prov. Kalsel", "BPJN Kalimantan Selatan", "BPPW Kalimantan Selatan"):
        assert short_name in attendance
    assert sum(1 for name in attendance if name and name.startswith("Dinas PUPR Kab")) >= 3
    assert Meeting.objects.open().exists(), "a meeting must still be open for new decisions"


def test_proposals_cover_every_regency_and_status_with_decisions(reference_data):
    output = seed("--proposals", SMALL)

    proposals = Proposal.objects.for_year(2027).select_related("region", "sub_activity", "district")
    assert proposals.count() == 60
    regencies = set(Region.objects.regencies().filter(code__startswith="63.").values_list("code", flat=True))
    assert len(regencies) == 13
    assert {p.region.code for p in proposals} == regencies
    assert {p.status for p in proposals} == set(Proposal.Status.values)
    assert "60" in output

    rakornis = Meeting.objects.get(kind=Meeting.Kind.RAKORNIS)
    rakortekrenbang = Meeting.objects.get(kind=Meeting.Kind.RAKORTEKRENBANG)
    for proposal in proposals:
        prefix = f"USL-2027-{proposal.region.code}-"
        assert proposal.number.startswith(prefix)
        assert proposal.district.parent_id == proposal.region_id
        lines = list(proposal.funding_lines.select_related("scheme"))
        assert 1 <= len(lines) <= 3
        assert all(line.amount > 0 and line.amount % 1_000_000 == 0 for line in lines)
        schemes = {line.scheme.code for line in lines}
        if proposal.sub_activity is not None:
            level = proposal.sub_activity.code.split(".")[3]
            assert level == ("1" if "APBD_PROV" in schemes else "2"), proposal.number
        decisions = list(proposal.decisions.all())
        if proposal.status not in DECIDED:
            assert decisions == []
            continue
        [decision] = decisions
        if decision.meeting == rakortekrenbang:  # decided at one of its desks (rakornis.demo.meetings)
            assert decision.desk is not None and proposal.status == Proposal.Status.AGREED
            continue
        assert decision.meeting == rakornis
        assert decision.outcome == proposal.status
        agreed = {line.scheme.code: line.amount for line in decision.funding_lines.select_related("scheme")}
        if proposal.status in Proposal.AGREED_STATUSES:
            assert decision.executing_agency is not None
            assert agreed
        if proposal.status == Proposal.Status.AGREED:
            assert agreed == {line.scheme.code: line.amount for line in lines}
        if proposal.status == Proposal.Status.AGREED_WITH_CHANGES:
            assert agreed != {line.scheme.code: line.amount for line in lines}
        if proposal.status == Proposal.Status.MERGED:
            assert decision.merged_into.region_id == proposal.region_id
            assert decision.merged_into != proposal
        if proposal.status in {Proposal.Status.DEFERRED, Proposal.Status.REJECTED}:
            assert decision.reason

    # Sequences per year and kab/kota: 0001, 0002, ... without gaps.
    for code in regencies:
        numbers = sorted(proposals.filter(region__code=code).values_list("number", flat=True))
        assert numbers == [Proposal.format_number(2027, code, n) for n in range(1, len(numbers) + 1)]
    carried = Proposal.objects.for_year(2028).select_related("carried_over_from")
    assert carried.exists()
    assert all(p.carried_over_from.status == Proposal.Status.DEFERRED for p in carried)
    assert all(p.status == Proposal.Status.DRAFT for p in carried)

    # The history a user reads on a decided proposal.
    agreed = proposals.filter(status=Proposal.Status.AGREED).first()
    trail = AuditEntry.objects.for_object(agreed).order_by("pk")
    assert [entry.action for entry in trail] == ["created", "submitted", "verified", "decided"]
    agreed_funding = {line.scheme.code: audit_value(line.amount) for line in agreed.funding_lines.all()}
    assert trail.last().changes == {"status": ["verified", "agreed"], "agreed_funding": [None, agreed_funding]}
    assert trail.last().user.username == "sekretariat"
    assert rakornis.is_closed, "the Rakornis is closed once its decisions are recorded"


def test_same_seed_gives_the_same_proposals_and_another_seed_does_not(reference_data):
    seed("--proposals", SMALL, "--seed", "7")
    first = snapshot()
    clear_proposals()

    seed("--proposals", SMALL, "--seed", "7", "--chunk-size", "25")
    assert snapshot() == first
    clear_proposals()

    seed("--proposals", SMALL, "--seed", "8")
    second = snapshot()
    assert second != first
    assert [row[1] for row in second] != [row[1] for row in first]


def test_second_run_restores_accounts_and_adds_no_proposals(reference_data, client):
    seed("--proposals", "20")
    before = snapshot()
    entries = AuditEntry.objects.count()
    user = get_user_model().objects.get(username="pimpinan")
    user.set_password("changed")
    user.save()

    output = seed("--proposals", "20")

    assert "tidak dibuat ulang" in output
    assert snapshot() == before
    assert AuditEntry.objects.count() == entries, "nothing changed, so nothing is recorded"
    assert Meeting.objects.count() == 4
    assert get_user_model().objects.count() == 7
    assert client.login(username="pimpinan", password="rakornis-demo")


def test_if_empty_leaves_a_database_with_proposals_untouched():
    ProposalFactory()

    output = seed("--if-empty")

    assert "tidak diisi" in output
    assert Proposal.objects.count() == 1
    assert not get_user_model().objects.exists()
    assert not Meeting.objects.exists()


def test_if_empty_seeds_an_empty_database(reference_data):
    seed("--if-empty", "--proposals", "15")

    assert Proposal.objects.for_year(2027).count() == 15
    assert get_user_model().objects.count() == 7


def test_missing_reference_data_is_a_clear_error():
    with pytest.raises(CommandError, match="load_reference_data"):
        seed()
    assert not get_user_model().objects.exists()


# Every demo proposal went through the services ------------------------------------------------------------------

A = AuditEntry.Action
S = Proposal.Status
# What a user reads in the history of a proposal in each status: the steps it took to get there.
HISTORY: dict[str, list[str]] = {
    S.DRAFT: [A.CREATED],
    S.SUBMITTED: [A.CREATED, A.SUBMITTED],
    S.RETURNED: [A.CREATED, A.SUBMITTED, A.RETURNED],
    S.VERIFIED: [A.CREATED, A.SUBMITTED, A.VERIFIED],
    **{status: [A.CREATED, A.SUBMITTED, A.VERIFIED, A.DECIDED] for status in DECIDED},
}
# Who takes each step in the demo (the operators create and submit; no demo account for most kabupaten/kota).
ACTORS: dict[str, str] = {
    A.RETURNED: "verifikator.pupr",
    A.VERIFIED: "verifikator.pupr",
    A.DECIDED: "sekretariat",
    A.CARRIED_OVER: "perencana.pupr",
}
OPERATORS = {"63.03": "operator.banjar", "63.05": "operator.tapin"}


def trails(model=Proposal) -> dict[int, list[AuditEntry]]:
    """Every row's audit entries, oldest first."""
    found: dict[int, list[AuditEntry]] = defaultdict(list)
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    for entry in entries.select_related("user").order_by("pk"):
        found[int(entry.object_id)].append(entry)
    return found


def history() -> list[tuple]:
    """The audit entries of the generated proposals and decisions as a user reads them, without keys or times."""
    numbers = dict(Proposal.objects.values_list("pk", "number"))
    decisions = dict(Decision.objects.values_list("pk", "proposal__number"))
    rows = []
    for model, owners in ((Proposal, numbers), (Decision, decisions)):
        for pk, entries in trails(model).items():
            for entry in entries:
                user = entry.user.username if entry.user else None
                rows.append((model.__name__, owners[pk], entry.action, user, entry.changes, entry.note))
    return sorted(rows, key=lambda row: row[:2])  # stable: each row's own entries stay oldest first


def assert_every_history_matches_its_status() -> None:
    proposals = list(Proposal.objects.select_related("region", "carried_over_from"))
    carried = {p.carried_over_from_id for p in proposals if p.carried_over_from_id}
    trail = trails()
    for proposal in proposals:
        entries = trail[proposal.pk]
        actions = [entry.action for entry in entries]
        statuses = [entry.changes["status"] for entry in entries if "status" in entry.changes]
        # Created as a draft (the copy of a deferred one by the carry-over), then each step from the status before.
        assert statuses[0] == [None, S.DRAFT], proposal.number
        assert all(before[1] == after[0] for before, after in zip(statuses, statuses[1:], strict=False))
        assert statuses[-1][1] == proposal.status, proposal.number
        if proposal.carried_over_from is not None:
            assert actions == [A.CARRIED_OVER]
            assert entries[0].note == f"Lanjutan dari {proposal.carried_over_from.number} (TA 2027)."
            continue
        assert actions == HISTORY[proposal.status] + ([A.CARRIED_OVER] if proposal.pk in carried else [])
        operator = OPERATORS.get(proposal.region.code)
        for entry in entries:
            expected = ACTORS.get(entry.action, operator)
            assert (entry.user.username if entry.user else None) == expected, (proposal.number, entry.action)


def assert_numbers_are_consecutive() -> None:
    series: dict[tuple[int, str], list[str]] = defaultdict(list)
    for year, code, number in Proposal.objects.values_list("fiscal_year", "region__code", "number"):
        series[(year, code)].append(number)
    assert {year for year, _ in series} == {2027, 2028}
    for (year, code), numbers in series.items():
        assert sorted(numbers) == [Proposal.format_number(year, code, n) for n in range(1, len(numbers) + 1)]


@pytest.mark.parametrize("count", ["60", "3000"])
def test_every_proposal_has_the_history_of_its_status(reference_data, count):
    """60: a service call per proposal and step, as the pages make them; 3000: their bulk forms, in chunks."""
    output = seed("--proposals", count, "--chunk-size", "1000")

    assert Proposal.objects.for_year(2027).count() == int(count)
    assert {p.status for p in Proposal.objects.for_year(2027)} == set(S.values)
    assert_every_history_matches_its_status()
    assert_numbers_are_consecutive()
    for pk, entries in trails(Decision).items():
        assert [(entry.action, entry.user.username) for entry in entries] == [(A.CREATED, "sekretariat")], pk
    assert Decision.objects.count() == Proposal.objects.filter(status__in=DECIDED).count()
    assert f"Usulan: {int(count):,}".replace(",", ".") in output


def test_bulk_forms_write_what_the_one_proposal_services_write(reference_data):
    demo_seed(proposals=60, seed=5, one_by_one=True)
    expected = (snapshot(), history())
    clear_proposals()

    demo_seed(proposals=60, seed=5, one_by_one=False, chunk_size=25)

    assert (snapshot(), history()) == expected


def test_a_pokir_and_a_musrenbang_proposal_overlap(reference_data):
    seed("--proposals", "20")

    pairs = [
        (proposal, other)
        for proposal in Proposal.objects.filter(origin=Proposal.Origin.POKIR)
        for other in overlapping(proposal)
        if other.origin == Proposal.Origin.MUSRENBANG
    ]
    assert pairs, "real planning has such pairs: the overlap flag, the list filter and the export must show them"
    pokir, musrenbang = pairs[0]
    assert (pokir.name, pokir.location, pokir.sub_activity_id) == (
        musrenbang.name,
        musrenbang.location,
        musrenbang.sub_activity_id,
    )
    assert pokir in overlapping(musrenbang)


def test_a_deferred_proposal_is_carried_over_with_its_funding(reference_data):
    seed("--proposals", "20")

    copy = Proposal.objects.filter(fiscal_year=2028).select_related("carried_over_from").first()
    assert copy is not None
    original = copy.carried_over_from
    assert (original.fiscal_year, original.status, copy.status) == (2027, S.DEFERRED, S.DRAFT)
    assert (copy.name, copy.location, copy.region, copy.sub_activity) == (
        original.name,
        original.location,
        original.region,
        original.sub_activity,
    )
    lines = {(line.scheme_id, line.amount) for line in original.funding_lines.all()}
    assert {(line.scheme_id, line.amount) for line in copy.funding_lines.all()} == lines
    last = AuditEntry.objects.for_object(original).first()
    assert (last.action, last.note) == (A.CARRIED_OVER, f"Dilanjutkan ke TA 2028 sebagai {copy.number}.")


def test_the_demo_overlap_is_where_the_first_demo_operator_finds_it(client):
    """operator.banjar, the README's first operator, finds the Pokir/Musrenbang pair with the list's filter."""
    call_command("load_reference_data", stdout=StringIO())
    call_command("seed_demo", "--seed", "1", stdout=StringIO())
    client.force_login(get_user_model().objects.get(username="operator.banjar"))
    response = client.get(reverse("programs:proposal-list"), {"overlap": "true"})
    origins = sorted(p.origin for p in response.context["proposals"])
    assert origins == [Proposal.Origin.MUSRENBANG, Proposal.Origin.POKIR]
