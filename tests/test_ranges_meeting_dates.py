"""A meeting's dates stay in a range: the form (five years around the planning year), the model and the admin
(2000-2100), and the database's check, which agree. A meeting dated 0001-01-01 or 9999-12-31 is refused with a
message, and the meeting pages never fail on a date.

Before: a meeting typed as 0001-01-01 was saved; on PostgreSQL the instant (year 0 in UTC) could not be read back
(`psycopg.DataError: timestamp too small`) and /rapat/ and the admin's meeting list answered 500.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from meetings.models import MEETING_EARLIEST, MEETING_LATEST, Meeting
from tests.admin_support import admin_url, form_data
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
CREATE = reverse("meetings:meeting-create")
LIST = reverse("meetings:meeting-list")


def _data(organiser, **overrides):
    return {
        "kind": Meeting.Kind.RAKORNIS,
        "title": "Rakornis Dinas PUPR Kalsel 2026",
        "organiser": organiser.pk,
        "starts_at": "2026-01-29T09:00",
        "ends_at": "2026-01-29T16:00",
        "venue": "Anjungan Kalimantan Selatan TMII",
        "city": "Jakarta",
        "fiscal_year": "2027",
        **overrides,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starts_at", "0001-01-01T00:00"),
        ("starts_at", "9999-12-31T09:00"),
        ("ends_at", "9999-12-31T23:59"),
        ("starts_at", "2020-12-31T09:00"),  # the window's edge: TA 2022 is planned in 2021 at the earliest
        ("ends_at", "2033-01-01T09:00"),
    ],
)
def test_a_meeting_date_outside_the_window_is_refused_with_a_message(client, secretary, pupr_kalsel, field, value):
    client.force_login(secretary)
    response = client.post(CREATE, _data(pupr_kalsel, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["Tanggal rapat harus antara 1 Januari 2021 dan 31 Desember 2032."]
    assert "Tanggal rapat harus antara 1 Januari 2021 dan 31 Desember 2032." in response.text
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("starts_at", "ends_at"), [("2021-01-01T08:00", "2021-01-01T09:00"), ("2032-12-31T08:00", "2032-12-31T23:59")]
)
def test_the_window_edges_are_accepted(client, secretary, pupr_kalsel, starts_at, ends_at):
    client.force_login(secretary)
    response = client.post(CREATE, _data(pupr_kalsel, starts_at=starts_at, ends_at=ends_at))
    assert response.status_code == 302
    assert Meeting.objects.get().starts_at.year in (2021, 2032)


@pytest.mark.parametrize("year", ["2021", "2033", "1945", "99999"])
def test_a_fiscal_year_outside_the_window_is_refused(client, secretary, pupr_kalsel, year):
    client.force_login(secretary)
    response = client.post(CREATE, _data(pupr_kalsel, fiscal_year=year))
    assert response.status_code == 200
    assert response.context["form"].errors["fiscal_year"]
    assert not Meeting.objects.exists()


def test_the_form_offers_the_window_in_the_year_box(client, secretary):
    client.force_login(secretary)
    year_box = client.get(CREATE).context["form"]["fiscal_year"]
    assert 'min="2022"' in str(year_box) and 'max="2032"' in str(year_box)


def test_editing_an_open_meeting_to_0001_is_refused(client, secretary, pupr_kalsel):
    meeting = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC))
    client.force_login(secretary)
    url = reverse("meetings:meeting-update", args=[meeting.pk])
    response = client.post(url, _data(pupr_kalsel, starts_at="0001-01-01T00:00"))
    assert response.status_code == 200
    assert "Tanggal rapat harus antara" in response.text
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime(2026, 1, 29, 1, tzinfo=UTC)


def test_the_model_refuses_dates_outside_2000_2100(pupr_kalsel):
    meeting = MeetingFactory.build(organiser=pupr_kalsel, fiscal_year=2027)
    for start in (datetime(1, 1, 2, tzinfo=UTC), datetime(1999, 12, 31, 23, 59, tzinfo=UTC), MEETING_LATEST):
        meeting.starts_at, meeting.ends_at = start, start + timedelta(hours=1) if start.year < 9999 else start
        with pytest.raises(ValidationError) as excinfo:
            meeting.full_clean()
        assert excinfo.value.message_dict["starts_at"] == [
            "Tanggal rapat harus antara 1 Januari 2000 dan 31 Desember 2100."
        ]
    meeting.starts_at, meeting.ends_at = MEETING_EARLIEST, MEETING_EARLIEST + timedelta(hours=1)
    meeting.full_clean()  # the first instant of the window is inside


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (datetime(1999, 12, 31, 22, tzinfo=UTC), datetime(2000, 1, 1, 2, tzinfo=UTC)),
        (datetime(2100, 12, 31, 22, tzinfo=UTC), datetime(2101, 1, 1, 0, tzinfo=UTC)),
        (datetime(9999, 12, 31, 9, tzinfo=UTC), datetime(9999, 12, 31, 10, tzinfo=UTC)),
    ],
)
def test_the_database_refuses_dates_outside_2000_2100(pupr_kalsel, starts_at, ends_at):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        MeetingFactory(organiser=pupr_kalsel, starts_at=starts_at, ends_at=ends_at)
    assert "meetings_meeting_dates_in_range" in str(excinfo.value)


def test_the_admin_refuses_0001_with_a_message(admin_client, pupr_kalsel):
    meeting = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC))
    url = admin_url(Meeting, "change", meeting.pk)
    data = form_data(admin_client.get(url))
    data["starts_at_0"], data["starts_at_1"] = "0001-01-01", "00:00:00"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["starts_at"] == [
        "Tanggal rapat harus antara 1 Januari 2000 dan 31 Desember 2100."
    ]
    meeting.refresh_from_db()
    assert meeting.starts_at.year == 2026


def test_the_meeting_list_and_the_admin_list_show_meetings_at_the_edges(client, admin_client, secretary, pupr_kalsel):
    MeetingFactory(organiser=pupr_kalsel, starts_at=MEETING_EARLIEST, ends_at=MEETING_EARLIEST + timedelta(hours=1))
    last = MEETING_LATEST - timedelta(hours=2)
    MeetingFactory(organiser=pupr_kalsel, starts_at=last, ends_at=last + timedelta(hours=1))
    client.force_login(secretary)
    assert client.get(LIST, {"tahun": ""}).status_code == 200
    assert admin_client.get(admin_url(Meeting, "changelist")).status_code == 200
    assert admin_client.get(admin_url(Meeting, "changelist"), {"starts_at__year": "2100"}).status_code == 200


# --- The migration's repair of rows saved before the check -----------------------------------------------------------

repair = importlib.import_module("meetings.migrations.0003_meeting_dates_in_range").repair_dates_out_of_range


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite cannot drop a check to plant a bad row")
def test_the_migration_moves_bad_rows_to_the_edge_and_the_pages_work_again(
    client, admin_client, secretary, pupr_kalsel
):
    good = MeetingFactory(organiser=pupr_kalsel)
    too_early, too_late = MeetingFactory(organiser=pupr_kalsel), MeetingFactory(organiser=pupr_kalsel)
    with connection.cursor() as cursor:
        # The rows as the form saved them before: 0001-01-01 00:00 WITA is an instant of year 0 in UTC.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred foreign key checks pending: ALTER may run
        cursor.execute("ALTER TABLE meetings_meeting DROP CONSTRAINT meetings_meeting_dates_in_range")
        cursor.execute(
            "UPDATE meetings_meeting SET starts_at = '0001-01-01 00:00+08', ends_at = '0001-01-01 02:00+08' "
            "WHERE id = %s",
            [too_early.pk],
        )
        cursor.execute(
            "UPDATE meetings_meeting SET starts_at = '9999-12-31 09:00+08', ends_at = '9999-12-31 10:00+08' "
            "WHERE id = %s",
            [too_late.pk],
        )
    client.force_login(secretary)
    with pytest.raises(Exception, match="timestamp too small"):  # what the issue saw, reproduced
        client.get(LIST, {"tahun": ""})

    repair(apps, None)

    assert client.get(LIST, {"tahun": ""}).status_code == 200
    assert admin_client.get(admin_url(Meeting, "changelist")).status_code == 200
    early, late = Meeting.objects.get(pk=too_early.pk), Meeting.objects.get(pk=too_late.pk)
    assert (early.starts_at, early.ends_at) == (MEETING_EARLIEST, MEETING_EARLIEST + timedelta(hours=1))
    assert late.starts_at == datetime(2100, 12, 31, tzinfo=UTC)
    assert late.ends_at == late.starts_at + timedelta(hours=1)
    before = good.starts_at
    good.refresh_from_db()
    assert good.starts_at == before
    # The repaired rows pass the check: it is added back as the migration adds it.
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE meetings_meeting ADD CONSTRAINT meetings_meeting_dates_in_range CHECK "
            "(starts_at >= '2000-01-01 00:00+00' AND starts_at < '2101-01-01 00:00+00' "
            "AND ends_at >= '2000-01-01 00:00+00' AND ends_at < '2101-01-01 00:00+00')"
        )


def test_the_repair_leaves_good_rows_alone(pupr_kalsel):
    meeting = MeetingFactory(organiser=pupr_kalsel)
    before = (meeting.starts_at, meeting.ends_at)
    repair(apps, None)
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ends_at) == before
