import pytest
from django.urls import reverse

from meetings.models import Decision
from rakornis.models import AuditEntry

pytestmark = pytest.mark.django_db


def _url(meeting):
    return reverse("meetings:meeting-close", args=[meeting.pk])


def test_secretary_closes_and_decisions_are_frozen(client, secretary, meeting, banjar_proposal):
    client.force_login(secretary)
    response = client.post(_url(meeting), follow=True)
    assert "Rapat ditutup" in response.text
    meeting.refresh_from_db()
    assert meeting.is_closed
    assert meeting.closed_by == secretary
    assert AuditEntry.objects.for_object(meeting).get().action == AuditEntry.Action.CLOSED
    decision_url = reverse("meetings:decision-record", args=[meeting.pk, banjar_proposal.pk])
    response = client.post(decision_url, {"version": 1, "outcome": Decision.Outcome.AGREED}, follow=True)
    assert "sudah ditutup" in response.text
    assert not Decision.objects.exists()


def test_closing_twice_is_refused(client, secretary, meeting):
    client.force_login(secretary)
    client.post(_url(meeting))
    meeting.refresh_from_db()
    closed_at = meeting.closed_at
    response = client.post(_url(meeting), follow=True)
    assert "sudah ditutup" in response.text
    meeting.refresh_from_db()
    assert meeting.closed_at == closed_at


def test_meeting_of_another_province_is_404(client, secretary, kalteng_meeting):
    client.force_login(secretary)
    assert client.post(_url(kalteng_meeting)).status_code == 404
    kalteng_meeting.refresh_from_db()
    assert not kalteng_meeting.is_closed


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_get_403(client, request, persona, meeting):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_url(meeting)).status_code == 403
    meeting.refresh_from_db()
    assert not meeting.is_closed


def test_wrong_method_is_405(client, secretary, meeting):
    client.force_login(secretary)
    assert client.get(_url(meeting)).status_code == 405
    meeting.refresh_from_db()
    assert not meeting.is_closed
