import pytest
from django.urls import reverse

from tests.factories import ProposalFactory, ProposalFundingFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_indonesian(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Masuk ke Rakornis" in response.text


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_totals_cover_only_the_operators_kabupaten(client, operator_banjar, pupr_tapin, banjar, tapin):
    ProposalFundingFactory(proposal=ProposalFactory(region=banjar), amount=1_500_000_000)
    ProposalFundingFactory(proposal=ProposalFactory(region=tapin, agency=pupr_tapin), amount=700_000_000)
    client.force_login(operator_banjar)
    response = client.get(reverse("home"))
    assert "Rp 1.500.000.000" in response.text
    assert "Rp 700.000.000" not in response.text
