"""The decisions annex of a meeting's Berita Acara, as an .xlsx: same readers as the Berita Acara."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from meetings.models import Decision
from programs.models import Proposal
from tests.factories import (
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    funded_proposal,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(banjar, tapin, pupr_banjar, pupr_tapin, pupr_kalsel):
    scheme = FundingSchemeFactory(code="APBD_KAB")
    meeting = MeetingFactory(
        title="Rakornis Dinas PUPR Kalsel",
        organiser=pupr_kalsel,
        fiscal_year=2027,
        starts_at=datetime(2026, 1, 29, 9, tzinfo=ZoneInfo("Asia/Makassar")),
        ends_at=datetime(2026, 1, 29, 16, tzinfo=ZoneInfo("Asia/Makassar")),
    )
    for region, agency, amount in ((banjar, pupr_banjar, 1_000_000_000), (tapin, pupr_tapin, 400_000_000)):
        proposal = funded_proposal(region=region, agency=agency, status=Proposal.Status.AGREED, fiscal_year=2027)
        decision = DecisionFactory(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED)
        DecisionFundingFactory(decision=decision, scheme=scheme, amount=Decimal(amount))
    return meeting


def url(meeting) -> str:
    return reverse("meetings:meeting-annex-export", args=[meeting.pk])


@pytest.mark.parametrize("persona", ["secretary", "planner", "verifier", "viewer", "superuser"])
def test_provincial_roles_download_the_annex(client, request, persona, meeting):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(meeting))
    assert response.status_code == 200
    assert "Lampiran_Berita_Acara_rakornis-dinas-pupr-kalsel_20260129.xlsx" in response["Content-Disposition"]
    cells = [
        c
        for ws in load_workbook(io.BytesIO(response.content)).worksheets
        for r in ws.iter_rows(values_only=True)
        for c in r
    ]
    numbers = set(Decision.objects.filter(meeting=meeting).values_list("proposal__number", flat=True))
    assert numbers <= set(cells)
    assert 1_400_000_000 in cells  # the total of the agreed amounts


def test_operators_are_refused(client, operator_banjar, meeting):
    client.force_login(operator_banjar)
    assert client.get(url(meeting)).status_code == 403


def test_detail_and_minutes_link_the_annex(client, secretary, meeting):
    client.force_login(secretary)
    assert url(meeting) in client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    assert url(meeting) in client.get(reverse("meetings:meeting-minutes", args=[meeting.pk])).content.decode()


def test_post_is_refused(client, secretary, meeting):
    client.force_login(secretary)
    assert client.post(url(meeting)).status_code == 405
