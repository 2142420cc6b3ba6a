import pytest
from django.urls import reverse

from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-withdraw", args=[proposal.pk])


def test_operator_withdraws_a_submitted_proposal(client, operator_banjar, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(operator_banjar)
    response = client.post(url(proposal))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT
    entry = AuditEntry.objects.for_object(proposal).get()
    assert entry.action == AuditEntry.Action.WITHDRAWN
    assert entry.changes == {"status": ["submitted", "draft"]}


@pytest.mark.parametrize(
    "status",
    [Proposal.Status.DRAFT, Proposal.Status.RETURNED, Proposal.Status.VERIFIED, Proposal.Status.AGREED],
)
def test_withdraw_is_refused_unless_submitted(client, operator_banjar, banjar, status):
    proposal = funded_proposal(region=banjar, status=status)
    client.force_login(operator_banjar)
    response = client.post(url(proposal), follow=True)
    assert "tidak dapat ditarik ke draf" in response.text
    proposal.refresh_from_db()
    assert proposal.status == status
    assert not AuditEntry.objects.exists()


def test_another_kabupatens_proposal_is_404(client, operator_tapin, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(operator_tapin)
    assert client.post(url(proposal)).status_code == 404


@pytest.mark.parametrize("persona", ["verifier", "planner", "secretary", "viewer"])
def test_roles_without_the_right_get_403(client, request, persona, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


def test_get_is_405(client, operator_banjar, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(operator_banjar)
    assert client.get(url(proposal)).status_code == 405
