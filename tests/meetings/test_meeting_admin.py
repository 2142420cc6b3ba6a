"""The meeting pages of the Django admin: a closed meeting and everything under it are read-only for everyone,
superusers included; decisions are read there and recorded on the meeting pages only (they move the proposal's
status)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from meetings.models import Attendance, Decision, DecisionFunding, Desk, Meeting
from programs.models import Proposal
from tests.admin_support import admin_url, form_data, grant
from tests.factories import AttendanceFactory, DecisionFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def attendance(meeting, pupr_kalsel):
    desk = Desk.objects.create(meeting=meeting, name="Desk Jalan dan Jembatan")
    return AttendanceFactory(meeting=meeting, name="Ir. Ahmad Solhan", agency=pupr_kalsel, desk=desk, order=1)


@pytest.fixture
def decision(meeting, banjar_proposal, schemes):
    Proposal.objects.filter(pk=banjar_proposal.pk).update(status=Proposal.Status.AGREED)
    decision = DecisionFactory(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED)
    DecisionFunding.objects.create(decision=decision, scheme=schemes["APBD_KAB"], amount=Decimal("1500000000"))
    return decision


def close(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(closed_at=datetime.now(UTC))


# --- A closed meeting ------------------------------------------------------------------------------------------------


def test_an_open_meeting_is_edited_by_a_superuser(admin_client, meeting, attendance):
    url = admin_url(Meeting, "change", meeting.pk)
    data = form_data(admin_client.get(url))
    data["attendances-0-name"] = "Ir. Ahmad Solhan, M.T."
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert Attendance.objects.get(pk=attendance.pk).name == "Ir. Ahmad Solhan, M.T."


def test_a_closed_meeting_is_read_only_for_a_superuser_attendance_included(admin_client, meeting, attendance):
    url = admin_url(Meeting, "change", meeting.pk)
    data = form_data(admin_client.get(url))  # opened before the meeting was closed
    data["title"] = "Diubah"
    data["attendances-0-name"] = "Nama palsu"
    close(meeting)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    for inline in response.context["inline_admin_formsets"]:
        assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    assert "Rapat ini sudah ditutup" in response.text
    assert admin_client.post(url, data).status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).title == meeting.title
    assert Attendance.objects.get(pk=attendance.pk).name == "Ir. Ahmad Solhan"


def test_attendance_and_desks_of_a_closed_meeting_cannot_be_changed_added_or_deleted(admin_client, meeting, attendance):
    close(meeting)
    url = admin_url(Attendance, "change", attendance.pk)
    assert admin_client.get(url).context["has_change_permission"] is False
    assert admin_client.post(url, {"meeting": meeting.pk, "name": "Nama palsu", "order": 1}).status_code == 403
    assert admin_client.post(admin_url(Attendance, "delete", attendance.pk), {"post": "yes"}).status_code == 403
    desk = attendance.desk
    assert admin_client.post(admin_url(Desk, "change", desk.pk), {"meeting": meeting.pk, "name": "X"}).status_code == (
        403
    )
    assert admin_client.post(admin_url(Desk, "delete", desk.pk), {"post": "yes"}).status_code == 403
    assert (Attendance.objects.get(pk=attendance.pk).name, Desk.objects.get(pk=desk.pk).name) == (
        "Ir. Ahmad Solhan",
        "Desk Jalan dan Jembatan",
    )


def test_no_attendance_is_added_to_a_closed_meeting(admin_client, meeting):
    close(meeting)
    response = admin_client.post(
        admin_url(Attendance, "add"), {"meeting": meeting.pk, "name": "Peserta susulan", "order": 9, "capacity": ""}
    )
    assert response.status_code == 200
    assert "meeting" in response.context["adminform"].form.errors
    assert not Attendance.objects.filter(name="Peserta susulan").exists()


def test_a_closed_meeting_is_read_only_for_staff(client, verifier, meeting):
    close(meeting)
    url = admin_url(Meeting, "change", meeting.pk)
    client.force_login(grant(verifier, "meetings.view_meeting", "meetings.change_meeting"))
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(url, {"title": "Diubah"}).status_code == 403


def test_an_attendances_desk_must_belong_to_its_meeting(admin_client, meeting, attendance):
    other_desk = Desk.objects.create(meeting=MeetingFactory(), name="Desk Perumahan")
    url = admin_url(Attendance, "change", attendance.pk)
    data = form_data(admin_client.get(url)) | {"desk": str(other_desk.pk)}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "desk" in response.context["adminform"].form.errors


# --- Decisions: recorded on the meeting pages only -------------------------------------------------------------------


def test_a_superuser_reads_a_decision_but_cannot_change_it(admin_client, decision, banjar_proposal):
    url = admin_url(Decision, "change", decision.pk)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert "Rp 1.500.000.000" in response.text
    forged = {"outcome": Decision.Outcome.REJECTED, "reason": "palsu", "funding_lines-TOTAL_FORMS": "0"}
    assert admin_client.post(url, forged).status_code == 403
    assert Decision.objects.get(pk=decision.pk).outcome == Decision.Outcome.AGREED
    assert Proposal.objects.get(pk=banjar_proposal.pk).status == Proposal.Status.AGREED


def test_decisions_and_their_funding_are_neither_added_nor_deleted_in_the_admin(admin_client, decision):
    assert admin_client.get(admin_url(Decision, "add")).status_code == 403
    assert admin_client.post(admin_url(Decision, "delete", decision.pk), {"post": "yes"}).status_code == 403
    line = decision.funding_lines.get()
    assert admin_client.post(admin_url(DecisionFunding, "change", line.pk), {"amount": "1"}).status_code == 403
    assert admin_client.post(admin_url(DecisionFunding, "delete", line.pk), {"post": "yes"}).status_code == 403
    assert DecisionFunding.objects.get(pk=line.pk).amount == Decimal("1500000000")
