import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Attendance
from rakornis.models import AuditEntry
from tests.factories import AttendanceFactory

pytestmark = pytest.mark.django_db


def _add_url(meeting):
    return reverse("meetings:attendance-add", args=[meeting.pk])


def _delete_url(attendance):
    return reverse("meetings:attendance-delete", args=[attendance.meeting_id, attendance.pk])


ROW = {
    "name": "Hj. Rina Marlina",
    "position": "Kepala Seksi Perencanaan",
    "capacity": Attendance.Capacity.PARTICIPANT,
    "represents": "Kepala BWS Kalimantan III",
}


def test_secretary_adds_people_in_order_and_returns_to_the_quick_form(client, secretary, meeting, pupr_banjar):
    client.force_login(secretary)
    response = client.post(_add_url(meeting), {**ROW, "agency": pupr_banjar.pk})
    assert response.status_code == 302
    assert response["Location"].endswith("?hadir=1")
    client.post(_add_url(meeting), {**ROW, "name": "Ir. Ahmad Solhan", "capacity": Attendance.Capacity.CHAIR})
    assert list(meeting.attendances.values_list("name", "order")) == [("Hj. Rina Marlina", 1), ("Ir. Ahmad Solhan", 2)]
    first = meeting.attendances.first()
    assert first.agency == pupr_banjar
    assert first.represents == "Kepala BWS Kalimantan III"
    assert AuditEntry.objects.for_object(first).get().action == AuditEntry.Action.CREATED
    page = client.get(response["Location"])
    assert "autofocus" in page.text


def test_nip_is_kept_as_18_digits_and_printed_in_groups(client, secretary, meeting):
    client.force_login(secretary)
    client.post(_add_url(meeting), {**ROW, "nip": " 19680512 199303 1 007 "})
    attendance = meeting.attendances.get()
    assert attendance.nip == "196805121993031007"
    assert attendance.nip_display == "19680512 199303 1 007"
    assert AuditEntry.objects.for_object(attendance).get().changes["nip"] == [None, "196805121993031007"]
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk]))
    assert "19680512 199303 1 007" in page.text


@pytest.mark.parametrize(
    "nip", ["1968051219930310", "19680512199303100X", "196805121993031007123", "١٩٦٨٠٥١٢١٩٩٣٠٣١٠٠٧"]
)
def test_a_nip_that_is_not_18_digits_is_refused(client, secretary, meeting, nip):
    client.force_login(secretary)
    response = client.post(_add_url(meeting), {**ROW, "nip": nip}, follow=True)
    assert response.status_code == 200
    assert "NIP terdiri atas 18 angka" in response.text
    assert not Attendance.objects.exists()


def test_missing_name_is_refused_with_a_message(client, secretary, meeting):
    client.force_login(secretary)
    response = client.post(_add_url(meeting), {**ROW, "name": ""}, follow=True)
    assert "Peserta belum ditambahkan" in response.text
    assert not Attendance.objects.exists()


def test_agency_of_another_province_is_refused(client, secretary, meeting, kalteng_agency):
    client.force_login(secretary)
    client.post(_add_url(meeting), {**ROW, "agency": kalteng_agency.pk})
    assert not Attendance.objects.exists()


def test_secretary_deletes_a_line(client, secretary, meeting):
    attendance = AttendanceFactory(meeting=meeting)
    client.force_login(secretary)
    assert client.post(_delete_url(attendance)).status_code == 302
    assert not Attendance.objects.exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETED)
    assert entry.changes["name"] == [attendance.name, None]


def test_closed_meeting_refuses_attendance_changes(client, secretary, meeting):
    attendance = AttendanceFactory(meeting=meeting)
    meeting.closed_at = timezone.now()
    meeting.save()
    client.force_login(secretary)
    response = client.post(_add_url(meeting), ROW, follow=True)
    assert "sudah ditutup" in response.text
    client.post(_delete_url(attendance))
    assert list(Attendance.objects.all()) == [attendance]


def test_meeting_of_another_province_is_404(client, secretary, kalteng_meeting):
    client.force_login(secretary)
    assert client.post(_add_url(kalteng_meeting), ROW).status_code == 404
    attendance = AttendanceFactory(meeting=kalteng_meeting)
    assert client.post(_delete_url(attendance)).status_code == 404
    assert Attendance.objects.count() == 1


def test_line_of_another_meeting_is_404(client, secretary, meeting, pupr_kalsel):
    from tests.factories import MeetingFactory

    other = AttendanceFactory(meeting=MeetingFactory(organiser=pupr_kalsel))
    client.force_login(secretary)
    url = reverse("meetings:attendance-delete", args=[meeting.pk, other.pk])
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_get_403(client, request, persona, meeting):
    attendance = AttendanceFactory(meeting=meeting)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_add_url(meeting), ROW).status_code == 403
    assert client.post(_delete_url(attendance)).status_code == 403
    assert Attendance.objects.count() == 1


def test_wrong_method_is_405(client, secretary, meeting):
    attendance = AttendanceFactory(meeting=meeting)
    client.force_login(secretary)
    assert client.get(_add_url(meeting)).status_code == 405
    assert client.get(_delete_url(attendance)).status_code == 405
