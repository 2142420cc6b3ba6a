import pytest
from django.urls import reverse

from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-return", args=[proposal.pk])


def test_verifier_returns_with_a_note(client, verifier, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    response = client.post(url(proposal), {"note": "Lengkapi lokasi STA dan foto kondisi jalan."}, follow=True)
    assert "dikembalikan ke operator" in response.text
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.RETURNED
    entry = AuditEntry.objects.for_object(proposal).get()
    assert entry.action == AuditEntry.Action.RETURNED
    assert entry.user == verifier
    assert entry.note == "Lengkapi lokasi STA dan foto kondisi jalan."
    assert entry.changes == {"status": ["submitted", "returned"]}


@pytest.mark.parametrize("note", ["", "   "])
def test_return_without_a_note_is_refused(client, verifier, banjar, note):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    response = client.post(url(proposal), {"note": note}, follow=True)
    assert "Catatan pengembalian wajib diisi" in response.text
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("status", [Proposal.Status.DRAFT, Proposal.Status.VERIFIED, Proposal.Status.REJECTED])
def test_return_is_refused_unless_submitted(client, verifier, banjar, status):
    proposal = funded_proposal(region=banjar, status=status)
    client.force_login(verifier)
    response = client.post(url(proposal), {"note": "Perbaiki"}, follow=True)
    assert "tidak dapat dikembalikan" in response.text
    proposal.refresh_from_db()
    assert proposal.status == status


def test_verifier_of_another_province_gets_404(client, banjar):
    from agencies.models import StaffRole
    from tests.factories import AgencyFactory, StaffRoleFactory, UserFactory, province

    kalteng = AgencyFactory(short_name="Dinas PUPR Prov. Kalteng", level="provinsi", region=province("62", "Kalteng"))
    other = UserFactory(username="verifikator.kalteng")
    StaffRoleFactory(user=other, agency=kalteng, role=StaffRole.Role.VERIFIER)
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(other)
    assert client.post(url(proposal), {"note": "x"}).status_code == 404


def test_another_kabupatens_operator_gets_404(client, operator_tapin, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(operator_tapin)
    assert client.post(url(proposal), {"note": "x"}).status_code == 404


@pytest.mark.parametrize("persona", ["operator_banjar", "planner", "secretary", "viewer"])
def test_roles_without_the_right_get_403(client, request, persona, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(proposal), {"note": "x"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.SUBMITTED


def test_get_is_405(client, verifier, banjar):
    proposal = funded_proposal(region=banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(verifier)
    assert client.get(url(proposal)).status_code == 405
