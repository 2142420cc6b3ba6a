"""The admin's change pages of a meeting and of a Renja are bounded like every page: the big Rakornis has 324,914
decisions, and its page would have read them all. They show the first 50 rows, say how many there are and link to
the rows' changelist filtered by the parent; their queries do not grow with the rows. A kabupaten staff member counts
and is sent to only the rows they may see."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.models import Decision, Meeting
from programs.models import Proposal, WorkPlan, WorkPlanItem
from tests.admin_support import admin_url, form_data, grant
from tests.factories import MeetingFactory, WorkPlanFactory, sub_activity

pytestmark = pytest.mark.django_db

BOUND = 50


def _decisions(meeting: Meeting, region, agency, count: int, start: int = 0) -> None:
    """`count` agreed decisions of `meeting` on new proposals of `region`, written in two statements."""
    proposals = Proposal.objects.bulk_create(
        Proposal(
            number=f"USL-2027-{region.code}-{9000 + start + n:04d}",
            fiscal_year=2027,
            region=region,
            agency=agency,
            sub_activity=sub_activity(),
            name=f"Jalan Uji {start + n}",
            volume=Decimal("1.00"),
            unit="km",
            status=Proposal.Status.AGREED,
        )
        for n in range(count)
    )
    Decision.objects.bulk_create(
        Decision(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED) for proposal in proposals
    )


@pytest.fixture
def big_meeting(pupr_kalsel):
    return MeetingFactory(organiser=pupr_kalsel, title="Rakornis Besar")


def _page(client, url):
    client.get(url)  # warm the session, content types and permissions
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def _inline(response, model):
    return next(inline for inline in response.context["inline_admin_formsets"] if inline.opts.model is model)


def test_the_meeting_page_costs_the_same_at_5_and_at_300_decisions(admin_client, big_meeting, banjar, pupr_banjar):
    url = admin_url(Meeting, "change", big_meeting.pk)
    _decisions(big_meeting, banjar, pupr_banjar, 5)
    small, small_queries = _page(admin_client, url)
    assert len(_inline(small, Decision).formset.initial_forms) == 5
    assert 'id="decisions-bounded"' not in small.text  # everything is shown: nothing to say

    _decisions(big_meeting, banjar, pupr_banjar, 295, start=5)
    big, big_queries = _page(admin_client, url)
    assert big_queries == small_queries
    formset = _inline(big, Decision).formset
    assert len(formset.initial_forms) == BOUND
    # The newest first, as the decisions' changelist orders them.
    newest = Decision.objects.filter(meeting=big_meeting).order_by("-pk").values_list("pk", flat=True)[:BOUND]
    assert [form.instance.pk for form in formset.initial_forms] == list(newest)
    changelist = admin_url(Decision, "changelist") + f"?meeting__id__exact={big_meeting.pk}"
    assert "Ditampilkan 50 kesepakatan pertama dari 300." in big.text
    assert f'href="{changelist}"' in big.text
    listed = admin_client.get(changelist)
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 300


def test_the_count_stops_at_the_lists_bound(admin_client, big_meeting, banjar, pupr_banjar, monkeypatch):
    """Beyond COUNT_BOUND the page says "lebih dari", as the lists do, instead of counting every row."""
    from rakornis.admin_scope import BoundedFormSetMixin

    monkeypatch.setattr(BoundedFormSetMixin, "rows_bound", 100)
    _decisions(big_meeting, banjar, pupr_banjar, 120)
    response = admin_client.get(admin_url(Meeting, "change", big_meeting.pk))
    assert "Ditampilkan 50 kesepakatan pertama dari lebih dari 100." in response.text


def test_a_kabupaten_staff_member_counts_only_their_own_decisions(
    client, operator_banjar, big_meeting, banjar, pupr_banjar, tapin, pupr_tapin
):
    _decisions(big_meeting, banjar, pupr_banjar, 60)
    _decisions(big_meeting, tapin, pupr_tapin, 70, start=100)
    client.force_login(grant(operator_banjar, "meetings.view_meeting", "meetings.view_decision"))
    response = client.get(admin_url(Meeting, "change", big_meeting.pk))
    assert response.status_code == 200
    formset = _inline(response, Decision).formset
    assert {form.instance.proposal.region_id for form in formset.initial_forms} == {banjar.pk}
    assert "Ditampilkan 50 kesepakatan pertama dari 60." in response.text
    listed = client.get(admin_url(Decision, "changelist") + f"?meeting__id__exact={big_meeting.pk}")
    assert listed.context["cl"].result_count == 60


# --- The Renja -------------------------------------------------------------------------------------------------------


def _lines(work_plan: WorkPlan, region, count: int) -> None:
    codes = [f"1.03.10.2.01.{n + 1:04d}" for n in range(count)]
    activities = [sub_activity(code, f"Sub kegiatan uji {code}") for code in codes]
    WorkPlanItem.objects.bulk_create(
        WorkPlanItem(work_plan=work_plan, sub_activity=activity, region=region) for activity in activities
    )


def test_the_renja_page_costs_the_same_at_5_and_at_80_lines_and_saves_the_notes_it_shows(admin_client, banjar):
    work_plan = WorkPlanFactory()
    url = admin_url(WorkPlan, "change", work_plan.pk)
    _lines(work_plan, banjar, 5)
    _small, small_queries = _page(admin_client, url)
    WorkPlanItem.objects.filter(work_plan=work_plan).delete()
    _lines(work_plan, banjar, 80)
    big, big_queries = _page(admin_client, url)
    assert big_queries == small_queries
    formset = _inline(big, WorkPlanItem).formset
    first = list(
        WorkPlanItem.objects.filter(work_plan=work_plan)
        .order_by("sub_activity__code", "region__code")
        .values_list("pk", flat=True)[:BOUND]
    )
    assert [form.instance.pk for form in formset.initial_forms] == first
    assert "Ditampilkan 50 baris Renja pertama dari 80." in big.text
    assert admin_url(WorkPlanItem, "changelist") + f"?work_plan__id__exact={work_plan.pk}" in big.text

    # A save posts the 50 lines shown and leaves the 30 others alone.
    data = form_data(big)
    data["items-0-notes"] = "Menunggu DED."
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert WorkPlanItem.objects.get(pk=first[0]).notes == "Menunggu DED."
    assert WorkPlanItem.objects.filter(work_plan=work_plan).count() == 80
