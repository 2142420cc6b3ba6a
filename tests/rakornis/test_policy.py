"""The access policy: each role applies in its agency's region, meeting and Renja roles included."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from agencies.models import StaffRole
from meetings.models import Meeting
from programs.models import Proposal
from rakornis import policy
from rakornis.policy import Action
from tests.factories import MeetingFactory, StaffRoleFactory, UserFactory, funded_proposal

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")


def meeting(organiser, title: str, day: datetime) -> Meeting:
    return MeetingFactory(
        title=title,
        organiser=organiser,
        starts_at=day.replace(hour=9),
        ends_at=day.replace(hour=16),
        fiscal_year=2027,
    )


@pytest.fixture
def provincial_meeting(pupr_kalsel):
    return meeting(pupr_kalsel, "Rakornis Dinas PUPR Kalsel", datetime(2026, 1, 29, tzinfo=WITA))


@pytest.fixture
def banjar_meeting(pupr_banjar):
    return meeting(pupr_banjar, "Forum PD Kab. Banjar", datetime(2026, 2, 10, tzinfo=WITA))


def test_kabupaten_secretary_cannot_close_the_provincial_rakornis(client, secretary_banjar, provincial_meeting):
    client.force_login(secretary_banjar)
    assert client.get(reverse("meetings:meeting-detail", args=[provincial_meeting.pk])).status_code == 200
    response = client.post(reverse("meetings:meeting-close", args=[provincial_meeting.pk]))
    assert response.status_code == 403
    assert Meeting.objects.get(pk=provincial_meeting.pk).closed_at is None


def test_kabupaten_secretary_closes_their_own_kabupaten_meeting(client, secretary_banjar, banjar_meeting):
    client.force_login(secretary_banjar)
    response = client.post(reverse("meetings:meeting-close", args=[banjar_meeting.pk]))
    assert response.status_code == 302
    assert Meeting.objects.get(pk=banjar_meeting.pk).closed_at is not None


def test_provincial_secretary_manages_a_kabupaten_meeting_of_the_province(secretary, banjar_meeting):
    assert policy.may_on_meeting(secretary, Action.MANAGE_MEETING, banjar_meeting)


def test_kabupaten_secretary_is_offered_only_their_own_agencies_as_organiser(
    client, secretary_banjar, pupr_banjar, pupr_kalsel
):
    client.force_login(secretary_banjar)
    response = client.get(reverse("meetings:meeting-create"))
    organisers = list(response.context["form"].fields["organiser"].queryset)
    assert organisers == [pupr_banjar]


def test_kabupaten_verifier_verifies_in_their_kabupaten_only(verifier_banjar, banjar, tapin, pupr_banjar, pupr_tapin):
    banjar_proposal = funded_proposal(region=banjar, agency=pupr_banjar, status="submitted")
    tapin_proposal = funded_proposal(region=tapin, agency=pupr_tapin, status="submitted")
    assert policy.available_actions(verifier_banjar, banjar_proposal) == {Action.VERIFY, Action.RETURN}
    assert policy.available_actions(verifier_banjar, tapin_proposal) == set()


@pytest.mark.parametrize(
    "persona", ["operator_banjar", "operator_tapin", "verifier", "verifier_banjar", "viewer", "superuser"]
)
def test_a_proposal_already_read_is_seen_as_the_scoped_query_sees_it(
    request, persona, banjar, tapin, pupr_banjar, pupr_tapin
):
    """`sees_proposal` (the proposal's page asks it of the proposals it links to) says what `for_user` filters."""
    user = request.getfixturevalue(persona)
    proposals = [funded_proposal(region=banjar, agency=pupr_banjar), funded_proposal(region=tapin, agency=pupr_tapin)]
    scoped = set(Proposal.objects.for_user(user).values_list("pk", flat=True))
    assert {p.pk for p in proposals if policy.sees_proposal(user, p)} == scoped
    assert scoped  # each persona sees one of them at least: the comparison is not between two empty sets


def test_a_role_of_a_central_agency_without_region_grants_nothing(pupr_kalsel):
    from tests.factories import AgencyFactory

    balai = AgencyFactory(short_name="BPJN Uji", level="pusat", region=None)
    user = UserFactory(username="balai")
    StaffRoleFactory(user=user, agency=balai, role=StaffRole.Role.SECRETARY)
    assert policy.scope_codes(user) == []
    assert not policy.may_anywhere(user, Action.MANAGE_MEETING)


def test_an_inactive_role_grants_nothing(pupr_kalsel):
    user = UserFactory(username="mantan")
    StaffRoleFactory(user=user, agency=pupr_kalsel, role=StaffRole.Role.SECRETARY, is_active=False)
    assert not policy.may_anywhere(user, Action.MANAGE_MEETING)
    assert policy.scope_codes(user) == []


def test_within_means_the_region_or_below_it():
    assert policy.within("63.03.01", ["63.03"])
    assert policy.within("63", ["63"])
    assert not policy.within("63.031", ["63.03"])  # a prefix of digits is not a parent
    assert not policy.within("63", ["63.03"])
    assert not policy.within(None, ["63"])
    assert policy.within(None, None)  # administrators: everywhere


def test_no_role_is_checked_outside_the_policy():
    """One rule in one place: the application's modules ask `rakornis.policy`, they never look at roles."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in sorted(root.glob("*/**/*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in {"tests", ".venv", "bench"} or "migrations" in relative.parts:
            continue
        if relative.as_posix() in {"rakornis/policy.py", "programs/workflow.py"}:
            continue
        if relative.parts[:2] == ("rakornis", "demo"):  # the demo gives its accounts their roles; it decides nothing
            continue
        text = path.read_text()
        for needle in ("StaffRole.Role.", "Role.OPERATOR", "Role.SECRETARY", "has_role(", ".is_superuser"):
            if needle in text:
                offenders.append(f"{relative}: {needle}")
    allowed = {
        # The admin lists and filters users by these columns; no decision is taken on them.
        "agencies/admin.py: .is_superuser",
    }
    assert sorted(set(offenders) - allowed) == []


def test_a_decision_is_seen_with_its_proposal_and_changed_by_the_meetings_secretariat(
    secretary, secretary_banjar, operator_tapin, provincial_meeting, banjar, pupr_banjar
):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from tests.factories import DecisionFactory

    decision = DecisionFactory(
        meeting=provincial_meeting, proposal=funded_proposal(region=banjar, agency=pupr_banjar, status="agreed")
    )
    assert policy.get_decision_for_user(secretary, decision.pk, Action.DECIDE) == decision
    assert policy.get_decision_for_user(secretary_banjar, decision.pk) == decision
    with pytest.raises(PermissionDenied):
        policy.get_decision_for_user(secretary_banjar, decision.pk, Action.DECIDE)
    with pytest.raises(Http404):
        policy.get_decision_for_user(operator_tapin, decision.pk)
