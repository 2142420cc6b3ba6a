import pytest
from django.urls import reverse

from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db


def test_another_kabupatens_proposal_shows_the_indonesian_404_page(client, operator_tapin, banjar):
    proposal = ProposalFactory(region=banjar)
    client.force_login(operator_tapin)
    response = client.get(reverse("programs:proposal-detail", args=[proposal.pk]))
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text
    assert proposal.name not in response.text


def test_a_forbidden_action_shows_the_indonesian_403_page(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("programs:proposal-create"))
    assert response.status_code == 403
    assert "tidak diizinkan" in response.text
