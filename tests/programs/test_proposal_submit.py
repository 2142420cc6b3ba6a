import pytest
from django.urls import reverse

from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory, funded_proposal

pytestmark = pytest.mark.django_db


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-submit", args=[proposal.pk])


@pytest.mark.parametrize("status", [Proposal.Status.DRAFT, Proposal.Status.RETURNED])
def test_operator_submits(client, operator_banjar, banjar, pupr_banjar, status):
    proposal = funded_proposal(region=banjar, agency=pupr_banjar, status=status)
    client.force_login(operator_banjar)
    response = client.post(url(proposal), follow=True)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED
    assert proposal.version == 2
    assert "diajukan ke provinsi" in response.text
    entry = AuditEntry.objects.for_object(proposal).get()
    assert (entry.action, entry.user, entry.changes) == (
        AuditEntry.Action.SUBMITTED,
        operator_banjar,
        {"status": [status.value, "submitted"]},
    )


@pytest.mark.parametrize(
    "status", [s for s in Proposal.Status if s not in (Proposal.Status.DRAFT, Proposal.Status.RETURNED)]
)
def test_submit_from_any_other_status_is_refused_and_nothing_changes(client, operator_banjar, banjar, status):
    proposal = funded_proposal(region=banjar, status=status)
    client.force_login(operator_banjar)
    response = client.post(url(proposal), follow=True)
    assert "tidak dapat diajukan" in response.text
    proposal.refresh_from_db()
    assert proposal.status == status
    assert proposal.version == 1
    assert not AuditEntry.objects.exists()


def test_submit_without_funding_is_refused(client, operator_banjar, banjar):
    proposal = ProposalFactory(region=banjar)
    client.force_login(operator_banjar)
    response = client.post(url(proposal), follow=True)
    assert "isi minimal satu sumber dana" in response.text
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT


def test_submit_with_only_zero_amounts_is_refused(client, operator_banjar, banjar):
    proposal = funded_proposal(region=banjar, amount=0)
    client.force_login(operator_banjar)
    client.post(url(proposal))
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT


def test_another_kabupatens_proposal_is_404(client, operator_tapin, banjar):
    proposal = funded_proposal(region=banjar)
    client.force_login(operator_tapin)
    assert client.post(url(proposal)).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT


@pytest.mark.parametrize("persona", ["verifier", "planner", "secretary", "viewer"])
def test_roles_without_the_right_get_403(client, request, persona, banjar):
    proposal = funded_proposal(region=banjar)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT


def test_get_is_405(client, operator_banjar, banjar):
    proposal = funded_proposal(region=banjar)
    client.force_login(operator_banjar)
    assert client.get(url(proposal)).status_code == 405
