import pytest
from django.urls import reverse

from programs.models import Proposal, ReadinessCriterion
from rakornis.models import AuditEntry
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-verify", args=[proposal.pk])


def every_criterion() -> dict:
    """The verification form with the whole readiness checklist ticked (tests/programs/test_verification_checklist.py
    covers the rest of the checklist)."""
    return {"criteria": [str(pk) for pk in ReadinessCriterion.objects.filter(active=True).values_list("pk", flat=True)]}


@pytest.mark.parametrize("persona", ["verifier", "superuser"])
def test_verifier_verifies(client, request, persona, banjar):
    user = request.getfixturevalue(persona)
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(user)
    response = client.post(url(proposal), every_criterion(), follow=True)
    assert "terverifikasi" in response.text
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.VERIFIED
    entry = AuditEntry.objects.for_object(proposal).get()
    assert (entry.action, entry.user, entry.changes) == (
        AuditEntry.Action.VERIFIED,
        user,
        {"status": ["submitted", "verified"]},
    )


@pytest.mark.parametrize("status", [s for s in Proposal.Status if s != Proposal.Status.SUBMITTED])
def test_verify_is_refused_unless_submitted(client, verifier, banjar, status):
    proposal = funded_proposal(region=banjar, status=status)
    client.force_login(verifier)
    response = client.post(url(proposal), every_criterion(), follow=True)
    assert "tidak sedang menunggu verifikasi" in response.text
    proposal.refresh_from_db()
    assert proposal.status == status
    assert not AuditEntry.objects.exists()


def test_another_kabupatens_operator_gets_404(client, operator_tapin, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(operator_tapin)
    assert client.post(url(proposal)).status_code == 404


@pytest.mark.parametrize("persona", ["operator_banjar", "planner", "secretary", "viewer"])
def test_roles_without_the_right_get_403(client, request, persona, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(proposal), every_criterion()).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


def test_get_shows_the_verification_page(client, verifier, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    response = client.get(url(proposal))
    assert response.status_code == 200
    assert "Daftar periksa kesiapan" in response.text
    assert client.put(url(proposal)).status_code == 405
