"""A year is a name, not a quantity: `2027` on every page and in the admin, never `2.027`.

Django puts the thousands separator into every integer it localises (a template's `{{ year }}`, the admin's columns,
filters and read-only fields) when USE_THOUSAND_SEPARATOR is on, whatever the field; so it is off, and the pages ask
for separators where a quantity needs them (`rupiah`, `intcomma`, `floatformat:"g"`), which these tests check too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Decision, DecisionFunding, Meeting
from programs.models import Proposal, WorkPlan, WorkPlanItem, WorkPlanItemFunding
from tests.admin_support import admin_url
from tests.factories import (
    DecisionFactory,
    FundingSchemeFactory,
    MeetingFactory,
    ProposalFactory,
    ProposalFundingFactory,
    sub_activity,
)

pytestmark = pytest.mark.django_db

# A year grouped as a quantity (`2.027`), not a part of a longer number (`Rp 12.027.000`).
GROUPED_YEAR = re.compile(r"(?<![\d.])2\.0\d\d(?!\d|\.\d)")


def grouped_years(text: str) -> list[str]:
    return GROUPED_YEAR.findall(text)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def rows(banjar, pupr_banjar, pupr_kalsel):
    """A draft and a submitted proposal of 2027, an open and a closed meeting, a draft and a final Renja."""
    scheme = FundingSchemeFactory(code="APBD_KAB", short_name="APBD Kab")
    draft = ProposalFactory(region=banjar, agency=pupr_banjar, volume=Decimal("1500"), unit="m")
    ProposalFundingFactory(proposal=draft, scheme=scheme, amount=Decimal("1500000000"))
    submitted = ProposalFactory(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    meeting = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC))
    closed = MeetingFactory(organiser=pupr_kalsel, closed_at=timezone.now())
    decision = DecisionFactory(meeting=meeting, proposal=draft, outcome=Decision.Outcome.AGREED_WITH_CHANGES)
    Decision.objects.filter(pk=decision.pk).update(agreed_volume=Decimal("1250"))
    DecisionFunding.objects.create(decision=decision, scheme=scheme, amount=Decimal("1250000000"))
    plan = WorkPlan.objects.create(agency=pupr_banjar, fiscal_year=2027)
    final = WorkPlan.objects.create(
        agency=pupr_kalsel, fiscal_year=2027, status=WorkPlan.Status.FINAL, finalised_at=timezone.now()
    )
    return {"draft": draft, "submitted": submitted, "meeting": meeting, "closed": closed, "plan": plan, "final": final}


@pytest.mark.parametrize("model", [Proposal, Meeting, WorkPlan], ids=["proposal", "meeting", "renja"])
def test_admin_lists_show_the_year_in_columns_and_filters_as_2027(admin_client, rows, model):
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    text = response.text
    assert grouped_years(text) == []
    assert re.search(r'fiscal_year(__exact)?=2027">2027<', text), "the year filter offers 2027"


def test_admin_columns_show_the_year_as_2027(admin_client, rows):
    for model in (Meeting, WorkPlan):
        text = admin_client.get(admin_url(model, "changelist")).text
        assert re.search(r'<td class="field-fiscal_year[^"]*">2027</td>', text), model


@pytest.mark.parametrize("row", ["draft", "submitted", "meeting", "closed", "plan", "final"])
def test_admin_change_pages_show_the_year_as_2027(admin_client, rows, row):
    obj = rows[row]
    response = admin_client.get(admin_url(type(obj), "change", obj.pk))
    assert response.status_code == 200
    assert grouped_years(response.text) == []
    # Typed in a box on an editable row; shown as text on a read-only one (submitted, closed, final).
    assert re.search(r'value="2027"|<div class="readonly">2027</div>', response.text)


def test_application_pages_show_years_as_2027(admin_client, rows):
    draft, meeting, plan = rows["draft"], rows["meeting"], rows["plan"]
    urls = [
        reverse("home"),
        reverse("programs:proposal-list"),
        draft.get_absolute_url(),
        reverse("meetings:meeting-list"),
        reverse("meetings:meeting-detail", args=[meeting.pk]),
        reverse("meetings:meeting-minutes", args=[meeting.pk]),
        reverse("workplans:workplan-list"),
        reverse("workplans:workplan-detail", args=[plan.pk]),
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "2027" in response.text, url
        assert grouped_years(response.text) == [], url


def test_quantities_keep_their_thousands_separators(admin_client, rows):
    draft, meeting = rows["draft"], rows["meeting"]
    detail = admin_client.get(draft.get_absolute_url()).text
    assert "1.500 m" in detail
    assert "Rp 1.500.000.000" in detail
    assert "1.250 m" in admin_client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).text


def test_the_admin_shows_read_only_money_in_rupiah(admin_client, rows, banjar):
    submitted, meeting = rows["submitted"], rows["meeting"]
    ProposalFundingFactory(proposal=submitted, scheme=FundingSchemeFactory(code="DAK"), amount=Decimal("2750000000"))
    page = admin_client.get(admin_url(Proposal, "change", submitted.pk)).text
    assert re.search(r'<td class="field-amount_rupiah">\s*<p><span class="nowrap">Rp 2.750.000.000</span>', page)
    decision = Decision.objects.get(meeting=meeting)
    page = admin_client.get(admin_url(Decision, "change", decision.pk)).text
    assert re.search(r'<td class="field-amount_rupiah">\s*<p><span class="nowrap">Rp 1.250.000.000</span>', page)
    # A draft's funding is typed, in a text box that groups it the same way.
    page = admin_client.get(admin_url(Proposal, "change", rows["draft"].pk)).text
    assert 'value="1.500.000.000"' in page
    item = WorkPlanItem.objects.create(
        work_plan=rows["plan"], sub_activity=sub_activity(), region=banjar, forward_amount=Decimal("900000000")
    )
    WorkPlanItemFunding.objects.create(item=item, scheme=FundingSchemeFactory(code="DAU"), amount=Decimal("1250000"))
    page = admin_client.get(admin_url(WorkPlan, "change", rows["plan"].pk)).text
    assert re.search(r'<td class="field-forward_pagu">\s*<p><span class="nowrap">Rp 900.000.000</span>', page)
    page = admin_client.get(admin_url(WorkPlanItem, "change", item.pk)).text
    assert re.search(r'<td class="field-amount_rupiah">\s*<p><span class="nowrap">Rp 1.250.000</span>', page)
