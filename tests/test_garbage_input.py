"""Odd query strings and form values a person (or a crawler) may send never produce a server error."""

import pytest
from django.urls import reverse

from tests.factories import MeetingFactory, ProposalFactory

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
