import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Decision
from rakornis.formatting import format_rupiah
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    DecisionFactory,
    DecisionFundingFactory,
    ProposalFundingFactory,
)
from tests.meetings.bulk import AGREED, decide_many

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
    assert reverse("meetings:attendance-form", args=[meeting.pk]) in text
    assert reverse("meetings:agenda-form", args=[meeting.pk]) in text


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
    assert reverse("meetings:agenda-agree", args=[meeting.pk]) not in response.text
    assert 'name="usulan"' not in response.text


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


# A big meeting: the page is bounded (issue 11) ---------------------------------------------------------------------


def _queries(client, url):
    client.get(url)  # the first request after signing in also saves the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.fixture
def regencies(banjar, tapin, pupr_banjar, pupr_tapin):
    return [(banjar, pupr_banjar), (tapin, pupr_tapin)]


# Every role's page is within issue 11's 12, the secretary's and an administrator's too: the attendance and agenda
# forms (whose choices are four queries) have their own pages, linked from the meeting page.
QUERY_BOUND = {"viewer": 12, "verifier": 12, "planner": 12, "operator_banjar": 12, "superuser": 12, "secretary": 12}


@pytest.mark.parametrize("persona", list(QUERY_BOUND))
def test_queries_are_the_same_at_5_and_at_3000_decisions(client, request, meeting, schemes, regencies, persona, banjar):
    client.force_login(request.getfixturevalue(persona))
    AttendanceFactory(meeting=meeting, agency=meeting.organiser)
    AgendaItemFactory(meeting=meeting, proposal__region=banjar)
    decide_many(meeting, regencies, schemes["APBD_PROV"], 5, prefix="S")
    # The whole list, and the list of one outcome in one kabupaten/kota (counted from the decision summary).
    filtered = f"{_url(meeting)}?keputusan=agreed&wilayah={banjar.pk}"
    small, _ = _queries(client, _url(meeting))
    small_filtered, _ = _queries(client, filtered)
    decide_many(meeting, regencies, schemes["APBD_PROV"], 3000)
    large, response = _queries(client, _url(meeting))
    large_filtered, _ = _queries(client, filtered)
    assert small == large
    assert small_filtered == large_filtered
    assert max(large, large_filtered) <= QUERY_BOUND[persona], (large, large_filtered)
    # An operator reads Banjar's half of the decisions.
    assert ("Kesepakatan (1.503)" if persona == "operator_banjar" else "Kesepakatan (3.005)") in response.text


def test_a_big_meeting_shows_one_page_of_decisions_and_the_totals_of_all(client, viewer, meeting, schemes, regencies):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 3000)
    client.force_login(viewer)
    response = client.get(_url(meeting))
    text = response.text
    assert len(response.content) < 200_000
    assert text.count("Usulan massal B") == 50
    assert "Halaman 1 dari 60" in text
    assert "Jumlah seluruhnya" in text  # the totals by kabupaten/kota, from the aggregate
    agreed_total = AGREED * 1200  # two in five of 3000 agreed, each at 800 million
    assert format_rupiah(agreed_total) in text
    page_2 = client.get(_url(meeting), {"hal": "2"}).text
    assert "Usulan massal B" in page_2 and "Halaman 2 dari 60" in page_2


@pytest.mark.parametrize("page", ["abc", "0", "999", "-1"])
def test_an_unreadable_or_past_the_end_page_is_a_page_not_an_error(client, viewer, meeting, schemes, regencies, page):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 120)
    client.force_login(viewer)
    response = client.get(_url(meeting), {"hal": page, "agenda_hal": page, "hadir_hal": page})
    assert response.status_code == 200
    assert "Usulan massal B" in response.text


def test_filter_by_outcome_and_kabupaten(client, viewer, meeting, schemes, regencies, tapin):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 100)
    client.force_login(viewer)
    rejected = client.get(_url(meeting), {"keputusan": Decision.Outcome.REJECTED}).context["decisions"]["page"]
    assert rejected.paginator.count == 20
    assert {row.outcome for row in rejected.object_list} == {Decision.Outcome.REJECTED}
    both = client.get(_url(meeting), {"keputusan": Decision.Outcome.REJECTED, "wilayah": tapin.pk})
    rows = both.context["decisions"]["page"].object_list
    assert rows and {(d.outcome, d.proposal.region_id) for d in rows} == {(Decision.Outcome.REJECTED, tapin.pk)}
    # An unknown outcome or region is ignored: the whole list, no error.
    everything = client.get(_url(meeting), {"keputusan": "nonsense", "wilayah": "x"})
    assert everything.context["decisions"]["page"].paginator.count == 100


def test_an_operator_sees_the_totals_of_their_kabupaten_only(client, operator_banjar, meeting, schemes, regencies):
    decide_many(meeting, regencies, schemes["APBD_PROV"], 100)
    client.force_login(operator_banjar)
    totals = client.get(_url(meeting)).context["totals"]
    assert [regency.name for regency in totals.regencies] == ["Kabupaten Banjar"]
    assert totals.count == 50


def test_attendance_is_paged(client, viewer, meeting):
    for index in range(105):
        AttendanceFactory(meeting=meeting, name=f"Peserta {index:03d}", agency=meeting.organiser)
    client.force_login(viewer)
    text = client.get(_url(meeting)).text
    assert "Daftar hadir (105)" in text
    assert len(re.findall(r"<td>Peserta \d{3}</td>", text)) == 100
    assert "Halaman 1 dari 2" in text


def test_the_agenda_shows_each_proposals_funding_in_the_schemes_order(client, viewer, meeting, schemes, banjar):
    item = AgendaItemFactory(meeting=meeting, proposal__region=banjar, proposal__name="Jalan Sungai Tabuk")
    # Added in the reverse of the schemes' order; the largest amount has 18 digits and must stay exact.
    ProposalFundingFactory(proposal=item.proposal, scheme=schemes["BKP"], amount=Decimal("987654321987654321"))
    ProposalFundingFactory(proposal=item.proposal, scheme=schemes["APBD_PROV"], amount=Decimal(250_000_000))
    client.force_login(viewer)
    text = client.get(_url(meeting)).text
    row = re.search(r"<tr>\s*<td[^>]*>[^<]*</td>\s*<td>Kabupaten Banjar</td>.*?</tr>", text, re.S)
    assert row, "agenda row"
    cells = " ".join(re.sub(r"<[^>]+>", " ", row.group(0)).split())
    assert "APBD Prov Rp 250.000.000 BKP Rp 987.654.321.987.654.321" in cells
