import re
from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.models import Decision
from tests.factories import AgendaItemFactory, AttendanceFactory, DecisionFactory, DecisionFundingFactory

pytestmark = pytest.mark.django_db


def _url(meeting):
    return reverse("meetings:meeting-detail", args=[meeting.pk])


@pytest.fixture
def decided(meeting, banjar_proposal, tapin_proposal, schemes):
    """Banjar's proposal agreed with changes, Tapin's agreed as proposed."""
    banjar = DecisionFactory(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED_WITH_CHANGES)
    DecisionFundingFactory(decision=banjar, scheme=schemes["APBD_KAB"], amount=1_250_000_000)
    tapin = DecisionFactory(meeting=meeting, proposal=tapin_proposal, outcome=Decision.Outcome.AGREED)
    DecisionFundingFactory(decision=tapin, scheme=schemes["APBD_PROV"], amount=2_000_000_000)
    DecisionFundingFactory(decision=tapin, scheme=schemes["BKP"], amount=500_000_000)
    return banjar, tapin


def test_secretary_sees_facts_attendance_agenda_decisions_and_actions(client, secretary, meeting, decided, banjar):
    AttendanceFactory(meeting=meeting, name="Ir. Ahmad Solhan", position="Kepala Dinas PUPR", agency=meeting.organiser)
    waiting = AgendaItemFactory(meeting=meeting, proposal__region=banjar, proposal__name="Jembatan Sungai Tabuk")
    client.force_login(secretary)
    response = client.get(_url(meeting))
    assert response.status_code == 200
    text = response.text
    assert "Rakornis Dinas PUPR Kalsel 2026" in text
    assert "Anjungan Kalimantan Selatan TMII" in text
    assert "Ir. Ahmad Solhan" in text
    assert re.search(rf"<td>{re.escape(meeting.organiser.short_name)}</td>\s*<td>Peserta</td>", text)  # short name
    assert "Jembatan Sungai Tabuk" in text
    assert reverse("meetings:decision-record", args=[meeting.pk, waiting.proposal.pk]) in text
    assert "Rp 1.250.000.000" in text  # Banjar, agreed with changes
    assert "Rp 3.750.000.000" in text  # grand total: 1.25 + 2.0 + 0.5 billion
    assert reverse("meetings:meeting-close", args=[meeting.pk]) in text
    assert reverse("meetings:attendance-add", args=[meeting.pk]) in text


def test_operator_sees_only_the_decisions_of_their_kabupaten_and_no_actions(client, operator_banjar, meeting, decided):
    client.force_login(operator_banjar)
    response = client.get(_url(meeting))
    assert response.status_code == 200
    assert "Rp 1.250.000.000" in response.text
    assert "USL-2027-63.05-0001" not in response.text
    assert "Rp 2.000.000.000" not in response.text
    assert reverse("meetings:meeting-close", args=[meeting.pk]) not in response.text
    assert reverse("meetings:meeting-minutes", args=[meeting.pk]) not in response.text


def test_viewer_reads_without_buttons(client, viewer, meeting, decided):
    client.force_login(viewer)
    response = client.get(_url(meeting))
    assert response.status_code == 200
    assert reverse("meetings:meeting-minutes", args=[meeting.pk]) in response.text
    assert reverse("meetings:attendance-add", args=[meeting.pk]) not in response.text
    assert reverse("meetings:meeting-update", args=[meeting.pk]) not in response.text


def test_closed_meeting_hides_the_buttons(client, secretary, meeting, decided):
    from django.utils import timezone

    meeting.closed_at = timezone.now()
    meeting.save()
    client.force_login(secretary)
    response = client.get(_url(meeting))
    assert "Ditutup" in response.text
    for name in ("meetings:meeting-close", "meetings:attendance-add", "meetings:agenda-add", "meetings:meeting-update"):
        assert reverse(name, args=[meeting.pk]) not in response.text


def test_meeting_of_another_province_is_404(client, secretary, kalteng_meeting):
    client.force_login(secretary)
    assert client.get(_url(kalteng_meeting)).status_code == 404


def test_user_without_role_gets_404(client, meeting):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(_url(meeting)).status_code == 404


def test_anonymous_is_sent_to_login(client, meeting):
    response = client.get(_url(meeting))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_wrong_method_is_405(client, secretary, meeting):
    client.force_login(secretary)
    assert client.delete(_url(meeting)).status_code == 405


def test_the_time_names_the_offices_time_zone(client, secretary, meeting, settings):
    """09.00-16.00 in Banjarbaru is WITA; an office in Palangka Raya (TIME_ZONE=Asia/Jakarta) reads its own WIB."""
    client.force_login(secretary)
    assert "Kamis, 29 Januari 2026, 09.00 – 16.00 WITA" in client.get(_url(meeting)).text
    settings.TIME_ZONE = "Asia/Jakarta"
    text = client.get(_url(meeting)).text
    assert "Kamis, 29 Januari 2026, 08.00 – 15.00 WIB" in text
    assert "WITA" not in text


def test_volumes_read_as_typed_on_the_page_the_minutes_and_the_decision_form(
    client, secretary, meeting, decided, banjar
):
    """`1,5` agreed reads `1,5 km` everywhere, as on the proposal's page, not `1,50 km` from the column's places."""
    Decision.objects.filter(pk=decided[0].pk).update(agreed_volume=Decimal("1.50"))
    waiting = AgendaItemFactory(meeting=meeting, proposal__region=banjar, proposal__volume=Decimal("2.50"))
    client.force_login(secretary)
    page = client.get(_url(meeting)).text
    assert "1,5 km" in page  # the decision
    assert "2,5 km" in page  # the agenda
    assert "1,50" not in page and "2,50" not in page
    assert "1,5 km" in client.get(reverse("meetings:meeting-minutes", args=[meeting.pk])).text
    form = client.get(reverse("meetings:decision-record", args=[meeting.pk, waiting.proposal.pk])).text
    assert "Usulan: 2,5 km" in form
    assert "2,50" not in form


def test_queries_do_not_grow_with_rows(client, secretary, meeting, schemes, banjar, pupr_banjar, tapin, pupr_tapin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import verified_proposal

    def add_rows(region, agency, n):
        for _ in range(n):
            proposal = verified_proposal(region, agency, {"APBD_KAB": 100, "BKP": 50})
            decision = DecisionFactory(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED)
            DecisionFundingFactory(decision=decision, scheme=schemes["APBD_KAB"], amount=100)
            AgendaItemFactory(meeting=meeting, proposal=verified_proposal(region, agency, {"BKP": 10}))
            AttendanceFactory(meeting=meeting, agency=agency)

    client.force_login(secretary)
    add_rows(banjar, pupr_banjar, 1)
    client.get(_url(meeting))  # warm the session and content type caches
    with CaptureQueriesContext(connection) as few:
        client.get(_url(meeting))
    add_rows(tapin, pupr_tapin, 6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(_url(meeting)).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
