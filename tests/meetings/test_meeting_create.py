import pytest
from django.urls import reverse

from meetings.models import Meeting
from rakornis.models import AuditEntry

pytestmark = pytest.mark.django_db
URL = reverse("meetings:meeting-create")


def _data(organiser, **overrides):
    return {
        "kind": Meeting.Kind.RAKORTEK,
        "title": "Rakortek Perumahan dan Kawasan Permukiman 2026",
        "organiser": organiser.pk,
        "starts_at": "2026-02-12T09:00",
        "ends_at": "2026-02-12T15:00",
        "venue": "Aula Disperkim",
        "city": "Banjarmasin",
        "fiscal_year": "2027",
        "purpose": "Sinkronisasi data untuk rencana 2027.",
        **overrides,
    }


def test_secretary_creates_a_meeting_with_an_audit_entry(client, secretary, pupr_kalsel):
    client.force_login(secretary)
    assert client.get(URL).status_code == 200
    response = client.post(URL, _data(pupr_kalsel, closed_at="2026-02-12T16:00"))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:meeting-detail", args=[meeting.pk])
    assert meeting.organiser == pupr_kalsel
    assert meeting.fiscal_year == 2027
    assert meeting.closed_at is None  # a field the form does not offer is ignored
    entry = AuditEntry.objects.for_object(meeting).get()
    assert entry.action == AuditEntry.Action.CREATED
    assert entry.user == secretary
    assert entry.changes["title"] == [None, "Rakortek Perumahan dan Kawasan Permukiman 2026"]


def test_end_before_start_is_refused_in_indonesian(client, secretary, pupr_kalsel):
    client.force_login(secretary)
    response = client.post(URL, _data(pupr_kalsel, ends_at="2026-02-12T08:00"))
    assert response.status_code == 200
    assert "Waktu selesai harus sesudah waktu mulai." in response.text
    assert not Meeting.objects.exists()


def test_organiser_outside_the_scope_is_refused(client, secretary, kalteng_agency):
    client.force_login(secretary)
    response = client.post(URL, _data(kalteng_agency))
    assert response.status_code == 200
    assert not Meeting.objects.exists()
    assert kalteng_agency.short_name not in response.text  # nor offered in the drop-down


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_get_403(client, request, persona, pupr_kalsel):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data(pupr_kalsel)).status_code == 403
    assert not Meeting.objects.exists()


def test_superuser_may_create(client, superuser, pupr_kalsel):
    client.force_login(superuser)
    assert client.post(URL, _data(pupr_kalsel)).status_code == 302


def test_wrong_method_is_405(client, secretary):
    client.force_login(secretary)
    assert client.delete(URL).status_code == 405


def test_the_form_proposes_the_planning_year(client, secretary):
    client.force_login(secretary)
    assert client.get(URL).context["form"]["fiscal_year"].value() == 2027
    client.post(reverse("fiscal-year-switch"), {"year": "2028", "next": URL})
    assert 'value="2028"' in client.get(URL).text
