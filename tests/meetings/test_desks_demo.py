"""The demo's Rakortekrenbang: desks PUPR and Perkim with their participants, decisions taken at the desks, and the
sub kegiatan agreed for the RTLH and slum indicators, as `make run` shows them."""

from io import StringIO

import pytest
from django.core.management import call_command

from meetings.models import Decision, DeskIndicatorAgreement, Meeting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_seeded_rakortekrenbang_has_desk_pages_with_decisions_and_indicators(client):
    call_command("load_reference_data", stdout=StringIO())
    call_command("seed_demo", "--proposals", "300", stdout=StringIO())
    meeting = Meeting.objects.get(kind=Meeting.Kind.RAKORTEKRENBANG)
    desks = {desk.name: desk for desk in meeting.desks.select_related("sector")}
    assert {name: desk.sector.code for name, desk in desks.items()} == {"Desk PUPR": "1.03", "Desk Perkim": "1.04"}
    decisions = Decision.objects.filter(meeting=meeting)
    assert decisions.exists() and not decisions.filter(desk__isnull=True).exists()
    agreed = set(
        DeskIndicatorAgreement.objects.filter(desk=desks["Desk Perkim"]).values_list(
            "indicator__code", "sub_activity__code"
        )
    )
    assert ("IK-PKP-01", "1.04.03.1.02.0003") in agreed and ("IK-PKP-02", "1.04.03.1.01.0014") in agreed

    assert client.login(username="pimpinan", password="rakornis-demo")
    page = client.get(desks["Desk Perkim"].get_absolute_url()).content.decode()
    assert "Rumah tidak layak huni (RTLH) yang ditangani" in page
    assert "Ir. Muhammad Arsyad, M.T." in page
    for decision in decisions.filter(desk=desks["Desk Perkim"]).select_related("proposal"):
        assert decision.proposal.number in page
    page = client.get(desks["Desk PUPR"].get_absolute_url()).content.decode()
    assert "Jalan provinsi dalam kondisi mantap" in page
