"""Odd query strings and form values a person (or a crawler) may send never produce a server error."""

import pytest
from django.urls import reverse

from meetings.models import Meeting
from programs.models import Proposal
from tests.factories import FundingSchemeFactory, MeetingFactory, ProposalFactory, proposal_form_data

pytestmark = pytest.mark.django_db

GARBAGE = [
    "page=abc",
    "page=-1",
    "page=999999",
    "sort=;drop",
    "sort=-nonexistent",
    "year=abc",
    "year=99999999999999999999",
    "fiscal_year=abc",
    "region=abc",
    "region=999999",
    "agency=%00",
    "status=unknown",
    "scheme=abc",
    "priority=9",
    "origin=x",
    "program=abc",
    "q=%27%22%3C%3E",
    "q=jalan%00",
    "status=%00",
    "q=" + "x" * 3000,
    # Extreme years and dates (issue 8): out of every range, negative, absurdly long.
    "tahun=99999999",
    "tahun=-1",
    "tahun=0001",
    "fiscal_year=0",
    "fiscal_year=99999999",
    "fiscal_year=9999",
    "year=-2027",
    "jenis=%00",
    "starts_at__year=0",
    "starts_at__year=99999",
    "page=0",
    "page=1e9",
    "page=99999999999999999999",
]


@pytest.fixture
def pages(banjar, pupr_kalsel):
    proposal = ProposalFactory(region=banjar)
    meeting = MeetingFactory(organiser=pupr_kalsel)
    return [
        reverse("home"),
        reverse("programs:proposal-list"),
        reverse("programs:proposal-export"),
        reverse("workplans:recap-export"),
        reverse("programs:sub-activity-search"),
        reverse("workplans:workplan-list"),
        reverse("programs:proposal-detail", args=[proposal.pk]),
        reverse("meetings:meeting-list"),
        reverse("meetings:meeting-detail", args=[meeting.pk]),
    ]


@pytest.mark.parametrize("persona", ["superuser", "operator_banjar", "verifier"])
def test_no_server_error_on_garbage_query_strings(client, request, pages, persona):
    client.force_login(request.getfixturevalue(persona))
    failures = []
    for url in pages:
        for query in GARBAGE:
            response = client.get(f"{url}?{query}")
            if response.status_code >= 500:
                failures.append(f"{url}?{query[:40]} -> {response.status_code}")
    assert failures == []


def test_region_children_with_a_malformed_code_is_a_404(client, operator_banjar):
    client.force_login(operator_banjar)
    for code in ["abc", "63.03.%00", "6" * 50]:
        assert client.get(reverse("programs:region-children", args=[code])).status_code == 404


def test_a_nul_character_is_a_bad_request_not_a_server_error(client, operator_banjar):
    client.force_login(operator_banjar)
    response = client.get(reverse("programs:proposal-list"), {"q": "jalan\x00"})
    assert response.status_code == 400
    form_post = client.post(
        reverse("programs:proposal-create"), "name=x%00", content_type="application/x-www-form-urlencoded"
    )
    assert form_post.status_code == 400


EXTREME_MEETING_VALUES = [
    {"starts_at": "0001-01-01T00:00", "ends_at": "0001-01-01T02:00"},
    {"starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:59"},
    {"starts_at": "99999-01-01T00:00"},
    {"starts_at": "2026-02-30T09:00"},
    {"fiscal_year": "99999999999999999999"},
    {"fiscal_year": "-2027"},
    {"purpose": "x" * 40_000},
    {"title": "x" * 5_000},
]


@pytest.mark.parametrize("values", EXTREME_MEETING_VALUES)
def test_the_meeting_form_refuses_extreme_values_without_a_server_error(client, secretary, pupr_kalsel, values):
    client.force_login(secretary)
    data = {
        "kind": Meeting.Kind.RAKORNIS,
        "title": "Rakornis",
        "organiser": pupr_kalsel.pk,
        "starts_at": "2026-01-29T09:00",
        "ends_at": "2026-01-29T16:00",
        "venue": "Aula",
        "fiscal_year": "2027",
        **values,
    }
    response = client.post(reverse("meetings:meeting-create"), data)
    assert response.status_code == 200  # the form again, with its message
    assert response.context["form"].errors
    assert not Meeting.objects.exists()


EXTREME_PROPOSAL_VALUES = [
    {"fiscal_year": "99999999999999999999"},
    {"fiscal_year": "0"},
    {"latitude": "1e308", "longitude": "114,5"},
    {"latitude": "-3,3", "longitude": "-1" + "0" * 400},
    {"volume": "9" * 40},
    {"volume": "1e30"},
    {"forward_amount": "9" * 40},
    {"forward_amount": "1.000.000.000.000.000.000"},
    {"funding-0-amount": "9" * 400},
    {"notes": "x" * 40_000},
    {"name": "x" * 5_000},
    {"location": "x" * 5_000},
]


@pytest.mark.parametrize("values", EXTREME_PROPOSAL_VALUES)
def test_the_proposal_form_refuses_extreme_values_without_a_server_error(
    client, operator_banjar, banjar, pupr_banjar, values
):
    client.force_login(operator_banjar)
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000.000")])
    response = client.post(reverse("programs:proposal-create"), {**data, **values})
    assert response.status_code == 200
    assert not Proposal.objects.exists()


def test_the_admin_lists_take_extreme_filters(admin_client, pupr_kalsel):
    MeetingFactory(organiser=pupr_kalsel)
    FundingSchemeFactory()
    for url in ("/admin/meetings/meeting/", "/admin/programs/proposal/", "/admin/meetings/decision/"):
        for query in ("starts_at__year=0", "starts_at__year=99999", "fiscal_year=99999999", "decided_at__year=-1"):
            assert admin_client.get(f"{url}?{query}").status_code < 500, f"{url}?{query}"
