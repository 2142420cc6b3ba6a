import pytest
from django.urls import reverse
from django.utils import timezone

from rakornis.models import AuditEntry

pytestmark = pytest.mark.django_db


def _url(meeting):
    return reverse("meetings:meeting-update", args=[meeting.pk])


def _data(meeting, **overrides):
    return {
        "kind": meeting.kind,
        "title": meeting.title,
        "organiser": meeting.organiser_id,
        "starts_at": "2026-01-29T09:00",
        "ends_at": "2026-01-29T16:00",
        "venue": meeting.venue,
        "city": meeting.city,
        "fiscal_year": str(meeting.fiscal_year),
        "purpose": meeting.purpose,
        **overrides,
    }


def test_secretary_edits_and_the_audit_records_only_what_changed(client, secretary, meeting):
    client.force_login(secretary)
    assert client.get(_url(meeting)).status_code == 200
    response = client.post(_url(meeting), _data(meeting, venue="Hotel Galaxy", city="Banjarmasin"))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.venue == "Hotel Galaxy"
    entry = AuditEntry.objects.for_object(meeting).get()
    assert entry.action == AuditEntry.Action.CHANGED
    assert entry.changes == {
        "venue": ["Anjungan Kalimantan Selatan TMII", "Hotel Galaxy"],
        "city": ["Jakarta", "Banjarmasin"],
    }


def test_closed_meeting_cannot_be_edited(client, secretary, meeting):
    meeting.closed_at = timezone.now()
    meeting.save()
    client.force_login(secretary)
    response = client.post(_url(meeting), _data(meeting, venue="Hotel Galaxy"))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.venue == "Anjungan Kalimantan Selatan TMII"
    response = client.get(_url(meeting), follow=True)
    assert "tidak dapat diubah" in response.text


def test_meeting_of_another_province_is_404(client, secretary, kalteng_meeting):
    client.force_login(secretary)
    assert client.get(_url(kalteng_meeting)).status_code == 404


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_get_403(client, request, persona, meeting):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(meeting)).status_code == 403
    assert client.post(_url(meeting), _data(meeting, venue="X")).status_code == 403
    meeting.refresh_from_db()
    assert meeting.venue == "Anjungan Kalimantan Selatan TMII"


def test_wrong_method_is_405(client, secretary, meeting):
    client.force_login(secretary)
    assert client.delete(_url(meeting)).status_code == 405
